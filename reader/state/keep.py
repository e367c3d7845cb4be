"""Tags, notes, the history and undo: the part of `StateStore` that issue 18 added.

`StateStore` (store.py) inherits these methods; they use its loading and writing machinery.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from .fields import FIELDS, NOTE, TAG_PREFIX, _Extras, Value, is_field, order, valid_note, valid_tag
from .files import _bulk
from .format import Event, StateError
from .history import NoteIndex, all_events

if TYPE_CHECKING:
    from .view import _View


class LaterChangeError(StateError):
    """Undo refused: the event is no longer the latest for its paper and field."""


def checked_value(key: object, field: object, value: object) -> Value:
    """The value to store for a change (a note of "" is None: deleted), or ValueError."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"bad key {key!r}")
    if not isinstance(field, str) or not is_field(field):
        if isinstance(field, str) and field.startswith(TAG_PREFIX):
            raise ValueError(valid_tag(field[len(TAG_PREFIX):]) or f"bad tag {field!r}")
        raise ValueError(f"unknown field {field!r}")
    if field != NOTE:
        return bool(value)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("a note must be text")
    problem = valid_note(value)
    if problem:
        raise ValueError(problem)
    return value


def _day_start(day: dt.date | str) -> float | None:
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day[:10])
        except ValueError:
            return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def is_updated(read_time: float | None, announced: dt.date | str | None) -> bool:
    """Whether a paper read at `read_time` was announced again (a newer version) after that:
    its newest version's announcement day (UTC) began after the read mark."""
    if read_time is None or announced is None:
        return False
    start = _day_start(announced)
    return start is not None and read_time < start


def comes_back_unread(read: bool, read_time: float | None, announced: dt.date | str | None,
                      unread_on_update: bool) -> bool:
    """Whether a read paper shows unread: only with `unread_on_update`, and only while its read
    mark is older than its newest version's announcement. Derived, never stored."""
    return read and unread_on_update and is_updated(read_time, announced)


def merge_winners(view: _View, events: Iterable[Event],
                  known_versions: Callable[[], dict[str, set[tuple[float, str | None]]]],
                  ) -> tuple[dict[tuple[str, str], Event], list[Event]]:
    """The store's merge rule (DECISIONS.md) over `events` against `view`: for each paper and
    field the event that wins (the latest time; a tie goes to true), and every note version not
    known here yet (`known_versions` is read only when there are notes), so none is ever lost."""
    winners: dict[tuple[str, str], Event] = {}
    notes: set[tuple[str, float, Value]] = set()
    for e in events:
        if e.field == NOTE:
            notes.add((e.key, e.time, e.value))
        w = winners.get((e.key, e.field))
        cur = (w.time, w.value) if w is not None else view.current(e.key, e.field)
        if cur is None or order(e.time, e.value) > order(*cur):
            winners[e.key, e.field] = e
    versions: list[Event] = []
    if notes:
        known = known_versions()
        for key, t, value in sorted(notes, key=lambda n: (n[0], order(n[1], n[2]))):
            if ((t, value) in known.get(key, ()) or (t, value) in view.note_log.get(key, ())
                    or view.extra(key, NOTE) == (t, value)):
                continue
            w = winners.get((key, NOTE))
            if w is None or (w.time, w.value) != (t, value):
                versions.append(Event(key, NOTE, value, t))
    return winners, versions


