"""Events and their lines: the ``marks.log`` / history / `state export` line codec.

No I/O beyond the file objects handed in. `reader.state` (the package docstring) describes the
format; names with a leading underscore are private to the package.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from json.decoder import scanstring as _scanstring  # type: ignore[attr-defined]
from json.encoder import encode_basestring as _json_string  # C-accelerated, keeps non-ASCII
from typing import IO

from .fields import FIELDS, MAX_NOTE_BYTES, NOTE, TAG_PREFIX, Value, is_field, valid_note, valid_tag

FORMAT = "arxiv-reader-marks"
VERSION = 2

_LOG_PATTERN = (r'\{"id": "([^"\\\x00-\x1f]+)", "field": "(read|starred|tag:[^"\\\x00-\x20\x7f]+)", '
                r'"value": (true|false), "time": ([0-9]{1,15}(?:\.[0-9]{1,9})?)\}')
_LOG_LINE = re.compile(f"^{_LOG_PATTERN}$", re.M)
# Any event line as this module writes it (notes too), for the line-by-line paths.
_ANY_PATTERN = (
    r'\{"id": "([^"\\\x00-\x1f]++)", "field": "(read|starred|note|tag:[^"\\\x00-\x20\x7f]++)", '
    r'"value": (true|false|null|"(?:[^"\\\x00-\x1f]++|\\.)*+"), "time": ([0-9]{1,15}(?:\.[0-9]{1,9})?)\}')
_LOG_ONE = re.compile(_ANY_PATTERN)
_LOG_ANY = re.compile(f"^{_ANY_PATTERN}$", re.M)


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


def _matched_event(m: re.Match[str]) -> tuple[str, str, Value, float] | None:
    """The event in a `_LOG_ONE` match, or None if its field and value do not fit."""
    return _groups_event(*m.groups())


def _groups_event(key: str, field: str, v: str, ts: str) -> tuple[str, str, Value, float] | None:
    value: Value
    if field == NOTE:
        if v == "null":
            value = None
        elif v[0] != '"':
            return None
        elif "\\" in v:
            try:
                value = _scanstring(v, 1)[0] or None
            except ValueError:
                return None
            if value is not None and ("\\u" in v or len(value) * 4 > MAX_NOTE_BYTES) and valid_note(value):
                return None
        else:
            value = v[1:-1] or None
            if value is not None and len(value) * 4 > MAX_NOTE_BYTES and valid_note(value):
                return None
    elif v[0] not in "tf" or not is_field(field):
        return None
    else:
        value = v == "true"
    return key, field, value, float(ts)


def _line_event(text: str) -> tuple[str, str, Value, float] | None:
    """(key, field, value, time) from one event line (log, snapshot extra section, history),
    or None if it is not a valid event."""
    m = _LOG_ONE.fullmatch(text)
    if m is not None:
        return _matched_event(m)
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    result = _event_from_obj(obj)
    if isinstance(result, Event):
        return result.key, result.field, result.value, result.time
    return None


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
