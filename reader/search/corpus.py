"""The search data of one list of papers: display text, small tables, word indexes, caches.

A corpus is made of parts (`reader.search.segments.Part`): one per digest file when it comes
from a `SegmentStore` (each cached on its own), or slices of 8,192 papers from `Corpus.build`.
Each part is placed at the corpus positions of the papers it shows."""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Sequence
from itertools import accumulate, compress

from ..model import Paper
from .fold import _has_folded
from .fuzzy import TitleWords
from .language import TITLE, CatTerm, DateTerm, FieldTerm, FlagTerm, IdTerm, Term, TextTerm, fold_name, max_typos
from .segments import Part, Placed, Stopped, pause_for, place


# Papers whose merged listing matches no part's row are indexed when the corpus is made, up to this many
# (each costs microseconds); more wait for `prepare` like the parts do.
_INDEX_LOOSE_AT_ONCE = 2000


class _Cancelled(Exception):
    pass


_CACHE_ENTRIES = 48
_CACHE_INTS = 2_000_000
"""At most this many cached indices (4 bytes each) across the cache entries."""
_SEGMENT = 8192
"""Papers per part of `Corpus.build`: each part's index is searchable as soon as it is built."""
_MASKS = 24
"""Word masks (one byte a paper) kept by the corpus."""

_TermKey = tuple[int, bool, bool, bool, str]
"""What a text term's exact matches depend on (see `Corpus._key`)."""


