"""The filter language: parse a query once, match it fast over many papers.

    q = parse('segmantation cat:cs.CV !is:read')     # QueryError (one line) on a bad query
    corpus = Corpus.build(library.papers)             # once per loaded library
    result = q.run(corpus, is_read=..., rank=False)   # Result(indices, scores, fuzzy)
    q.highlights(display_title, "title")              # [(start, end), ...] to highlight

No Textual here. `python -m reader.query` prints timings on synthetic papers.

The language
------------
``a b``            both terms must match (AND); ``a | b`` either (``|`` binds tighter than the
                   space: ``a b | c d`` is ``a AND (b OR c) AND d``). ``|`` outside quotes is
                   always the operator, with or without spaces around it.
``!t``             excludes what ``t`` matches (any term, ``!ti:x``, ``!"a phrase"``, ``!is:read``).
``word``           a substring of the title, the abstract (display text) or the identifier.
                   Smart case: a capital letter makes the term case-sensitive (identifiers
                   always match case-insensitively).
``'word``          exact substring: never falls back to fuzzy matching.
``^word word$``    anchored to the start / end of the title (``abs:^We`` anchors the abstract).
``"a phrase"``     a substring with its spaces; exact. ``^"a b"``, ``"a b"$`` and ``ti:"a b"`` work.
``ti: abs:``       title only, abstract only.
``cat:X``          one of the paper's categories (``categories``, else ``category``) starts with X,
                   case-insensitively: ``cat:cs.CV`` is exact in practice, ``cat:cs`` is every
                   ``cs.*`` (and ``cat:math`` also takes ``math-ph``). A trailing ``*`` is ignored.
``id:X``           the identifier starts with X (``id:1907.03``; ``arXiv:`` and a version are
                   ignored: ``id:arXiv:1907.03739v2``).
``date:X``         ``2019``, ``2019-07``, ``2019-07-09``, a range ``A..B`` of any of those
                   (inclusive), or an open range ``A..`` / ``..B``.
``is:S``           ``read``, ``unread``, ``starred``, ``unstarred``.

Only ``[a-z]+:`` at the start of a term is a field prefix, so ``3:1``, ``Note:`` and
``http://x`` are plain words, but ``foo:bar`` is an error; ``'foo:bar`` or ``"foo:bar"`` searches
for it literally. Field values of ``cat: id: date: is:`` are case-insensitive.

Typos
-----
A *plain* word (no prefix or ``ti:``; not quoted, not ``'``-exact, not anchored, not negated)
of at least 4 letters/digits that matches nothing exactly *anywhere in the corpus* (judged per
word, ignoring the other terms, so the answer never depends on what else you typed) matches
titles fuzzily instead: a title word that starts with something within an edit distance of 1
(words of 4-7 characters) or 2 (8 or more) of it, transpositions counting 1 (rapidfuzz OSA).
``voxle`` finds "Point-Voxel CNN"; typing ``segmantati`` already finds "segmentation". Fuzzy
matching ignores case. A paper that needed a fuzzy match always scores below one that did not.

Errors (QueryError, a one-line message): unclosed quote, empty quotes, unknown field, empty
field value, bad or impossible date, reversed date range, unknown ``is:`` state, a dangling
``|``, a lone ``!`` and ``!!``. Nothing else is an error, and `parse` raises nothing else.

Speed
-----
`Corpus.build` keeps one casefolded copy of every display title (str) and abstract (UTF-8
bytes: one byte a character even when an "α" or "’" would make a str take two), plus small
per-category/per-date tables. Terms run cheapest first over a shrinking candidate list. Text
terms remember their matches over the whole corpus (a small LRU cache on the corpus, 4 bytes an
index), so a word that grows one keystroke at a time is only searched inside its previous
matches, and a word known to be absent needs no scan to decide on the fuzzy fallback. The
fuzzy index (title word -> papers) is built on first use, or ahead of time with
`Corpus.prepare_fuzzy` from a worker. Scores are only computed for ``rank=True`` or when read.

Threads: a `Corpus` may be searched from several threads at once (its caches take a lock), and
`cancelled` lets a stale run stop early. `Query.run` holds the GIL in long list comprehensions,
so run it in a thread worker with `cancelled` polling `is_cancelled`, never on the UI thread.
"""

from __future__ import annotations

import calendar
import operator
import re
from array import array
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import AnyStr
from dataclasses import dataclass, field
from itertools import islice

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .model import Paper, parse_arxiv_id
from .text import display_text, display_title, sanitize

__all__ = ["Corpus", "Query", "QueryError", "Result", "SortedIndices", "parse"]


