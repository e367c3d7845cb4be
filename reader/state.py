"""Read/starred marks that are never lost: durable, crash-safe, concurrent-safe, mergeable.

Pure standard library plus platformdirs; no Textual. One `StateStore` per process (it is
thread-safe); any number of processes may use the same directory at the same time.

Files
=====

The store is a directory (`default_state_dir()`: ``$ARXIV_READER_DATA_DIR`` if set, else
platformdirs' user data directory ``arxiv-reader``, which honours ``XDG_DATA_HOME``) holding:

``marks.snapshot``
    The state as of the last compaction, in a form that loads fast. Replaced atomically.
``marks.log``
    JSON Lines of every change since that compaction. Appended, never edited in place.
``marks.lock``
    An empty file, only ever used for ``flock``. Never replaced or deleted.
``marks.log.corrupt-YYYYMMDDTHHMMSSZ``, ``marks.snapshot.corrupt-...``
    A damaged original moved aside (see Corruption). Never read again; delete at will.
``.marks.*.tmp-PID-RANDOM``
    A file being written; a leftover one is from a crash and is removed by the next compaction.

The state is the log replayed on top of the snapshot. Either file may be missing (an empty
store has neither).

Events and the conflict rule
----------------------------

An event says "paper KEY's FIELD became VALUE at TIME": KEY is an opaque non-empty string (an
arXiv identifier without version, or ``title:...``), FIELD is ``read`` or ``starred``, VALUE is a
boolean and TIME is Unix seconds as a float with microsecond precision. The state holds, for
every (KEY, FIELD) ever set, the event with the greatest (TIME, VALUE): the later change wins;
on an exact tie of TIME, ``true`` wins (a mark survives). This order does not depend on the order
events are read in, so replaying, merging and importing in any order, any number of times,
gives the same state on every machine.

A local change is stamped ``max(now, previous + 0.000001)`` where *previous* is the time of
the current event for that (KEY, FIELD), as seen under the lock (so including other processes'
changes): a clock that steps backwards never makes a newer local change lose.

``marks.log``
-------------

UTF-8, one JSON object per line, each line ending in ``\\n``. The first line is a header::

    {"format": "arxiv-reader-marks", "version": 1, "kind": "log", "generation": "<hex>",
     "snapshot": "<hex>" | null, "follows": {"snapshot": "<hex>" | null, "log": "<hex>" | null}}

(on one line). Every further line is one event, exactly the `state export` format::

    {"id": "2401.00001", "field": "read", "value": true, "time": 1764620000.123456}

``generation`` names this log; ``snapshot`` names the snapshot it is to be replayed on;
``follows`` names the snapshot and log whose combined state the log's writer held when it
created it (a process that holds exactly that state may keep its memory and just read the new
log instead of reloading everything). Readers ignore unknown keys in the header and in events.
A final line without its ``\\n`` is a write that was never acknowledged (a crash in the middle
of an append): readers ignore it and the next writer truncates it away before appending.

``marks.snapshot``
------------------

UTF-8. The first line is a JSON header::

    {"format": "arxiv-reader-marks", "version": 1, "kind": "snapshot", "generation": "<hex>",
     "created": 1764620000.123456, "marked_keys": 1203,
     "sections": [{"field": "read", "lines": 1500, "bytes": 40210, "crc32": 123456789},
                  {"field": "starred", "lines": 40, "bytes": 1009, "crc32": 987654321}]}

followed by the ``read`` section and then the ``starred`` section. A section is its lines sorted
by code point, each ``KEY<TAB>CODE<TAB>TIME\\n`` where CODE is ``R`` (read), ``r`` (not read),
``S`` (starred) or ``s`` (not starred), and TIME is the event time written as Python's
``repr(float)``. ``bytes`` and ``crc32`` (zlib CRC-32) cover the section's bytes exactly;
``marked_keys`` counts the keys that are read or starred. KEY is written as is unless it contains
a control character, ``"`` or ``\\``, in which case it is written as a JSON string (starting
with ``"``). Every line stands on its own, so a damaged snapshot still yields every intact line.

Loading 1,000,000 marks is one read, two CRCs and one ``str.split`` per section; lookups are a
binary search in the sorted lines (remembered per key), so nothing is built per mark.

Versioning: a reader refuses (``StateError``) a file whose ``version`` is newer than it knows
and never moves such a file aside; version 1 readers treat any other problem as damage.

Writing
=======

* Every write happens under an exclusive ``fcntl.flock`` on ``marks.lock``. Waiting for it is
  bounded (``lock_timeout``, default 10 s, polling every 0.5 to 5 ms); it is normally held for
  well under a millisecond plus one ``fsync``, a 100,000-mark batch for under a second and a
  compaction of a million marks for two to three seconds on a slow machine. On timeout the operation fails with
  ``StateError`` ("marks are locked by another process ...") and nothing changes. Reading
  (`load`, `refresh`, queries) never takes the lock, except to repair damage.
* `StateStore.apply` / `StateStore.merge`: lock; read whatever other processes appended since;
  truncate a torn final line; stamp the events; write them in one ``write`` to the log opened
  with ``O_APPEND``; ``fsync``; unlock; only then update memory and return. A batch (a mark-all
  of 100,000 papers) is one write and one ``fsync``. A new log is created complete (temporary
  file, ``fsync``, ``rename``, directory ``fsync``), so a log is never seen without its header.
* Compaction (`StateStore.compact`, automatic in `StateStore.load` when the log holds more than
  10,000 events, or more than 1,000 and more than the snapshot): lock; catch up; write the new
  snapshot to a temporary file, ``fsync``, ``rename`` over ``marks.snapshot``, directory
  ``fsync``; then the same for a new log holding only its header. A crash between the two
  renames leaves the new snapshot with the old log, which replays to the same state. Other
  processes never write to a replaced log (they open it under the lock) and notice the
  replacement by its inode.
* Loading takes no lock: it opens the log before the snapshot, so it sees the old pair, the new
  snapshot with the old (final) log, or the new pair; all replay to a complete state.
* A failed append (disk full, I/O error, permission denied) raises ``StateError``; memory is
  unchanged and the log is truncated back to where it was, so the marks do not turn up later.
  A reader that had already read the rolled-back lines notices (it remembers the 64 bytes
  before its read offset) and reloads.
* `StateStore.refresh` costs a ``stat`` plus a 64-byte read when nothing changed; it reads only
  the new lines of the log, and after another process's compaction it reads the new log and
  keeps its memory when the new log's ``follows`` matches what it holds (else it reloads).

Corruption
==========

A snapshot whose sizes or CRCs do not match, a log line that is not a valid event (including
invalid UTF-8 and NUL bytes), a missing or bad header, and an empty file are damage. On damage
`StateStore.load`, under the lock: keeps every line that can be read, hard-links the damaged
original to ``NAME.corrupt-<UTC time>`` (a copy if hard links are not supported), writes a
clean snapshot and log by compaction, and returns one warning. The next load is clean.
A torn final log line is not damage (see above) and is dropped silently. A damaged file met
by `StateStore.refresh` or while catching up before a write is repaired the same way; that
warning is kept for `StateStore.take_warnings`.

Caveats
=======

* Clocks: the later change wins by wall-clock time, so a machine whose clock runs far ahead
  wins conflicts from the other machine until the other's clock passes it.
* Network file systems: ``fsync`` and ``rename`` are as durable as the server makes them, and
  ``flock`` on NFS is emulated with byte-range locks (it works only with a working lock
  manager; without one every write fails with "cannot lock ..."). A hung mount can block
  ``fsync`` indefinitely; nothing here can bound that.
* Truncation: a log cut short exactly at a line boundary (by something other than this module)
  looks like a shorter log and cannot be detected; cut anywhere else, the broken final line
  looks like a torn write and is dropped without a warning. Snapshots carry sizes and CRCs, so
  any truncation of a snapshot is detected and reported.
* Do not put the directory in a file-sync folder (Dropbox, Syncthing): those replace files
  wholesale and can revive an old log. Sync between machines with ``state export`` on one and
  ``state import`` on the other; merging is idempotent and order-independent.
"""

