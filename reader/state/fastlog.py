"""Reading a log of tags and notes in a few C-level passes instead of one Python call per line.

`events_of` gives exactly what decoding each line with `events._groups_event` gives (or None
where that would find a line it does not take, so the caller's per-line path decides): one
``findall`` splits the lines, one ``json.loads`` of all the values decodes every note's text
(the escapes a note's line always has), one ``map(float)`` reads the times. Only a value
escaped with ``\\u`` (which may hide a lone surrogate) or a very long note is checked one by one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any, overload

from .fields import FIELDS, MAX_NOTE_BYTES, NOTE, is_field, valid_note

# `events._ANY_PATTERN` with the value's kind tied to the field's (text or null for a note, else
# true or false): (key, field, "note" or "", value, time).
_TYPED = re.compile(
    r'^\{"id": "([^"\\\x00-\x1f]++)", "field": "((note)|read|starred|tag:[^"\\\x00-\x20\x7f]++)", '
    r'"value": ((?(3)(?:null|"(?:[^"\\\x00-\x1f]++|\\.)*+")|(?:true|false))), '
    r'"time": ([0-9]{1,15}(?:\.[0-9]{1,9})?)\}$',
    re.M)


def events_of(text: str) -> Sequence[tuple[Any, ...]] | None:
    """(key, field, value, time) for every line of `text` (each ending in a newline) if each is an
    event line as written here, or None to leave it to the per-line path."""
    found = _TYPED.findall(text)
    if not found or len(found) != text.count("\n") or "\\u" in text:
        return None  # (not only event lines, or lone surrogates to look for)
    keys, fields, _, texts, stamps = zip(*found, strict=True)
    kinds = set(fields)
    if not all(f in FIELDS or f == NOTE or is_field(f) for f in kinds):
        return None
    try:
        values: list[Any] = json.loads("[" + ",".join(texts) + "]")
    except (ValueError, RecursionError):
        return None
    if '""' in texts:  # an empty note is a deleted one
        values = [None if v == "" else v for v in values]
    if max(map(len, texts)) > MAX_NOTE_BYTES // 4 and any(
            isinstance(v, str) and len(v) > MAX_NOTE_BYTES // 4 and valid_note(v) for v in values):
        return None
    return Columns(keys, fields, values, list(map(float, stamps)), kinds=frozenset(kinds))


class Columns(Sequence[tuple[Any, ...]]):
    """Events as four columns, iterated as (key, field, value, time) tuples made one at a time
    (replaying them builds no list of a tuple per event for the collector to walk)."""

    __slots__ = ("_columns", "kinds")

    def __init__(self, *columns: Sequence[Any], kinds: frozenset[str]) -> None:
        self._columns = columns
        self.kinds = kinds  # the fields that occur

    def __len__(self) -> int:
        return len(self._columns[0])

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return zip(*self._columns, strict=True)

    @overload
    def __getitem__(self, i: int) -> tuple[Any, ...]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[Any, ...]]: ...

    def __getitem__(self, i: int | slice) -> tuple[Any, ...] | list[tuple[Any, ...]]:
        if isinstance(i, slice):
            return list(zip(*(c[i] for c in self._columns), strict=True))
        return tuple(c[i] for c in self._columns)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]
