"""Views driven by the digest navigator: which rows a navigator row shows, in which order.

No UI here. The session holds one `Navigator` (reader/digests.py) built from every listing of
the library (before merging, so a cross-listed paper counts in each digest it was listed in)
and turns a view id (``all``, ``starred``, ``searches``, ``day:...``, ``digest:...``) into a
`View`: indices into the session's (merged) papers, in the view's order.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from typing import Protocol

from .digests import ALL, STARRED, Listing, Navigator, all_order
from .marks import KeyIndex


class FlagSource(Protocol):
    @property
    def index(self) -> KeyIndex: ...
    @property
    def read(self) -> bytearray: ...
    @property
    def starred(self) -> bytearray: ...


class KeyFlags:
    """Paper key -> read/starred, from the row flags of whatever it follows (prepared rows first,
    then the session's `Marks`, which update their flags in place)."""

    def __init__(self, index: KeyIndex, read: bytearray, starred: bytearray) -> None:
        self.index, self.read, self.starred = index, read, starred
        self._first = self._first_rows(index)

    @staticmethod
    def _first_rows(index: KeyIndex) -> dict[str, int]:
        # Each key's first row, as one dict: 200,000 flag lookups while the navigator is built
        # cost a third of what they cost through KeyIndex.indices. The index's own (7 MB at
        # 100,000 papers when copied).
        return index.first

    def follow(self, source: FlagSource) -> None:
        if source.index is not self.index:
            self._first = self._first_rows(source.index)
        self.index, self.read, self.starred = source.index, source.read, source.starred

    def is_read(self, key: str) -> bool:
        i = self._first.get(key)
        return i is not None and bool(self.read[i])

    def is_starred(self, key: str) -> bool:
        i = self._first.get(key)
        return i is not None and bool(self.starred[i])


class Navigation:
    """The navigator of one loaded library, the "All" order of its papers and the key flags."""

    def __init__(self, listings: Iterable[Listing], papers: Sequence[Listing], flags: KeyFlags) -> None:
        self.flags = flags
        self.navigator = Navigator(listings, flags.is_read, flags.is_starred)
        # 4 bytes a paper, not an int object and a pointer (3.6 MB less at 100,000 papers).
        order = array("i", all_order(papers))
        self.all_rows: Sequence[int] | None = None if order == array("i", range(len(papers))) else order
        """Indices in "All" order (newest day first, then `number`); None when that is load order."""

    def rows(self, view: str) -> Sequence[int] | None:
        """The paper indices of `view` in its order; None for "All" in load order."""
        if view == ALL:
            return self.all_rows
        if view == STARRED:
            starred = self.flags.starred
            return [i for i in (self.all_rows or range(len(starred))) if starred[i]]
        index = self.flags.index
        seen: set[int] = set()
        out: list[int] = []
        for key in self.navigator.keys(view):
            for i in index.indices(key)[:1]:
                if i not in seen:
                    seen.add(i)
                    out.append(i)
        return out

    def label(self, view: str) -> str:
        return self.navigator.label(view)

    def update(self, keys: Iterable[str] | None) -> bool:
        """Counts follow changed flags: of `keys`, or of every paper when None. O(their listings)
        (and for smart views and tags, O(views about marks + the paper's tags) each)."""
        return self.navigator.update_many(keys)
