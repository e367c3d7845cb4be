"""The search data of one sequence of papers: display text, small tables, word indexes, caches."""

from __future__ import annotations

import contextlib
import marshal
import threading
import time
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .. import __version__
from ..model import Paper
from ..text import display_text, display_title
from .fold import _fold_search, _has_folded
from .fuzzy import TitleWords
from .index import _build_index, _Index, _Segment, _text_tokens, _tokens
from .language import TITLE, CatTerm, DateTerm, IdTerm, Term, TextTerm, max_typos


class _Cancelled(Exception):
    pass


_CACHE_ENTRIES = 48
_CACHE_INTS = 2_000_000
"""At most this many cached indices (4 bytes each) across the cache entries."""
_INDEX_FORMAT = ("arxiv-reader-index", 1, __version__)
"""Bump the number when `_Segment` or the tokenising changes; files written by another release
of the program are ignored anyway (its display text or tokens may differ)."""
_SEGMENT = 8192
"""Papers per segment of the abstract index: each segment is searchable as soon as it is built."""
_MASKS = 24
"""Word masks (one byte a paper) kept by the corpus."""


_TermKey = tuple[int, bool, bool, bool, str]
"""What a text term's exact matches depend on (see `Corpus._key`)."""


class Corpus:
    """Search data for one sequence of papers, built once and never changed (rebuild it when the
    library changes). Safe to share between threads: its caches take a lock.

    `build` keeps the display titles (and their casefold), the abstracts' display text (the
    paper's own string whenever it needs no conversion) and small per-category/per-date tables.
    `prepare` (from a worker: it takes seconds at 100,000 papers) adds word indexes of the titles
    and the abstracts; until they are there, searches check the text itself, with the same
    answers, only slower."""

    __slots__ = (
        "papers", "_n", "_tdisp", "_tfold", "_atext", "_ids", "_cats", "_dates",
        "_cat_kinds", "_date_kinds", "_id_chars", "_has_abstracts", "_filters", "_lock", "_build_lock",
        "_abuild_lock", "_exact", "_exact_ints", "_present", "_tindex", "_aindex", "_words",
        "_masks", "_busy",
    )  # fmt: skip

    def __init__(self) -> None:
        self.papers: Sequence[Paper] = ()
        self._n = 0
        self._tdisp: Sequence[str] = []
        self._tfold: list[str] = []
        self._atext: list[str] = []
        """Display abstracts, line breaks as spaces: the paper's own string when it needs no change."""
        self._ids: list[str] = []
        self._cats: list[tuple[str, ...]] = []
        self._dates: list[str] = []
        self._cat_kinds: list[tuple[str, ...]] = []
        self._date_kinds: list[str] = []
        self._id_chars: frozenset[str] = frozenset()
        """Every character of every identifier: a needle with another one cannot be in an id."""
        self._has_abstracts = False
        self._filters: OrderedDict[Term, array[int]] = OrderedDict()
        """Papers matching a cat:/date:/id: term (they depend on the papers only)."""
        self._lock = threading.Lock()
        """Guards the small caches; never held for long."""
        self._build_lock = threading.Lock()
        """Guards building the title index (the fuzzy index)."""
        self._abuild_lock = threading.Lock()
        """Guards building the abstract index."""
        # Global exact matches of text terms: key -> sorted array of paper indices.
        self._exact: OrderedDict[_TermKey, array[int]] = OrderedDict()
        self._exact_ints = 0
        self._present: OrderedDict[_TermKey, None] = OrderedDict()
        self._tindex: _Index | None = None
        """Title words (the fuzzy index too), there once complete."""
        self._aindex = _Index()
        self._words = TitleWords([])
        """Every title word (for the fuzzy fallback), there with the title index."""
        self._masks: OrderedDict[tuple[int, bytes], tuple[bytearray, bytes | None, int]] = OrderedDict()
        """(field, word) -> (papers whose words in that field contain it, papers not covered by an
        index, how many are)."""
        self._busy = 0
        """Searches running: building the abstract index gives way to them."""

    @classmethod
    def build(cls, papers: Sequence[Paper], titles: Sequence[str] | None = None) -> Corpus:
        """`titles`, when given, are ``display_title(p.title)`` for every paper (kept, not copied)."""
        c = cls()
        c.papers = papers
        n = c._n = len(papers)
        if titles is None:
            titles = [display_title(p.title or "") for p in papers]
        elif len(titles) != n:
            raise ValueError(f"{len(titles)} titles for {n} papers")
        c._tdisp = titles
        tfold = []
        for t in titles:
            f = _fold_search(t)
            tfold.append(t if f == t else f)
        c._tfold = tfold
        atext = []
        for p in papers:
            raw = p.abstract or ""
            shown = display_text(raw)
            if shown == raw:
                shown = raw  # the usual case: no second copy
            if "\n" in shown:
                shown = shown.replace("\n", " ")
            atext.append(shown)
        c._atext = atext
        c._has_abstracts = any(atext)
        ids = []
        for p in papers:
            ident = p.id or ""
            folded = ident.casefold()
            ids.append(ident if folded == ident else folded)  # share the usual all-digit ones
        c._ids = ids
        c._id_chars = frozenset("".join(ids))
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        cats = []
        for p in papers:
            tup = tuple(x.casefold() for x in (p.categories or ((p.category,) if p.category else ())) if x)
            cats.append(shared.setdefault(tup, tup))
        c._cats = cats
        c._dates = [p.date or "" for p in papers]
        c._cat_kinds = list(shared)
        c._date_kinds = list(set(c._dates))
        return c

    def __len__(self) -> int:
        return self._n

    # -- indexes

    def prepare(self, stop: threading.Event | None = None) -> None:
        """Build the title index (also used by the fuzzy fallback) and the abstract index now.
        Meant for a worker thread; searches may run meanwhile (they use each abstract segment as
        soon as it is built, and building pauses while a search runs). Setting `stop` ends the
        abstract index early (at quit): what is built stays usable, a later call goes on."""
        self._title_index()
        if not self._has_abstracts:
            return
        with self._abuild_lock:
            atext = self._atext

            def token_sets(a: int, b: int) -> Iterable[set[bytes]]:
                for k in range(a, b):
                    if not k & 255:
                        if stop is not None and stop.is_set():
                            raise _Cancelled
                        while self._busy:
                            time.sleep(0.002)
                    yield _text_tokens(atext[k])

            with contextlib.suppress(_Cancelled):
                _build_index(self._aindex, token_sets, self._n, _SEGMENT)


    # -- the indexes on disk (warm starts skip `prepare`)

    def _check(self) -> tuple[int, int, int]:
        """What the indexes were built from, cheaply: paper count, folded titles, abstract lengths."""
        titles = zlib.crc32("\n".join(self._tfold).encode("utf-8", "surrogatepass"))
        return self._n, titles, zlib.crc32(array("q", map(len, self._atext)).tobytes())

    def dump_index(self) -> bytes | None:
        """Both word indexes, for `load_index` in a later session; None until `ready`."""
        if not self.ready or self._tindex is None:
            return None

        def seg(g: _Segment) -> tuple[Any, ...]:
            return (g.base, g.size, g.dense, g.dstarts.tobytes(), g.dbits, g.rare, g.rstarts.tobytes(),
                    g.roffs.tobytes(), g.rpost.typecode, g.rpost.tobytes())

        return marshal.dumps((_INDEX_FORMAT, self._check(), tuple(map(seg, self._tindex.segments)),
                              tuple(map(seg, self._aindex.segments))))

    def load_index(self, data: bytes) -> bool:
        """Take indexes from `dump_index` of a corpus with the same papers. False (and nothing
        changed) when `data` is damaged, from another version or built from other text."""
        try:
            fmt, check, tsegs, asegs = marshal.loads(data)
            if fmt != _INDEX_FORMAT or tuple(check) != self._check():
                return False

            def seg(row: tuple[Any, ...]) -> _Segment:
                g = object.__new__(_Segment)
                g.base, g.size, g.dense, dstarts, g.dbits, g.rare, rstarts, roffs, code, rpost = row
                g.dstarts, g.rstarts, g.roffs = array("i", dstarts), array("i", rstarts), array("i", roffs)
                g.rpost = array(code, rpost)
                return g

            title, abstract = tuple(map(seg, tsegs)), tuple(map(seg, asegs))
            if not (_valid(title, self._n) and _valid(abstract, self._n if self._has_abstracts else None)):
                return False
            words: set[bytes] = set()
            for g in title:
                words.update(g.words())
            vocab = sorted(w.decode("utf-8", "surrogatepass") for w in words)
        except Exception:  # noqa: BLE001 - anything unreadable is only a cache miss
            return False
        # Install whichever index is still missing: a search may have built the title index
        # (the fuzzy fallback needs it) while this file was being read.
        with self._build_lock:
            if self._tindex is None:
                index = _Index()
                index.segments = title
                self._words = TitleWords(vocab)
                self._tindex = index
        with self._abuild_lock:
            if _Index.covered(self._aindex.segments) < _Index.covered(abstract):
                self._aindex.segments = abstract
        return self.ready

    @property
    def ready(self) -> bool:
        """Both indexes are built (or there are no abstracts to index)."""
        return self._tindex is not None and (
            not self._has_abstracts or _Index.covered(self._aindex.segments) == self._n
        )

    def _title_index(self, poll: Callable[[], None] | None = None) -> _Index:
        index = self._tindex
        if index is not None:
            return index
        # Another thread may be building it: wait, but let `poll` abandon the wait.
        while not self._build_lock.acquire(timeout=0.05):
            if poll is not None:
                poll()
        try:
            if self._tindex is None:
                tfold = self._tfold
                index = _Index()
                _build_index(index, lambda a, b: map(_tokens, tfold[a:b]), self._n, _SEGMENT, shift=7)
                words: set[bytes] = set()
                for seg in index.segments:
                    words.update(seg.words())
                self._words = TitleWords(sorted(w.decode("utf-8", "surrogatepass") for w in words))
                self._tindex = index
            return self._tindex
        finally:
            self._build_lock.release()

    def _word_mask(self, field: int, word: bytes) -> tuple[bytearray, bytes | None] | None:
        """Papers whose `field` (TITLE or ABSTRACT) has a word containing `word` (casefolded UTF-8,
        word characters only), as one byte a paper, and the papers no index covers yet, one byte
        a paper (None: every paper is covered; the others must be checked on their text); None
        when that field has no index yet."""
        key = (field, word)
        with self._lock:
            hit = self._masks.get(key)
            if hit is not None:
                self._masks.move_to_end(key)
        folded = word.strip(b"\n").decode("utf-8", "surrogatepass")
        if field == TITLE:
            index = self._tindex
            if index is None:
                return None
            if hit is not None:
                return hit[0], hit[1]
            tf = self._tfold
            mask, covered = index.mask(word, self._n, lambda where: [i for i in where if folded in tf[i]], 0.15)
        else:
            covered = _Index.covered(self._aindex.segments)
            if not covered:
                return None
            if hit is not None and hit[2] == covered:
                return hit[0], hit[1]
            at = self._atext
            ascii_ = folded.isascii()
            mask, covered = self._aindex.mask(
                word, self._n, lambda where: [i for i in where if _has_folded(at[i], folded, ascii_)]
            )
        unc = None if covered == self._n else bytes(covered) + b"\x01" * (self._n - covered)
        with self._lock:
            self._masks[key] = (mask, unc, covered)
            self._masks.move_to_end(key)
            while len(self._masks) > _MASKS:
                self._masks.popitem(last=False)
        return mask, unc

    def _abstract(self, i: int) -> str:
        return self._atext[i]

    # -- cache of global exact matches

    @staticmethod
    def _key(t: TextTerm) -> _TermKey:
        return (t.fields, t.case, t.start, t.end, t.needle if t.case else t.folded)

    def _superset(self, t: TextTerm) -> array[int] | None:
        """The smallest cached global match list that must contain every match of `t`."""
        best = None
        with self._lock:
            for (fields, case, start, end, needle), hits in self._exact.items():
                if fields & t.fields != t.fields:
                    continue
                if start and not (t.start and (t.needle if case else t.folded).startswith(needle)):
                    continue
                if end and not (t.end and (t.needle if case else t.folded).endswith(needle)):
                    continue
                if case:
                    if not t.case or needle not in t.needle:
                        continue
                elif needle not in t.folded:
                    continue
                if best is None or len(hits) < len(best):
                    best = hits
                    if not hits:
                        break
        return best

    def _store(self, t: TextTerm, found: Sequence[int]) -> None:
        key = self._key(t)
        hits = array("i", found)
        with self._lock:
            old = self._exact.pop(key, None)
            if old is not None:
                self._exact_ints -= len(old)
            self._exact[key] = hits
            self._exact_ints += len(hits)
            while len(self._exact) > 1 and (
                len(self._exact) > _CACHE_ENTRIES or self._exact_ints > _CACHE_INTS
            ):
                _, dropped = self._exact.popitem(last=False)
                self._exact_ints -= len(dropped)

    def _cached(self, t: TextTerm) -> array[int] | None:
        key = self._key(t)
        with self._lock:
            hits = self._exact.get(key)
            if hits is not None:
                self._exact.move_to_end(key)
            return hits

    def _known_present(self, t: TextTerm) -> bool:
        with self._lock:
            return self._key(t) in self._present

    def _mark_present(self, t: TextTerm) -> None:
        with self._lock:
            self._present[self._key(t)] = None
            if len(self._present) > 256:
                self._present.popitem(last=False)

    # -- cat:, date:, id:

    def _filter_over(self, t: CatTerm | DateTerm | IdTerm, where: Sequence[int]) -> list[int]:
        if isinstance(t, CatTerm):
            cats = self._cats
            ok = {tup: any(x.startswith(t.prefix) for x in tup) != t.neg for tup in self._cat_kinds}
            return [i for i in where if ok[cats[i]]]
        if isinstance(t, DateTerm):
            dates = self._dates
            lo, hi = t.lo, t.hi
            okd = {d: (lo <= d <= hi and d != "") != t.neg for d in self._date_kinds}
            return [i for i in where if okd[dates[i]]]
        ids, p = self._ids, t.prefix
        if t.neg:
            return [i for i in where if not ids[i].startswith(p)]
        return [i for i in where if ids[i].startswith(p)]

    def _filter(self, t: CatTerm | DateTerm | IdTerm, cur: Sequence[int]) -> list[int]:
        """The papers of `cur` that `t` accepts; whole-corpus answers are cached."""
        if len(cur) * 4 < self._n:
            return self._filter_over(t, cur)
        with self._lock:
            hits = self._filters.get(t)
            if hits is not None:
                self._filters.move_to_end(t)
        if hits is None:
            hits = array("i", self._filter_over(t, range(self._n)))
            with self._lock:
                self._filters[t] = hits
                total = sum(map(len, self._filters.values()))
                while len(self._filters) > 1 and (len(self._filters) > 16 or total > _CACHE_INTS):
                    _, dropped = self._filters.popitem(last=False)
                    total -= len(dropped)
        return list(hits) if len(cur) == self._n else _intersect(hits, cur)

    # -- fuzzy: the words of every title

    def _fuzzy_refs(self, word: str, poll: Callable[[], None] | None = None) -> dict[int, float]:
        """Title words (by `_words.vocab` position) a misspelt `word` (casefolded) stands for,
        each with a quality in (0, 1]."""
        if max_typos(len(word)) == 0:
            return {}
        self._title_index(poll)
        return self._words.refs(word)

    def fuzzy_words(self, word: str, poll: Callable[[], None] | None = None) -> dict[str, float]:
        """Title words a misspelt `word` (casefolded) stands for, each with a quality in (0, 1]."""
        refs = self._fuzzy_refs(word, poll)
        vocab = self._words.vocab
        return {vocab[r]: q for r, q in refs.items()}

    def clear_caches(self) -> None:
        """Forget every remembered answer (the indexes stay): for timing a cold query."""
        with self._lock:
            self._exact.clear()
            self._exact_ints = 0
            self._present.clear()
            self._masks.clear()
            self._filters.clear()
        self._words.clear_cache()


def _valid(segments: tuple[_Segment, ...], n: int | None) -> bool:
    """Segments read from a file cover papers 0 .. n-1 (when `n` is given) in order, with the
    types each search relies on."""
    if n is not None and _Index.covered(segments) != n:
        return False
    if segments and segments[0].base != 0:
        return False
    if any(a.base + a.size != b.base for a, b in zip(segments, segments[1:], strict=False)):
        return False
    return all(isinstance(g.dense, bytes) and isinstance(g.rare, bytes) and all(type(b) is int for b in g.dbits)
               and len(g.dbits) + 1 == len(g.dstarts) for g in segments)


def _intersect(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """Sorted intersection of two sorted index lists."""
    if len(a) > len(b):
        a, b = b, a
    small = set(a)
    if len(b) > 4 * len(a):
        return sorted(small.intersection(b))
    return [i for i in b if i in small]
