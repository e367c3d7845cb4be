"""Search segments per digest file: only what changed is built, and the answers are always those
of a corpus built from scratch over the same papers."""

from __future__ import annotations

import datetime
import os
import random
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.cache import ParseCache
from reader.library import load, merge_papers
from reader.search import Corpus, parse
from reader.search.store import SegmentStore, library_files

WORDS = ["segmentation", "point", "cloud", "voxel", "transformer", "depth", "graph", "learning", "deep", "cat",
         "naïve", "Straße", "flow"]  # fmt: skip
QUERIES = ["segmentation", "point cloud", '"point cloud"', "vox", "transformr", "segmantation", "^deep",
           "graph$", "abs:flow", "ti:learning", "!cat", "cat:cs.LG", "cat:cs.CV deep", "id:1907.0001",
           "straße", "NAÏVE", "'poin", "depth | graph", "xyzzy"]  # fmt: skip


def write_digest(path: Path, day: int, category: str, papers: list[tuple[str, str, str]]) -> None:
    """A digest in the Markdown format: (identifier, title, abstract) for each paper."""
    date = datetime.date(2019, 7, day)
    lines = [f"# ArXiv {category} --{date.strftime('%a')}, {day} Jul 2019"]
    for k, (ident, title, abstract) in enumerate(papers, 1):
        lines.append(f"### {k}.{title}  [ :arrow_down: ](https://arxiv.org/pdf/{ident}.pdf)")
        lines.append(f">  {abstract}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def random_papers(rng: random.Random, n: int, ids: int = 40) -> list[tuple[str, str, str]]:
    out = []
    used = set()
    for _ in range(n):
        ident = f"1907.{rng.randrange(1, ids + 1):05d}"
        if ident in used:
            continue
        used.add(ident)
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5)))
        abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
        out.append((ident, title.capitalize(), abstract))
    return out


def answers(corpus: Corpus) -> dict[str, tuple[list[int], list[float], bool]]:
    out = {}
    for text in QUERIES:
        r = parse(text).run(corpus, rank=True)
        out[text] = (sorted(r.indices), sorted(r.scores), r.fuzzy)
    return out


def scratch(papers) -> Corpus:
    return Corpus.build(papers)