class _Keep:
    """Mixin for `StateStore`: the attributes below are StateStore's."""

    directory: Path
    log_path: Path
    _view: _View
    _notes: NoteIndex
    _mutex: AbstractContextManager[bool]

    if TYPE_CHECKING:
        from .files import _FileLock

        _lock: _FileLock

        def _ensure_loaded(self) -> None: ...
        def _sync(self) -> int: ...
        def _upgrade_locked(self) -> None: ...
        def _append_locked(self, events: list[Event]) -> None: ...
        def apply(self, changes: Iterable[tuple[str, str, Value]], *,
                  skip_unchanged: bool = False) -> list[Event]: ...

    # -- queries ----------------------------------------------------------------------------

    def events(self) -> Iterator[Event]:
        """The current state: one event per (key, field) ever set (unmarks included),
        grouped by field (read, starred, then notes, then tags). A snapshot of the state when
        called, safe against other threads."""
        self._ensure_loaded()
        view = self._view
        for field in FIELDS:
            overlay = dict(view.overlay[field])
            for line in view.snap.lines[field]:
                skey, code, ts = line.split("\t")
                key = json.loads(skey) if skey[0] == '"' else skey
                if key not in overlay:
                    yield Event(key, field, code in "RS", float(ts))
            for key in sorted(overlay):
                t, value = overlay[key]
                yield Event(key, field, value, t)
        merged = _Extras()
        for source in (view.snap.extras.items(), list(view.extras.items())):
            for key, field, (t, v) in source:
                merged.offer(key, field, t, v)
        for key, field, (t, v) in sorted(merged.items(), key=lambda item: (item[1] != NOTE, item[0], item[1])):
            yield Event(key, field, v, t)


    def tags(self, key: str) -> tuple[str, ...]:
        """The paper's tags, sorted."""
        self._ensure_loaded()
        view = self._view
        entries = dict(view.snap.extras.entries(key)[0])
        entries.update(view.extras.tags.get(key) or {})  # the overlay holds only winners
        return tuple(sorted(tag for tag, (_, on) in entries.items() if on))

    def all_tags(self) -> dict[str, int]:
        """Every tag in use with the number of papers that have it (for completion)."""
        self._ensure_loaded()
        view = self._view
        counts: Counter[str] = Counter(view.snap.extras.tag_counts())
        for key in list(view.extras.tags):  # papers changed since the snapshot: recount them
            counts.subtract(tag for tag, (_, on) in view.snap.extras.entries(key)[0].items() if on)
            counts.update(self.tags(key))
        return dict(sorted((tag, n) for tag, n in counts.items() if n > 0))

    def note(self, key: str) -> str | None:
        """The paper's note, or None."""
        self._ensure_loaded()
        r = self._view.extra(key, NOTE)
        return None if r is None or not isinstance(r[1], str) else r[1]

    def note_versions(self, key: str) -> list[Event]:
        """Every version of the paper's note, newest first, the current one included, a
        deletion as a None value. ``len(...) - 1`` earlier versions (reads the history)."""
        self._ensure_loaded()
        view = self._view
        versions = set(self._notes.versions(self.directory).get(key, ()))
        versions |= view.note_log.get(key, set())
        cur = view.extra(key, NOTE)
        if cur is not None and (cur[1] is None or isinstance(cur[1], str)):
            versions.add((cur[0], cur[1]))
        return [Event(key, NOTE, v, t) for t, v in sorted(versions, key=lambda tv: order(*tv), reverse=True)]

    def history(self, since: float | dt.date | None = None) -> list[Event]:
        """Every event kept (the live log and the history files), newest first; with `since`
        (Unix time, or a date: from its start, UTC) only those at or after it."""
        self._ensure_loaded()
        start = _day_start(since) if isinstance(since, dt.date) else since
        with _bulk(1 << 30):
            return all_events(self.directory, self.log_path, start)

    def export_events(self) -> Iterator[Event]:
        """`state export`: the current state, then every earlier note version."""
        current: set[tuple[str, float, Value]] = set()
        for e in self.events():
            if e.field == NOTE:
                current.add((e.key, e.time, e.value))
            yield e
        view = self._view
        index = self._notes.versions(self.directory)
        for key in sorted(index.keys() | view.note_log.keys()):
            for t, v in sorted(index.get(key, set()) | view.note_log.get(key, set()), key=lambda tv: order(*tv)):
                if (key, t, v) not in current:
                    yield Event(key, NOTE, v, t)

    def shows_unread(self, key: str, announced: dt.date | str | None, unread_on_update: bool) -> bool:
        """Unread, or read before its newest version was announced (see `comes_back_unread`)."""
        self._ensure_loaded()
        r = self._view.current(key, "read")
        if r is None or not r[1]:
            return True
        return comes_back_unread(True, r[0], announced, unread_on_update)

    # -- changes ----------------------------------------------------------------------------

    def set_tag(self, keys: str | Iterable[str], tags: str | Iterable[str], value: bool = True) -> list[Event]:
        """Tag every paper in `keys` with every tag in `tags` (or untag with ``value=False``),
        as one durable batch; papers that already are so are left out. ValueError for a bad tag."""
        key_list = [keys] if isinstance(keys, str) else list(keys)
        tag_list = [tags] if isinstance(tags, str) else list(tags)
        for tag in tag_list:
            problem = valid_tag(tag)
            if problem:
                raise ValueError(f"{problem}: {tag!r}")
        changes = [(k, TAG_PREFIX + t, value) for k in dict.fromkeys(key_list) for t in dict.fromkeys(tag_list)]
        return self.apply(changes, skip_unchanged=True)

    def remove_tag(self, keys: str | Iterable[str], tags: str | Iterable[str]) -> list[Event]:
        return self.set_tag(keys, tags, False)

    def set_note(self, keys: str | Iterable[str], text: str | None) -> list[Event]:
        """Set (or with None or "" delete) the note of every paper in `keys`, as one batch; an
        unchanged note writes nothing. ValueError for a note over 64 KB."""
        key_list = [keys] if isinstance(keys, str) else list(keys)
        return self.apply([(k, NOTE, text) for k in dict.fromkeys(key_list)], skip_unchanged=True)

    def undo(self, event: Event) -> Event:
        """Restore the value `event`'s paper and field had before it, as a new event. Raises
        `LaterChangeError` when a later change exists (the event is no longer the latest)."""
        with self._mutex:
            self._ensure_loaded()
            with self._lock.held():
                self._sync()
                cur = self._view.current(event.key, event.field)
                if cur is None or order(*cur) != order(event.time, event.value):
                    raise LaterChangeError("a later change exists")
                mine = order(event.time, event.value)
                before = [e for e in all_events(self.directory, self.log_path)
                          if e.key == event.key and e.field == event.field and order(e.time, e.value) < mine]
                value: Value = before[0].value if before else (None if event.field == NOTE else False)
                return self.apply([(event.key, event.field, value)])[0]

    # -- merging ----------------------------------------------------------------------------

    def merge(self, events: Iterable[Event]) -> int:
        """Merge events from elsewhere (`state import`) by the conflict rule.

        Appends the events that win against the current state, with their own times, and every
        note version not known here yet (so no version of a note is ever lost), in one durable
        batch. Returns how many (key, field) entries they updated (value or time).
        """
        items = []
        for e in events:
            if not isinstance(e.key, str) or not e.key or not math.isfinite(e.time):
                raise ValueError(f"bad event {e!r}")
            items.append(Event(e.key, e.field, checked_value(e.key, e.field, e.value), float(e.time)))
        with self._mutex, _bulk(len(items)):
            self._ensure_loaded()
            if not items:
                return 0
            with self._lock.held():
                self._sync()
                self._upgrade_locked()
                winners, versions = merge_winners(self._view, items, lambda: self._notes.versions(self.directory))
                out = list(winners.values()) + versions
                if out:
                    self._append_locked(out)
                return len(winners)

