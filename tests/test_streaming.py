"""Rows that arrive while the reader runs: a streamed start (newest digests first) and live reload.

No UI: `open_library` with plain callbacks, `LibraryFiles.reload`, and `Session.swap_rows`.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
from pathlib import Path

import pytest

from reader.devtools.generate import generate
from reader.library import ParseCache, load, newest_first
from reader.loader import LibraryFiles, Opened, batches, open_library, reload_library
from reader.marks import WriteReport
from reader.search import Corpus
from reader.search.store import SegmentStore
from reader.session import Session, View
from reader.state import StateStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_digests" / "arxiv-cs.CV-2019-07-09.md"


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    s = StateStore(tmp_path / "state")
    s.load()
    return s


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "lib"
    generate(d, days=12, per_day=20)  # 2019-01-01 ... 2019-01-16, weekdays
    return d


def day(folder: Path, date: str) -> Path:
    """The digest of that day (the generator picks its category)."""
    (found,) = folder.glob(f"*-{date}.md")
    return found


def stream(folder: Path, store: StateStore, cache: ParseCache | None = None) -> tuple[list[Opened], list[Corpus]]:
    shown: list[Opened] = []
    corpora: list[Corpus] = []
    open_library([str(folder)], cache, store, progress=lambda d, t: None, loaded=shown.append,
                 arrived=shown.append, corpus_ready=corpora.append, stop=threading.Event())
    return shown, corpora


def titles_found(corpus: Corpus, text: str) -> list[str]:
    from reader.search import parse

    return [corpus.papers[i].title for i in parse(text).run(corpus).indices]


# -- order ----------------------------------------------------------------------------------

def test_newest_first_orders_by_the_date_in_the_name_then_mtime(tmp_path: Path) -> None:
    names = ["arxiv-cs.CV-2019-01-02.md", "notes.md", "arxiv-cs.LG-2019-01-03.md", "arxiv-cs.CV-2019-01-03.md"]
    for n, name in enumerate(names):
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, ns=(0, (1 + n) * 10**9))  # written in this order
    order = [p.name for p in newest_first(sorted(tmp_path.iterdir()))]
    # Same date in the name: the later mtime first (cs.LG was written before cs.CV); no date: last.
    assert order == ["arxiv-cs.CV-2019-01-03.md", "arxiv-cs.LG-2019-01-03.md", "arxiv-cs.CV-2019-01-02.md",
                     "notes.md"]


def test_batches_start_with_the_newest_day_and_grow_fourfold() -> None:
    files = [Path(f"a-2019-01-{d:02d}-{c}.md") for d in range(20, 0, -1) for c in "xy"]
    got = list(batches(files))
    assert got[0] == files[:2]  # both digests of the newest day
    assert [len(b) for b in got] == [2, 6, 24, 8]
    assert [f for b in got for f in b] == files


# -- streamed start -------------------------------------------------------------------------

def test_the_newest_digest_shows_first_and_the_rest_arrive_newest_to_oldest(folder: Path, store: StateStore) -> None:
    shown, corpora = stream(folder, store)
    first = shown[0]
    assert {p.date for p in first.prepared.papers} == {"2019-01-16"}
    assert first.done == 1 and first.total == 12 and not first.complete
    assert len(shown) > 2 and shown[-1].complete
    oldest = [min(p.date or "" for p in o.prepared.papers) for o in shown]
    assert oldest == sorted(oldest, reverse=True)  # each batch reaches further back
    sizes = [len(o.prepared.papers) for o in shown]
    assert sizes == sorted(sizes) and sizes[-1] == 240
    # The last batch is what a plain load of everything gives, row for row.
    assert [p.key for p in shown[-1].prepared.papers] == [p.key for p in load([str(folder)]).papers]
    assert len(corpora) == 1 and corpora[0].papers is shown[-1].prepared.papers
    # The display titles come from the corpus: the same as made from the papers.
    assert shown[-1].prepared.titles == Session.prepare(shown[-1].prepared.papers, None).titles


def test_each_batch_searches_exactly_its_own_rows(folder: Path, store: StateStore) -> None:
    shown, _ = stream(folder, store)
    oldest_title = load([str(day(folder, "2019-01-01"))]).papers[5].title
    for o in shown:
        assert o.corpus is not None and o.corpus.papers is o.prepared.papers
        found = titles_found(o.corpus, f'"{oldest_title}"')
        assert (oldest_title in found) == o.complete


def test_with_warm_caches_each_batch_still_searches_exactly_its_rows(folder: Path, store: StateStore,
                                                                   tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    stream(folder, store, cache)  # writes the parse cache, the segments and the merged groups
    shown, corpora = stream(folder, store, cache)
    oldest_title = load([str(day(folder, "2019-01-01"))]).papers[5].title
    for o in shown:
        assert o.corpus is not None and o.corpus.papers is o.prepared.papers
        assert (oldest_title in titles_found(o.corpus, f'"{oldest_title}"')) == o.complete
        assert all(o.corpus.titles[i] == t for i, t in enumerate(o.prepared.titles))
    assert [p.key for p in shown[-1].prepared.papers] == [p.key for p in load([str(folder)]).papers]
    assert titles_found(corpora[0], f'"{oldest_title}"') == [oldest_title]


def test_marks_apply_to_what_is_loaded(folder: Path, store: StateStore) -> None:
    old = load([str(day(folder, "2019-01-02"))]).papers[0]
    store.apply([(old.key, "read", True)])
    shown, _ = stream(folder, store)
    last = shown[-1].prepared
    assert last.read[last.index.indices(old.key)[0]] == 1
    assert old.key not in shown[0].prepared.index.keys


def test_a_stop_ends_the_stream(folder: Path, store: StateStore) -> None:
    stop = threading.Event()
    shown: list[Opened] = []

    def loaded(o: Opened) -> None:
        shown.append(o)
        stop.set()

    open_library([str(folder)], None, store, progress=lambda d, t: None, loaded=loaded, arrived=shown.append,
                 corpus_ready=lambda c: None, stop=stop)
    assert len(shown) == 1


def test_without_arrived_everything_loads_before_the_first_screen(folder: Path, store: StateStore) -> None:
    shown: list[Opened] = []
    open_library([str(folder)], None, store, progress=lambda d, t: None, loaded=shown.append,
                 corpus_ready=lambda c: None, stop=threading.Event())
    assert len(shown) == 1 and len(shown[0].prepared.papers) == 240


# -- live reload ----------------------------------------------------------------------------

def loaded_files(folder: Path, cache: object = None) -> tuple[LibraryFiles, SegmentStore, Opened]:
    files = LibraryFiles([str(folder)], None)
    segments = SegmentStore(None)
    shown: list[Opened] = []
    open_library([str(folder)], None, None, progress=lambda d, t: None, loaded=shown.append, arrived=shown.append,
                 corpus_ready=lambda c: None, stop=threading.Event(), files=files, segments=segments)
    return files, segments, shown[-1]


def test_a_new_digest_builds_its_own_segment_only_and_says_what_arrived(folder: Path, tmp_path: Path) -> None:
    files, segments, before = loaded_files(folder)
    built = segments.built
    new = folder / "arxiv-cs.CV-2019-07-09.md"
    shutil.copy(SAMPLE, new)
    after = reload_library(files, segments, None, [new], [])
    assert segments.built == built + 1
    assert after.arrived == "+46 papers: 2019-07-09 cs.CV"
    assert len(after.prepared.papers) == len(before.prepared.papers) + 46
    assert after.corpus is not None and after.corpus.papers is after.prepared.papers
    assert "Point-Voxel CNN for Efficient 3D Deep Learning" in titles_found(after.corpus, "point-voxel")
    assert [p.key for p in after.prepared.papers] == [p.key for p in load([str(folder)]).papers]


def test_a_deleted_digest_disappears(folder: Path) -> None:
    files, segments, before = loaded_files(folder)
    gone = day(folder, "2019-01-10")
    keys = {p.key for p in load([str(gone)]).papers}
    gone.unlink()
    after = reload_library(files, segments, None, [], [gone])
    assert after.arrived.startswith("-20 papers: 2019-01-10 ")
    assert not keys & set(after.prepared.index.keys)
    assert len(after.prepared.papers) == len(before.prepared.papers) - 20


def test_a_changed_digest_is_read_again(folder: Path) -> None:
    files, segments, _ = loaded_files(folder)
    built = segments.built
    f = day(folder, "2019-01-16")
    f.write_text(f.read_text().replace("###", "### Zyzzyva", 1))
    after = reload_library(files, segments, None, [f], [])
    assert segments.built == built + 1
    assert after.corpus is not None and len(titles_found(after.corpus, "zyzzyva")) == 1


# -- the session keeps its place ------------------------------------------------------------

class Harness:
    def __init__(self, store: StateStore) -> None:
        self.reports: queue.Queue[WriteReport] = queue.Queue()
        self.session = Session(self.reports.put)
        self.session.store = store


def test_swap_rows_keeps_the_current_paper_the_filter_and_the_view(folder: Path, store: StateStore) -> None:
    shown, _ = stream(folder, store)
    first, last = shown[0], shown[-1]
    session = Harness(store).session
    session.load(first.prepared, first.library)
    assert first.corpus is not None
    current = 7
    key = session.keys[current]
    outcome = session.search(first.corpus, "learning", session.narrowing(), lambda: False)
    assert outcome is not None and session.apply_search(outcome)
    shown_keys = [session.keys[i] for i in session.rows]
    assert 0 < len(shown_keys) < len(session.papers)

    # A search begun over the old rows, finished after the swap, is dropped.
    stale = session.search(first.corpus, "network", session.narrowing(), lambda: False)
    new_index = session.swap_rows(last.prepared, last.library, current)
    assert new_index is not None and session.keys[new_index] == key
    assert [session.keys[i] for i in session.rows] == shown_keys  # until the filter re-runs
    assert session.filter.text == "learning" and session.filter.result is None
    assert stale is not None and not session.apply_search(stale)
    assert last.corpus is not None
    rerun = session.search(last.corpus, "learning", session.narrowing(), lambda: False)
    assert rerun is not None and session.apply_search(rerun)
    assert len(session.rows) > len(shown_keys)


def test_swap_rows_unfiltered_shows_the_new_papers_and_carries_a_view(folder: Path, store: StateStore) -> None:
    shown, _ = stream(folder, store)
    first, last = shown[0], shown[-1]
    session = Harness(store).session
    session.load(first.prepared, first.library)
    assert session.swap_rows(last.prepared, last.library, None) is None
    assert len(session.rows) == len(last.prepared.papers)
    # A view (a digest day) keeps its papers, now at their new rows.
    session.load(first.prepared, first.library)
    session.set_view(View("2019-01-16", [0, 1, 2], "rows:test"))  # a view the navigator does not know
    keys = [session.keys[i] for i in session.rows]
    session.swap_rows(last.prepared, last.library, 2)
    assert session.view.label == "2019-01-16"
    assert [session.keys[i] for i in session.rows] == keys


def test_swap_rows_drops_a_deleted_current_paper(folder: Path, store: StateStore) -> None:
    files, segments, before = loaded_files(folder)
    session = Harness(store).session
    session.load(before.prepared, before.library)
    gone = day(folder, "2019-01-16")
    current = next(i for i, p in enumerate(session.papers) if p.date == "2019-01-16")
    unread = session.unread_shown
    gone.unlink()
    after = reload_library(files, segments, store, [], [gone])
    assert session.swap_rows(after.prepared, after.library, current) is None
    assert session.unread_shown == unread - 20


def test_marks_re_read_before_a_swap_are_known_stale(folder: Path, store: StateStore, tmp_path: Path) -> None:
    shown, _ = stream(folder, store)
    first, last = shown[0], shown[-1]
    session = Harness(store).session
    session.load(first.prepared, first.library)
    other = StateStore(tmp_path / "state")  # another process marks a paper
    other.load()
    other.apply([(first.prepared.papers[0].key, "read", True)])
    reread = session.reread_marks()
    assert reread.flags is not None and reread.generation == session.generation
    session.swap_rows(last.prepared, last.library, 0)
    assert reread.generation != session.generation  # the app recomputes the flags for the new rows


def test_a_big_batch_in_between_is_shown_only_when_digests_are_parsed() -> None:
    from reader.loader import _worth_showing

    assert _worth_showing(1_600, parsed=False)  # small: always
    assert not _worth_showing(25_600, parsed=False)  # from the cache: the rest follows in a moment
    assert _worth_showing(25_600, parsed=True)  # parsing: the rest takes seconds


def test_with_warm_caches_a_big_batch_in_between_waits_for_the_rest(tmp_path: Path, store: StateStore) -> None:
    folder = tmp_path / "big"
    generate(folder, days=20, per_day=400)  # batches of 1, 3, 12 and 4 files: the third brings 6,400 rows
    cache = ParseCache(tmp_path / "cache")
    cold, _ = stream(folder, store, cache)
    warm, corpora = stream(folder, store, cache)
    assert [o.done for o in cold] == [1, 4, 16, 20]  # parsed: every batch shown
    assert [o.done for o in warm] == [1, 4, 20]
    assert [p.key for p in warm[-1].prepared.papers] == [p.key for p in load([str(folder)]).papers]
    assert corpora[0].papers is warm[-1].prepared.papers