def make_library(root: Path, days: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    files = []
    for day in range(1, days + 1):
        f = root / f"2019-07-{day:02d}.md"
        write_digest(f, day, rng.choice(["cs.CV", "cs.LG"]), random_papers(rng, 8))
        files.append(f)
    return files


def test_a_new_digest_builds_its_own_segment_and_no_other(tmp_path):
    lib_dir = tmp_path / "digests"
    lib_dir.mkdir()
    make_library(lib_dir, 4)
    cache = ParseCache(tmp_path / "cache")
    store = SegmentStore(cache)
    corpus = store.library_corpus(load([lib_dir], cache=cache))
    corpus.prepare()
    assert store.built == 4 and store.save() == 4 + store.merged
    # The next session: every segment from the cache, ready to search without building anything.
    later = SegmentStore(cache)
    lib = load([lib_dir], cache=cache)
    warm = later.library_corpus(lib)
    assert (later.built, later.merged) == (0, 0) and later.loaded >= 1 and warm.ready
    assert answers(warm) == answers(scratch(lib.papers))
    # The morning: one new digest.
    write_digest(lib_dir / "2019-07-20.md", 20, "cs.CV", [("1907.09999", "Morning voxel news", "fresh flow")])
    lib = load([lib_dir], cache=cache)
    morning = later.library_corpus(lib)
    assert later.built == 1
    assert not morning.ready
    morning.prepare()
    assert later.save() == 1 + later.merged
    hits = parse("morning").run(morning).indices
    assert [lib.papers[i].id for i in hits] == ["1907.09999"]
    assert answers(morning) == answers(scratch(lib.papers))


def test_a_changed_digest_rebuilds_only_itself(tmp_path):
    lib_dir = tmp_path / "digests"
    lib_dir.mkdir()
    files = make_library(lib_dir, 5)
    cache = ParseCache(tmp_path / "cache")
    store = SegmentStore(cache)
    store.library_corpus(load([lib_dir], cache=cache)).prepare()
    store.save()
    write_digest(files[2], 3, "cs.LG", [("1907.08888", "A changed digest about zebras", "stripes")])
    for s in (store, SegmentStore(cache)):  # the same session, and a new one
        before = s.built
        lib = load([lib_dir], cache=cache)
        corpus = s.library_corpus(lib)
        assert s.built - before == 1
        assert [lib.papers[i].id for i in parse("zebras").run(corpus).indices] == ["1907.08888"]
        assert answers(corpus) == answers(scratch(lib.papers))


def test_a_deleted_digest_takes_its_papers_with_it(tmp_path):
    lib_dir = tmp_path / "digests"
    lib_dir.mkdir()
    make_library(lib_dir, 3)
    write_digest(lib_dir / "2019-07-10.md", 10, "cs.CV", [("1907.07777", "Quokka detection", "marsupial")])
    cache = ParseCache(tmp_path / "cache")
    store = SegmentStore(cache)
    corpus = store.library_corpus(load([lib_dir], cache=cache))
    assert len(parse("quokka").run(corpus).indices) == 1
    (lib_dir / "2019-07-10.md").unlink()
    before = store.built
    lib = load([lib_dir], cache=cache)
    corpus = store.library_corpus(lib)
    assert store.built == before and len(corpus.parts) == 3
    assert parse("quokka").run(corpus).indices == []
    assert parse("marsupial").run(corpus).indices == []
    assert answers(corpus) == answers(scratch(lib.papers))


def test_a_paper_is_searched_by_the_listing_it_is_shown_by(tmp_path):
    """The same paper in two digests with different titles: a query matches only the title shown
    (the winning listing), and the other listing's row is masked, not rebuilt."""
    first, second = tmp_path / "2019-07-01.md", tmp_path / "2019-07-02.md"
    write_digest(first, 1, "cs.CV", [("1907.00001", "Aardvark segmentation", "old words"),
                                     ("1907.00002", "Other paper", "plain")])  # fmt: skip
    write_digest(second, 2, "cs.LG", [("1907.00001", "Badger segmentation", "new words")])
    store = SegmentStore(None)
    lib = load([tmp_path])
    corpus = store.library_corpus(lib)
    assert len(lib.papers) == 2
    shown = next(p for p in lib.papers if p.id == "1907.00001")
    assert set(shown.categories) == {"cs.CV", "cs.LG"}  # state is shared: one paper, one key
    for word in ("aardvark", "badger", "words", "cat:cs.LG"):
        assert parse(word).run(corpus).indices == parse(word).run(scratch(lib.papers)).indices, word
    assert store.built == 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["add", "change", "delete", "touch"]), st.integers(0, 10**6)),
                min_size=1, max_size=7))  # fmt: skip
def test_incremental_results_equal_a_build_from_scratch(ops):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lib_dir = root / "digests"
        lib_dir.mkdir()
        cache = ParseCache(root / "cache")
        store = SegmentStore(cache)
        day = 0
        all_saved = True  # every part and group of the files is in the cache
        for step, (op, seed) in enumerate(ops):
            rng = random.Random(seed)
            files = sorted(lib_dir.glob("*.md"))
            expected_builds = 1
            op = op if files else "add"
            if op == "add":
                day += 1
                write_digest(lib_dir / f"2019-07-{day:02d}.md", day, rng.choice(["cs.CV", "cs.LG"]),
                             random_papers(rng, rng.randint(0, 6), ids=12))  # fmt: skip
            elif op == "change":
                victim = rng.choice(files)
                write_digest(victim, int(victim.stem[-2:]), "cs.CV", random_papers(rng, rng.randint(1, 6), ids=12))
            elif op == "delete":
                rng.choice(files).unlink()
                expected_builds = 0
            else:  # a new session: the store starts empty and reads the cache
                store = SegmentStore(cache)
                expected_builds = 0
            before = store.built
            lib = load([lib_dir], cache=cache) if any(lib_dir.iterdir()) else None
            if lib is None:
                continue
            corpus = store.library_corpus(lib)
            if op != "touch":
                assert store.built - before == expected_builds, (step, op)
            elif all_saved:
                assert store.built == 0 and corpus.ready, step  # a new session reads everything back
            all_saved = all_saved and op in ("delete", "touch")
            if rng.random() < 0.7:
                corpus.prepare()
                store.save()
                all_saved = True
            assert answers(corpus) == answers(scratch(lib.papers)), (step, op)


def test_streaming_newest_first_answers_like_the_files_loaded_so_far(tmp_path):
    """The app can show the newest digest first and add older ones as they load: each corpus
    answers like one built from scratch over the papers loaded so far, and no part is built twice."""
    make_library(tmp_path, 6, seed=7)
    lib = load([tmp_path])
    files = library_files(lib)
    store = SegmentStore(None)
    for k in range(1, len(files) + 1):
        loaded = files[-k:]  # the newest k files
        papers = merge_papers([p for _, _, rows in loaded for p in rows])
        corpus = store.corpus(papers, reversed(loaded))
        if k % 2:
            corpus.prepare()
        assert answers(corpus) == answers(scratch(papers)), k
    assert store.built == len(files)


