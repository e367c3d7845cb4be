"""The session model, without any UI: marking, settling, undo, counts, next unread, the filter."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from reader.library import load
from reader.marks import KeyIndex, WriteReport, describe
from reader.search import Corpus
from reader.session import Session, View
from reader.state import StateError, StateStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_digests"
FIRST, SECOND, THIRD = "1907.03739", "1907.03728", "1907.03670"


class Harness:
    """A session whose writer reports into a queue; `settle()` plays the app's event loop."""

    def __init__(self, store: StateStore) -> None:
        self.reports: queue.Queue[WriteReport] = queue.Queue()
        self.session = Session(self.reports.put)
        self.session.store = store
        library = load([str(SAMPLES)], cache=None)
        self.session.load(Session.prepare(library.papers, store), library)
        self.corpus = Corpus.build(self.session.papers, titles=self.session.titles)

    def settle(self) -> list[WriteReport]:
        """Take in every report of what was submitted so far (waits for the writer)."""
        done = []
        while self.session.marks.writing:
            report = self.reports.get(timeout=30)
            self.session.settle(report)
            done.append(report)
        return done

    def index(self, key: str) -> int:
        return self.session.marks.index.indices(key)[0]

    def filter(self, text: str) -> None:
        outcome = self.session.search(self.corpus, text, self.session.narrowing(), lambda: False)
        assert outcome is not None and self.session.apply_search(outcome)


def disk(tmp_path: Path) -> StateStore:
    """What another process would read from the store."""
    store = StateStore(tmp_path / "state")
    store.load()
    return store


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    store = StateStore(tmp_path / "state")
    store.load()
    return Harness(store)


