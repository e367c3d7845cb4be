"""Bulk merge: many events from elsewhere, parsed and checked once, merged in one pass.

The synced folder's start-up merge (`reader.sync`) reads up to millions of events written by
other machines. `parse_checked` turns the complete lines of such a file into `Checked` columns
(every event valid, untrusted input never raises); `_BulkMerge.merge_checked` (a `StateStore`
method) decides the winners in one pass with the store's rule, appends them (and every note
version not known yet) in one write with one ``fsync``, and reports the span of the log it
wrote, so the caller need not read it back. The result is the one `StateStore.merge` gives.

The fast path of `parse_checked` handles blocks made only of read/starred lines exactly as this
program writes them: a handful of C-level passes over the bytes (count the quotes of each line,
replace the constant middle of each line and the line boundaries by a separator, split, check
the times as JSON numbers) instead of a regular expression or ``json.loads`` per line (about
2/3 and 1/5 of their time once their text is converted; see the README's benchmark notes). Such
a block is also copied into the log byte for byte when all of its events win. Anything else
(tags, notes, escapes, damage) takes the per-line path.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .events import _event_line
from .fields import FIELDS, Value
from .files import _bulk
from .format import Event, _line_event, _parse_log_lines
from .keep import checked_value, merge_winners

if TYPE_CHECKING:
    from .history import NoteIndex
    from .view import _View

MAX_LINE = 1024 * 1024
"""A longer line is skipped by the per-line path (a note is at most 64 KB of UTF-8, so its line at
most ~400 KB)."""
BLOCK = 4 << 20
"""Bytes parsed at a time: a block with one unusual line takes the per-line path alone."""

_PREFIX = b'{"id": "'
_NEXT = b'}\n{"id": "'
_KINDS = tuple((f, v) for f in FIELDS for v in (True, False))
_MIDDLES = tuple(b'", "field": "%s", "value": %s, "time": ' % (f.encode(), b"true" if v else b"false")
                 for f, v in _KINDS)
_MARKS = bytes(range(1, len(_KINDS) + 1))
_SEP = b"\n"  # a line boundary once `_NEXT` is replaced by it
_NOT_MARKS = bytes(c for c in range(256) if c not in _MARKS)
_TO_SEP = bytes.maketrans(_MARKS, _SEP * len(_MARKS))
_SHAPE = b'"' * 12 + b"\n"  # a line's quotes, backslashes and control characters
_NOT_SHAPE = bytes(c for c in range(0x20, 256) if c not in b'"\\')
_DIGITS = b"0123456789"


@dataclass
class Checked:
    """Valid events as parallel columns; `bodies`, when not None, are their lines exactly as the
    log writes them, in the same order (joined, the bytes to append when all of them win)."""

    keys: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    bodies: list[bytes | memoryview] | None = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys)

    def extend(self, other: Checked) -> None:
        self.keys += other.keys
        self.fields += other.fields
        self.values += other.values
        self.times += other.times
        self.bodies = None if self.bodies is None or other.bodies is None else self.bodies + other.bodies

    def events(self) -> list[Event]:
        return list(map(Event, self.keys, self.fields, self.values, self.times))

    @classmethod
    def of(cls, events: Iterable[Event]) -> Checked:
        """Columns from events, each checked like `StateStore.merge` does (ValueError if bad)."""
        out = cls(bodies=None)
        for e in events:
            if not isinstance(e.key, str) or not e.key or not math.isfinite(e.time):
                raise ValueError(f"bad event {e!r}")
            out.keys.append(e.key)
            out.fields.append(e.field)
            out.values.append(checked_value(e.key, e.field, e.value))
            out.times.append(float(e.time))
        return out


class KeySet(AbstractSet[str]):
    """Keys from several lists, as one set built only when asked for more than `bool` (a
    million-event merge need not hash a million keys again for a caller that only asks
    whether anything changed)."""

    def __init__(self, parts: Iterable[list[str]] = ()) -> None:
        self._parts = [p for p in parts if p]
        self._set: set[str] | None = None

    def _all(self) -> set[str]:
        if self._set is None:
            self._set = set().union(*self._parts)
        return self._set

    def __contains__(self, key: object) -> bool:
        return key in self._all()

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __bool__(self) -> bool:
        return bool(self._parts)

    @classmethod
    def _from_iterable(cls, it: Iterable[Any]) -> KeySet:  # type: ignore[override]  # (for &, -, ^)
        return cls([list(it)])

    def __or__(self, other: AbstractSet[Any]) -> KeySet:
        if isinstance(other, KeySet):
            return KeySet([*self._parts, *other._parts])
        return KeySet([*self._parts, list(other)])

    def __repr__(self) -> str:
        return f"KeySet({sorted(self._all())!r})"


@dataclass
class MergeResult:
    """What `merge_checked` did: (key, field) entries updated, the papers whose marks changed,
    and the log span it appended, (log identity, start, end), or None if it wrote nothing."""

    updated: int
    keys: KeySet
    span: tuple[tuple[int, int] | None, int, int] | None


# -- parsing ------------------------------------------------------------------------------------


def parse_checked(data: bytes, start: int = 0, stop: int | None = None) -> Checked:
    """The valid events in the complete lines of ``data[start:stop]`` (each ending in a newline;
    the caller cuts off a torn last line). Lines that are not valid events, headers included,
    are skipped. Never raises on any bytes."""
    out = Checked()
    pos, size = start, len(data) if stop is None else stop
    while pos < size:
        end = data.rfind(b"\n", pos, min(pos + BLOCK, size)) + 1 if pos + BLOCK < size else size
        if end <= pos:  # one line longer than a block
            end = data.find(b"\n", pos + BLOCK, size) + 1 or size
        block = data[pos:end] if pos or end < len(data) else data
        got = _fast_block(block) or _slow_block(block)
        if got.bodies is not None and block is not data:  # (the bytes read, not a copy, are kept)
            got.bodies = [memoryview(data)[pos:end]]
        out.extend(got)
        pos = end
    return out


def _fast_block(block: bytes) -> Checked | None:
    """The block's events if it holds only read/starred lines exactly as written here, else None.

    Each check is one pass in C over the block: every line has 12 quotes, no backslash and no
    control character; the line boundaries are exactly ``}\\n{"id": "``; each line holds exactly
    one of the four constant middles (a line with two would need 21 quotes); what is left
    between them is a key (no quote, so written as is) and a time (a JSON number)."""
    shape = block.translate(None, _NOT_SHAPE)
    n = len(shape) // len(_SHAPE)
    if not n or shape != _SHAPE * n:
        return None
    if not block.startswith(_PREFIX) or not block.endswith(b"}\n"):
        return None
    buf = block[len(_PREFIX):-2]
    size = len(buf)
    one = buf.replace(_MIDDLES[0], _SEP)  # read true on every line (the usual case): one pass
    if (size - len(one)) // (len(_MIDDLES[0]) - 1) == n:
        found, lines, buf = [_MARKS[0]], n, one
    else:
        starred, false = b'"starred"' in buf, b"false" in buf  # (fewer passes than looking for each middle)
        found = [mark for (fld, value), middle, mark in zip(_KINDS, _MIDDLES, _MARKS, strict=True)
                 if (starred or fld != FIELDS[1]) and (false or value) and middle in buf]
        lines = 0
        for mark in found:  # one kind: straight to the separator
            size, middle = len(buf), _MIDDLES[mark - 1]
            buf = buf.replace(middle, _SEP if len(found) == 1 else bytes((mark,)))
            lines += (size - len(buf)) // (len(middle) - 1)
    del one
    size = len(buf)
    buf = buf.replace(_NEXT, _SEP)
    if lines != n or size - len(buf) != (n - 1) * (len(_NEXT) - 1):
        return None
    try:  # (a separator is ASCII, so decoding before splitting decodes each key and time alike)
        parts = (buf if len(found) == 1 else buf.translate(_TO_SEP)).decode("utf-8").split("\n")  # key, time, ...
    except UnicodeDecodeError:
        return None
    times_s = parts[1::2]
    if not _json_numbers(("\n" + "\n".join(times_s) + "\n").encode("utf-8")):
        return None
    keys = parts[0::2]
    try:
        times = list(map(float, times_s))
    except ValueError:  # two dots
        return None
    if "" in keys or max(times) == math.inf:
        return None
    if len(found) == 1:
        fields: list[str] = [_KINDS[found[0] - 1][0]] * n
        values: list[Value] = [_KINDS[found[0] - 1][1]] * n
    else:
        kinds = buf.translate(None, _NOT_MARKS)
        fields = [_KINDS[k - 1][0] for k in kinds]
        values = [_KINDS[k - 1][1] for k in kinds]
    return Checked(keys, fields, values, times, [block])


def _json_numbers(joined: bytes) -> bool:
    """Whether every newline-separated item of `joined` is digits with at most one dot inside, no
    leading zero (then `float` parses it and it is a JSON number; `float` refuses two dots)."""
    if joined.translate(None, _DIGITS + b".\n") or b"\n\n" in joined or b"\n." in joined or b".\n" in joined:
        return False
    return b"\n0" not in joined or joined.count(b"\n0") == joined.count(b"\n0.") + joined.count(b"\n0\n")


def _slow_block(block: bytes) -> Checked:
    """Line by line, for anything the fast path does not take (never raises)."""
    out = Checked(bodies=None)
    try:
        chunk = _parse_log_lines(block, 0)
        events = chunk.events
        if chunk.raw:
            events = [(k, f, v == "true", float(t)) for k, f, v, t in events]
    except Exception:  # noqa: BLE001 - untrusted bytes (e.g. nested too deep for json): one line at a time
        events = _each_line(block)
    for key, fld, value, t in events:
        try:
            checked = checked_value(key, fld, value)
        except ValueError:
            continue
        if not math.isfinite(t):
            continue
        out.keys.append(key)
        out.fields.append(fld)
        out.values.append(checked)
        out.times.append(t)
    return out


def _each_line(block: bytes) -> list[tuple[Any, ...]]:
    events = []
    for raw in block.split(b"\n"):
        if not raw or len(raw) > MAX_LINE or raw[:1] != b"{":
            continue
        try:
            got = _line_event(raw.decode("utf-8"))
        except (ValueError, RecursionError, TypeError, OverflowError):
            continue
        if got is not None:
            events.append(got)
    return events


# -- merging ------------------------------------------------------------------------------------


def _flag_winners(view: _View, fld: str, keys: list[str], times: list[float],
                  values: list[Value]) -> dict[str, tuple[float, bool]]:
    """Per key, the greatest (time, value) if it beats the current state (one dict for the field)."""
    tvs: list[tuple[float, bool]] = list(zip(times, values, strict=True))  # type: ignore[arg-type]
    best = dict(zip(keys, tvs, strict=True))  # (a third faster than from a nested zip)
    if len(best) != len(keys):  # the same paper more than once: keep the greatest
        best = {}
        for key, tv in zip(keys, tvs, strict=True):
            cur = best.get(key)
            if cur is None or tv > cur:
                best[key] = tv
    current = view.current
    if view.snap.lines[fld]:
        losers = [k for k, tv in best.items() if (c := current(k, fld, False)) is not None and not tv > c]
    else:
        overlay = view.overlay[fld]
        losers = [k for k in best.keys() & overlay.keys() if not best[k] > overlay[k]]
    for k in losers:
        del best[k]
    return best


class _BulkMerge:
    """Mixin for `StateStore`: the attributes below are StateStore's."""

    _view: _View
    _notes: NoteIndex
    _mutex: AbstractContextManager[bool]
    _log_ident: tuple[int, int] | None

    if TYPE_CHECKING:
        from pathlib import Path

        from .files import _FileLock

        directory: Path
        _lock: _FileLock

        def _ensure_loaded(self) -> None: ...
        def _sync(self) -> int: ...
        def _upgrade_locked(self) -> None: ...
        def _write_locked(self, data: bytes | list[bytes | memoryview], count: int) -> int: ...

        _offset: int

    def merge_checked(self, batch: Checked) -> MergeResult:
        """Merge already checked events (`parse_checked`, `Checked.of`) by the conflict rule,
        like `merge`, in one durable append; see `MergeResult`."""
        n = len(batch)
        with self._mutex, _bulk(n):
            self._ensure_loaded()
            if not n:
                return MergeResult(0, KeySet(), None)
            with self._lock.held():
                self._sync()
                self._upgrade_locked()
                return self._merge_locked(batch)

    def _merge_locked(self, batch: Checked) -> MergeResult:
        view = self._view
        flags: dict[str, tuple[list[str], list[float], list[Value]]] = {}
        others: list[Event] = []
        kinds = set(batch.fields)
        if len(kinds) == 1 and batch.fields[0] in FIELDS:
            flags[batch.fields[0]] = (batch.keys, batch.times, batch.values)
        else:
            for key, fld, value, t in zip(batch.keys, batch.fields, batch.values, batch.times, strict=True):
                if fld in FIELDS:
                    ks, ts, vs = flags.setdefault(fld, ([], [], []))
                    ks.append(key)
                    ts.append(t)
                    vs.append(value)
                else:
                    others.append(Event(key, fld, value, t))
        wins = {fld: _flag_winners(view, fld, *columns) for fld, columns in flags.items()}
        extra_wins, versions = self._extra_winners(view, others)
        count = sum(map(len, wins.values())) + len(extra_wins) + len(versions)
        changed = KeySet([*map(list, wins.values()), [e.key for e in extra_wins]])
        updated = count - len(versions)
        if not count:
            return MergeResult(0, changed, None)
        data: bytes | list[bytes | memoryview]
        if count == len(batch) and batch.bodies is not None:
            data = batch.bodies
        else:
            lines = [_event_line(k, fld, v, t) for fld, best in wins.items() for k, (t, v) in best.items()]
            lines += [_event_line(e.key, e.field, e.value, e.time) for e in extra_wins + versions]
            data = "".join(lines).encode("utf-8", "surrogatepass")
        start = self._write_locked(data, count)
        for fld, best in wins.items():
            if view.overlay[fld]:
                view.overlay[fld].update(best)
            else:  # (a dict of our own: no need to copy it)
                view.overlay[fld] = best
        for e in extra_wins + versions:
            view.offer_extra(e.key, e.field, e.time, e.value)
        view.length = None
        return MergeResult(updated, changed, (self._log_ident, start, self._offset))

    def _extra_winners(self, view: _View, events: list[Event]) -> tuple[list[Event], list[Event]]:
        """Tags and notes, as `merge` does: the winners, and the note versions not known yet."""
        winners, versions = merge_winners(view, events, lambda: self._notes.versions(self.directory))
        return list(winners.values()), versions