from __future__ import annotations

import bisect
import errno
import fcntl
import gc
import json
import math
import os
import re
import stat
import threading
import time
import uuid
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from json.encoder import encode_basestring as _json_string  # C-accelerated, keeps non-ASCII
from pathlib import Path
from typing import IO, Iterable, Iterator

from .paths import user_dir

__all__ = [
    "FIELDS", "FORMAT", "VERSION", "Event", "StateError", "StateStore", "default_state_dir",
    "read_events_jsonl", "write_events_jsonl",
]

FIELDS = ("read", "starred")
FORMAT = "arxiv-reader-marks"
VERSION = 1

LOG_NAME = "marks.log"
SNAPSHOT_NAME = "marks.snapshot"
LOCK_NAME = "marks.lock"

COMPACT_LOG_EVENTS = 10_000
"""Compact on load when the log holds more events than this."""
COMPACT_MIN_LOG_EVENTS = 1_000
"""... or when it holds more than this and more than the snapshot."""
DEFAULT_LOCK_TIMEOUT = 10.0

_CODE = {("read", True): "R", ("read", False): "r", ("starred", True): "S", ("starred", False): "s"}
_UNCODE = {code: fv for fv, code in _CODE.items()}
_PLAIN_KEY = re.compile(r'[^\x00-\x1f\x7f"\\]+')
_NEEDS_QUOTE = re.compile(r'[\x00-\x09\x0b-\x1f\x7f"\\]')  # as above, minus the newline
# An event line exactly as this module writes it, with a key that needs no JSON unescaping.
_LOG_LINE = re.compile(
    r'^\{"id": "([^"\\\x00-\x1f]+)", "field": "(read|starred)", "value": (true|false), '
    r'"time": ([0-9]{1,15}(?:\.[0-9]{1,9})?)\}$',
    re.M,
)
_MISS = object()
_MARK = 64  # how many bytes before its read offset a store remembers (see _tail)


class StateError(Exception):
    """A store that cannot be read or written; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class Event:
    """Paper `key`'s `field` became `value` at `time` (Unix seconds)."""

    key: str
    field: str
    value: bool
    time: float


def default_state_dir() -> Path:
    """Where marks live: ``$ARXIV_READER_DATA_DIR``, else the platform's user data directory."""
    return user_dir("data")


# -- lines ------------------------------------------------------------------------------------


def _event_line(key: str, field: str, value: bool, t: float) -> str:
    return (f'{{"id": {_json_string(key)}, "field": "{field}", '
            f'"value": {"true" if value else "false"}, "time": {t!r}}}\n')


def _stored_key(key: str) -> str:
    return key if _PLAIN_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _snapshot_line(key: str, field: str, value: bool, t: float) -> str:
    return f"{_stored_key(key)}\t{_CODE[field, value]}\t{t!r}"


def _parse_snapshot_line(line: str) -> tuple[str, str, bool, float] | None:
    """(key, field, value, time) from one snapshot line, or None if it is not one."""
    parts = line.split("\t")
    if len(parts) != 3 or parts[1] not in _UNCODE:
        return None
    skey, code, ts = parts
    try:
        t = float(ts)
    except ValueError:
        return None
    if not math.isfinite(t):
        return None
    if skey.startswith('"'):
        try:
            key = json.loads(skey)
        except ValueError:
            return None
        if not isinstance(key, str) or not key or _bad_unicode(key):
            return None
    elif _PLAIN_KEY.fullmatch(skey):
        key = skey
    else:
        return None
    field, value = _UNCODE[code]
    return key, field, value, t


