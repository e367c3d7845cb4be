"""The History navigator row's model: recent marks events, newest first, and undoing one of them.

No Textual. The events come from `StateStore.history()` (the live log and the history files).
Each entry knows whether it is still the latest event for its paper and field, and the value
undoing it restores (the value of the event before it, else the field's default): the same rule
as `StateStore.undo`, which checks it again under the store's lock when it writes.

The rule (DECISIONS.md, "Undo of a History event"): an event can be undone only while it is the
latest for its paper and field. Undoing an older one would overwrite a later change, so it is
refused with one line and nothing is written. The undo is itself an event: it shows in History
(and can be undone there in turn) and goes through the mark writer like every mark, so it is
shown only once it is on disk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .journal import describe
from .marks import Change, Marks
from .state import NOTE, TAG_PREFIX, Event

RECENT = 1000
"""How many events the History row lists (the newest)."""


class Undoer(Protocol):
    def undo(self, event: Event) -> Event: ...


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the History list."""

    event: Event
    what: str
    """What the event did: ``read``, ``marked unread``, ``tagged ml``, ``noted``..."""
    title: str | None
    """The paper's display title, None when the paper is not in the library."""
    latest: bool
    """Still the latest event for its paper and field (only then can it be undone)."""
    before: bool | str | None
    """The value undoing it restores."""

    @property
    def key(self) -> str:
        return self.event.key

    def when(self, now: dt.datetime | None = None) -> str:
        """The event's local time: ``12-06 16:45`` this year, else ``2025-12-06``."""
        try:
            t = dt.datetime.fromtimestamp(self.event.time).astimezone()
        except (OverflowError, OSError, ValueError):
            return "?"
        year = (now or dt.datetime.now().astimezone()).year
        return t.strftime("%m-%d %H:%M") if t.year == year else t.strftime("%Y-%m-%d")


def default_value(field: str) -> bool | str | None:
    """A field's value before any event: unread, unstarred, untagged, no note."""
    return None if field == NOTE else False


def entries(events: Sequence[Event], title: Callable[[str], str | None], limit: int = RECENT) -> list[Entry]:
    """The newest `limit` of `events` (given newest first, as `StateStore.history` returns them)
    as History rows. O(len(events)): one pass finds each shown event's predecessor."""
    shown = min(limit, len(events))
    waiting: dict[tuple[str, str], int] = {}  # (key, field) -> the shown event still waiting for its predecessor
    latest: list[bool] = [False] * shown
    before: list[bool | str | None] = [default_value(e.field) for e in events[:shown]]
    seen: set[tuple[str, str]] = set()
    for i, e in enumerate(events):
        slot = (e.key, e.field)
        newer = waiting.pop(slot, None)
        if newer is not None:
            before[newer] = e.value
        if i < shown:
            latest[i] = slot not in seen
            waiting[slot] = i
        elif not waiting:
            break
        seen.add(slot)
    titles: dict[str, str | None] = {}
    out = []
    for i, e in enumerate(events[:shown]):
        if e.key not in titles:
            titles[e.key] = title(e.key)
        out.append(Entry(e, describe(e), titles[e.key], latest[i], before[i]))
    return out


def field_name(field: str) -> str:
    """How to name a field in a message: ``read mark``, ``star``, ``note``, ``tag ml``."""
    if field == "read":
        return "read mark"
    if field == "starred":
        return "star"
    if field.startswith(TAG_PREFIX):
        return f"tag {field[len(TAG_PREFIX):]}"
    return field


def refusal(entry: Entry) -> str | None:
    """Why `entry` cannot be undone (one line), or None."""
    if not entry.latest:
        return f"Not undone: this paper's {field_name(entry.event.field)} changed later; undo the newer event first."
    return None


class UndoOne:
    """What the mark writer applies to undo one event: `StateStore.undo`, which refuses (and
    writes nothing) when a later change arrived meanwhile. Afterwards `done` is the event written,
    or `failed` is set."""

    def __init__(self, store: Undoer, entry: Entry) -> None:
        self.store = store
        self.entry = entry
        self.done: Event | None = None
        self.failed = False

    def apply(self, changes: list[Change]) -> Event:
        try:
            done = self.store.undo(self.entry.event)
        except BaseException:
            self.failed = True
            raise
        changes[:] = [(done.key, done.field, done.value)]  # what reached the disk, for the report
        self.done = done
        return done


def submit_undo(marks: Marks, entry: Entry) -> UndoOne | str:
    """Queue the undo of `entry` on the mark writer (after every mark queued before it). Returns
    the queued undo, or why there is none (one line). The result arrives as the writer's report,
    like every mark."""
    why = refusal(entry)
    if why is not None:
        return why
    store = marks.store
    if store is None:
        return "The marks are still loading."
    if not hasattr(store, "undo"):
        return "This marks store cannot undo single events."
    undoer: Undoer = store  # type: ignore[assignment]  # checked just above
    job = UndoOne(undoer, entry)
    e = entry.event
    return marks.submit([(e.key, e.field, entry.before)], undoable=False, via=job) or job