class QueryError(ValueError):
    """A query the user has to fix. ``str(err)`` is one line, meant for a status bar."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column
        """1-based column the problem was found at, when there is one."""


# ------------------------------------------------------------------------------------------ terms

TITLE, ABSTRACT, IDENT = 1, 2, 4
PLAIN_FIELDS = TITLE | ABSTRACT | IDENT
FIELDS = ("ti", "abs", "cat", "id", "date", "is")
MIN_FUZZY = 4
"""Words shorter than this never fall back to fuzzy matching."""

_WORD_RE = re.compile(r"\w+")
_SPACE_RUN_RE = re.compile(r"\s+")


def _show(text: str, limit: int = 40) -> str:
    """User text made safe for a one-line message."""
    text = " ".join(sanitize(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def max_typos(length: int) -> int:
    """How many edits the fuzzy fallback allows for a word of `length` characters."""
    return 0 if length < MIN_FUZZY else 1 if length <= 7 else 2


@dataclass(frozen=True, slots=True)
class TextTerm:
    """A substring test on the title, abstract and/or identifier."""

    needle: str
    """The text as typed (whitespace runs in phrases collapsed to one space)."""
    fields: int
    case: bool
    """Case-sensitive (smart case: the needle has a capital letter)."""
    start: bool = False
    end: bool = False
    exact: bool = False
    """``'word`` or a quoted phrase: no fuzzy fallback."""
    neg: bool = False
    folded: str = field(default="", compare=False)
    utf8: bytes = field(default=b"", compare=False)
    """`folded` in UTF-8, to search the corpus's abstracts."""

    @property
    def fuzzy_ok(self) -> bool:
        return (
            not self.neg
            and not self.exact
            and not self.start
            and not self.end
            and self.fields in (PLAIN_FIELDS, TITLE)
            and len(self.folded) >= MIN_FUZZY
            and _WORD_RE.fullmatch(self.folded) is not None
        )


@dataclass(frozen=True, slots=True)
class CatTerm:
    prefix: str
    neg: bool = False


@dataclass(frozen=True, slots=True)
class IdTerm:
    prefix: str
    neg: bool = False


@dataclass(frozen=True, slots=True)
class DateTerm:
    lo: str
    hi: str
    """Inclusive ISO bounds; an open end is ``0000-00-00`` / ``9999-99-99``."""
    neg: bool = False


@dataclass(frozen=True, slots=True)
class StateTerm:
    kind: str
    """``read`` or ``starred``."""
    want: bool
    neg: bool = False  # always False: negation is folded into `want`


Term = TextTerm | CatTerm | IdTerm | DateTerm | StateTerm
Clause = tuple[Term, ...]
"""Alternatives joined by ``|``."""

_STATES = {"read": ("read", True), "unread": ("read", False),
           "starred": ("starred", True), "unstarred": ("starred", False)}  # fmt: skip


# ----------------------------------------------------------------------------------------- parser

_FIELD_RE = re.compile(r"[a-z]+:")
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DATE_LO, _DATE_HI = "0000-00-00", "9999-99-99"


def parse(text: str) -> Query:
    """Parse a query. Raises QueryError, and nothing else, for any string."""
    if not isinstance(text, str):
        raise QueryError("a query must be text")
    try:
        return Query(text, _Parser(text).parse())
    except QueryError:
        raise
    except Exception as err:  # pragma: no cover - a bug; still never crash the filter bar
        raise QueryError(f"cannot read this query ({type(err).__name__})") from None


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.p = 0

    def _stop(self, i: int) -> bool:
        return i >= self.n or self.s[i] == "|" or self.s[i].isspace()

    def parse(self) -> tuple[Clause, ...]:
        clauses: list[list[Term]] = []
        pending_bar: int | None = None  # column of a `|` waiting for its right-hand term
        s = self.s
        while True:
            while self.p < self.n and s[self.p].isspace():
                self.p += 1
            if self.p >= self.n:
                break
            if s[self.p] == "|":
                if not clauses or pending_bar is not None:
                    raise QueryError(f'dangling "|" at column {self.p + 1}', self.p + 1)
                pending_bar = self.p + 1
                self.p += 1
                continue
            term = self.term()
            if pending_bar is not None:
                clauses[-1].append(term)
                pending_bar = None
            else:
                clauses.append([term])
        if pending_bar is not None:
            raise QueryError(f'dangling "|" at column {pending_bar}', pending_bar)
        return tuple(tuple(c) for c in clauses)

    def term(self) -> Term:
        s, start = self.s, self.p
        neg = False
        if s[self.p] == "!":
            neg = True
            self.p += 1
            if self._stop(self.p):
                raise QueryError(f'lone "!" at column {start + 1}', start + 1)
            if s[self.p] == "!":
                raise QueryError(f'double "!" at column {start + 1}', start + 1)
        name = None
        m = _FIELD_RE.match(s, self.p)
        if m is not None and not s.startswith("//", m.end()):
            name = m.group()[:-1]
            if name not in FIELDS:
                col = self.p + 1
                raise QueryError(
                    f'unknown field "{name}:" at column {col} (fields: ti: abs: cat: id: date: is:)', col
                )
            self.p = m.end()
        if name in (None, "ti", "abs"):
            return self.text_term(name, neg, start)
        col = self.p + 1
        value = self.value(name)
        folded = value.casefold()
        norm = folded.rstrip("*") if name == "cat" else _id_prefix(value) if name == "id" else value
        if norm == "":
            raise QueryError(f'empty value for "{name}:" at column {col}', col)
        if name == "cat":
            return CatTerm(norm, neg)
        if name == "id":
            return IdTerm(norm, neg)
        if name == "is":
            state = _STATES.get(folded)
            if state is None:
                raise QueryError(
                    f'unknown state "is:{_show(value)}" (use is:read, is:unread, is:starred, is:unstarred)',
                    col,
                )
            return StateTerm(state[0], state[1] != neg)
        lo, hi = _date_range(value)
        return DateTerm(lo, hi, neg)

    def value(self, name: str) -> str:
        """A field value: a quoted string or everything up to the next space or `|`."""
        s = self.s
        if self.p < self.n and s[self.p] == '"':
            close = s.find('"', self.p + 1)
            if close < 0:
                raise QueryError(f"unclosed quote at column {self.p + 1}", self.p + 1)
            value = s[self.p + 1 : close]
            self.p = close + 1
            return value.strip()
        begin = self.p
        while not self._stop(self.p):
            self.p += 1
        return s[begin : self.p]

    def text_term(self, name: str | None, neg: bool, start: int) -> TextTerm:
        s = self.s
        fields = PLAIN_FIELDS if name is None else TITLE if name == "ti" else ABSTRACT
        exact = anchor_start = False
        # `'` and `^` are modifiers only when something follows them; alone they are text.
        while self.p < self.n and s[self.p] in "'^" and not self._stop(self.p + 1):
            ch = s[self.p]
            if ch == "'" and not exact:
                exact = True
            elif ch == "^" and not anchor_start:
                anchor_start = True
            else:
                break
            self.p += 1
        anchor_end = False
        if self.p < self.n and s[self.p] == '"':
            col = self.p + 1
            close = s.find('"', self.p + 1)
            if close < 0:
                raise QueryError(f"unclosed quote at column {col}", col)
            body = _SPACE_RUN_RE.sub(" ", s[self.p + 1 : close])
            self.p = close + 1
            if body == "":
                raise QueryError(f"empty quotes at column {col}", col)
            exact = True
            if self.p < self.n and s[self.p] == "$":
                anchor_end = True
                self.p += 1
        else:
            begin = self.p
            while not self._stop(self.p):
                self.p += 1
            body = s[begin : self.p]
            if body == "":
                col = begin + 1
                raise QueryError(f'empty value for "{name}:" at column {col}', col)
            if len(body) > 1 and body.endswith("$"):
                anchor_end = True
                body = body[:-1]
        if (anchor_start or anchor_end) and fields == PLAIN_FIELDS:
            fields = TITLE
        case = any(ch.isupper() for ch in body)
        folded = body.casefold()
        return TextTerm(body, fields, case, anchor_start, anchor_end, exact, neg, folded=folded, utf8=_utf8(folded))