def _bad_unicode(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _event_from_obj(obj: object) -> Event | str | None:
    """An Event, None for a header line, or a message saying what is wrong."""
    if not isinstance(obj, dict):
        return "expected a JSON object"
    if "format" in obj and "id" not in obj:
        if obj.get("format") != FORMAT:
            return "not an arxiv-reader marks line"
        version = obj.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
            return f"written by a newer arxiv-reader (format version {version})"
        return None
    key, field, value, t = obj.get("id"), obj.get("field"), obj.get("value"), obj.get("time")
    if not isinstance(key, str) or not key:
        return '"id" must be a non-empty string'
    if _bad_unicode(key):
        return '"id" is not valid Unicode'
    if field not in FIELDS:
        return f'"field" must be one of {", ".join(FIELDS)}'
    if not isinstance(value, bool):
        return '"value" must be true or false'
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
        return '"time" must be a number (Unix seconds)'
    return Event(key, field, value, float(t))


def read_events_jsonl(fp: IO[str], source: str) -> tuple[list[Event], list[str]]:
    """Events from a JSON Lines file (`write_events_jsonl`, or a ``marks.log``).

    Blank lines and header lines are skipped; every bad line is reported as
    ``"source:line: message"`` and skipped, never raised. Open the file with
    ``errors="surrogateescape"`` (or ``"replace"``) so invalid UTF-8 is reported per line.
    """
    events: list[Event] = []
    problems: list[str] = []
    lineno = 0
    try:
        for lineno, line in enumerate(fp, 1):
            text = line.strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except ValueError as err:
                msg = getattr(err, "msg", None) or "not valid JSON"
                problems.append(f"{source}:{lineno}: not valid JSON ({msg})")
                continue
            result = _event_from_obj(obj)
            if isinstance(result, Event):
                events.append(result)
            elif isinstance(result, str):
                problems.append(f"{source}:{lineno}: {result}")
    except UnicodeDecodeError:
        problems.append(f"{source}:{lineno + 1}: not valid UTF-8; stopped reading here")
    return events, problems


def write_events_jsonl(events: Iterable[Event], fp: IO[str]) -> None:
    """Write events as JSON Lines, one ``{"id", "field", "value", "time"}`` object a line."""
    chunk: list[str] = []
    for e in events:
        chunk.append(_event_line(e.key, e.field, e.value, e.time))
        if len(chunk) >= 10_000:
            fp.write("".join(chunk))
            chunk.clear()
    if chunk:
        fp.write("".join(chunk))


# -- parsing the files ------------------------------------------------------------------------


class _Snapshot:
    """The state in a snapshot: per field, sorted snapshot lines. Never mutated."""

    __slots__ = ("generation", "lines", "marked")

    def __init__(self, generation: str | None, lines: dict[str, list[str]], marked: int):
        self.generation = generation
        self.lines = lines
        self.marked = marked

    @classmethod
    def empty(cls) -> _Snapshot:
        return cls(None, {f: [] for f in FIELDS}, 0)

    @property
    def entries(self) -> int:
        return sum(len(v) for v in self.lines.values())

    def lookup(self, key: str, field: str) -> tuple[float, bool] | None:
        lines = self.lines[field]
        if not lines:
            return None
        probe = _stored_key(key) + "\t"
        i = bisect.bisect_left(lines, probe)
        if i < len(lines):
            line = lines[i]
            if line.startswith(probe):
                n = len(probe)
                return float(line[n + 2:]), line[n] in "RS"
        return None


@dataclass
class _Damage:
    path: Path
    what: str
    bad_lines: int = 0


def _bad(count: int, what: str = "damaged line") -> str:
    return f"{count} {what}{'s' * (count != 1)}"


def _header(line: bytes, kind: str, path: Path) -> dict | None:
    """The parsed header line of `kind`, or None if it is not one. Raises for newer versions."""
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("kind") != kind:
        return None
    version = obj.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return None
    if version > VERSION:
        raise StateError(f"{path} was written by a newer arxiv-reader (format version {version});"
                         f" upgrade to use these marks")
    return obj


def _parse_snapshot(data: bytes, path: Path) -> tuple[_Snapshot, _Damage | None]:
    if not data:
        return _Snapshot.empty(), _Damage(path, "the file is empty")
    nl = data.find(b"\n")
    header = _header(data[:nl], "snapshot", path) if nl >= 0 else None
    if header is not None:
        snap = _fast_snapshot(header, data, nl + 1)
        if snap is not None:
            return snap, None
    return _salvage_snapshot(data, header, path)


def _fast_snapshot(header: dict, data: bytes, pos: int) -> _Snapshot | None:
    try:
        lines = {f: [] for f in FIELDS}
        for section in header["sections"]:
            field, count, size, crc = (section["field"], section["lines"], section["bytes"],
                                       section["crc32"])
            if field not in lines or lines[field]:
                return None
            chunk = data[pos:pos + size]
            pos += size
            if len(chunk) != size or zlib.crc32(chunk) != crc:
                return None
            parts = chunk.decode("utf-8").split("\n") if size else [""]
            if parts.pop() != "" or len(parts) != count:
                return None
            lines[field] = parts
        if pos != len(data):
            return None
        marked = header["marked_keys"]
        generation = header.get("generation")
        if not isinstance(marked, int) or not isinstance(generation, (str, type(None))):
            return None
        return _Snapshot(generation, lines, marked)
    except (KeyError, TypeError, ValueError):
        return None


def _salvage_snapshot(data: bytes, header: dict | None, path: Path) -> tuple[_Snapshot, _Damage]:
    best: dict[str, dict[str, tuple[float, bool]]] = {f: {} for f in FIELDS}
    raw = data.split(b"\n")
    torn = raw.pop()  # b"" if the file ends with a newline; else a cut-off line: damage
    bad = 1 if torn else 0
    start = 0
    if header is not None:
        start = 1
    elif raw and raw[0].startswith(b"{"):
        start, bad = 1, bad + 1  # a damaged header
    for b in raw[start:]:
        try:
            parsed = _parse_snapshot_line(b.decode("utf-8"))
        except UnicodeDecodeError:
            parsed = None
        if parsed is None:
            bad += 1
            continue
        key, field, value, t = parsed
        cur = best[field].get(key)
        if cur is None or (t, value) > cur:
            best[field][key] = (t, value)
    lines = {f: sorted(_snapshot_line(k, f, v, t) for k, (t, v) in best[f].items()) for f in FIELDS}
    marked = len({k for f in FIELDS for k, (_, v) in best[f].items() if v})
    gen = header.get("generation") if header else None
    what = "the header is damaged" if header is None else "its contents do not match its header"
    if bad:
        what += f", {_bad(bad)}"
    return _Snapshot(gen if isinstance(gen, str) else None, lines, marked), _Damage(path, what, bad)


@dataclass
class _LogChunk:
    events: list  # of (key, field, value, time)
    end: int  # offset just after the last complete line consumed
    tail: bytes = b""  # the bytes just before `end` (see StateStore._tail_mark)
    raw: bool = False  # events hold the log's text for value and time (see _View.replay)
    bad: int = 0
    header: dict | None = None
    header_problem: str | None = None


def _parse_log_lines(data: bytes, start: int) -> _LogChunk:
    """Events in the complete lines of data[start:]; a final line without newline is left."""
    last = data.rfind(b"\n")
    if last < start:
        return _LogChunk([], start, tail=data[max(0, start - _MARK):start])
    body = data[start:last + 1]
    end = last + 1
    tail = data[max(0, end - _MARK):end]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\\" not in text:
        matches = _LOG_LINE.findall(text)
        if len(matches) == text.count("\n"):
            return _LogChunk(matches, end, tail=tail, raw=True)
    events = []
    bad = 0
    for raw in body.split(b"\n")[:-1]:
        try:
            obj = json.loads(raw.decode("utf-8"))
        except ValueError:  # includes UnicodeDecodeError
            bad += 1
            continue
        result = _event_from_obj(obj)
        if isinstance(result, Event):
            events.append((result.key, result.field, result.value, result.time))
        elif isinstance(result, str):
            bad += 1
    return _LogChunk(events, end, tail=tail, bad=bad)


def _parse_log(data: bytes, path: Path) -> _LogChunk:
    """A whole log: header, then events."""
    nl = data.find(b"\n")
    if not data:
        chunk = _LogChunk([], 0)
        chunk.header_problem = "the file is empty"
        return chunk
    if nl < 0:
        chunk = _LogChunk([], 0)
        chunk.header_problem = "the header is cut off"
        return chunk
    header = _header(data[:nl], "log", path)
    if header is not None:
        chunk = _parse_log_lines(data, nl + 1)
        chunk.header = header
        return chunk
    chunk = _parse_log_lines(data, 0)  # keep the first line if it is an event
    chunk.header_problem = "the header is missing or damaged"
    return chunk


# -- the store --------------------------------------------------------------------------------


class _View:
    """What queries read: a snapshot plus the events since (overlay) plus remembered lookups.

    Swapped as a whole (one attribute assignment) so a reader on another thread never mixes
    an old snapshot with a new overlay.
    """

    __slots__ = ("snap", "overlay", "memo", "length")

    def __init__(self, snap: _Snapshot):
        self.snap = snap
        self.overlay: dict[str, dict[str, tuple[float, bool]]] = {f: {} for f in FIELDS}
        self.memo: dict[str, dict[str, tuple[float, bool] | None]] = {f: {} for f in FIELDS}
        self.length: int | None = snap.marked

    def current(self, key: str, field: str, remember: bool = True) -> tuple[float, bool] | None:
        r = self.overlay[field].get(key)
        if r is not None:
            return r
        memo = self.memo[field]
        r = memo.get(key, _MISS)
        if r is _MISS:
            r = self.snap.lookup(key, field)
            if remember:
                memo[key] = r
        return r

    def replay(self, events: Iterable[tuple], raw: bool = False) -> int:
        """Apply (key, field, value, time) events by the conflict rule; returns how many
        updated the state. With `raw`, value and time are the log's text ("true", "17.5")."""
        updated = 0
        overlay, memo, snap = self.overlay, self.memo, self.snap
        in_snapshot = {f: bool(snap.lines[f]) for f in FIELDS}
        for key, field, value, t in events:
            if raw:
                value = value == "true"
                t = float(t)
            ov = overlay[field]
            cur = ov.get(key)
            if cur is None and in_snapshot[field]:
                cur = memo[field].get(key, _MISS)
                if cur is _MISS:
                    cur = snap.lookup(key, field)
            new = (t, value)
            if cur is None or new > cur:
                ov[key] = new
                updated += 1
        if updated:
            self.length = None
        return updated

    def records(self) -> int:
        """How many (key, field) entries the state holds."""
        n = self.snap.entries
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


@dataclass
class _Disk:
    """Everything read from the directory in one go."""

    snap: _Snapshot
    snap_damage: _Damage | None
    log_fd: int | None
    log_ident: tuple[int, int] | None
    log_header: dict | None
    log: _LogChunk | None
    log_damage: _Damage | None
    snap_ident: tuple[int, int] | None

    @property
    def damage(self) -> list[_Damage]:
        return [d for d in (self.snap_damage, self.log_damage) if d is not None]


def _ident(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _why(err: OSError) -> str:
    return err.strerror or str(err)


class StateStore:
    """Read/starred marks in `directory` (default: `default_state_dir()`).

    Call `load` first (queries made before it load implicitly; their warnings are returned by
    the next `load` or `take_warnings`). Queries (`get`, `is_read`, ...) never touch the disk;
    `apply`, `merge`, `refresh`, `compact` and `load` may be called from any thread.
    """

    def __init__(self, directory: Path | str | None = None, *,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        self.directory = Path(directory) if directory is not None else default_state_dir()
        self.log_path = self.directory / LOG_NAME
        self.snapshot_path = self.directory / SNAPSHOT_NAME
        self.lock_path = self.directory / LOCK_NAME
        self.lock_timeout = lock_timeout
        self._mutex = threading.RLock()
        self._view = _View(_Snapshot.empty())
        self._loaded = False
        self._warnings: list[str] = []
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self._log_fd: int | None = None
        self._log_ident: tuple[int, int] | None = None
        self._log_gen: str | None = None
        self._snap_gen: str | None = None
        self._snap_ident: tuple[int, int] | None = None
        self._offset = 0
        self._tail_mark = b""  # the log's bytes just before _offset, to notice rewrites
        self._log_events = 0

    # -- queries ----------------------------------------------------------------------------

    def get(self, key: str, field: str) -> bool:
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}")
        if not self._loaded:
            self._implicit_load()
        r = self._view.current(key, field)
        return r is not None and r[1]

    def is_read(self, key: str) -> bool:
        return self.get(key, "read")

    def is_starred(self, key: str) -> bool:
        return self.get(key, "starred")

    def time_of(self, key: str, field: str) -> float | None:
        """When `key`'s `field` was last set, or None if never."""
        if not self._loaded:
            self._implicit_load()
        r = self._view.current(key, field)
        return None if r is None else r[0]

    def __len__(self) -> int:
        """Number of keys that are read or starred."""
        if not self._loaded:
            self._implicit_load()
        return len(self._view)

    def events(self) -> Iterator[Event]:
        """The current state: one event per (key, field) ever set (unmarks included),
        grouped by field. A snapshot of the state when called, safe against other threads."""
        if not self._loaded:
            self._implicit_load()
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

    def needs_compaction(self) -> bool:
        n = self._log_events
        return n > COMPACT_LOG_EVENTS or (
            n > COMPACT_MIN_LOG_EVENTS and n > self._view.snap.entries)

    def take_warnings(self) -> list[str]:
        """Warnings found since the last `load`/`take_warnings` (e.g. by `refresh`), once."""
        with self._mutex:
            out, self._warnings = self._warnings, []
            return out

    # -- loading ----------------------------------------------------------------------------

    def load(self) -> list[str]:
        """(Re)read everything from disk. Returns warnings to show the user once.

        Raises StateError when the store exists but cannot be read (e.g. permission denied)
        or was written by a newer version. Compacts a long log (errors there are ignored:
        the marks are loaded either way).
        """
        with self._mutex:
            warnings = self._warnings + self._reload()
            self._warnings = []
            self._loaded = True
            if self.needs_compaction():
                try:
                    self.compact_if_needed()
                except StateError:
                    pass
            return warnings

    def _implicit_load(self) -> None:
        with self._mutex:
            if not self._loaded:
                self._warnings += self._reload()
                self._loaded = True

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._implicit_load()

    def _read_disk(self) -> _Disk:
        """Open the log, then the snapshot (see the module docstring for why in that order)."""
        log_fd = None
        try:
            try:
                log_fd = os.open(self.log_path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
            except FileNotFoundError:
                pass
            except OSError as err:
                if err.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                    raise
                log_fd = os.open(self.log_path, os.O_RDONLY | os.O_CLOEXEC)
            snap, snap_damage, snap_ident = _Snapshot.empty(), None, None
            try:
                # O_NONBLOCK and regular files only: a FIFO or a link to /dev/zero reads as empty.
                with open(os.open(self.snapshot_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as fh:
                    st = os.fstat(fh.fileno())
                    snap_ident = _ident(st)
                    data = fh.read() if stat.S_ISREG(st.st_mode) else b""
            except FileNotFoundError:
                pass
            else:
                snap, snap_damage = _parse_snapshot(data, self.snapshot_path)
            log_ident = chunk = log_damage = header = None
            if log_fd is not None:
                log_ident = _ident(os.fstat(log_fd))
                chunk = _parse_log(_read_from(log_fd, 0), self.log_path)
                header = chunk.header
                problems = [p for p in [chunk.header_problem] if p]
                if chunk.bad:
                    problems.append(_bad(chunk.bad))
                if problems:
                    log_damage = _Damage(self.log_path, ", ".join(problems), chunk.bad)
            return _Disk(snap, snap_damage, log_fd, log_ident, header, chunk, log_damage,
                         snap_ident)
        except OSError as err:
            if log_fd is not None:
                os.close(log_fd)
            path = getattr(err, "filename", None) or self.directory
            raise StateError(f"cannot read marks from {path}: {_why(err)}") from None
        except BaseException:
            if log_fd is not None:
                os.close(log_fd)
            raise

    def _install(self, disk: _Disk) -> None:
        view = _View(disk.snap)
        log_events = 0
        if disk.log is not None:
            view.replay(disk.log.events, disk.log.raw)
            log_events = len(disk.log.events)
        self._view = view
        old = self._log_fd
        self._log_fd = disk.log_fd
        if old is not None and old != disk.log_fd:
            os.close(old)
        self._log_ident = disk.log_ident
        self._log_gen = disk.log_header.get("generation") if disk.log_header else None
        self._snap_gen = disk.snap.generation
        self._snap_ident = disk.snap_ident
        self._offset = disk.log.end if disk.log is not None else 0
        self._tail_mark = disk.log.tail if disk.log is not None else b""
        self._log_events = log_events

    def _reload(self) -> list[str]:
        """Read the disk into memory, repairing damage. Returns warnings."""
        with _bulk(1 << 30):
            return self._reload_now()

    def _reload_now(self) -> list[str]:
        disk = self._read_disk()
        if not disk.damage:
            self._install(disk)
            return []
        try:
            self._acquire()
        except StateError as err:
            self._install(disk)
            return [self._damage_message(disk, f"but could not repair it: {err}")]
        try:
            _close(disk.log_fd)
            disk = self._read_disk()  # again, now that no one else can be repairing it
            if not disk.damage:
                self._install(disk)
                return []
            return [self._repair_locked(disk)]
        finally:
            self._release()

    def _damage_message(self, disk: _Disk, outcome: str) -> str:
        names = " and ".join(f"{d.path.name} ({d.what})" for d in disk.damage)
        kept = self._view.records()
        return f"marks file {names} was damaged: kept {kept} marks, {outcome}"

    def _repair_locked(self, disk: _Disk) -> str:
        self._install(disk)
        asides = []
        try:
            for damage in disk.damage:
                asides.append(self._move_aside(damage.path))
            _fsync_dir(self.directory)
            self._compact_locked()
        except (OSError, StateError) as err:
            why = _why(err) if isinstance(err, OSError) else str(err)
            return self._damage_message(disk, f"but could not repair it: {why}")
        return self._damage_message(disk, "moved the original to " + " and ".join(map(str, asides)))

    def _move_aside(self, path: Path) -> Path:
        """Keep the damaged file under a new name (its original name is replaced later)."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        for n in range(1000):
            aside = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{n}" if n else ""))
            try:
                os.link(path, aside)
                return aside
            except FileExistsError:
                continue
            except OSError as err:
                if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                                     errno.EMLINK):
                    raise
                if aside.exists():
                    continue
                with open(path, "rb") as fh:
                    data = fh.read()
                fd, tmp = self._write_temp(path.name, data)
                os.close(fd)
                os.rename(tmp, aside)
                return aside
        raise StateError(f"cannot find a free name to move {path} aside")

    # -- refresh ----------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Pick up changes made by other processes since the last load/refresh.

        Cheap when nothing changed (one ``stat``). Returns True if the state changed (after a
        full reload, caused by another process's compaction we cannot follow, always True).
        Warnings (damage found and repaired) are kept for `take_warnings`.
        """
        with self._mutex:
            if not self._loaded:
                self._implicit_load()
                return True
            return self._sync() > 0

    def _sync(self) -> int:
        """Bring memory up to date with the disk. Returns how many events updated it."""
        try:
            st = os.stat(self.log_path)
        except FileNotFoundError:
            st = None
        except OSError as err:
            raise StateError(f"cannot read marks from {self.log_path}: {_why(err)}") from None
        ident = _ident(st) if st is not None else None
        if ident is not None and ident == self._log_ident:
            return abs(self._tail())
        if ident is None and self._log_ident is None:
            try:
                snap_ident = _ident(os.stat(self.snapshot_path))
            except OSError:
                snap_ident = None
            if snap_ident == self._snap_ident:
                return 0
            return self._full_reload()
        # The log was replaced (compaction, repair) or created or removed.
        updated = self._tail() if self._log_fd is not None else 0
        if updated < 0:
            return 1
        if ident is None:
            return self._full_reload()
        try:
            fd = os.open(self.log_path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
        except FileNotFoundError:
            return self._full_reload()
        except OSError:
            return self._full_reload()
        try:
            chunk = _parse_log(_read_from(fd, 0), self.log_path)
        except OSError:
            os.close(fd)
            return self._full_reload()
        header = chunk.header
        follows = header.get("follows") if header else None
        if (chunk.header_problem or chunk.bad or not isinstance(follows, dict)
                or follows.get("snapshot") != self._snap_gen or follows.get("log") != self._log_gen):
            os.close(fd)
            return self._full_reload()
        updated += self._view.replay(chunk.events, chunk.raw)
        _close(self._log_fd)
        self._log_fd = fd
        self._log_ident = _ident(os.fstat(fd))
        self._log_gen = header.get("generation")
        self._snap_gen = header.get("snapshot")
        try:
            self._snap_ident = _ident(os.stat(self.snapshot_path))
        except OSError:
            self._snap_ident = None
        self._offset = chunk.end
        self._tail_mark = chunk.tail
        self._log_events = len(chunk.events)
        return updated

    def _tail(self) -> int:
        """Read what was appended to our log since `_offset`. -1 if that needed a full reload."""
        fd = self._log_fd
        if fd is None:
            return 0
        try:
            size = os.fstat(fd).st_size
            mark = self._tail_mark
            if size < self._offset or (
                    mark and os.pread(fd, len(mark), self._offset - len(mark)) != mark):
                # Rewritten behind our back (a failed append rolled back after we read it).
                self._full_reload()
                return -1
            if size == self._offset:
                return 0
            data = _read_from(fd, self._offset)
        except OSError as err:
            raise StateError(f"cannot read marks from {self.log_path}: {_why(err)}") from None
        chunk = _parse_log_lines(data, 0)
        if chunk.bad:
            self._full_reload()
            return -1
        if chunk.end:
            self._offset += chunk.end
            self._tail_mark = (mark + data[:chunk.end])[-_MARK:]
        self._log_events += len(chunk.events)
        return self._view.replay(chunk.events, chunk.raw)

    def _full_reload(self) -> int:
        self._warnings += self._reload()
        return 1

    # -- writing ----------------------------------------------------------------------------

    def apply(self, changes: Iterable[tuple[str, str, bool]], *,
              skip_unchanged: bool = False) -> list[Event]:
        """Record changes durably, as one batch; returns the events written.

        When this returns the events are on disk (written and fsync'd). On any failure it
        raises StateError and memory is unchanged. Every change is written, even one that sets
        the current value (it refreshes the time, which matters for merging); pass
        ``skip_unchanged=True`` to leave those out.
        """
        items = changes if isinstance(changes, list) else list(changes)
        if not items:
            return []
        with self._mutex, _bulk(len(items)):
            self._ensure_loaded()
            with self._locked():
                self._sync()
                view = self._view
                now = round(time.time(), 6)
                batch: dict[str, dict[str, tuple[float, bool]]] = {f: {} for f in FIELDS}
                overlay = view.overlay
                in_snapshot = {f: bool(view.snap.lines[f]) for f in FIELDS}
                events: list[Event] = []
                lines: list[str] = []
                now_text = repr(now)
                for key, field, value in items:
                    if field not in batch:
                        raise ValueError(f"unknown field {field!r}")
                    if not isinstance(key, str) or not key:
                        raise ValueError(f"bad key {key!r}")
                    value = bool(value)
                    prev = batch[field].get(key) or overlay[field].get(key)
                    if prev is None and in_snapshot[field]:
                        prev = view.current(key, field, remember=False)
                    if skip_unchanged and (prev[1] if prev else False) == value:
                        continue
                    t = now
                    if prev is not None and now <= prev[0]:
                        t = round(prev[0] + 1e-6, 6)
                        while t <= prev[0]:
                            t = round(t + 1e-6, 6)
                    batch[field][key] = (t, value)
                    events.append(Event(key, field, value, t))
                    lines.append(f'{{"id": {_json_string(key)}, "field": "{field}", '
                                 f'"value": {"true" if value else "false"}, '
                                 f'"time": {now_text if t == now else repr(t)}}}\n')
                if events:
                    self._append_locked(events, lines, batch)
        return events

    def merge(self, events: Iterable[Event]) -> int:
        """Merge events from elsewhere (`state import`) by the conflict rule.

        Appends only the events that win against the current state, with their own times, in
        one durable batch. Returns how many (key, field) entries they updated (value or time).
        """
        items = []
        for e in events:
            if (not isinstance(e.key, str) or not e.key or e.field not in FIELDS
                    or not isinstance(e.value, bool) or not math.isfinite(e.time)):
                raise ValueError(f"bad event {e!r}")
            items.append(e)
        with self._mutex, _bulk(len(items)):
            self._ensure_loaded()
            if not items:
                return 0
            with self._locked():
                self._sync()
                view = self._view
                winners: dict[tuple[str, str], Event] = {}
                for e in items:
                    w = winners.get((e.key, e.field))
                    cur = (w.time, w.value) if w is not None else view.current(e.key, e.field)
                    if cur is None or (float(e.time), e.value) > cur:
                        winners[e.key, e.field] = Event(e.key, e.field, e.value, float(e.time))
                if winners:
                    self._append_locked(list(winners.values()))
                return len(winners)

    def _append_locked(self, events: list[Event], lines: list[str] | None = None,
                       batch: dict[str, dict[str, tuple[float, bool]]] | None = None) -> None:
        if lines is None:
            lines = [_event_line(e.key, e.field, e.value, e.time) for e in events]
        try:
            data = "".join(lines).encode()
        except UnicodeEncodeError:
            bad = next(e.key for e in events if _bad_unicode(e.key))
            raise ValueError(f"bad key {bad!r}: not valid Unicode") from None
        fd = self._writable_log_locked()
        try:
            if os.fstat(fd).st_size > self._offset:
                # After catching up, only a torn line (a write never acknowledged) can be there.
                os.ftruncate(fd, self._offset)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except OSError as err:
            try:  # leave no trace of a batch we report as failed
                os.ftruncate(fd, self._offset)
            except OSError:
                pass
            raise StateError(f"cannot write marks to {self.log_path}: {_why(err)}") from None
        self._offset += len(data)
        self._tail_mark = (self._tail_mark + data)[-_MARK:]
        self._log_events += len(events)
        overlay = self._view.overlay
        if batch is not None:
            for field, entries in batch.items():
                overlay[field].update(entries)
        else:
            for e in events:
                overlay[e.field][e.key] = (e.time, e.value)
        self._view.length = None

    def _writable_log_locked(self) -> int:
        """Our log fd, opened for appending; creates the log (atomically) if there is none."""
        if self._log_fd is not None:
            if fcntl.fcntl(self._log_fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDWR:
                return self._log_fd
            try:
                fd = os.open(self.log_path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
            except OSError as err:
                raise StateError(f"cannot write marks to {self.log_path}: {_why(err)}") from None
            if _ident(os.fstat(fd)) != self._log_ident:  # cannot happen after _sync under lock
                os.close(fd)
                raise StateError(f"cannot write marks to {self.log_path}: it changed")
            os.close(self._log_fd)
            self._log_fd = fd
            return fd
        generation = uuid.uuid4().hex
        header = {"format": FORMAT, "version": VERSION, "kind": "log", "generation": generation,
                  "snapshot": self._snap_gen,
                  "follows": {"snapshot": self._snap_gen, "log": None}}
        data = (json.dumps(header) + "\n").encode()
        try:
            fd, tmp = self._write_temp(LOG_NAME, data, append=True)
            try:
                os.rename(tmp, self.log_path)
                _fsync_dir(self.directory)
            except OSError:
                os.close(fd)
                _unlink(tmp)
                raise
        except OSError as err:
            raise StateError(f"cannot write marks to {self.log_path}: {_why(err)}") from None
        self._log_fd = fd
        self._log_ident = _ident(os.fstat(fd))
        self._log_gen = generation
        self._offset = len(data)
        self._tail_mark = data[-_MARK:]
        self._log_events = 0
        return fd

    def _write_temp(self, name: str, data: bytes, append: bool = False) -> tuple[int, Path]:
        """A new file in the directory holding `data`, fsync'd; returns (fd, path)."""
        tmp = self.directory / f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | (os.O_APPEND if append else 0)
        fd = os.open(tmp, flags, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            _unlink(tmp)
            raise
        return fd, tmp

    # -- compaction -------------------------------------------------------------------------

    def compact(self) -> None:
        """Write everything into a new snapshot and start an empty log (atomically)."""
        with self._mutex:
            self._ensure_loaded()
            with self._locked():
                self._sync()
                self._compact_locked()

    def compact_if_needed(self) -> bool:
        """Compact if the log has grown long (see `needs_compaction`); True if it did.

        Cheap to call after every batch, e.g. from the worker that called `apply`.
        """
        with self._mutex:
            self._ensure_loaded()
            if not self.needs_compaction():
                return False
            with self._locked():
                self._sync()
                if not self.needs_compaction():
                    return False
                self._compact_locked()
                return True

    def _compact_locked(self) -> None:
        with _bulk(1 << 30):
            self._compact_now()

    def _compact_now(self) -> None:
        view = self._view
        lines = {f: _merge_lines(view.snap, view.overlay[f], f) for f in FIELDS}
        marked = len(view)
        generation = uuid.uuid4().hex
        sections, bodies = [], []
        for f in FIELDS:
            body = ("\n".join(lines[f]) + "\n").encode() if lines[f] else b""
            sections.append({"field": f, "lines": len(lines[f]), "bytes": len(body),
                             "crc32": zlib.crc32(body)})
            bodies.append(body)
        header = {"format": FORMAT, "version": VERSION, "kind": "snapshot",
                  "generation": generation, "created": round(time.time(), 6),
                  "marked_keys": marked, "sections": sections}
        snapshot = b"".join([(json.dumps(header) + "\n").encode(), *bodies])
        log_header = {"format": FORMAT, "version": VERSION, "kind": "log",
                      "generation": generation, "snapshot": generation,
                      "follows": {"snapshot": self._snap_gen, "log": self._log_gen}}
        log_data = (json.dumps(log_header) + "\n").encode()
        log_fd = None
        try:
            self._remove_stale_temps()
            fd, tmp = self._write_temp(SNAPSHOT_NAME, snapshot)
            os.close(fd)
            try:
                os.rename(tmp, self.snapshot_path)
            except OSError:
                _unlink(tmp)
                raise
            _fsync_dir(self.directory)
            log_fd, tmp = self._write_temp(LOG_NAME, log_data, append=True)
            try:
                os.rename(tmp, self.log_path)
            except OSError:
                _unlink(tmp)
                raise
            _fsync_dir(self.directory)
            snap_ident = _ident(os.stat(self.snapshot_path))
        except OSError as err:
            _close(log_fd)
            raise StateError(f"cannot compact marks in {self.directory}: {_why(err)}") from None
        new_view = _View(_Snapshot(generation, lines, marked))
        self._view = new_view
        _close(self._log_fd)
        self._log_fd = log_fd
        self._log_ident = _ident(os.fstat(log_fd))
        self._log_gen = generation
        self._snap_gen = generation
        self._snap_ident = snap_ident
        self._offset = len(log_data)
        self._tail_mark = log_data[-_MARK:]
        self._log_events = 0

    def _remove_stale_temps(self) -> None:
        """Temporary files are only written under the lock, so any we see now are leftovers."""
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        for name in names:
            if name.startswith((f".{LOG_NAME}.tmp-", f".{SNAPSHOT_NAME}.tmp-")):
                _unlink(self.directory / name)

    # -- locking ----------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive flock on marks.lock, waiting at most `lock_timeout` seconds. Re-entrant."""
        self._acquire()
        try:
            yield
        finally:
            self._release()

    def _acquire(self) -> None:
        if self._lock_depth:
            self._lock_depth += 1
            return
        fd = self._lock_fd
        if fd is None:
            fd = self._open_lock()
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StateError(f"marks are locked by another process ({self.lock_path});"
                                     f" gave up after {self.lock_timeout:g} s") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.005)
            except OSError as err:
                raise StateError(f"cannot lock {self.lock_path}: {_why(err)}") from None
        self._lock_depth = 1

    def _release(self) -> None:
        self._lock_depth -= 1
        if self._lock_depth == 0 and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _open_lock(self) -> int:
        try:
            _make_dirs(self.directory)
            # O_NOFOLLOW: a link planted as marks.lock never creates a file outside the directory.
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except OSError as err:
            try:
                fd = os.open(self.lock_path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
            except OSError:
                raise StateError(f"cannot write marks to {self.directory}: {_why(err)}") from None
        self._lock_fd = fd
        return fd

    # -- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release file descriptors. The store can be loaded again afterwards."""
        with self._mutex:
            _close(self._log_fd)
            _close(self._lock_fd)
            self._log_fd = self._lock_fd = None
            self._log_ident = None
            self._loaded = False

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            _close(self._log_fd)
            _close(self._lock_fd)
        except Exception:
            pass


# -- helpers ----------------------------------------------------------------------------------


def _merge_lines(snap: _Snapshot, overlay: dict[str, tuple[float, bool]], field: str) -> list[str]:
    """The snapshot's sorted lines for `field` with the overlay's entries replacing theirs."""
    lines = snap.lines[field]
    if not overlay:
        return lines
    drop = []
    for key in overlay:
        probe = _stored_key(key) + "\t"
        i = bisect.bisect_left(lines, probe)
        if i < len(lines) and lines[i].startswith(probe):
            drop.append(i)
    kept: list[str] = []
    prev = 0
    for i in sorted(drop):
        kept.extend(lines[prev:i])
        prev = i + 1
    kept.extend(lines[prev:])
    true_code, false_code = _CODE[field, True], _CODE[field, False]
    keys = list(overlay)
    joined = "\n".join(keys)
    if _NEEDS_QUOTE.search(joined) is None and joined.count("\n") == len(keys) - 1:
        texts = {t: repr(t) for t in {tv[0] for tv in overlay.values()}}  # batches share times
        kept.extend([f"{k}\t{true_code if v else false_code}\t{texts[t]}"
                     for k, (t, v) in overlay.items()])
    else:
        kept.extend(_snapshot_line(k, field, v, t) for k, (t, v) in overlay.items())
    kept.sort()  # sorted runs: timsort merges them in linear time
    return kept


@contextmanager
def _bulk(size: int) -> Iterator[None]:
    """Pause the cyclic garbage collector while building `size` objects that are all kept.

    Otherwise every few thousand allocations trigger a collection that walks everything
    allocated so far, which makes loading a million marks several times slower.
    """
    if size < 20_000 or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _read_from(fd: int, offset: int) -> bytes:
    size = os.fstat(fd).st_size
    parts = []
    while offset < size:
        chunk = os.pread(fd, min(size - offset, 1 << 30), offset)
        if not chunk:
            break
        parts.append(chunk)
        offset += len(chunk)
    return b"".join(parts)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """mkdir -p, fsyncing each parent that gained an entry."""
    if path.is_dir():
        return
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    os.makedirs(path, exist_ok=True)
    for d in reversed(missing):
        _fsync_dir(d.parent)


def _close(fd: int | None) -> None:
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
