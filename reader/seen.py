"""Seen before and updated: what a paper listed again says about the user's earlier marks.

UI-free. Works on any store with `is_read`, `is_starred`, `time_of` (`StateStore`), and on
`Paper` fields set by the library (`first_seen`, `date`, `announce`, `version`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Protocol, cast

from .model import Paper
from .search.engine import Lookups
from .state.keep import is_updated


class MarkTimes(Protocol):
    def is_read(self, key: str) -> bool: ...
    def is_starred(self, key: str) -> bool: ...
    def time_of(self, key: str, field: str) -> float | None: ...


def listed_again(paper: Paper) -> bool:
    """Listed in a digest older than the one shown (``is:seen``)."""
    return bool(paper.first_seen and paper.date and paper.first_seen < paper.date)


def _mark_time(store: MarkTimes, key: str) -> float | None:
    """The latest time the paper was marked read or starred (only marks still set count)."""
    times = [store.time_of(key, f) for f, on in (("read", store.is_read(key)), ("starred", store.is_starred(key)))
             if on]  # fmt: skip
    known = [t for t in times if t is not None]
    return max(known) if known else None


def updated(store: MarkTimes, paper: Paper, key: str | None = None) -> bool:
    """A replacement (or a new listing) of a paper read or starred before it was announced."""
    if paper.announce != "replace" and not listed_again(paper):
        return False
    return is_updated(_mark_time(store, key or paper.key), paper.date)


def _day(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).date().isoformat()


def seen_note(store: MarkTimes, paper: Paper, key: str | None = None) -> str | None:
    """What the list and pane say about a paper seen before: ``read 2019-07-09``,
    ``starred; v3 now``, ``listed 2019-07-01``; None for a paper met for the first time."""
    key = key or paper.key
    read, starred = store.is_read(key), store.is_starred(key)
    if not (listed_again(paper) or paper.announce == "replace"):
        return None
    parts = []
    if read:
        t = store.time_of(key, "read")
        parts.append(f"read {_day(t)}" if t is not None else "read")
    if starred:
        parts.append("starred")
    if not parts:
        return f"listed {paper.first_seen}" if listed_again(paper) else None
    text = ", ".join(parts)
    if updated(store, paper, key) and paper.version:
        text += f"; v{paper.version} now"
    return text


def store_lookups(store: object, papers: Sequence[Paper], keys: Sequence[str]) -> Lookups | None:
    """What ``tag:``, ``note:``, ``is:updated`` ask of a marks store (None without one; a store
    without tags or notes answers only what it has)."""
    if store is None:
        return None
    tags: Callable[[str], Collection[str]] | None = getattr(store, "tags", None)
    note: Callable[[str], str | None] | None = getattr(store, "note", None)
    times = store if all(hasattr(store, n) for n in ("is_read", "is_starred", "time_of")) else None
    return Lookups(
        tags=None if tags is None else lambda i: tags(keys[i]),
        note=None if note is None else lambda i: note(keys[i]),
        is_updated=None if times is None else lambda i: updated(cast(MarkTimes, times), papers[i], keys[i]),
    )


def unread_again(read: bytearray, papers: Sequence[Paper], keys: Sequence[str], store: object) -> list[str]:
    """``unread_on_update``: clear the read flag (row `i` of `read`) of every paper read before
    its newest version was announced (a replacement or a paper listed again); the keys cleared.
    Derived from the read mark's time, nothing is written (DECISIONS.md, "Updated papers")."""
    time_of = getattr(store, "time_of", None)
    if not callable(time_of):
        return []
    out = []
    for i, p in enumerate(papers):
        if read[i] and (p.announce == "replace" or listed_again(p)) and is_updated(time_of(keys[i], "read"), p.date):
            read[i] = 0
            out.append(keys[i])
    return out


def shows_read(store: MarkTimes, paper: Paper, key: str, unread_on_update: bool) -> bool:
    """Read as `list` and the app show it: read, and (with `unread_on_update`) not read before
    its newest version was announced."""
    if not store.is_read(key):
        return False
    if not unread_on_update or (paper.announce != "replace" and not listed_again(paper)):
        return True
    return not is_updated(store.time_of(key, "read"), paper.date)