def _id_prefix(value: str) -> str:
    v = value.strip()
    parsed = parse_arxiv_id(v)
    if parsed is not None:
        return parsed[0].casefold()
    if v[:6].casefold() == "arxiv:":
        v = v[6:]
    return v.casefold()


def _date_bound(text: str, upper: bool) -> str:
    m = _DATE_RE.fullmatch(text)
    if m is None:
        raise QueryError(f'bad date "{_show(text)}" (use YYYY, YYYY-MM, YYYY-MM-DD or A..B)')
    year = int(m[1])
    month = int(m[2]) if m[2] else None
    day = int(m[3]) if m[3] else None
    if year < 1 or (month is not None and not 1 <= month <= 12):
        raise QueryError(f'impossible date "{_show(text)}"')
    if day is not None:
        assert month is not None
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise QueryError(f'impossible date "{_show(text)}"')
    if month is None:
        month = 12 if upper else 1
    if day is None:
        day = calendar.monthrange(year, month)[1] if upper else 1
    return f"{year:04d}-{month:02d}-{day:02d}"


def _date_range(value: str) -> tuple[str, str]:
    v = value.strip()
    if ".." not in v:
        return _date_bound(v, False), _date_bound(v, True)
    a, _, b = v.partition("..")
    if not a and not b:
        raise QueryError('a date range needs at least one end, as in "date:2019-07-01.."')
    lo = _date_bound(a, False) if a else _DATE_LO
    hi = _date_bound(b, True) if b else _DATE_HI
    if lo > hi:
        raise QueryError(f'reversed date range "{_show(v)}"')
    return lo, hi


# ----------------------------------------------------------------------------------------- corpus


class _Cancelled(Exception):
    pass


_CHUNK = 8192
_CACHE_ENTRIES = 48
_CACHE_INTS = 2_000_000
"""At most this many cached indices (4 bytes each) across the cache entries."""


def _fold_search(text: str) -> str:
    """Casefolded, with line breaks as spaces (same length), for substring search."""
    if "\n" in text:
        text = text.replace("\n", " ")
    return text.casefold()


def _utf8(text: str) -> bytes:
    # A substring test gives the same answer on UTF-8 bytes as on the text, and the bytes take one
    # byte a character where a str with one "α" or "’" in it takes two.
    return text.encode("utf-8", "surrogatepass")


