"""The typo fallback: title words within a few edits of a misspelt word.

`TitleWords` holds the distinct words of every title (sorted) and finds, for a casefolded word,
the title words that start with something within `max_typos` edits of it (rapidfuzz OSA:
transpositions count 1). `fuzzy_spans` finds the same words in one text, for highlighting.

rapidfuzz is imported on the first misspelt word (about 5 ms once), not at start: its modules and
libraries are 3.8 MB of the start's peak memory, and most sessions never need them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from .language import _WORD_RE, max_typos

_CACHED = 64
"""Words whose fuzzy matches are remembered."""


class TitleWords:
    """The vocabulary of the titles, with the tables the fuzzy search needs (built on demand)."""

    __slots__ = ("vocab", "_tables", "_cache", "_lock")

    def __init__(self, vocab: list[str]) -> None:
        self.vocab = vocab
        """Every title word, sorted."""
        self._tables: dict[int, tuple[list[str], list[list[int]]]] = {}
        self._cache: OrderedDict[tuple[str, int], dict[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def _prefix_table(self, length: int) -> tuple[list[str], list[list[int]]]:
        table = self._tables.get(length)
        if table is None:
            groups: dict[str, list[int]] = {}
            for ref, w in enumerate(self.vocab):
                if len(w) >= length:
                    p = w[:length]
                    g = groups.get(p)
                    if g is None:
                        groups[p] = [ref]
                    else:
                        g.append(ref)
            table = (list(groups), list(groups.values()))
            with self._lock:
                self._tables[length] = table
        return table

    def refs(self, word: str) -> dict[int, float]:
        """Title words (by `vocab` position) a misspelt `word` (casefolded) stands for, each with
        a quality in (0, 1]."""
        k = max_typos(len(word))
        if k == 0:
            return {}
        key = (word, k)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        vocab = self.vocab
        found: dict[int, float] = {}
        n = len(word)
        for length in range(max(1, n - k), n + k + 1):
            keys, groups = self._prefix_table(length)
            for _, dist, idx in process.extract(word, keys, scorer=OSA.distance, score_cutoff=k, limit=None):
                base = 1.0 - dist / (k + 1)
                for ref in groups[idx]:
                    q = base if len(vocab[ref]) == length else base * 0.85
                    if q > found.get(ref, 0.0):
                        found[ref] = q
        with self._lock:
            self._cache[key] = found
            if len(self._cache) > _CACHED:
                self._cache.popitem(last=False)
        return found


def fuzzy_spans(folded: str, owner: list[int] | None, word: str) -> list[tuple[int, int]]:
    """Spans of the words of `folded` that the fuzzy fallback for `word` would accept (`owner`
    maps folded positions back to the text's, see `reader.search.highlight`)."""
    from rapidfuzz.distance import OSA

    k = max_typos(len(word))
    n = len(word)
    out = []
    for m in _WORD_RE.finditer(folded):
        w = m.group()
        if len(w) < n - k:
            continue
        best: tuple[tuple[int, int, int], int] | None = None
        for length in range(max(1, n - k), min(len(w), n + k) + 1):
            d = OSA.distance(word, w[:length], score_cutoff=k)
            if d <= k:
                # Fewest edits, then the length closest to the word typed, then the longer one.
                rank = (d, abs(length - n), -length)
                if best is None or rank < best[0]:
                    best = (rank, length)
        if best is not None:
            a, b = m.start(), m.start() + best[1]
            out.append((a, b) if owner is None else (owner[a], owner[b - 1] + 1))
    return out