class SlowStore(StateStore):
    """Holds each write until the test lets it through."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.gate = threading.Event()

    def apply(self, changes, **kwargs):  # type: ignore[no-untyped-def]
        assert self.gate.wait(30)
        return super().apply(changes, **kwargs)


class FailingStore(StateStore):
    def apply(self, changes, **kwargs):  # type: ignore[no-untyped-def]
        raise StateError("cannot write marks to /x/marks.log: No space left on device")


def test_a_mark_is_pending_until_the_writer_reports_then_settled(tmp_path: Path) -> None:
    store = SlowStore(tmp_path / "state")
    store.load()
    h = Harness(store)
    session, first = h.session, h.index(FIRST)
    assert session.toggle(first, "read") is None
    # Pending: navigation and toggles see it, the list and the counts do not yet.
    assert session.marks.writing
    assert session.is_read(first)
    assert not session.marks.confirmed(FIRST, "read")
    assert not session.marks.read[first]
    assert session.unread_shown == 46
    store.gate.set()
    [report] = h.settle()
    assert report.error is None
    assert not session.marks.writing
    assert session.marks.confirmed(FIRST, "read") and session.marks.read[first]
    assert session.unread_shown == 45
    assert disk(tmp_path).is_read(FIRST)


def test_a_failed_write_changes_nothing(tmp_path: Path) -> None:
    store = FailingStore(tmp_path / "state")
    store.load()
    h = Harness(store)
    session, first = h.session, h.index(FIRST)
    before = (bytes(session.marks.read), bytes(session.marks.starred), session.marks.version)
    session.toggle(first, "read")
    session.toggle(first, "starred")
    reports = h.settle()
    assert [r.error for r in reports] == ["cannot write marks to /x/marks.log: No space left on device"] * 2
    assert (bytes(session.marks.read), bytes(session.marks.starred), session.marks.version) == before
    assert not session.is_read(first) and session.unread_shown == 46
    assert session.undo() is None  # nothing was done, so nothing to undo


def test_undo_of_a_mark_all_restores_exactly_what_it_changed(harness: Harness, tmp_path: Path) -> None:
    session = harness.session
    session.mark_read(harness.index(SECOND))  # read before the mark-all
    harness.settle()
    harness.filter("segmentation")
    shown = [session.keys[i] for i in session.rows]
    assert SECOND not in shown and len(shown) > 1
    keys = session.unread_shown_keys()
    assert keys == shown
    session.mark_all_read(keys)
    harness.settle()
    assert session.unread_shown == 0
    assert all(disk(tmp_path).is_read(k) for k in shown)
    assert session.undo() == f"{len(shown)} papers marked read"
    harness.settle()
    store = disk(tmp_path)
    assert not any(store.is_read(k) for k in shown)
    assert store.is_read(SECOND)  # the earlier mark is not part of that undo
    assert session.unread_shown == len(shown)
    assert session.undo() == "1 paper marked read"
    harness.settle()
    assert not disk(tmp_path).is_read(SECOND)
    assert session.undo() is None


def test_next_unread_moves_within_the_filtered_rows(harness: Harness) -> None:
    session = harness.session
    harness.filter("segmentation")
    rows = list(session.rows)
    assert len(rows) >= 3 and rows != list(range(len(rows)))
    session.mark_read(rows[1])  # the second shown paper is read
    assert session.find_unread(1, 1) == 2  # already skipped while its write is pending
    harness.settle()
    assert session.find_unread(1, 1) == 2
    assert session.find_unread(1, -1) == 0
    assert session.find_unread(len(rows), -1) is None  # out of the rows: nothing
    for i in rows:
        session.mark_read(i)
    harness.settle()
    assert session.find_unread(0, 1) is None
    session.clear_filter()
    position = session.find_unread(0, 1)
    assert position is not None and session.rows[position] not in rows


def test_counts_follow_marks_and_the_filter(harness: Harness) -> None:
    session = harness.session
    total = len(session.papers)
    assert session.unread_shown == session.marks.unread_total == total
    session.toggle(harness.index(FIRST), "read")
    session.toggle(harness.index(THIRD), "read")
    session.toggle(harness.index(THIRD), "starred")
    harness.settle()
    assert session.unread_shown == session.marks.unread_total == total - 2
    assert session.marks.starred_total == 1
    harness.filter("id:1907.03739")
    assert list(session.rows) == [harness.index(FIRST)] and session.unread_shown == 0
    harness.filter("is:unread")
    assert len(session.rows) == session.unread_shown == total - 2
    session.clear_filter()
    assert len(session.rows) == total and session.unread_shown == total - 2


def test_a_query_that_does_not_parse_keeps_the_rows_and_says_why(harness: Harness) -> None:
    session = harness.session
    harness.filter("segmentation")
    rows = list(session.rows)
    outcome = session.search(harness.corpus, '"unclosed', session.narrowing(), lambda: False)
    assert outcome is not None and not session.apply_search(outcome)
    assert session.filter.error and "quote" in session.filter.error
    assert list(session.rows) == rows and session.filter.text == "segmentation"


def test_a_view_limits_the_rows_and_the_filter(harness: Harness) -> None:
    session = harness.session
    session.set_view(View("first ten", range(10)))
    assert list(session.rows) == list(range(10)) and session.unread_shown == 10
    harness.filter("segmentation")
    assert set(session.rows) <= set(range(10))
    assert all("segmentation" in (session.titles[i] + session.papers[i].abstract).lower() for i in session.rows)


def test_nothing_is_written_after_close(tmp_path: Path, harness: Harness) -> None:
    session = harness.session
    session.toggle(harness.index(FIRST), "read")
    session.close()  # waits for the accepted mark
    assert disk(tmp_path).is_read(FIRST)
    harness.settle()
    assert session.toggle(harness.index(SECOND), "read") == "closed"
    assert not session.marks.writing and harness.reports.empty()
    assert not disk(tmp_path).is_read(SECOND)


def test_a_cross_listed_key_sets_every_row_it_has() -> None:
    index = KeyIndex(["a", "b", "a", "c", "a"])
    assert list(index.indices("a")) == [0, 2, 4]
    assert list(index.indices("b")) == [1] and list(index.indices("z")) == []


def test_describe_says_what_a_marking_did() -> None:
    assert describe([("a", "read", True)] * 46) == "46 papers marked read"
    assert describe([("a", "read", False)]) == "1 paper marked unread"
    assert describe([("a", "starred", True)]) == "1 paper starred"
    assert describe([("a", "starred", False), ("b", "starred", False)]) == "2 papers unstarred"


def test_the_session_does_not_import_textual() -> None:
    code = "import sys, reader.session, reader.marks, reader.gc_policy; " \
           "print(sorted(m for m in ('textual', 'rich') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_a_writer_nobody_closed_finishes_its_marks_and_lets_the_process_exit(tmp_path: Path) -> None:
    code = f"""
from reader.marks import Marks
from reader.state import StateStore
store = StateStore({str(tmp_path / 'state')!r}); store.load()
marks = Marks(lambda report: None)
marks.store = store
marks.submit([("1907.03739", "read", True)])
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=ROOT)
    assert disk(tmp_path).is_read(FIRST)