class Corpus:
    """Search data for one sequence of papers, built once and never changed (rebuild it when the
    library changes). Safe to share between threads: its caches take a lock."""

    __slots__ = (
        "papers", "_n", "_tdisp", "_tfold", "_afold", "_ids", "_cats", "_dates", "_plain",
        "_cat_kinds", "_date_kinds", "_id_chars", "_has_abstracts", "_filters", "_lock", "_build_lock", "_exact", "_exact_ints", "_present",
        "_words", "_vocab", "_prefix_tables", "_fuzzy_cache", "_abs_cache",
    )  # fmt: skip

    def __init__(self) -> None:
        self.papers: Sequence[Paper] = ()
        self._n = 0
        self._tdisp: list[str] = []
        self._tfold: list[str] = []
        self._afold: list[bytes] = []
        """Casefolded display abstracts, UTF-8: the one big copy the corpus keeps."""
        self._ids: list[str] = []
        self._cats: list[tuple[str, ...]] = []
        self._dates: list[str] = []
        self._plain = bytearray()
        self._cat_kinds: list[tuple[str, ...]] = []
        self._date_kinds: list[str] = []
        self._id_chars: frozenset[str] = frozenset()
        """Every character of every identifier: a needle with another one cannot be in an id."""
        self._has_abstracts = False
        self._filters: OrderedDict[Term, array] = OrderedDict()
        """Papers matching a cat:/date:/id: term (they depend on the papers only)."""
        self._lock = threading.Lock()
        """Guards the small caches; never held for long."""
        self._build_lock = threading.Lock()
        """Guards building the fuzzy index, which takes a while."""
        # Global exact matches of text terms: key -> sorted array of paper indices.
        self._exact: OrderedDict[tuple, array] = OrderedDict()
        self._exact_ints = 0
        self._present: OrderedDict[tuple, None] = OrderedDict()
        self._words: dict[str, array] | None = None
        """Fuzzy index: every title word -> the papers whose title has it."""
        self._vocab: list[str] = []
        self._prefix_tables: dict[int, tuple[list[str], list[list[str]]]] = {}
        self._fuzzy_cache: OrderedDict[tuple[str, int], dict[str, float]] = OrderedDict()
        self._abs_cache: OrderedDict[int, str] = OrderedDict()

    @classmethod
    def build(cls, papers: Sequence[Paper]) -> Corpus:
        c = cls()
        c.papers = papers
        c._n = len(papers)
        tdisp = c._tdisp = [display_title(p.title or "") for p in papers]
        c._tfold = [_fold_search(t) for t in tdisp]
        afold = []
        plain = bytearray(c._n)
        for i, p in enumerate(papers):
            raw = p.abstract or ""
            shown = display_text(raw)
            if shown is raw or shown == raw:
                plain[i] = 1
            afold.append(_utf8(_fold_search(shown)))
        c._afold = afold
        c._plain = plain
        ids = []
        for p in papers:
            ident = p.id or ""
            folded = ident.casefold()
            ids.append(ident if folded == ident else folded)  # share the usual all-digit ones
        c._ids = ids
        c._id_chars = frozenset("".join(ids))
        c._has_abstracts = any(afold)
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

    # -- display text for case-sensitive checks (one copy is kept only for plain abstracts: the raw)

    def _abstract(self, i: int) -> str:
        if self._plain[i]:
            raw = self.papers[i].abstract or ""
            return raw.replace("\n", " ") if "\n" in raw else raw
        with self._lock:
            hit = self._abs_cache.get(i)
            if hit is not None:
                self._abs_cache.move_to_end(i)
                return hit
        shown = display_text(self.papers[i].abstract or "").replace("\n", " ")
        with self._lock:
            self._abs_cache[i] = shown
            if len(self._abs_cache) > 4096:
                self._abs_cache.popitem(last=False)
        return shown

    # -- cache of global exact matches

    @staticmethod
    def _key(t: TextTerm) -> tuple:
        return (t.fields, t.case, t.start, t.end, t.needle if t.case else t.folded)

    def _superset(self, t: TextTerm) -> array | None:
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

    def _cached(self, t: TextTerm) -> array | None:
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

    # -- fuzzy index: the words of every title

    def prepare_fuzzy(self) -> None:
        """Build the fuzzy index now (it is otherwise built on the first fuzzy search)."""
        self._title_words()

    def _title_words(self, poll: Callable[[], None] | None = None) -> dict[str, array]:
        words = self._words
        if words is not None:
            return words
        # Another thread may be building it: wait, but let `poll` abandon the wait.
        while not self._build_lock.acquire(timeout=0.05):
            if poll is not None:
                poll()
        try:
            if self._words is None:
                postings: dict[str, list[int]] = {}
                get = postings.get
                find = _WORD_RE.findall
                for i, t in enumerate(self._tfold):
                    for w in set(find(t)):
                        hit = get(w)
                        if hit is None:
                            postings[w] = [i]
                        else:
                            hit.append(i)
                self._vocab = list(postings)
                self._words = {w: array("i", hit) for w, hit in postings.items()}
            return self._words
        finally:
            self._build_lock.release()

    def _prefix_table(self, length: int) -> tuple[list[str], list[list[str]]]:
        table = self._prefix_tables.get(length)
        if table is None:
            groups: dict[str, list[str]] = {}
            for w in self._vocab:
                if len(w) >= length:
                    p = w[:length]
                    g = groups.get(p)
                    if g is None:
                        groups[p] = [w]
                    else:
                        g.append(w)
            table = (list(groups), list(groups.values()))
            with self._lock:
                self._prefix_tables[length] = table
        return table

    def fuzzy_words(self, word: str, poll: Callable[[], None] | None = None) -> dict[str, float]:
        """Title words a misspelt `word` (casefolded) stands for, each with a quality in (0, 1]."""
        k = max_typos(len(word))
        if k == 0:
            return {}
        key = (word, k)
        with self._lock:
            hit = self._fuzzy_cache.get(key)
        if hit is not None:
            return hit
        self._title_words(poll)
        found: dict[str, float] = {}
        n = len(word)
        for length in range(max(1, n - k), n + k + 1):
            keys, groups = self._prefix_table(length)
            for _, dist, idx in process.extract(word, keys, scorer=OSA.distance, score_cutoff=k, limit=None):
                base = 1.0 - dist / (k + 1)
                for w in groups[idx]:
                    q = base if len(w) == length else base * 0.85
                    if q > found.get(w, 0.0):
                        found[w] = q
        with self._lock:
            self._fuzzy_cache[key] = found
            if len(self._fuzzy_cache) > 64:
                self._fuzzy_cache.popitem(last=False)
        return found


