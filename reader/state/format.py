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
from collections.abc import Iterable
from dataclasses import dataclass
from json.encoder import encode_basestring as _json_string  # C-accelerated, keeps non-ASCII
from pathlib import Path
from typing import IO, Any

from .fields import FIELDS as FIELDS
from .fields import NOTE, TAG_PREFIX, Value, _Extras, is_field, valid_note, valid_tag

FORMAT = "arxiv-reader-marks"
VERSION = 2
EXTRA = "extra"

LOG_NAME = "marks.log"
SNAPSHOT_NAME = "marks.snapshot"
LOCK_NAME = "marks.lock"

_CODE = {("read", True): "R", ("read", False): "r", ("starred", True): "S", ("starred", False): "s"}
_UNCODE = {code: fv for fv, code in _CODE.items()}
_PLAIN_KEY = re.compile(r'[^\x00-\x1f\x7f"\\]+')
_NEEDS_QUOTE = re.compile(r'[\x00-\x09\x0b-\x1f\x7f"\\]')  # as above, minus the newline
# An event line exactly as this module writes it, with a key that needs no JSON unescaping.
_LOG_PATTERN = (r'\{"id": "([^"\\\x00-\x1f]+)", "field": "(read|starred|tag:[^"\\\x00-\x20\x7f]+)", '
                r'"value": (true|false), "time": ([0-9]{1,15}(?:\.[0-9]{1,9})?)\}')
_LOG_LINE = re.compile(f"^{_LOG_PATTERN}$", re.M)
_LOG_ONE = re.compile(_LOG_PATTERN)
_MARK = 64  # how many bytes before its read offset a store remembers (see _tail)


class StateError(Exception):
    """A store that cannot be read or written; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class Event:
    """Paper `key`'s `field` became `value` at `time` (Unix seconds).

    `field` is ``read`` or ``starred`` (value a bool), ``tag:NAME`` (value a bool: tagged or
    not) or ``note`` (value the text, or None for a deleted note).
    """

    key: str
    field: str
    value: bool | str | None
    time: float


# -- lines ------------------------------------------------------------------------------------


def _value_text(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _json_string(value)
    return "true" if value else "false"


def _event_line(key: str, field: str, value: Value, t: float) -> str:
    f = field if field in FIELDS or field == NOTE else _json_string(field)[1:-1]
    return f'{{"id": {_json_string(key)}, "field": "{f}", "value": {_value_text(value)}, "time": {t!r}}}\n'


def _line_event(text: str) -> tuple[str, str, Value, float] | None:
    """(key, field, value, time) from one event line (log, snapshot extra section, history),
    or None if it is not a valid event."""
    m = _LOG_ONE.fullmatch(text)
    if m is not None and (m.group(2) in FIELDS or is_field(m.group(2))):
        return m.group(1), m.group(2), m.group(3) == "true", float(m.group(4))
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    result = _event_from_obj(obj)
    if isinstance(result, Event):
        return result.key, result.field, result.value, result.time
    return None


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
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
        return '"time" must be a number (Unix seconds)'
    if field == NOTE:
        return _note_event(key, value, float(t))
    if not isinstance(field, str) or not is_field(field):
        if isinstance(field, str) and field.startswith(TAG_PREFIX):
            return valid_tag(field[len(TAG_PREFIX):]) or "bad tag"
        return f'"field" must be one of {", ".join(FIELDS)}, note or tag:NAME'
    if not isinstance(value, bool):
        return '"value" must be true or false'
    return Event(key, field, value, float(t))


def _note_event(key: str, value: object, t: float) -> Event | str:
    if value == "":
        value = None
    if value is not None and not isinstance(value, str):
        return '"value" of a note must be text or null'
    if value is not None and (problem := valid_note(value)):
        return problem
    return Event(key, NOTE, value, t)


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
    """The state in a snapshot: per field, sorted snapshot lines; tags and notes. Never mutated."""

    __slots__ = ("generation", "lines", "marked", "extras", "version")

    def __init__(self, generation: str | None, lines: dict[str, list[str]], marked: int,
                 extras: _Extras | None = None, version: int = VERSION):
        self.generation = generation
        self.lines = lines
        self.marked = marked
        self.extras = extras if extras is not None else _Extras()
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
        extras = _Extras()
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
                if _extras_from_lines(parts, extras):
                    return None
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
    return (_Snapshot(gen if isinstance(gen, str) else None, lines, marked, extras, version),
            _Damage(path, what, bad))


@dataclass
class _LogChunk:
    events: list[tuple[Any, ...]]  # (key, field, value, time); see `raw`
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
    events: list[tuple[Any, ...]] = []
    bad = 0
    valid_fields = set(FIELDS)
    for raw in body.split(b"\n")[:-1]:
        try:
            line = raw.decode("utf-8")
        except ValueError:
            bad += 1
            continue
        m = _LOG_ONE.fullmatch(line)
        if m is not None:
            field = m.group(2)
            if field in valid_fields or is_field(field):
                valid_fields.add(field)
                events.append((m.group(1), field, m.group(3) == "true", float(m.group(4))))
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


def _extra_lines(snap: _Snapshot, overlay: _Extras) -> tuple[list[str], _Extras]:
    """The current tags and notes as sorted event lines (no newlines), for a new snapshot."""
    merged = _Extras()
    for source in (snap.extras, overlay):
        for key, field, entry in source.items():
            merged.offer(key, field, *entry)
    return sorted(_event_line(key, field, value, t)[:-1] for key, field, (t, value) in merged.items()), merged


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