class Corpus:
    """Search data for one sequence of papers, never changed once made (make another when the
    library changes: parts are reused). Safe to share between threads: its caches take a lock.

    `build` (or `from_parts`) keeps the display titles (and their casefold), the abstracts'
    display text and small per-category/per-date tables. `prepare` (from a worker: it takes
    seconds at 100,000 papers) adds the word indexes of titles and abstracts that the parts do
    not have yet; until they are there, searches check the text itself, with the same answers,
    only slower."""

    __slots__ = (
        "papers", "_n", "_tdisp", "_tfold", "_atext", "_ids", "_cats", "_dates", "_parts",
        "_cat_kinds", "_date_kinds", "_id_chars", "_has_abstracts", "_filters", "_lock", "_build_lock",
        "_abuild_lock", "_exact", "_exact_ints", "_present", "_words", "_titles_done", "_masks", "_busy",
        "_columns",
    )  # fmt: skip

    def __init__(self) -> None:
        self.papers: Sequence[Paper] = ()
        self._n = 0
        self._parts: tuple[Placed, ...] = ()
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
        """Guards building the title indexes (the fuzzy index)."""
        self._abuild_lock = threading.Lock()
        """Guards building the abstract indexes."""
        # Global exact matches of text terms: key -> sorted array of paper indices.
        self._exact: OrderedDict[_TermKey, array[int]] = OrderedDict()
        self._exact_ints = 0
        self._present: OrderedDict[_TermKey, None] = OrderedDict()
        self._words = TitleWords([])
        """Every title word (for the fuzzy fallback), there with the title indexes."""
        self._titles_done = False
        """Every part has its title index (and `_words` is complete)."""
        self._masks: OrderedDict[tuple[int, bytes], tuple[bytearray, bytes | None, int]] = OrderedDict()
        """(field, word) -> (papers whose words in that field contain it, papers not covered by an
        index, how many parts have one)."""
        self._columns: dict[str, tuple[list[str], str, array[int]]] = {}
        """Folded authors (``au``, one name a line) and comments (``co``), made on first use."""
        self._busy = 0
        """Searches running: building the abstract index gives way to them."""

    @classmethod
    def build(cls, papers: Sequence[Paper], titles: Sequence[str] | None = None) -> Corpus:
        """`titles`, when given, are ``display_title(p.title)`` for every paper (kept, not copied)."""
        n = len(papers)
        if titles is not None and len(titles) != n:
            raise ValueError(f"{len(titles)} titles for {n} papers")
        parts = []
        for a in range(0, n, _SEGMENT):
            b = min(n, a + _SEGMENT)
            parts.append(Part.build(papers[a:b], None if titles is None else titles[a:b]))
        c = cls.from_parts(papers, parts)
        if titles is not None:
            c._tdisp = titles
        return c

    @classmethod
    def from_parts(cls, papers: Sequence[Paper], parts: Sequence[Part]) -> Corpus:
        """The corpus of `papers` (the list shown) searched through `parts` (say, one a digest
        file): each paper through the row of its very listing; rows of listings not shown are
        masked out. A paper found in no part (a merged listing with text of its own) gets a small
        part of its own."""
        c = cls()
        c.papers = papers
        n = c._n = len(papers)
        placed, loose = place(papers, parts)
        if loose:
            extra = Part.build([papers[i] for i in loose])
            if len(loose) <= _INDEX_LOOSE_AT_ONCE:  # a few merged listings: milliseconds, and the corpus is ready
                extra.index_titles()
                extra.index_abstracts()
            placed.append(Placed.make(extra, array("i", loose)))
        c._parts = tuple(placed)
        tdisp: list[str] = [""] * n
        tfold: list[str] = [""] * n
        atext: list[str] = [""] * n
        for pl in placed:
            _spread(pl, tdisp, pl.part.tdisp)
            _spread(pl, tfold, pl.part.tfold)
            _spread(pl, atext, pl.part.atext)
        c._tdisp, c._tfold, c._atext = tdisp, tfold, atext
        c._has_abstracts = any(pl.part.has_abstracts for pl in placed)
        c._tables()
        return c

    def _tables(self) -> None:
        papers = self.papers
        ids = []
        for p in papers:
            ident = p.id or ""
            folded = ident.casefold()
            ids.append(ident if folded == ident else folded)  # share the usual all-digit ones
        self._ids = ids
        self._id_chars = frozenset("".join(ids))
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        by_raw: dict[tuple[tuple[str, ...], str | None], tuple[str, ...]] = {}  # the few distinct ones, once
        cats = []
        for p in papers:
            got = by_raw.get((p.categories, p.category))
            if got is None:
                tup = tuple(x.casefold() for x in (p.categories or ((p.category,) if p.category else ())) if x)
                got = by_raw[(p.categories, p.category)] = shared.setdefault(tup, tup)
            cats.append(got)
        self._cats = cats
        self._dates = [p.date or "" for p in papers]
        self._cat_kinds = list(shared)
        self._date_kinds = list(set(self._dates))

    def __len__(self) -> int:
        return self._n

    @property
    def titles(self) -> Sequence[str]:
        """The display title of every paper."""
        return self._tdisp

    @property
    def parts(self) -> tuple[Part, ...]:
        return tuple(pl.part for pl in self._parts)

    def placed_parts(self) -> list[tuple[Part, array[int], int | None]]:
        """Each part with, for each of its rows, the corpus position it shows (-1: not shown),
        and that first position when its rows are shown at consecutive positions (else None)."""
        return [(pl.part, pl.at, pl.start if pl.contiguous and pl.live is None else None) for pl in self._parts]

    # -- indexes

    def prepare(self, stop: threading.Event | None = None) -> None:
        """Build the title indexes (also used by the fuzzy fallback) and the abstract indexes the
        parts do not have yet, part by part in their order. Meant for a worker thread; searches
        may run meanwhile (they use each part's index as soon as it is built, and building pauses
        while a search runs). Setting `stop` ends early (at quit): what is built stays usable, a
        later call goes on. Titles come first, part by part: a title word is answered from the
        parts indexed so far (newest first when the parts are in that order)."""
        pause = pause_for(lambda: self._busy, stop)
        try:
            for pl in self._parts:
                pause()
                pl.part.index_titles()
        except Stopped:
            return
        self._title_index()
        if not self._has_abstracts:
            return
        with self._abuild_lock:
            for pl in self._parts:
                try:
                    pl.part.index_abstracts(pause)
                except Stopped:
                    return

    @property
    def ready(self) -> bool:
        """Every index is built (or there are no abstracts to index)."""
        return all(pl.part.indexed for pl in self._parts)

    def _title_index(self, poll: Callable[[], None] | None = None) -> None:
        """Make sure every part has its title index and the title words are known."""
        if self._titles_done:
            return
        # Another thread may be building it: wait, but let `poll` abandon the wait.
        while not self._build_lock.acquire(timeout=0.05):
            if poll is not None:
                poll()
        try:
            if not self._titles_done:
                words: set[bytes] = set()
                for pl in self._parts:
                    words.update(pl.part.index_titles().words())
                self._words = TitleWords(sorted(w.decode("utf-8", "surrogatepass") for w in words))
                self._titles_done = True
        finally:
            self._build_lock.release()

    def _papers_of_title_word(self, word: bytes) -> list[int]:
        """The papers (corpus positions) whose title has `word` itself (after `_title_index`)."""
        out: list[int] = []
        for pl in self._parts:
            seg = pl.part.tindex
            if seg is not None:
                out.extend(pl.globals(seg.papers_of_word(word)))
        return out

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
        title = field == TITLE
        segs = [pl.part.tindex if title else pl.part.aindex for pl in self._parts]
        covered = sum(g is not None for g in segs)
        if not covered:
            return None
        if hit is not None and hit[2] == covered:
            return hit[0], hit[1]
        folded = word.strip(b"\n").decode("utf-8", "surrogatepass")
        ascii_ = folded.isascii()
        mask = bytearray(self._n)
        unc: bytearray | None = None
        for pl, seg in zip(self._parts, segs, strict=True):
            part = pl.part
            if seg is None:
                if unc is None:
                    unc = bytearray(self._n)
                pl.scatter(unc, b"\x01" * len(part))
                continue
            if title:
                got = seg.mask(word, _in_titles(part.tfold, folded), 0.15)
            else:
                got = seg.mask(word, _in_abstracts(part.atext, folded, ascii_))
            if got is not None:
                pl.scatter(mask, got)
        done = None if unc is None else bytes(unc)
        with self._lock:
            self._masks[key] = (mask, done, covered)
            self._masks.move_to_end(key)
            while len(self._masks) > _MASKS:
                self._masks.popitem(last=False)
        return mask, done

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

    def _column(self, field: str) -> tuple[list[str], str, array[int]]:
        """The folded authors or comments of every paper (see `fold_name`), also joined by NULs
        with where each paper starts in that text (one `str.find` finds the few that match)."""
        got = self._columns.get(field)
        if got is None:
            if field == "au":
                col = [""] * self._n
                for pl in self._parts:
                    _spread(pl, col, pl.part.authors_folded())
            else:
                col = [fold_name(p.comments) if p.comments else "" for p in self.papers]
            starts = array("q", accumulate((len(x) + 1 for x in col), initial=0))
            got = (col, "\x00".join(col), starts)
            with self._lock:
                self._columns[field] = got
        return got

    def _field_over(self, t: FieldTerm, where: Sequence[int]) -> list[int]:
        col, blob, starts = self._column(t.field)
        needle = t.needle
        if len(where) * 8 < self._n or "\x00" in needle:
            return [i for i in where if (needle in col[i]) != t.neg]
        hits: list[int] = []
        pos = blob.find(needle)
        while pos >= 0:
            i = bisect_right(starts, pos) - 1
            hits.append(i)
            pos = blob.find(needle, starts[i + 1])
        if t.neg:
            found = set(hits)
            return [i for i in where if i not in found]
        if isinstance(where, range) and len(where) == self._n:
            return hits
        return _intersect(hits, where)

    def _flag_over(self, t: FlagTerm, where: Sequence[int]) -> list[int]:
        papers, neg = self.papers, t.neg
        if t.kind == "seen":
            return [i for i in where if _seen_before(papers[i]) != neg]
        kind = t.kind
        return [i for i in where if (papers[i].announce == kind) != neg]

    def _filter_over(self, t: CatTerm | DateTerm | IdTerm | FieldTerm | FlagTerm, where: Sequence[int]) -> list[int]:
        if isinstance(t, FieldTerm):
            return self._field_over(t, where)
        if isinstance(t, FlagTerm):
            return self._flag_over(t, where)
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

    def _filter(self, t: CatTerm | DateTerm | IdTerm | FieldTerm | FlagTerm, cur: Sequence[int]) -> list[int]:
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


def _in_titles(tfold: list[str], folded: str) -> Callable[[list[int]], list[int]]:
    return lambda rows: [r for r in rows if folded in tfold[r]]


def _in_abstracts(atext: list[str], folded: str, ascii_: bool) -> Callable[[list[int]], list[int]]:
    return lambda rows: [r for r in rows if _has_folded(atext[r], folded, ascii_)]


def _spread(pl: Placed, out: list[str], column: list[str]) -> None:
    """Put a part's column at its papers' positions."""
    if pl.contiguous:
        shown = column if pl.live is None else list(compress(column, pl.live))
        out[pl.start : pl.start + len(shown)] = shown
        return
    for r, g in enumerate(pl.at):
        if g >= 0:
            out[g] = column[r]


def _seen_before(p: Paper) -> bool:
    """Listed in a digest older than the one shown."""
    return bool(p.first_seen and p.date and p.first_seen < p.date)


def _intersect(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """Sorted intersection of two sorted index lists."""
    if len(a) > len(b):
        a, b = b, a
    small = set(a)
    if len(b) > 4 * len(a):
        return sorted(small.intersection(b))
    return [i for i in b if i in small]
