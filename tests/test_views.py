"""Navigator-driven views in the session (no Textual): order, filter within a view, counts after marks."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from reader.digests import ALL, STARRED, day_view, digest_view
from reader.library import load
from reader.marks import WriteReport
from reader.search import Corpus
from reader.session import Session
from reader.state import StateStore
from tests.navlib import CROSS, PER_DIGEST, write_library


class Harness:
    def __init__(self, tmp_path: Path) -> None:
        self.reports: queue.Queue[WriteReport] = queue.Queue()
        store = StateStore(tmp_path / "state")
        store.load()
        self.session = Session(self.reports.put)
        self.session.store = store
        library = load([str(write_library(tmp_path / "lib"))], cache=None)
        self.session.load(Session.prepare(library.papers, store, library.listings), library)
        self.corpus = Corpus.build(self.session.papers, titles=self.session.titles)

    def settle(self) -> None:
        while self.session.marks.writing:
            self.session.settle(self.reports.get(timeout=30))

    def shown(self) -> list[tuple[str | None, str | None, int | None]]:
        papers = self.session.papers
        return [(papers[i].date, papers[i].category, papers[i].number) for i in self.session.rows]

    def index(self, key: str) -> int:
        return self.session.marks.index.indices(key)[0]

    def filter(self, text: str) -> None:
        outcome = self.session.search(self.corpus, text, self.session.narrowing(), lambda: False)
        assert outcome is not None and self.session.apply_search(outcome)


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def test_all_is_newest_day_first_then_digest_order(harness: Harness) -> None:
    shown = harness.shown()
    assert len(shown) == 25  # 6 digests of 4, and the cross-listed paper once
    dates = [d for d, _, _ in shown]
    assert dates == sorted(dates, reverse=True)
    newest = [n for d, _, n in shown if d == "2019-07-09"]
    assert newest == sorted(newest)
    assert harness.session.view.label == "All"


def test_a_digest_row_shows_its_papers_in_number_order(harness: Harness) -> None:
    harness.session.show(digest_view("2019-07-08", "cs.CV"))
    assert harness.shown() == [("2019-07-08", "cs.CV", n) for n in range(1, PER_DIGEST + 1)]
    assert harness.session.view.label == "2019-07-08 cs.CV"


def test_a_cross_listed_paper_is_in_both_digests_and_once_in_all(harness: Harness) -> None:
    session = harness.session
    keys = session.keys
    for cat in ("cs.CL", "cs.CV"):
        session.show(digest_view("2019-07-09", cat))
        assert [keys[i] for i in session.rows].count(CROSS) == 1
    session.show(ALL)
    assert [keys[i] for i in session.rows].count(CROSS) == 1


def test_the_filter_applies_within_the_view(harness: Harness) -> None:
    session = harness.session
    session.show(day_view("2019-07-05"))
    harness.filter("cs.CV")
    assert harness.shown() == [("2019-07-05", "cs.CV", n) for n in range(1, PER_DIGEST + 1)]
    session.show(ALL)
    harness.filter("cs.CV")
    assert {d for d, _, _ in harness.shown()} == {"2019-07-05", "2019-07-08", "2019-07-09"}


def test_counts_follow_every_mark(harness: Harness) -> None:
    session = harness.session
    nav = session.navigation
    assert nav is not None
    counts = nav.navigator.counts
    cv, cl = digest_view("2019-07-09", "cs.CV"), digest_view("2019-07-09", "cs.CL")
    assert counts(cv) == (PER_DIGEST + 1, PER_DIGEST + 1)
    assert counts(ALL) == (25, 25)
    assert session.mark_read(harness.index(CROSS)) is None
    harness.settle()
    assert counts(cv) == (PER_DIGEST, PER_DIGEST + 1)
    assert counts(cl) == (PER_DIGEST, PER_DIGEST + 1)  # shared state: both digests count it read
    assert counts(day_view("2019-07-09")) == (2 * PER_DIGEST, 2 * PER_DIGEST + 1)
    assert counts(ALL) == (24, 25)
    assert session.toggle(harness.index(CROSS), "starred") is None
    harness.settle()
    assert counts(STARRED) == (0, 1)
    session.show(STARRED)
    assert [session.keys[i] for i in session.rows] == [CROSS]
    assert session.undo() is not None
    harness.settle()
    assert counts(STARRED) == (0, 0)


def test_counts_follow_marks_made_elsewhere(harness: Harness, tmp_path: Path) -> None:
    session = harness.session
    other = StateStore(tmp_path / "state")
    other.load()
    other.apply([(CROSS, "read", True)])
    reread = session.reread_marks()
    assert reread.flags is not None and session.replace_flags(*reread.flags)
    assert session.navigation is not None
    assert session.navigation.navigator.counts(ALL) == (24, 25)


def test_a_view_that_no_longer_exists_shows_all(harness: Harness) -> None:
    harness.session.show(digest_view("2018-01-01", "cs.CV"))
    assert harness.session.view.id == ALL and len(harness.session.rows) == 25
