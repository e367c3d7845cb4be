"""`arxiv-reader journal`: what was read, starred, tagged and noted, day by day.

No Textual, no I/O: the caller hands in the events (`StateStore.history`) and a title lookup.
Every piece of text that came from a digest, a note or a tag goes through `reader.text.sanitize`
(Markdown) or `reader.export.json_line` (JSON), so nothing in it can act on a terminal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator

from .export import json_line
from .state import NOTE, TAG_PREFIX, Event
from .text import sanitize

FORMATS = ("markdown", "json")

_SINCE_AGO = re.compile(r"(\d{1,5})([dhw])")
_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def parse_since(text: str, now: dt.datetime | None = None) -> float:
    """``7d`` (days), ``12h``, ``2w`` ago, or a date ``2026-12-01`` (its start, local time), as
    Unix time. Raises ValueError with a one-line message."""
    text = text.strip()
    m = _SINCE_AGO.fullmatch(text)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        delta = {"d": dt.timedelta(days=n), "h": dt.timedelta(hours=n), "w": dt.timedelta(weeks=n)}[unit]
        return ((now or dt.datetime.now().astimezone()) - delta).timestamp()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since takes a number of days (7d), hours (12h), weeks (2w) or a date "
                         f"(2026-12-01), not {sanitize(text)!r}") from None
    return dt.datetime(day.year, day.month, day.day).astimezone().timestamp()


def describe(e: Event) -> str:
    """What the event did, in a few words: ``read``, ``tagged ml``, ``deleted the note``."""
    if e.field == "read":
        return "read" if e.value else "marked unread"
    if e.field == "starred":
        return "starred" if e.value else "unstarred"
    if e.field == NOTE:
        return "noted" if e.value is not None else "deleted the note"
    tag = sanitize(e.field[len(TAG_PREFIX):])
    return f"tagged {tag}" if e.value else f"untagged {tag}"


def _local(t: float) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(t).astimezone()
    except (OverflowError, OSError, ValueError):
        return dt.datetime(1970, 1, 1).astimezone()


def _one_line(text: str) -> str:
    return " ".join(sanitize(text).split())


def markdown(events: Iterable[Event], title: Callable[[str], str | None]) -> Iterator[str]:
    """Lines (with newlines) of the journal in Markdown: a ``## YYYY-MM-DD`` heading per day,
    newest first, one item per event with the paper's id and title, notes quoted below."""
    day = None
    for e in events:
        when = _local(e.time)
        if when.date() != day:
            if day is not None:
                yield "\n"
            day = when.date()
            yield f"## {day.isoformat()}\n\n"
        name = title(e.key)
        label = _one_line(e.key) + (f" {_one_line(name)}" if name else "")
        yield f"- {when.strftime('%H:%M')} {describe(e)}: {label}\n"
        if e.field == NOTE and isinstance(e.value, str):
            for line in _LINE_BREAK.split(sanitize(e.value)):
                yield f"  > {line}".rstrip() + "\n"


def json_lines(events: Iterable[Event], title: Callable[[str], str | None]) -> Iterator[str]:
    """One JSON object per event: ``time`` (Unix seconds), ``date`` (local ISO time), ``id``
    (the paper's identifier, or its key when it has none), ``title`` (null when the paper is not
    in the library), ``field`` (``read``, ``starred``, ``tag`` or ``note``), ``tag`` (the tag's
    name, else null), ``value`` (true/false, the note's text, or null for a deleted note)."""
    for e in events:
        is_tag = e.field.startswith(TAG_PREFIX)
        record = {
            "time": e.time, "date": _local(e.time).isoformat(timespec="seconds"), "id": e.key,
            "title": title(e.key), "field": "tag" if is_tag else e.field,
            "tag": e.field[len(TAG_PREFIX):] if is_tag else None, "value": e.value,
        }
        yield json_line(record) + "\n"
