"""The on-disk codecs of the marks store: snapshot and log lines, headers, parsing, salvage.

No I/O here beyond what the caller hands in as bytes; `reader.state` (the package docstring)
describes the files and the protocol, `reader.state.store` reads and writes them. Names with a
leading underscore are private to the package.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring as _json_string  # C-accelerated, keeps non-ASCII
from pathlib import Path
from typing import Any

from .events import _LOG_ANY as _LOG_ANY
from .events import _LOG_LINE as _LOG_LINE
from .events import _LOG_ONE as _LOG_ONE
from .events import FORMAT as FORMAT
from .events import VERSION as VERSION
from .events import Event as Event
from .events import StateError as StateError
from .events import _bad_unicode as _bad_unicode
from .events import _event_from_obj as _event_from_obj
from .events import _event_line as _event_line
from .events import _groups_event as _groups_event
from .events import _line_event as _line_event
from .events import _matched_event as _matched_event
from .events import read_events_jsonl as read_events_jsonl
from .events import write_events_jsonl as write_events_jsonl
from .fields import FIELDS as FIELDS
from .fastlog import events_of
from .fields import NOTE, TAG_PREFIX, Value, _Extras, is_field

EXTRA = "extra"

LOG_NAME = "marks.log"
SNAPSHOT_NAME = "marks.snapshot"
LOCK_NAME = "marks.lock"

_CODE = {("read", True): "R", ("read", False): "r", ("starred", True): "S", ("starred", False): "s"}
_UNCODE = {code: fv for fv, code in _CODE.items()}
_PLAIN_KEY = re.compile(r'[^\x00-\x1f\x7f"\\]+')
_NEEDS_QUOTE = re.compile(r'[\x00-\x09\x0b-\x1f\x7f"\\]')  # as above, minus the newline
# An event line exactly as this module writes it, with a key that needs no JSON unescaping.
_MARK = 64  # how many bytes before its read offset a store remembers (see _tail)




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




# -- parsing the files ------------------------------------------------------------------------


class _SnapExtras:
    """A snapshot's tags and notes: its ``extra`` section's sorted event lines, parsed per key
    on first use (a paper's lines are contiguous: they share the prefix ``{"id": KEY, ``), so
    loading builds nothing per entry. Never mutated but for the memo."""

    __slots__ = ("lines", "memo", "_counts")

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.memo: dict[str, tuple[dict[str, tuple[float, bool]], tuple[float, str | None] | None]] = {}
        self._counts: dict[str, int] | None = None

    @classmethod
    def of(cls, extras: _Extras) -> _SnapExtras:
        return cls(sorted(_event_line(k, f, v, t)[:-1] for k, f, (t, v) in extras.items()))

    def entries(self, key: str) -> tuple[dict[str, tuple[float, bool]], tuple[float, str | None] | None]:
        """(tag -> (time, tagged), (time, note) or None) for `key`."""
        r = self.memo.get(key)
        if r is not None:
            return r
        lines = self.lines
        tags: dict[str, tuple[float, bool]] = {}
        note: tuple[float, str | None] | None = None
        if lines:
            probe = '{"id": ' + _json_string(key) + ", "
            i = bisect.bisect_left(lines, probe)
            while i < len(lines) and lines[i].startswith(probe):
                event = _line_event(lines[i])
                i += 1
                if event is None or event[0] != key:
                    continue
                _, field, value, t = event
                if field == NOTE and (value is None or isinstance(value, str)):
                    note = (t, value)
                elif field[:4] == TAG_PREFIX and isinstance(value, bool):
                    tags[field[4:]] = (t, value)
        r = self.memo[key] = (tags, note)
        return r

    def get(self, key: str, field: str) -> tuple[float, Value] | None:
        tags, note = self.entries(key)
        return note if field == NOTE else tags.get(field[len(TAG_PREFIX):])

    def items(self) -> Iterator[tuple[str, str, tuple[float, Value]]]:
        for line in self.lines:
            event = _line_event(line)
            if event is not None and event[1] not in FIELDS:
                key, field, value, t = event
                yield key, field, (t, value)

    def tag_counts(self) -> dict[str, int]:
        """How many papers have each tag (computed once: the snapshot never changes)."""
        if self._counts is None:
            counts: dict[str, int] = {}
            for _, field, (_, value) in self.items():
                if value is True and field[:4] == TAG_PREFIX:
                    counts[field[4:]] = counts.get(field[4:], 0) + 1
            self._counts = counts
        return self._counts

    def __len__(self) -> int:
        return len(self.lines)


class _Snapshot:
    """The state in a snapshot: per field, sorted snapshot lines; tags and notes. Never mutated."""

    __slots__ = ("generation", "lines", "marked", "extras", "version")

    def __init__(self, generation: str | None, lines: dict[str, list[str]], marked: int,
                 extras: _SnapExtras | None = None, version: int = VERSION):
        self.generation = generation
        self.lines = lines
        self.marked = marked
        self.extras = extras if extras is not None else _SnapExtras([])
        self.version = version

    @classmethod
    def empty(cls) -> _Snapshot:
        return cls(None, {f: [] for f in FIELDS}, 0)

    @property
    def entries(self) -> int:
        return sum(len(v) for v in self.lines.values()) + len(self.extras)

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


def _header(line: bytes, kind: str, path: Path) -> dict[str, Any] | None:
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


def _fast_snapshot(header: dict[str, Any], data: bytes, pos: int) -> _Snapshot | None:
    try:
        lines: dict[str, list[str]] = {f: [] for f in FIELDS}
        extras = _SnapExtras([])
        seen: set[str] = set()
        for section in header["sections"]:
            field, count, size, crc = (section["field"], section["lines"], section["bytes"],
                                       section["crc32"])
            if (field not in lines and field != EXTRA) or field in seen:
                return None
            seen.add(field)
            chunk = data[pos:pos + size]
            pos += size
            if len(chunk) != size or zlib.crc32(chunk) != crc:
                return None
            parts = chunk.decode("utf-8").split("\n") if size else [""]
            if parts.pop() != "" or len(parts) != count:
                return None
            if field == EXTRA:
                extras = _SnapExtras(parts)
            else:
                lines[field] = parts
        if pos != len(data):
            return None
        marked = header["marked_keys"]
        generation = header.get("generation")
        if not isinstance(marked, int) or not isinstance(generation, (str, type(None))):
            return None
        return _Snapshot(generation, lines, marked, extras, header["version"])
    except (KeyError, TypeError, ValueError):
        return None


def _extras_from_lines(lines: Iterable[str], extras: _Extras) -> int:
    """Offer every event line to `extras`; returns how many lines were not valid tag/note events."""
    bad = 0
    for line in lines:
        parsed = _line_event(line)
        if parsed is None or parsed[1] in FIELDS:
            bad += 1
            continue
        key, field, value, t = parsed
        extras.offer(key, field, t, value)
    return bad


def _salvage_snapshot(data: bytes, header: dict[str, Any] | None, path: Path) -> tuple[_Snapshot, _Damage]:
    best: dict[str, dict[str, tuple[float, bool]]] = {f: {} for f in FIELDS}
    raw = data.split(b"\n")
    torn = raw.pop()  # b"" if the file ends with a newline; else a cut-off line: damage
    bad = 1 if torn else 0
    start = 0
    if header is not None:
        start = 1
    elif raw and raw[0].startswith(b"{"):
        start, bad = 1, bad + 1  # a damaged header
    extras = _Extras()
    for b in raw[start:]:
        text = ""
        try:
            text = b.decode("utf-8")
            parsed = _parse_snapshot_line(text)
        except UnicodeDecodeError:
            parsed = None
        if parsed is None and b.startswith(b'{"id"') and not _extras_from_lines([text], extras):
            continue
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
    version = header.get("version", VERSION) if header else VERSION
    return (_Snapshot(gen if isinstance(gen, str) else None, lines, marked, _SnapExtras.of(extras), version),
            _Damage(path, what, bad))


@dataclass
class _LogChunk:
    events: Sequence[tuple[Any, ...]]  # (key, field, value, time); see `raw`
    end: int  # offset just after the last complete line consumed
    tail: bytes = b""  # the bytes just before `end` (see StateStore._tail_mark)
    raw: bool = False  # events hold the log's text for value and time (see _View.replay)
    bad: int = 0
    header: dict[str, Any] | None = None
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
        if len(matches) == text.count("\n") and all(
                is_field(f) for f in {m[1] for m in matches} if f not in FIELDS):
            return _LogChunk(matches, end, tail=tail, raw=True)
    if text is not None:
        found = _all_lines_events(text)
        if found is not None:
            return _LogChunk(found, end, tail=tail)
    events, bad = _careful_events(body)
    return _LogChunk(events, end, tail=tail, bad=bad)


def _all_lines_events(text: str) -> Sequence[tuple[Any, ...]] | None:
    """The events of `text` if every line is an event line as written here, else None."""
    fast = events_of(text)  # (all at once: tags and notes)
    if fast is not None:
        return fast
    found = _LOG_ANY.findall(text)
    if len(found) != text.count("\n"):
        return None
    events: list[tuple[Any, ...]] = []
    for groups in found:
        event = _groups_event(*groups)
        if event is None:
            return None
        events.append(event)
    return events


def _careful_events(body: bytes) -> tuple[list[tuple[Any, ...]], int]:
    """Line by line: (events, how many lines were bad)."""
    events: list[tuple[Any, ...]] = []
    bad = 0
    for raw in body.split(b"\n")[:-1]:
        try:
            line = raw.decode("utf-8")
        except ValueError:
            bad += 1
            continue
        m = _LOG_ONE.fullmatch(line)
        if m is not None:
            event = _matched_event(m)
            if event is None:
                bad += 1
            else:
                events.append(event)
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            bad += 1
            continue
        result = _event_from_obj(obj)
        if isinstance(result, Event):
            events.append((result.key, result.field, result.value, result.time))
        elif isinstance(result, str):
            bad += 1
    return events, bad


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


def _extra_lines(snap: _Snapshot, overlay: _Extras) -> _SnapExtras:
    """The current tags and notes (as a new snapshot's ``extra`` section)."""
    if not overlay.tags and not overlay.notes:
        return _SnapExtras(snap.extras.lines)
    merged = _Extras()
    for source in (snap.extras.items(), overlay.items()):
        for key, field, entry in source:
            merged.offer(key, field, *entry)
    return _SnapExtras.of(merged)


def _snapshot_bytes(generation: str, lines: dict[str, list[str]], marked: int,
                    extra: list[str] | None = None) -> bytes:
    """A whole snapshot file: its header line, then one sorted section per field, then the
    ``extra`` section (tags and notes as event lines)."""
    sections, bodies = [], []
    named = [(f, lines[f]) for f in FIELDS] + [(EXTRA, extra or [])]
    for f, section in named:
        body = ("\n".join(section) + "\n").encode() if section else b""
        sections.append({"field": f, "lines": len(section), "bytes": len(body), "crc32": zlib.crc32(body)})
        bodies.append(body)
    header = {"format": FORMAT, "version": VERSION, "kind": "snapshot",
              "generation": generation, "created": round(time.time(), 6),
              "marked_keys": marked, "sections": sections}
    return b"".join([(json.dumps(header) + "\n").encode(), *bodies])


def _log_header_bytes(generation: str, snapshot: str | None, follows_snapshot: str | None,
                      follows_log: str | None) -> bytes:
    """The first line of a new log."""
    header = {"format": FORMAT, "version": VERSION, "kind": "log", "generation": generation,
              "snapshot": snapshot, "follows": {"snapshot": follows_snapshot, "log": follows_log}}
    return (json.dumps(header) + "\n").encode()