# ------------------------------------------------------------------------------------------ match


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
        return (f"Result(indices={self.indices!r}, scores={self.scores!r}, fuzzy={self.fuzzy!r}, "
                f"fuzzy_words={self.fuzzy_words!r}, complete={self.complete!r})")


def _chunks(seq: Sequence[int]) -> Iterable[Sequence[int]]:
    for k in range(0, len(seq), _CHUNK):
        yield seq[k : k + _CHUNK]


def _intersect(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """Sorted intersection of two sorted index lists."""
    if len(a) > len(b):
        a, b = b, a
    small = set(a)
    if len(b) > 4 * len(a):
        return sorted(small.intersection(b))
    return [i for i in b if i in small]


class _Run:
    """The state of one `Query.run`."""

    def __init__(self, corpus: Corpus, is_read, is_starred, cancelled) -> None:  # noqa: ANN001
        self.c = corpus
        self.is_read = is_read
        self.is_starred = is_starred
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
                hits = set(self.exact(t, cur))
                return [i for i in cur if i not in hits] if hits else list(cur)
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
        if isinstance(t, (CatTerm, DateTerm, IdTerm)):
            return self.c._filter(t, cur)
        # StateTerm
        check = self.is_read if t.kind == "read" else self.is_starred
        if check is None:
            return [] if t.want else list(cur)
        want = t.want
        return [i for i in cur if bool(check(i)) == want]

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
            hits = self.scan(t, cur if sup is None else sup)
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
        c = self.c
        n, nb = t.folded, t.utf8
        tf, af, ids = c._tfold, c._afold, c._ids
        f = t.fields
        for chunk in _chunks(where):
            if t.start or t.end:
                hay, key = (tf, n) if f == TITLE else (af, nb)
                if t.start and t.end:
                    got = [i for i in chunk if hay[i] == key]
                elif t.start:
                    got = [i for i in chunk if hay[i].startswith(key)]
                else:
                    got = [i for i in chunk if hay[i].endswith(key)]
            else:
                # Leave out the tests that cannot succeed: they cost a lot over a million titles.
                in_title = bool(f & TITLE)
                in_id = bool(f & IDENT) and c._id_chars.issuperset(n)
                in_abs = bool(f & ABSTRACT) and c._has_abstracts
                if in_title and in_id and in_abs:
                    got = [i for i in chunk if n in tf[i] or n in ids[i] or nb in af[i]]
                elif in_title and in_abs:
                    got = [i for i in chunk if n in tf[i] or nb in af[i]]
                elif in_title and in_id:
                    got = [i for i in chunk if n in tf[i] or n in ids[i]]
                elif in_title:
                    got = [i for i in chunk if n in tf[i]]
                elif in_abs:
                    got = [i for i in chunk if nb in af[i]]
                else:
                    got = []
            if t.case and got:
                got = [i for i in got if self.hit_case(t, i)]
            if got:
                if first:
                    return got[:1]
                out.extend(got)
            self.poll()
        return out

    def hit_case(self, t: TextTerm, i: int) -> bool:
        """The case-sensitive test, for a paper that passed the casefolded one."""
        n = t.needle
        c = self.c
        if t.fields & TITLE and _contains(c._tdisp[i], n, t.start, t.end):
            return True
        if t.fields & IDENT and t.folded in c._ids[i]:
            return True
        return bool(t.fields & ABSTRACT) and _contains(c._abstract(i), n, t.start, t.end)

    # -- fuzzy

    def fuzzy(self, t: TextTerm, cur: Sequence[int]) -> list[int]:
        found = self.c.fuzzy_words(t.folded, self.poll)
        postings = self.c._title_words(self.poll)
        best: dict[int, float] = {}
        get = best.get
        for w, q in found.items():
            for i in postings.get(w, ()):
                if q > get(i, 0.0):
                    best[i] = q
        self.fuzzy_hits[t] = best
        if len(cur) == self.c._n:
            return sorted(best)
        return [i for i in cur if i in best]

    # -- scores

    def qualities(self, t: TextTerm, idx: list[int], all_match: bool) -> list[float]:
        """How well each paper of `idx` matches positive text term `t`, in (0, 1], or 0.0 for
        no match. Exact: 1.0 at the start of the title, 0.95 at a word start in it, 0.85 inside
        a word, 0.9 in the identifier, 0.6 in the abstract only. Fuzzy: see `fuzzy_words`.
        With `all_match`, every paper is known to match."""
        c = self.c
        if self.modes.get(t):
            get = (self.fuzzy_hits.get(t) or {}).get
            return [get(i, 0.0) for i in idx]
        titles, n = (c._tdisp, t.needle) if t.case else (c._tfold, t.folded)
        if not t.fields & TITLE:
            tq = [0.0] * len(idx)
        elif t.start or t.end:
            tq = [1.0 if _contains(titles[i], n, t.start, t.end) else 0.0 for i in idx]
        else:
            pos = [titles[i].find(n) for i in idx]
            tq = [
                (1.0 if p == 0 else 0.95 if not titles[i][p - 1].isalnum() else 0.85) if p >= 0 else 0.0
                for i, p in zip(idx, pos)
            ]
        ids, nf = c._ids, t.folded
        use_id = bool(t.fields & IDENT)
        use_abs = bool(t.fields & ABSTRACT)
        return [
            q if q else 0.9 if use_id and nf in ids[i] else
            0.6 if use_abs and (all_match or self.abstract_hit(t, i)) else 0.0
            for i, q in zip(idx, tq)
        ]  # fmt: skip

    def abstract_hit(self, t: TextTerm, i: int) -> bool:
        if not _contains(self.c._afold[i], t.utf8, t.start, t.end):
            return False
        return not t.case or _contains(self.c._abstract(i), t.needle, t.start, t.end)


def _contains(s: AnyStr, n: AnyStr, start: bool, end: bool) -> bool:
    if start and end:
        return s == n
    if start:
        return s.startswith(n)
    if end:
        return s.endswith(n)
    return n in s


def _find(s: str, n: str, start: bool, end: bool) -> int:
    if start:
        return 0 if _contains(s, n, start, end) else -1
    if end:
        return len(s) - len(n) if s.endswith(n) else -1
    return s.find(n)


class SortedIndices(list):
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
        elif isinstance(t, StateTerm):
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


class Query:
    """A parsed query. Immutable, except that `run` remembers which words fell back to fuzzy
    matching (so `highlights` and `refines` can use it); runs in several threads are safe."""

    __slots__ = ("text", "clauses", "_modes")

    def __init__(self, text: str, clauses: tuple[Clause, ...]) -> None:
        self.text = text
        self.clauses = clauses
        self._modes: dict[TextTerm, bool] = {}

    def __repr__(self) -> str:
        return f"Query({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and other.clauses == self.clauses

    def __hash__(self) -> int:
        return hash(self.clauses)

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def terms(self) -> Iterable[Term]:
        for clause in self.clauses:
            yield from clause

    # -- run

    def run(
        self,
        corpus: Corpus,
        *,
        candidates: Sequence[int] | None = None,
        is_read: Callable[[int], bool] | None = None,
        is_starred: Callable[[int], bool] | None = None,
        rank: bool = False,
        cancelled: Callable[[], bool] | None = None,
    ) -> Result:
        """Match every paper of `corpus` (or only `candidates`). `is_read`/`is_starred` take a
        paper index; without them nothing is read or starred. `cancelled` is polled every few
        thousand papers; when it returns True the run stops with ``complete=False``."""
        n = len(corpus)
        cur: Sequence[int] = range(n) if candidates is None else _normalize(candidates, n)
        if self.is_empty:
            idx = SortedIndices(cur)
            return Result(idx, [1.0] * len(idx))
        state = _Run(corpus, is_read, is_starred, cancelled)
        # Many candidates narrow little; the whole-corpus caches do better, then one intersection.
        late = None
        if candidates is not None and len(cur) * 2 > n and len(cur) != n:
            late, cur = cur, range(n)
        try:
            for clause in sorted(self.clauses, key=lambda cl: _clause_cost(cl, corpus)):
                cur = state.clause(clause, cur)
                if not cur:
                    break
            idx = SortedIndices(cur if late is None else _intersect(cur, late))
            scores = self._scores(state, idx) if rank else None
        except _Cancelled:
            return Result([], [], complete=False)
        if state.modes:
            merged = dict(self._modes)
            merged.update(state.modes)
            self._modes = merged
        fuzzy_words = tuple(t.needle for t, on in state.modes.items() if on)
        if scores is None:
            state.cancelled = None  # scoring later must not be abandoned half-way

            def scorer() -> list[float]:
                return self._scores(state, idx)

            return Result(idx, None, bool(fuzzy_words), fuzzy_words, scorer=scorer)
        order = sorted(range(len(idx)), key=lambda k: -scores[k])
        ranked = [idx[k] for k in order]  # a plain list: not in digest order
        return Result(ranked, [scores[k] for k in order], bool(fuzzy_words), fuzzy_words)

    def _scores(self, state: _Run, idx: list[int]) -> list[float]:
        scoring = [cl for cl in self.clauses if any(isinstance(t, TextTerm) and not t.neg for t in cl)]
        if not scoring or not idx:
            return [1.0] * len(idx)
        total = [0.0] * len(idx)
        fuzzy = [False] * len(idx)
        for cl in scoring:
            alts = [t for t in cl if isinstance(t, TextTerm) and not t.neg]
            state.poll()
            if len(cl) == 1:
                qs = state.qualities(alts[0], idx, True)
                total = [a + b for a, b in zip(total, qs)]
                if state.modes.get(alts[0]):
                    fuzzy = [True] * len(idx)
                continue
            # An OR: the best exact alternative wins over any fuzzy one.
            exact = [0.0] * len(idx)
            fz = [0.0] * len(idx)
            for t in alts:
                qs = state.qualities(t, idx, False)
                if state.modes.get(t):
                    fz = [max(a, b) for a, b in zip(fz, qs)]
                else:
                    exact = [max(a, b) for a, b in zip(exact, qs)]
            total = [s + (e if e else f if f else 0.6) for s, e, f in zip(total, exact, fz)]
            fuzzy = [was or (not e and f > 0) for was, e, f in zip(fuzzy, exact, fz)]
        n = len(scoring)
        return [round(s / n * (0.5 if fz else 1.0), 4) for s, fz in zip(total, fuzzy)]

    # -- refines

    def refines(self, previous: Query) -> bool:
        """True only when every result of this query is guaranteed to be among `previous`'s
        results, so its results may be passed as `candidates`. Assumes the same corpus and
        unchanged read/starred marks since `previous` ran (rerun from scratch after either)."""
        if previous.is_empty:
            return True
        modes = previous._modes
        return all(
            any(_clause_within(mine, theirs, modes) for mine in self.clauses) for theirs in previous.clauses
        )

    def narrowing(self, previous: Query | None, result: Result | None, corpus: Corpus) -> Sequence[int] | None:
        """What to pass as `candidates` after `previous` gave `result`: those results when this
        query `refines` it and they leave out enough of the corpus to pay; otherwise None."""
        if previous is None or result is None or not result.complete:
            return None
        if len(result.indices) * 2 > len(corpus) or not self.refines(previous):
            return None
        return result.indices

    # -- highlights

    def highlights(self, text: str, field: str) -> list[tuple[int, int]]:
        """Sorted, non-overlapping (start, end) spans of `text` (a display title or abstract, or
        an identifier for ``field="id"``) that matched, fuzzy matches included."""
        bit = {"title": TITLE, "abstract": ABSTRACT, "id": IDENT}.get(field)
        if bit is None or not text:
            return []
        spans: list[tuple[int, int]] = []
        folded: str | None = None
        owner: list[int] | None = None
        plain = text.replace("\n", " ") if "\n" in text else text
        for t in self.terms():
            if isinstance(t, IdTerm) and bit == IDENT and not t.neg:
                if text.casefold().startswith(t.prefix):
                    spans.append((0, min(len(text), len(t.prefix))))
                continue
            if not isinstance(t, TextTerm) or t.neg or not t.fields & bit:
                continue
            if folded is None:
                folded, owner = _fold_map(plain)
            if t.case and bit != IDENT:
                spans.extend(_occurrences(plain, t.needle, t.start, t.end, None))
            else:
                spans.extend(_occurrences(folded, t.folded, t.start, t.end, owner))
            if self._modes.get(t) and bit != IDENT:
                spans.extend(_fuzzy_spans(folded, owner, t.folded))
        return _merge(spans)


def _clause_within(mine: Clause, theirs: Clause, modes: dict[TextTerm, bool]) -> bool:
    """Every paper matching clause `mine` surely matches clause `theirs`."""
    return all(any(_term_within(a, b, modes) for b in theirs) for a in mine)


def _term_within(a: Term, b: Term, modes: dict[TextTerm, bool]) -> bool:
    if a == b:
        # The same fuzzy-eligible word decides the same way on the same corpus.
        return True
    if type(a) is not type(b) or a.neg != b.neg:
        return False
    if isinstance(a, TextTerm):
        assert isinstance(b, TextTerm)
        if a.neg:
            return _text_within(b, a)  # not-a within not-b  <=>  b within a
        if not _text_within(a, b):
            return False
        if not a.fuzzy_ok:
            return True
        # `a` may fall back to fuzzy matching; that stays inside `b` only if `b` already did
        # (then `a`, which contains `b`, surely does too) and allows the same number of typos.
        return (
            modes.get(b) is True
            and a.folded.startswith(b.folded)
            and max_typos(len(a.folded)) == max_typos(len(b.folded))
        )
    if isinstance(a, (CatTerm, IdTerm)):
        assert isinstance(b, (CatTerm, IdTerm))
        return b.prefix.startswith(a.prefix) if a.neg else a.prefix.startswith(b.prefix)
    if isinstance(a, DateTerm):
        assert isinstance(b, DateTerm)
        if a.neg:
            return a.lo <= b.lo and b.hi <= a.hi
        return b.lo <= a.lo and a.hi <= b.hi
    return False  # StateTerm: equal ones were handled above


def _text_within(a: TextTerm, b: TextTerm) -> bool:
    """Every exact match of `a` is an exact match of `b` (negation ignored)."""
    if a.fields & b.fields != a.fields:
        return False
    if b.case:
        if not a.case:
            return False
        an, bn = a.needle, b.needle
    else:
        an, bn = a.folded, b.folded
    if b.start and not (a.start and an.startswith(bn)):
        return False
    if b.end and not (a.end and an.endswith(bn)):
        return False
    return bn in an


def _fold_map(text: str) -> tuple[str, list[int] | None]:
    """Casefold `text`; when that changes its length, also return, for each folded character,
    the index of the character it came from."""
    folded = text.casefold()
    if len(folded) == len(text):
        return folded, None
    owner: list[int] = []
    parts = []
    for k, ch in enumerate(text):
        f = ch.casefold()
        parts.append(f)
        owner.extend([k] * len(f))
    return "".join(parts), owner


def _span(a: int, b: int, owner: list[int] | None) -> tuple[int, int]:
    if owner is None:
        return a, b
    return owner[a], owner[b - 1] + 1


def _occurrences(s: str, n: str, start: bool, end: bool, owner: list[int] | None) -> list[tuple[int, int]]:
    if not n:
        return []
    if start or end:
        pos = _find(s, n, start, end)
        return [_span(pos, pos + len(n), owner)] if pos >= 0 else []
    out = []
    pos = s.find(n)
    while pos >= 0:
        out.append(_span(pos, pos + len(n), owner))
        pos = s.find(n, pos + len(n))
    return out


def _fuzzy_spans(folded: str, owner: list[int] | None, word: str) -> list[tuple[int, int]]:
    """Spans of the words of `folded` that the fuzzy fallback for `word` would accept."""
    k = max_typos(len(word))
    n = len(word)
    out = []
    for m in _WORD_RE.finditer(folded):
        w = m.group()
        if len(w) < n - k:
            continue
        best = None
        for length in range(max(1, n - k), min(len(w), n + k) + 1):
            d = OSA.distance(word, w[:length], score_cutoff=k)
            if d <= k:
                # Fewest edits, then the length closest to the word typed, then the longer one.
                rank = (d, abs(length - n), -length)
                if best is None or rank < best[0]:
                    best = (rank, length)
        if best is not None:
            out.append(_span(m.start(), m.start() + best[1], owner))
    return out


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans = sorted(s for s in spans if s[1] > s[0])
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


# ------------------------------------------------------------------------------------------ bench


def _synthetic(n: int, abstracts: bool = True) -> list[Paper]:
    """`n` papers from the deterministic digest generator (400 a day); without `abstracts`, titles
    only (abstracts dropped digest by digest, so a million titles stay small)."""
    from .devtools.generate import digests
    from .formats import parse_bytes

    papers: list[Paper] = []
    per_day = 400
    for name, text in digests(-(-n // per_day), per_day):
        got = parse_bytes(text.encode("utf-8"), name).papers
        papers.extend(got if abstracts else (p._replace(abstract="") for p in got))
    return papers[:n]


def _typing(corpus: Corpus, text: str, narrow: bool, repeat: int) -> list[float]:
    """Milliseconds per keystroke of typing `text`, each prefix run on a fresh cache."""
    times = []
    for _ in range(repeat):
        _clear(corpus)
        prev_q: Query | None = None
        prev_r: Result | None = None
        for k in range(1, len(text) + 1):
            t0 = time.perf_counter()
            try:
                q = parse(text[:k])
            except QueryError:
                continue  # the app keeps the last valid result
            r = q.run(corpus, candidates=q.narrowing(prev_q, prev_r, corpus) if narrow else None)
            times.append((time.perf_counter() - t0) * 1000)
            prev_q, prev_r = q, r
    return times


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def _rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _clear(corpus: Corpus) -> None:
    corpus._exact.clear()
    corpus._exact_ints = 0
    corpus._present.clear()
    corpus._fuzzy_cache.clear()


def bench(sizes: Sequence[tuple[int, bool]] = ((100_000, True), (1_000_000, False)), repeat: int = 3) -> None:
    """Print build time, memory and per-keystroke p50/p95 for substring and fuzzy typing.

    "fresh" types each prefix without `candidates`; "narrowed" passes the previous result when
    `refines` allows, as the app does. Both keep the corpus's term cache (cleared before each
    word), since the app has it too. "pasted" runs the whole query once on an empty cache."""
    import gc
    import tracemalloc

    for n, abstracts in sizes:
        papers = _synthetic(n, abstracts)
        gc.collect()
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        corpus = Corpus.build(papers)
        build = time.perf_counter() - t0
        gc.collect()
        rss1 = _rss_mb()
        t0 = time.perf_counter()
        corpus.prepare_fuzzy()
        fz = time.perf_counter() - t0
        gc.collect()
        rss2 = _rss_mb()
        tracemalloc.start()
        again = Corpus.build(papers)
        traced, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del again
        gc.collect()
        gc.freeze()  # as the app should after loading: no gen-2 collections over the library
        kind = "papers" if abstracts else "titles"
        print(f"{n:,} {kind}: build {build:.2f} s (+{rss1 - rss0:.0f} MB RSS, {traced / 1e6:.0f} MB traced); "
              f"fuzzy index {fz:.2f} s (+{rss2 - rss1:.0f} MB); process RSS {rss2:.0f} MB")
        for text in ("segmentati", "segmantati", "voxle", "point clod", "cat:cs.CV deep"):
            for narrow in (False, True):
                ms = _typing(corpus, text, narrow, repeat)
                last = parse(text).run(corpus)
                print(f"  {text!r:16} {'narrowed' if narrow else 'fresh':8} p50 {_pct(ms, 50):6.1f} ms"
                      f"  p95 {_pct(ms, 95):6.1f} ms  max {max(ms):6.1f} ms  -> {len(last.indices)}"
                      f"{' fuzzy' if last.fuzzy else ''}")
            pasted = []
            for _ in range(repeat):
                _clear(corpus)
                t0 = time.perf_counter()
                parse(text).run(corpus)
                pasted.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            parse(text).run(corpus, rank=True)
            ranked = (time.perf_counter() - t0) * 1000
            print(f"  {text!r:16} pasted   p50 {_pct(pasted, 50):6.1f} ms   (rank=True, warm: {ranked:.1f} ms)")
        del corpus, papers
        gc.unfreeze()
        gc.collect()


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(prog="python -m reader.query", description="Time the filter on synthetic papers.")
    ap.add_argument("--papers", type=int, default=100_000, help="papers with abstracts (0 to skip)")
    ap.add_argument("--titles", type=int, default=1_000_000, help="papers with titles only (0 to skip)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    bench([(n, a) for n, a in ((args.papers, True), (args.titles, False)) if n > 0], repeat=args.repeat)
