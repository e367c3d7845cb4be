"""Running a query over a corpus: terms cheapest first over a shrinking candidate list, each
answered from the word indexes where they cover the papers and from the text elsewhere."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, islice, repeat

from .corpus import Corpus, _Cancelled, _intersect
from .fold import _and, _contains, _fold_contains, _has_folded, _or, _utf8
from .language import (
    _WORD_RE,
    ABSTRACT,
    IDENT,
    PLAIN_FIELDS,
    TITLE,
    CatTerm,
    Clause,
    DateTerm,
    FieldTerm,
    FlagTerm,
    IdTerm,
    MarkTerm,
    StateTerm,
    Term,
    TextTerm,
    fold_name,
)

_CHUNK = 8192
"""Papers checked between two polls of `cancelled`."""


@dataclass(frozen=True, slots=True)
class Lookups:
    """The user's own data by paper index, for ``tag:``, ``note:``, ``watch:`` and the ``is:``
    words beyond read/starred. Each is optional: without it, no paper has that data."""

    tags: Callable[[int], Collection[str]] | None = None
    note: Callable[[int], str | None] | None = None
    """The note's text (or None)."""
    is_updated: Callable[[int], bool] | None = None
    watches: Callable[[int], Collection[str]] | None = None
    """The names of the watch rules the paper matches, folded by `fold_name`."""
    is_hidden: Callable[[int], bool] | None = None


class Result:
    """What `Query.run` found.

    `scores` is parallel to `indices`, each in [0, 1]: above 0.55 for exact matches, at most 0.5
    when a fuzzy match was needed, 1.0 when the query has no text term. With ``rank=False`` the
    scores are only computed when first read (about 1 µs a result), so a caller that only
    shows digest order never pays for them.
    """

    __slots__ = ("indices", "fuzzy", "fuzzy_words", "complete", "_scores", "_scorer")

    def __init__(
        self,
        indices: list[int],
        scores: list[float] | None = None,
        fuzzy: bool = False,
        fuzzy_words: tuple[str, ...] = (),
        complete: bool = True,
        *,
        scorer: Callable[[], list[float]] | None = None,
    ) -> None:
        self.indices = indices
        """Positions in the corpus: digest order, or best score first when ranked."""
        self.fuzzy = fuzzy
        """Some word had no exact match and matched titles fuzzily (those are `fuzzy_words`)."""
        self.fuzzy_words = fuzzy_words
        self.complete = complete
        """False when `cancelled` stopped the run: discard the result."""
        self._scores = scores
        self._scorer = scorer if scores is None else None

    @property
    def scores(self) -> list[float]:
        if self._scores is None:
            scorer, self._scorer = self._scorer, None
            self._scores = scorer() if scorer is not None else [1.0] * len(self.indices)
        return self._scores

    def __len__(self) -> int:
        return len(self.indices)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return (self.indices, self.scores, self.fuzzy, self.complete) == (
            other.indices, other.scores, other.fuzzy, other.complete
        )

    def __repr__(self) -> str:
        # Short: a result can hold a million indices, and reprs end up in logs and debuggers.
        return (f"Result({len(self.indices):,} papers, fuzzy={self.fuzzy!r}, "
                f"fuzzy_words={self.fuzzy_words!r}, complete={self.complete!r})")


def _chunks(seq: Sequence[int]) -> Iterable[Sequence[int]]:
    for k in range(0, len(seq), _CHUNK):
        yield seq[k : k + _CHUNK]


