"""What queries read: the snapshot plus the events since, swapped as a whole."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .fastlog import Columns
from .fields import NOTE, TAG_PREFIX, Value, _Extras, order
from .format import FIELDS, _Snapshot

_MISS: Any = object()
TAG = len(TAG_PREFIX)


class _View:
    """What queries read: a snapshot plus the events since (overlay) plus remembered lookups.

    Swapped as a whole (one attribute assignment) so a reader on another thread never mixes
    an old snapshot with a new overlay.
    """

    __slots__ = ("snap", "overlay", "memo", "length", "extras", "note_log")

    def __init__(self, snap: _Snapshot):
        self.snap = snap
        self.overlay: dict[str, dict[str, tuple[float, bool]]] = {f: {} for f in FIELDS}
        self.memo: dict[str, dict[str, tuple[float, bool] | None]] = {f: {} for f in FIELDS}
        self.length: int | None = snap.marked
        self.extras = _Extras()  # tags and notes changed since the snapshot
        self.note_log: dict[str, set[tuple[float, str | None]]] = {}  # every note event replayed

    def extra(self, key: str, field: str) -> tuple[float, Value] | None:
        r = self.extras.get(key, field)
        return r if r is not None else self.snap.extras.get(key, field)

    def offer_extra(self, key: str, field: str, t: float, value: Value) -> bool:
        """Apply one tag or note event by the conflict rule; True if it won."""
        if field == NOTE:
            assert value is None or isinstance(value, str)
            self.note_log.setdefault(key, set()).add((t, value))
        cur = self.extras.get(key, field)
        if cur is None:
            cur = self.snap.extras.get(key, field)
        if cur is None or t > cur[0] or (t == cur[0] and order(t, value) > order(*cur)):
            self.extras.put(key, field, (t, value))
            return True
        return False

    def current(self, key: str, field: str, remember: bool = True) -> tuple[float, Any] | None:
        ov = self.overlay.get(field)
        if ov is None:
            return self.extra(key, field)
        r = ov.get(key)
        if r is not None:
            return r
        memo = self.memo[field]
        r = memo.get(key, _MISS)
        if r is _MISS:
            r = self.snap.lookup(key, field)
            if remember:
                memo[key] = r
        return r

    def replay(self, events: Iterable[tuple[Any, ...]], raw: bool = False) -> int:
        """Apply (key, field, value, time) events by the conflict rule; returns how many
        updated the state. With `raw`, value and time are the log's text ("true", "17.5")."""
        if isinstance(events, Columns) and events.kinds.isdisjoint(FIELDS):  # only tags and notes
            updated = self._replay_extras(events)
            if updated:
                self.length = None
            return updated
        updated = 0
        overlay, memo, snap = self.overlay, self.memo, self.snap
        in_snapshot = {f: bool(snap.lines[f]) for f in FIELDS}
        extras: list[tuple[Any, ...]] = []
        for event in events:
            key, field, value, t = event
            if raw:
                value = value == "true"
                t = float(t)
            ov = overlay.get(field)
            if ov is None:
                extras.append((key, field, value, t) if raw else event)
                continue
            cur = ov.get(key)
            if cur is None and in_snapshot[field]:
                cur = memo[field].get(key, _MISS)
                if cur is _MISS:
                    cur = snap.lookup(key, field)
            new = (t, value)
            if cur is None or new > cur:
                ov[key] = new
                updated += 1
        if extras:
            updated += self._replay_extras(extras)
        if updated:
            self.length = None
        return updated

    def _replay_extras(self, events: Iterable[tuple[Any, ...]]) -> int:
        """`offer_extra` for each tag and note event, inlined (a log of them loads in one pass)."""
        updated = 0
        tags, notes, note_log = self.extras.tags, self.extras.notes, self.note_log
        old_extra = self.snap.extras.get if self.snap.extras.lines else None
        cur: Any
        for key, field, value, t in events:
            tv = (t, value)
            if field == NOTE:
                versions = note_log.get(key)
                if versions is None:
                    note_log[key] = {tv}
                else:
                    versions.add(tv)
                cur = notes.get(key)
            else:
                per_key = tags.get(key)
                cur = per_key.get(field[TAG:]) if per_key else None
            if cur is None and old_extra is not None:
                cur = old_extra(key, field)
            if cur is None or t > cur[0] or (t == cur[0] and order(t, value) > order(*cur)):
                if field == NOTE:
                    notes[key] = tv
                elif per_key is None:
                    tags[key] = {field[TAG:]: tv}
                else:
                    per_key[field[TAG:]] = tv
                updated += 1
        return updated

    def records(self) -> int:
        """How many (key, field) entries the state holds."""
        n = self.snap.entries
        n += sum(1 for key, field, _ in self.extras.items() if self.snap.extras.get(key, field) is None)
        for field in FIELDS:
            n += sum(1 for k in list(self.overlay[field]) if self.snap.lookup(k, field) is None)
        return n

    def __len__(self) -> int:
        n = self.length
        if n is not None:
            return n
        snap = self.snap
        n = snap.marked
        in_snapshot = [f for f in FIELDS if snap.lines[f]]
        overlay = {f: dict(self.overlay[f]) for f in FIELDS}
        if not in_snapshot:
            marked = {k for f in FIELDS for k, tv in overlay[f].items() if tv[1]}
            self.length = len(marked)
            return self.length
        for key in overlay["read"].keys() | overlay["starred"].keys():
            before = after = False
            for f in FIELDS:
                old = snap.lookup(key, f) if f in in_snapshot else None
                before = before or (old is not None and old[1])
                cur = overlay[f].get(key, old)
                after = after or (cur is not None and cur[1])
            n += after - before
        self.length = n
        return n
