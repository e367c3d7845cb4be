"""The History row's model (reader/recent.py): which events can be undone and what undoing
restores, and the undo going through the mark writer as one durable event."""

from __future__ import annotations

import threading
from pathlib import Path

from reader.marks import Marks, WriteReport
from reader.recent import entries, refusal, submit_undo, UndoOne
from reader.state import Event, StateStore


def E(key: str, field: str, value, t: float) -> Event:  # noqa: N802
    return Event(key, field, value, t)


def test_entries_know_the_latest_event_and_the_value_before_it() -> None:
    events = [E("a", "note", "v2", 50.0), E("b", "read", True, 40.0), E("a", "starred", False, 30.0),
              E("a", "note", "v1", 20.0), E("a", "starred", True, 10.0)]  # newest first
    rows = entries(events, {"a": "Paper A"}.get)
    assert [r.what for r in rows] == ["noted", "read", "unstarred", "noted", "starred"]
    assert [r.latest for r in rows] == [True, True, True, False, False]
    assert [r.before for r in rows] == ["v1", False, True, None, False]
    assert rows[0].title == "Paper A" and rows[1].title is None
    assert refusal(rows[0]) is None and "changed later" in (refusal(rows[3]) or "")


def test_a_limit_keeps_the_newest_and_still_finds_what_came_before() -> None:
    events = [E("a", "tag:ml", False, 3.0), E("b", "read", True, 2.0), E("a", "tag:ml", True, 1.0)]
    rows = entries(events, lambda key: None, limit=1)
    assert len(rows) == 1 and rows[0].what == "untagged ml" and rows[0].before is True


def test_undo_goes_through_the_writer_and_refuses_when_a_later_change_arrived(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.load()
    store.merge([E("a", "starred", True, 10.0), E("a", "read", True, 20.0)])
    reports: list[WriteReport] = []
    done = threading.Event()
    marks = Marks(lambda r: (reports.append(r), done.set()))
    marks.store = store
    oldest = entries(store.history(), lambda key: None)[-1]
    assert oldest.event.field == "starred" and oldest.latest
    job = submit_undo(marks, oldest)
    assert isinstance(job, UndoOne)
    assert done.wait(10)
    marks.settle(reports[-1])
    assert reports[-1].error is None and reports[-1].changes == [("a", "starred", False)]
    assert not store.is_starred("a") and store.is_read("a") and job.done is not None
    # The same (now superseded) event again: refused before anything is queued.
    rows = entries(store.history(), lambda key: None)
    stale = next(r for r in rows if r.event == oldest.event)
    assert not stale.latest and "changed later" in str(submit_undo(marks, stale))
    # A later change that the list did not see yet: the store refuses, nothing is written.
    store.apply([("a", "starred", True)])
    done.clear()
    late = submit_undo(marks, rows[0])  # rows[0] is the unstar, no longer the latest
    assert isinstance(late, UndoOne)
    assert done.wait(10)
    assert reports[-1].error and late.failed and store.is_starred("a")
    marks.close()
