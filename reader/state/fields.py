"""What the marks store keeps besides read and starred: tags and notes, their rules and order.

No I/O. `reader.state` (the package docstring) describes the events and the conflict rule.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

FIELDS = ("read", "starred")
"""The flag fields kept in the snapshot's own sections (tags and notes are in its ``extra`` section)."""
NOTE = "note"
TAG_PREFIX = "tag:"
MAX_TAG_CHARS = 64
MAX_NOTE_BYTES = 64 * 1024


Value = bool | str | None


def valid_tag(name: str) -> str | None:
    """None if `name` can be a tag, else what is wrong with it (one short phrase)."""
    if not name:
        return "a tag cannot be empty"
    if len(name) > MAX_TAG_CHARS:
        return f"a tag is at most {MAX_TAG_CHARS} characters"
    for ch in name:
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"):
            return "a tag cannot hold spaces or control characters"
    return None


def valid_note(text: str) -> str | None:
    """None if `text` can be a note, else what is wrong with it."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return "a note must be valid Unicode"
    if size > MAX_NOTE_BYTES:
        return f"a note is at most {MAX_NOTE_BYTES // 1024} KB"
    return None


@functools.lru_cache(maxsize=4096)
def _is_tag_field(field: str) -> bool:
    return field.startswith(TAG_PREFIX) and valid_tag(field[len(TAG_PREFIX):]) is None


def is_field(field: object) -> bool:
    """Whether `field` names a field of the store (read, starred, note or a valid tag:NAME)."""
    if not isinstance(field, str):
        return False
    if field in FIELDS or field == NOTE:
        return True
    return _is_tag_field(field)


def order(t: float, value: Value) -> tuple[float, int, bytes]:
    """The conflict rule as a sort key: later time wins; on a tie true beats false, text beats
    a deletion (None), and the greater UTF-8 bytes win."""
    if value is None:
        return (t, 0, b"")
    if isinstance(value, str):
        return (t, 1, value.encode("utf-8", "surrogatepass"))
    return (t, int(value), b"")


class _Extras:
    """Tags and notes: per key, per tag the (time, tagged) entry; per key the (time, text) note."""

    __slots__ = ("tags", "notes")

    def __init__(self) -> None:
        self.tags: dict[str, dict[str, tuple[float, bool]]] = {}
        self.notes: dict[str, tuple[float, str | None]] = {}

    def get(self, key: str, field: str) -> tuple[float, Value] | None:
        if field == NOTE:
            return self.notes.get(key)
        tags = self.tags.get(key)
        return tags.get(field[len(TAG_PREFIX):]) if tags else None

    def put(self, key: str, field: str, entry: tuple[float, Value]) -> None:
        if field == NOTE:
            self.notes[key] = entry  # type: ignore[assignment]
        else:
            self.tags.setdefault(key, {})[field[len(TAG_PREFIX):]] = entry  # type: ignore[assignment]

    def offer(self, key: str, field: str, t: float, value: Value) -> bool:
        """Keep (t, value) if it wins by the conflict rule; True if it did."""
        cur = self.get(key, field)
        if cur is None or t > cur[0] or (t == cur[0] and order(t, value) > order(*cur)):
            self.put(key, field, (t, value))
            return True
        return False

    def __len__(self) -> int:
        return len(self.notes) + sum(len(v) for v in self.tags.values())

    def items(self) -> Iterable[tuple[str, str, tuple[float, Value]]]:
        for key, tags in self.tags.items():
            for tag, entry in tags.items():
                yield key, TAG_PREFIX + tag, entry
        for key, note in self.notes.items():
            yield key, NOTE, note