class _Run:
    """The state of one `Query.run`."""

    def __init__(self, corpus: Corpus, is_read: Callable[[int], bool] | None,
                 is_starred: Callable[[int], bool] | None, cancelled: Callable[[], bool] | None,
                 lookups: Lookups | None = None) -> None:
        self.c = corpus
        self.is_read = is_read
        self.is_starred = is_starred
        self.lookups = lookups or Lookups()
        self.cancelled = cancelled
        self.modes: dict[TextTerm, bool] = {}
        self.fuzzy_hits: dict[TextTerm, dict[int, float]] = {}
        """For each word that fell back: paper -> quality of its best fuzzy title word."""

    def poll(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise _Cancelled

    # -- clauses

    def clause(self, clause: Clause, cur: Sequence[int]) -> list[int]:
        if len(clause) == 1:
            return self.term(clause[0], cur)
        matched: set[int] = set()
        rest: Sequence[int] = cur
        for alt in clause:
            hits = self.term(alt, rest)
            if hits:
                matched.update(hits)
                rest = [i for i in rest if i not in matched]
            if not rest:
                break
        return [i for i in cur if i in matched]

    def term(self, t: Term, cur: Sequence[int]) -> list[int]:
        self.poll()
        if isinstance(t, TextTerm):
            if t.neg:
                out = set(self.exact(t, cur))
                return [i for i in cur if i not in out] if out else list(cur)
            hits = self.exact(t, cur)
            if hits or not t.fuzzy_ok:
                if t.fuzzy_ok:
                    self.modes[t] = False
                return hits
            if not self.absent(t):
                self.modes[t] = False
                return []
            self.modes[t] = True
            return self.fuzzy(t, cur)
        if isinstance(t, (CatTerm, DateTerm, IdTerm, FieldTerm, FlagTerm)):
            return self.c._filter(t, cur)
        if isinstance(t, MarkTerm):
            check = self.mark_check(t)
            if check is None:
                return list(cur) if t.neg else []
            neg = t.neg
            return [i for i in cur if check(i) != neg]
        check = self.state_check(t.kind)
        if check is None:
            return [] if t.want else list(cur)
        want = t.want
        return [i for i in cur if bool(check(i)) == want]

    def state_check(self, kind: str) -> Callable[[int], bool] | None:
        """The callback answering ``is:KIND`` (None: no paper is so)."""
        lk = self.lookups
        if kind == "read":
            return self.is_read
        if kind == "starred":
            return self.is_starred
        if kind == "updated":
            return lk.is_updated
        if kind == "hidden":
            return lk.is_hidden
        source = lk.tags if kind == "tagged" else lk.watches if kind == "watched" else lk.note
        if source is None:
            return None
        return lambda i: bool(source(i))

    def mark_check(self, t: MarkTerm) -> Callable[[int], bool] | None:
        lk, value = self.lookups, t.value
        if t.kind == "note":
            note = lk.note
            return None if note is None else lambda i: value in fold_name(note(i) or "")
        source = lk.tags if t.kind == "tag" else lk.watches
        return None if source is None else lambda i: value in source(i)

    # -- exact text matching

    def exact(self, t: TextTerm, cur: Sequence[int]) -> list[int]:
        """Papers in `cur` matching `t` exactly (negation ignored), using the corpus cache."""
        c = self.c
        everything = len(cur) == c._n
        cached = c._cached(t)
        if cached is not None:
            return list(cached) if everything else _intersect(cached, cur)
        sup = c._superset(t)
        if everything:
            # All papers: as a range, so the scan cuts chunks of the mask (C speed), not per index.
            hits = self.scan(t, range(c._n) if sup is None else sup)
            c._store(t, hits)
            return hits
        if sup is None and 2 * len(cur) >= c._n:
            # Searching everything costs at most twice as much, and the answer can be kept.
            hits = self.scan(t, range(c._n))
            c._store(t, hits)
            return _intersect(hits, cur)
        if sup is not None and len(sup) <= 2 * len(cur):
            hits = self.scan(t, sup)
            c._store(t, hits)
            return _intersect(hits, cur)
        return self.scan(t, cur if sup is None else _intersect(sup, cur))

    def absent(self, t: TextTerm) -> bool:
        """True when `t` matches nothing exactly in the whole corpus."""
        c = self.c
        cached = c._cached(t)
        if cached is not None:
            return not cached
        if c._known_present(t):
            return False
        sup = c._superset(t)
        where: Sequence[int] = range(c._n) if sup is None else sup
        for chunk in _chunks(where):
            if self.scan(t, chunk, first=True):
                c._mark_present(t)
                return False
            self.poll()
        c._store(t, [])
        return True

    def scan(self, t: TextTerm, where: Sequence[int], first: bool = False) -> list[int]:
        """Papers in `where` that match `t` exactly. With `first`, stop at the first one."""
        out: list[int] = []
        test = self.tester(t, len(where))
        c = self.c
        td, ids, at, nd, nf = c._tdisp, c._ids, c._atext, t.needle, t.folded
        plain_case = t.case and t.fields == PLAIN_FIELDS and not t.start and not t.end
        for chunk in _chunks(where):
            got = test(chunk)
            if plain_case and got:
                got = [i for i in got if nd in td[i] or nf in ids[i] or nd in at[i]]
            elif t.case and got:
                got = [i for i in got if self.hit_case(t, i)]
            if got:
                if first:
                    return got[:1]
                out.extend(got)
            self.poll()
        return out

    def tester(self, t: TextTerm, size: int) -> Callable[[Sequence[int]], list[int]]:
        """A function: chunk of papers -> those whose casefolded title / identifier / abstract
        has `t` (its case is checked after)."""
        c = self.c
        n, f = t.folded, t.fields
        anchored = t.start or t.end
        word = not anchored and _WORD_RE.fullmatch(n) is not None
        # A global mask costs milliseconds; a few papers are checked faster (unless the corpus is small too).
        use_index = size >= 512 or size * 4 >= c._n
        test = _Tester(c, t)
        test.in_id = bool(f & IDENT) and not anchored and c._id_chars.issuperset(n)
        in_abs = bool(f & ABSTRACT) and c._has_abstracts
        # Exact parts as one byte a paper: title words, abstract words of the covered papers.
        # One character is in most titles: scanning them beats OR-ing and verifying segments.
        if test.title_scan and word and use_index and len(n) > 1:
            got = c._word_mask(TITLE, t.utf8)
            if got is not None:  # titles no index covers yet are still checked on their text
                test.mask, test.tunc = got
                test.title_scan = test.tunc is not None
        if in_abs and use_index:
            got = c._word_mask(ABSTRACT, t.utf8) if word else self.prefilter(t)
            if got is not None:
                test.amask, test.unc = got
                test.abs_exact = word
        if test.abs_exact and test.amask is not None:
            test.mask = test.amask if test.mask is None else _or(test.mask, test.amask)
        if test.mask is not None and test.in_id and not test.title_scan:
            # Identifiers as a mask too (one C-level pass), so chunks are cut from the mask alone.
            test.mask = _or(test.mask, bytes(map(operator.contains, c._ids, repeat(n))))
            test.in_id = False
        test.in_abs = in_abs and not (test.abs_exact and test.unc is None)
        return test

    def prefilter(self, t: TextTerm) -> tuple[bytearray, bytes | None] | None:
        """For a needle that is not one word: papers whose abstract has, for each of the needle's
        longest word runs, a word that contains it (that starts with it when something precedes
        the run in the needle or it starts an anchored needle; that ends with it likewise): a
        necessary condition. Also the papers no index covers (None: none); None when there is no
        abstract index yet."""
        folded = t.folded
        runs = []
        for m in _WORD_RE.finditer(folded):
            left = m.start() > 0 or t.start
            right = m.end() < len(folded) or t.end
            runs.append((b"\n" if left else b"") + _utf8(m.group()) + (b"\n" if right else b""))
        runs = sorted(set(runs), key=len, reverse=True)[:3]
        mask: bytearray | None = None
        unc: bytes | None = None
        for run in runs:
            got = self.c._word_mask(ABSTRACT, run)
            if got is None:
                return None
            mask = got[0] if mask is None else _and(mask, got[0])
            if got[1] is not None:
                unc = got[1] if unc is None else _or(unc, got[1])
            self.poll()
        return None if mask is None else (mask, unc)

    def hit_case(self, t: TextTerm, i: int) -> bool:
        """The case-sensitive test, for a paper that passed the casefolded one."""
        n = t.needle
        c = self.c
        if t.fields & TITLE and _contains(c._tdisp[i], n, t.start, t.end):
            return True
        if t.fields & IDENT and t.folded in c._ids[i]:
            return True
        return bool(t.fields & ABSTRACT) and _contains(c._atext[i], n, t.start, t.end)

    # -- fuzzy

    def fuzzy(self, t: TextTerm, cur: Sequence[int]) -> list[int]:
        c = self.c
        found = c._fuzzy_refs(t.folded, self.poll)
        c._title_index(self.poll)
        vocab = c._words.vocab
        best: dict[int, float] = {}
        get = best.get
        for ref, q in found.items():
            for i in c._papers_of_title_word(_utf8(vocab[ref])):
                if q > get(i, 0.0):
                    best[i] = q
        self.fuzzy_hits[t] = best
        if len(cur) == c._n:
            return sorted(best)
        return [i for i in cur if i in best]

    # -- scores


class SortedIndices(list[int]):
    """A list of paper indices known to be sorted and unique: `Result.indices` in digest order.
    Passing one back as `candidates` skips re-checking it (don't modify it in place)."""

    __slots__ = ()


def _normalize(candidates: Sequence[int], n: int) -> list[int]:
    if type(candidates) is SortedIndices:
        return candidates
    cand = list(candidates)
    if not all(map(operator.lt, cand, islice(cand, 1, None))):
        cand = sorted(set(cand))
    if cand and (cand[0] < 0 or cand[-1] >= n):
        cand = [i for i in cand if 0 <= i < n]
    return cand


def _clause_cost(clause: Clause, corpus: Corpus) -> tuple[int, int]:
    """Cheap filters first, then text terms with small cached sets, long needles, negations last."""
    worst = (0, 0)
    for t in clause:
        if isinstance(t, (CatTerm, DateTerm, IdTerm)):
            cost = (0, 0)
        elif isinstance(t, FlagTerm):
            cost = (0, 1)
        elif isinstance(t, FieldTerm):
            # One pass over every author list: after the text terms the word indexes answer.
            cost = (5, -1) if t.neg else (4, 1)
        elif isinstance(t, (StateTerm, MarkTerm)):
            cost = (1, 0)
        elif t.neg:
            cost = (5, -len(t.folded))
        else:
            cached = corpus._cached(t)
            if cached is not None:
                cost = (2, len(cached))
            elif t.fields == TITLE:
                cost = (3, -len(t.folded))
            else:
                cost = (4, -len(t.folded))
        worst = max(worst, cost)
    return worst


# ------------------------------------------------------------------------------------------ query


class _Tester:
    """`_Run.tester`'s answer: chunk of papers -> those whose casefolded text has the term."""

    __slots__ = ("c", "n", "start", "end", "anchored", "n_ascii", "mask", "title_scan", "tunc", "in_id",
                 "in_abs", "amask", "unc", "abs_exact")  # fmt: skip

    def __init__(self, c: Corpus, t: TextTerm) -> None:
        self.c = c
        self.n, self.start, self.end = t.folded, t.start, t.end
        self.anchored = t.start or t.end
        self.n_ascii = t.folded.isascii()
        self.mask: bytes | bytearray | None = None
        """Exact matches (title words, identifiers, abstract words of covered papers), when known."""
        self.title_scan = bool(t.fields & TITLE)
        """Titles are checked on their text (those of `tunc` only, when given)."""
        self.tunc: bytes | None = None
        """One byte a paper: 1 where no title index covers it (None: `mask` has no title part)."""
        self.in_id = False
        """Identifiers are checked on their text."""
        self.in_abs = False
        """Some abstracts are checked on their text (see `amask`, `unc`)."""
        self.amask: bytearray | None = None
        """Abstract word-index answer: exact when `abs_exact`, else a prefilter; None: no index."""
        self.unc: bytes | None = None
        """One byte a paper: 1 where no abstract index covers it (None: every paper covered)."""
        self.abs_exact = False

    def __call__(self, chunk: Sequence[int]) -> list[int]:
        got = self.direct(chunk)
        if not self.in_abs:
            return got
        # The abstracts left to check on their text.
        hit = set(got)
        amask, unc = self.amask, self.unc
        if amask is None:  # no index: every abstract is checked on its text
            rest = [i for i in chunk if i not in hit]
        elif self.abs_exact:
            assert unc is not None
            rest = [i for i in chunk if unc[i] and i not in hit]
        elif unc is None:
            rest = [i for i in chunk if amask[i] and i not in hit]
        else:
            rest = [i for i in chunk if (unc[i] or amask[i]) and i not in hit]
        at, n = self.c._atext, self.n
        if self.anchored:
            start, end = self.start, self.end
            more = [i for i in rest if _fold_contains(at[i], n, start, end)]
        else:
            n_ascii = self.n_ascii
            more = [i for i in rest if _has_folded(at[i], n, n_ascii)]
        return sorted(got + more) if more else got

    def direct(self, chunk: Sequence[int]) -> list[int]:
        """The papers of `chunk` whose title or identifier has the term (or that `mask` has)."""
        mask, title_scan, in_id, tunc = self.mask, self.title_scan, self.in_id, self.tunc
        tf, ids, n, start, end = self.c._tfold, self.c._ids, self.n, self.start, self.end
        if mask is not None:
            if tunc is not None:
                return [i for i in chunk if mask[i] or (tunc[i] and n in tf[i]) or (in_id and n in ids[i])]
            if title_scan or in_id:
                return [i for i in chunk if mask[i] or (title_scan and _contains(tf[i], n, start, end))
                        or (in_id and n in ids[i])]  # fmt: skip
            if type(chunk) is range and chunk.step == 1:
                return list(compress(chunk, mask[chunk.start : chunk.stop]))
            return list(compress(chunk, map(mask.__getitem__, chunk)))
        if not title_scan and not in_id:
            return []
        if self.anchored:
            return [i for i in chunk if _contains(tf[i], n, start, end)]
        if title_scan and in_id:
            return [i for i in chunk if n in tf[i] or n in ids[i]]
        if title_scan:
            return [i for i in chunk if n in tf[i]]
        return [i for i in chunk if n in ids[i]]