def crafted(data: bytes) -> bytes:
    """An entry made to pass the CRC whose first section claims 2**62 bytes."""
    import struct
    import zlib

    body = b"q" + (2**62).to_bytes(8, "little") + data[18:]
    return data[:5] + struct.pack("<I", zlib.crc32(body)) + body


def test_a_damaged_segment_entry_is_a_miss(tmp_path):
    lib_dir = tmp_path / "digests"
    lib_dir.mkdir()
    make_library(lib_dir, 4)
    cache = ParseCache(tmp_path / "cache")
    store = SegmentStore(cache)
    lib = load([lib_dir], cache=cache)
    store.library_corpus(lib).prepare()
    store.save()
    entries = sorted((tmp_path / "cache" / "segments").iterdir())
    assert len(entries) == 4 + store.merged
    damages = [lambda d: d[: len(d) // 2], lambda d: b"", lambda d: os.urandom(len(d)),
               lambda d: d[:-1] + bytes([d[-1] ^ 1]), lambda d: d + b"tail", crafted]  # fmt: skip
    for k, entry in enumerate(entries):
        entry.write_bytes(damages[k % len(damages)](entry.read_bytes()))
    later = SegmentStore(cache)
    corpus = later.library_corpus(load([lib_dir], cache=cache))
    assert later.built == 4
    assert answers(corpus) == answers(scratch(lib.papers))
    shutil.rmtree(tmp_path / "cache")  # deleting the cache is always safe
    again = SegmentStore(cache)
    assert answers(again.library_corpus(load([lib_dir], cache=cache))) == answers(scratch(lib.papers))


def test_a_segment_of_other_papers_is_not_used(tmp_path):
    """An entry is checked against the papers it is for, not only the file's stamp."""
    lib_dir = tmp_path / "digests"
    lib_dir.mkdir()
    make_library(lib_dir, 2)
    cache = ParseCache(tmp_path / "cache")
    store = SegmentStore(cache)
    lib = load([lib_dir], cache=cache)
    store.library_corpus(lib).prepare()
    store.save()
    (path, stamp), rows = lib.stamps[0], lib.file_papers[0]
    other = [p._replace(title=p.title + " extra") for p in rows]
    fresh = SegmentStore(cache)
    part = fresh.part(path, stamp, other)
    assert fresh.built == 1 and part.tdisp[0].endswith("extra")


def test_papers_shown_in_another_order_than_their_files(tmp_path):
    """A list merged under other rules (say, a paper placed by its newest listing) puts a file's
    rows anywhere: the answers still follow the list."""
    make_library(tmp_path, 5, seed=3)
    lib = load([tmp_path])
    store = SegmentStore(None)
    shuffled = list(lib.papers)
    random.Random(5).shuffle(shuffled)
    corpus = store.corpus(shuffled, library_files(lib))
    assert any(not pl.contiguous for pl in corpus._parts)
    assert answers(corpus) == answers(scratch(shuffled))
    corpus.prepare()
    assert answers(corpus) == answers(scratch(shuffled))
    edited = [p._replace(title=p.title + " renamed") if k % 3 == 0 else p for k, p in enumerate(shuffled)]
    corpus = store.corpus(edited, library_files(lib))  # text of its own: searched through a small extra part
    assert answers(corpus) == answers(scratch(edited))
    assert store.built == 5


def test_the_segment_timing_tool_builds_only_the_new_digest(tmp_path, capsys):
    from reader.devtools.search_bench import segments

    lib_dir = tmp_path / "digests"
    lib_dir.mkdir()
    make_library(lib_dir, 3)
    new = tmp_path / "2019-07-25.md"
    write_digest(new, 25, "cs.CV", [("1907.05555", "New", "news")])
    got = segments(str(lib_dir), str(new), str(tmp_path / "cache"))
    assert got["segments_built"] == 1 and got["warm_ready"] == 1.0
    assert not (lib_dir / new.name).exists()  # the folder is left as it was


def test_groups_of_digests_are_merged_and_only_the_changed_group_again(tmp_path, monkeypatch):
    """Hundreds of small segments are slow to search, so runs of digests are merged once indexed;
    a new digest is built alone, and only its run is merged again."""
    import reader.search.store as store_module

    monkeypatch.setattr(store_module, "_boundary", lambda path: path.endswith(("04.md", "09.md", "13.md")))
    lib_dir = tmp_path / "digests"
    lib_dir.mkdir()
    make_library(lib_dir, 16, seed=4)
    cache = ParseCache(tmp_path / "cache")
    store = SegmentStore(cache)
    lib = load([lib_dir], cache=cache)
    store.library_corpus(lib).prepare()
    store.save()
    runs = [g for g in store_module.groups(library_files(lib)) if len(g) > 1]
    assert [len(r) for r in runs] == [4, 5, 4, 3] and store.merged == 4
    later = SegmentStore(cache)
    warm = later.library_corpus(load([lib_dir], cache=cache))
    # Everything from the cache; only papers merged from listings with different text (DECISIONS:
    # title from the highest version, abstract from another listing) get a small part of their own.
    unindexed = [part for part in warm.parts if not part.indexed]
    assert later.built == 0 and len(warm.parts) < 16 and len(unindexed) <= 1
    assert all(len(part) < len(lib.papers) // 4 for part in unindexed)
    assert answers(warm) == answers(scratch(lib.papers))
    write_digest(lib_dir / "2019-07-20.md", 20, "cs.CV", [("1907.09999", "Morning voxel news", "fresh flow")])
    lib = load([lib_dir], cache=cache)
    morning = later.library_corpus(lib)
    assert later.built == 1
    morning.prepare()
    later.save()
    assert later.merged == 1  # the run the new digest fell in
    assert answers(morning) == answers(scratch(lib.papers))
    again = SegmentStore(cache)
    assert answers(again.library_corpus(lib)) == answers(scratch(lib.papers)) and again.built == 0


def test_saving_stops_between_groups_when_asked(tmp_path):
    """Quitting the app must not wait for the merging of groups."""
    import threading

    lib_dir = tmp_path / "digests"
    lib_dir.mkdir()
    make_library(lib_dir, 4)
    cache = ParseCache(tmp_path / "cache")
    store = SegmentStore(cache)
    store.library_corpus(load([lib_dir], cache=cache)).prepare()
    stop = threading.Event()
    stop.set()
    assert store.save(stop) == 4 and store.merged == 0  # the digests' own segments are written
    assert store.save() == store.merged  # the groups, later


def test_word_indexes_over_placed_segments_answer_like_the_text(tmp_path):
    """Enough papers for the word indexes to be used (a search checks fewer than 512 on their
    text), cross-listed papers whose other rows are masked, segments placed out of order, and
    title indexes on only some segments: every answer is the text's."""
    rng = random.Random(11)
    for day in range(1, 13):
        write_digest(tmp_path / f"2019-07-{day:02d}.md", day, rng.choice(["cs.CV", "cs.LG"]),
                     random_papers(rng, 80, ids=2000))  # fmt: skip
    lib = load([tmp_path])
    assert 600 < len(lib.papers) < sum(len(rows) for rows in lib.file_papers)  # some cross-listed
    shuffled = list(lib.papers)
    random.Random(2).shuffle(shuffled)
    for papers in (lib.papers, shuffled):
        expected = answers(scratch(papers))  # no index: every paper checked on its text
        store = SegmentStore(None)
        corpus = store.corpus(papers, reversed(library_files(lib)))
        for k, part in enumerate(corpus.parts):
            if k % 2:
                part.index_titles()
        assert answers(corpus) == expected
        corpus.prepare()
        assert corpus.ready and answers(corpus) == expected


def test_merged_segments_index_like_one_built_from_the_text(tmp_path):
    from reader.search.segments import Part

    rng = random.Random(8)
    parts = []
    for k in range(5):
        write_digest(tmp_path / f"2019-07-0{k + 1}.md", k + 1, "cs.CV", random_papers(rng, rng.randint(0, 40), 500))
    lib = load([tmp_path])
    for rows in lib.file_papers:
        part = Part.build(rows)
        part.index_titles()
        part.index_abstracts()
        parts.append(part)
    merged = Part.merged(parts)
    whole = Part.build([p for rows in lib.file_papers for p in rows])
    whole.index_titles()
    whole.index_abstracts()
    assert merged.tdisp == whole.tdisp and merged.atext == whole.atext
    needles = [b"seg", b"\nvox", b"ing\n", b"\ndeep\n", b"a", b"stra", b"\xc3\x9f", b"zzz"]
    for field in ("tindex", "aindex"):
        a, b = getattr(merged, field), getattr(whole, field)
        assert sorted(a.words()) == sorted(b.words())
        for needle in needles:
            assert a.mask(needle, None) == b.mask(needle, None), (field, needle)
