"""The filter language: parse a query once, match it fast over many papers.

    q = parse('segmantation cat:cs.CV !is:read')     # QueryError (one line) on a bad query
    corpus = Corpus.build(library.papers, titles)     # once per loaded library
    corpus.prepare()                                  # from a worker: the word indexes
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
`Corpus.build` keeps the display titles and their casefold, the abstracts' display text (the
paper's own string whenever it needs no conversion: no second copy of 125 MB at 100,000 papers)
and small per-category/per-date tables. `Corpus.prepare` (call it from a worker: seconds at
100,000 papers) adds word indexes of the titles and the abstracts: every distinct word
(maximal run of ``\\w`` in the casefolded text) of every paper, frequent words as bitsets, the
others as arrays, in segments of 8,192 papers. A needle made of word characters is inside a text
exactly when it is inside one of its words, so such a term is answered from the index alone (the
words that contain it are found with `bytes.find` over the words joined by newlines); other
terms (phrases, punctuation, anchors, capitals) take the papers whose words contain each of
their word runs and check those on the text. Until an index is there (or for the papers past its
last segment) the text itself is checked, with the same answers; `Corpus.ready` tells when both
indexes are complete. The title index is also the fuzzy index.

Terms run cheapest first over a shrinking candidate list. Text terms remember their matches over
the whole corpus (a small LRU cache on the corpus, 4 bytes an index), so a word that grows one
keystroke at a time is only searched inside its previous matches, and a word known to be absent
needs no search to decide on the fuzzy fallback. Scores are only computed for ``rank=True`` or
when read.

Threads: a `Corpus` may be searched from several threads at once (its caches take a lock), and
`cancelled` lets a stale run stop early. `Query.run` holds the GIL in long list comprehensions,
so run it in a thread worker with `cancelled` polling `is_cancelled`, never on the UI thread.
`prepare` gives way to running searches (it sleeps while one runs).
"""

from __future__ import annotations

import calendar
import marshal
import operator
import re
import threading
import time
import zlib
from array import array
from bisect import bisect_right
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, islice, repeat
from typing import AnyStr

from rapidfuzz import process
from rapidfuzz.distance import OSA

from . import __version__
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
_INDEX_FORMAT = ("arxiv-reader-index", 1, __version__)
"""Bump the number when `_Segment` or the tokenising changes; files written by another release
of the program are ignored anyway (its display text or tokens may differ)."""
_SEGMENT = 8192
"""Papers per segment of the abstract index: each segment is searchable as soon as it is built."""
_MASKS = 24
"""Word masks (one byte a paper) kept by the corpus."""


def _fold_search(text: str) -> str:
    """Casefolded, with line breaks as spaces (same length), for substring search."""
    if "\n" in text:
        text = text.replace("\n", " ")
    return text.casefold()


def _utf8(text: str) -> bytes:
    # A substring test gives the same answer on UTF-8 bytes as on the text (UTF-8 is
    # self-synchronising), and the index keeps its words as UTF-8.
    return text.encode("utf-8", "surrogatepass")


def _has_folded(text: str, folded: str, folded_ascii: bool) -> bool:
    """``folded in text.casefold()``, cheaply: casefolding is per character and idempotent, so a
    literal occurrence in `text` is one in its casefold, and an ASCII text folds like lower()."""
    if folded in text:
        return True
    if text.isascii():
        return folded_ascii and folded in text.lower()
    return folded in text.casefold()


def _fold_contains(text: str, folded: str, start: bool, end: bool) -> bool:
    """`_contains` on ``text.casefold()``, with the same shortcuts as `_has_folded`."""
    if not start and not end:
        return _has_folded(text, folded, folded.isascii())
    if _contains(text, folded, start, end):
        return True
    return _contains(text.lower() if text.isascii() else text.casefold(), folded, start, end)


# -- the word index
#
# A needle made only of word characters (``\w``: `str.isalnum` or "_") occurs in a casefolded
# text exactly when it occurs inside one of the text's words (maximal runs of word characters).
# So an index of the distinct words of every paper answers such needles exactly: find the
# vocabulary words that contain the needle (one `bytes.find` loop over the words joined by
# "\n"), then take the union of their papers. Frequent words keep their papers as a bitset (a
# Python int, one bit a paper: the union is an OR), the others as sorted arrays of uint16
# offsets into their segment. Other needles use the index as a prefilter (each of their word runs
# must occur) and are checked on the text.

_ASCII_WORD = frozenset(b for b in range(128) if chr(b).isalnum() or b == 0x5F)
_TOKEN_BYTES = bytes(b if b >= 0x80 or b in _ASCII_WORD else 0x20 for b in range(256))
"""UTF-8 text -> ASCII non-word bytes become spaces (non-ASCII words are split by `_WORD_RE`)."""
_LOWER_TOKEN_BYTES = bytes(
    (b | 0x20 if 0x41 <= b <= 0x5A else b) if b >= 0x80 or b in _ASCII_WORD else 0x20 for b in range(256)
)
_PLANES = tuple(bytes((b >> k) & 1 for b in range(256)) for k in range(8))
_NOT01 = b"\x01" + bytes(255)
"""0 -> 1, anything else -> 0."""


def _tokens(folded: str) -> set[bytes]:
    """The distinct words (maximal ``\\w`` runs) of an already casefolded text, as UTF-8."""
    if folded.isascii():
        return set(folded.encode("ascii").translate(_TOKEN_BYTES).split())
    return _split_odd(set(_utf8(folded).translate(_TOKEN_BYTES).split()))


def _text_tokens(text: str) -> set[bytes]:
    """The distinct words of ``text.casefold()``, as UTF-8."""
    if text.isascii():
        return set(text.encode("ascii").translate(_LOWER_TOKEN_BYTES).split())
    return _split_odd(set(_utf8(text.casefold()).translate(_TOKEN_BYTES).split()))


def _split_odd(toks: set[bytes]) -> set[bytes]:
    # Pieces with non-ASCII bytes may still hold non-word characters ("’", "—", a combining mark).
    odd = [t for t in toks if not t.isascii()]
    for t in odd:
        toks.discard(t)
        toks.update(_utf8(w) for w in _WORD_RE.findall(t.decode("utf-8", "surrogatepass")))
    return toks


def _bits_to_mask(bits: int, size: int) -> bytearray:
    """A bitset of `size` bits as one byte (0 or 1) a bit."""
    nbytes = (size + 7) >> 3
    packed = bits.to_bytes(nbytes, "little")
    mask = bytearray(nbytes << 3)
    for k in range(8):
        mask[k::8] = packed.translate(_PLANES[k])
    del mask[size:]
    return mask


def _mask_to_bits(mask: bytes | bytearray) -> int:
    """The inverse of `_bits_to_mask` (bytes 0 or 1)."""
    pad = (-len(mask)) & 7
    if pad:
        mask = bytes(mask) + bytes(pad)
    bits = 0
    for k in range(8):
        bits |= int.from_bytes(mask[k::8], "little") << k
    return bits


def _word_list(words: list[bytes]) -> tuple[bytes, array]:
    """Words joined by "\\n" (with one before and after) and the offset of each (plus the end)."""
    blob = b"\n" + b"\n".join(words) + b"\n"
    return blob, array("i", accumulate((len(w) + 1 for w in words), initial=1))


Verifier = Callable[[list[int]], list[int]]


class _Segment:
    """The word index of papers ``base .. base + size - 1``."""

    __slots__ = ("base", "size", "dense", "dstarts", "dbits", "rare", "rstarts", "roffs", "rpost")

    def __init__(self, base: int, size: int, token_sets: Iterable[set[bytes]], shift: int = 5) -> None:
        self.base, self.size = base, size
        papers: defaultdict[bytes, list[int]] = defaultdict(list)
        get, append = papers.__getitem__, list.append
        for j, toks in enumerate(token_sets):
            deque(map(append, map(get, toks), repeat(j)), 0)
        dense: list[bytes] = []
        dbits: list[int] = []
        rare: list[bytes] = []
        lists: list[list[int]] = []
        # From here (`shift` = 5) a bitset costs at most twice an array (2 bytes a paper), and OR-s fast.
        limit = max(2, size >> shift)
        # Frequent words first, the most frequent first: a union of them is often complete early.
        for w, got in sorted(papers.items(), key=lambda item: -len(item[1])):
            if len(got) >= limit:
                mask = bytearray(size)
                deque(map(mask.__setitem__, got, repeat(1)), 0)
                dense.append(w)
                dbits.append(_mask_to_bits(mask))
            else:
                rare.append(w)
                lists.append(got)
        del papers
        self.dense, self.dstarts = _word_list(dense)
        self.dbits = dbits
        self.rare, self.rstarts = _word_list(rare)
        self.roffs = array("i", accumulate(map(len, lists), initial=0))
        self.rpost = array("H" if size <= 1 << 16 else "i", chain.from_iterable(lists))

    def mask(self, needle: bytes, verify: Verifier | None, cost: float = 3.0) -> bytearray | None:
        """One byte a paper of the segment: 1 where a word contains `needle`; None for none.
        A "\\n" first or last in `needle` stands for the start or end of the word.

        `verify`, when given, checks papers on their text (global indices in, those that match
        out) at about `cost` µs a paper; walking one of the other words costs about 1 µs. Once
        the frequent words are OR-ed, the papers they leave are verified rather than walking more
        words than that would cost (thousands of words contain a short needle)."""
        size = self.size
        bits = 0
        dbits = self.dbits
        blob, starts = self.dense, self.dstarts
        lead = needle[:1] == b"\n"  # "\nab": words that start with "ab"; "ab\n": that end with it
        pos = blob.find(needle)
        ored = 0
        while pos >= 0:
            k = bisect_right(starts, pos + lead) - 1
            bits |= dbits[k]
            ored += 1
            if not ored & 7 and verify is not None and (size - bits.bit_count()) * cost <= 50:
                return self._verified(bits, verify)
            pos = blob.find(needle, starts[k + 1] - lead)
        missing = size - bits.bit_count()
        if not missing:
            return _bits_to_mask(bits, size)
        # Walking a word costs about 1 µs and 0.1 µs a paper it has.
        budget = missing * cost + 20 if verify is not None else float("inf")
        rare: list[int] = []
        blob, starts, offs = self.rare, self.rstarts, self.roffs
        pos = blob.find(needle)
        while pos >= 0:
            k = bisect_right(starts, pos + lead) - 1
            rare.append(k)
            budget -= 1 + (offs[k + 1] - offs[k]) * 0.1
            if budget < 0:
                assert verify is not None
                return self._verified(bits, verify)
            pos = blob.find(needle, starts[k + 1] - lead)
        if not rare:
            return _bits_to_mask(bits, size) if bits else None
        mask = _bits_to_mask(bits, size) if bits else bytearray(size)
        post, offs, setitem = self.rpost, self.roffs, mask.__setitem__
        for k in rare:
            deque(map(setitem, post[offs[k] : offs[k + 1]], repeat(1)), 0)
        return mask

    def _verified(self, bits: int, verify: Verifier) -> bytearray:
        size, base = self.size, self.base
        mask = _bits_to_mask(bits, size) if bits else bytearray(size)
        hits = verify(list(compress(range(base, base + size), mask.translate(_NOT01))))
        deque(map(mask.__setitem__, map(operator.sub, hits, repeat(base)), repeat(1)), 0)
        return mask

    def has(self, needle: bytes) -> bool:
        return self.dense.find(needle) >= 0 or self.rare.find(needle) >= 0

    def words(self) -> list[bytes]:
        out = self.dense[1:-1].split(b"\n") if len(self.dense) > 2 else []
        if len(self.rare) > 2:
            out += self.rare[1:-1].split(b"\n")
        return out

    def papers_of_word(self, word: bytes) -> list[int]:
        """The papers (global indices) that have `word` itself."""
        key = b"\n" + word + b"\n"
        base = self.base
        pos = self.dense.find(key)
        if pos >= 0:
            k = bisect_right(self.dstarts, pos + 1) - 1
            return list(compress(range(base, base + self.size), _bits_to_mask(self.dbits[k], self.size)))
        pos = self.rare.find(key)
        if pos < 0:
            return []
        k = bisect_right(self.rstarts, pos + 1) - 1
        got = self.rpost[self.roffs[k] : self.roffs[k + 1]]
        return list(map(base.__add__, got)) if base else list(got)


class _Index:
    """The word index of one field, in segments; papers past the last segment are not covered
    yet (the corpus checks them on their text)."""

    __slots__ = ("segments",)

    def __init__(self) -> None:
        self.segments: tuple[_Segment, ...] = ()

    @staticmethod
    def covered(segments: tuple[_Segment, ...]) -> int:
        return segments[-1].base + segments[-1].size if segments else 0

    def mask(self, needle: bytes, n: int, verify: Verifier | None = None,
             cost: float = 3.0) -> tuple[bytearray, int]:  # fmt: skip
        """One byte a paper of the corpus (`n` papers): 1 where a word contains `needle`, for the
        papers covered (the second value); 0 past them."""
        segments = self.segments
        out = bytearray(n)
        for seg in segments:
            got = seg.mask(needle, verify, cost)
            if got is not None:
                out[seg.base : seg.base + seg.size] = got
        return out, self.covered(segments)


def _build_index(index: _Index, token_sets: Callable[[int, int], Iterable[set[bytes]]], n: int,
                 segment: int, shift: int = 5) -> None:  # fmt: skip
    """Fill `index` with segments of papers 0 .. n-1, publishing each as it is done."""
    for base in range(_Index.covered(index.segments), n, segment):
        end = min(n, base + segment)
        index.segments = (*index.segments, _Segment(base, end - base, token_sets(base, end), shift))


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
        "_abuild_lock", "_exact", "_exact_ints", "_present", "_tindex", "_aindex", "_vocab",
        "_prefix_tables", "_fuzzy_cache", "_masks", "_busy",
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
        self._filters: OrderedDict[Term, array] = OrderedDict()
        """Papers matching a cat:/date:/id: term (they depend on the papers only)."""
        self._lock = threading.Lock()
        """Guards the small caches; never held for long."""
        self._build_lock = threading.Lock()
        """Guards building the title index (the fuzzy index)."""
        self._abuild_lock = threading.Lock()
        """Guards building the abstract index."""
        # Global exact matches of text terms: key -> sorted array of paper indices.
        self._exact: OrderedDict[tuple, array] = OrderedDict()
        self._exact_ints = 0
        self._present: OrderedDict[tuple, None] = OrderedDict()
        self._tindex: _Index | None = None
        """Title words (the fuzzy index too), there once complete."""
        self._aindex = _Index()
        self._vocab: list[str] = []
        """Every title word, sorted."""
        self._prefix_tables: dict[int, tuple[list[str], list[list[int]]]] = {}
        self._fuzzy_cache: OrderedDict[tuple[str, int], dict[int, float]] = OrderedDict()
        self._masks: OrderedDict[tuple[int, bytes], tuple[bytearray, int]] = OrderedDict()
        """(field, word) -> (papers whose words in that field contain it, papers covered)."""
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

            try:
                _build_index(self._aindex, token_sets, self._n, _SEGMENT)
            except _Cancelled:
                pass


    # -- the indexes on disk (warm starts skip `prepare`)

    def _check(self) -> tuple[int, int, int]:
        """What the indexes were built from, cheaply: paper count, folded titles, abstract lengths."""
        titles = zlib.crc32("\n".join(self._tfold).encode("utf-8", "surrogatepass"))
        return self._n, titles, zlib.crc32(array("q", map(len, self._atext)).tobytes())

    def dump_index(self) -> bytes | None:
        """Both word indexes, for `load_index` in a later session; None until `ready`."""
        if not self.ready or self._tindex is None:
            return None

        def seg(g: _Segment) -> tuple:
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

            def seg(row: tuple) -> _Segment:
                g = object.__new__(_Segment)
                g.base, g.size, g.dense, dstarts, g.dbits, g.rare, rstarts, roffs, code, rpost = row
                g.dstarts, g.rstarts, g.roffs = array("i", dstarts), array("i", rstarts), array("i", roffs)
                g.rpost = array(code, rpost)
                return g

            title, abstract = tuple(map(seg, tsegs)), tuple(map(seg, asegs))
            for segments, needed in ((title, True), (abstract, self._has_abstracts)):
                if needed and _Index.covered(segments) != self._n:
                    return False
                if segments and segments[0].base != 0:
                    return False
                if any(a.base + a.size != b.base for a, b in zip(segments, segments[1:])):
                    return False
                for g in segments:  # the types each search relies on
                    if not (isinstance(g.dense, bytes) and isinstance(g.rare, bytes)
                            and all(type(b) is int for b in g.dbits) and len(g.dbits) + 1 == len(g.dstarts)):
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
                self._vocab = vocab
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
                self._vocab = sorted(w.decode("utf-8", "surrogatepass") for w in words)
                self._tindex = index
            return self._tindex
        finally:
            self._build_lock.release()

    def _word_mask(self, field: int, word: bytes) -> tuple[bytearray, int] | None:
        """Papers whose `field` (TITLE or ABSTRACT) has a word containing `word` (casefolded UTF-8,
        word characters only), as one byte a paper, and how many papers that covers (the rest
        must be checked on the text); None when that field has no index yet."""
        key = (field, word)
        with self._lock:
            hit = self._masks.get(key)
            if hit is not None:
                self._masks.move_to_end(key)
        if field == TITLE:
            index = self._tindex
            if index is None:
                return None
            if hit is not None:
                return hit
            tf = self._tfold
            folded = word.strip(b"\n").decode("utf-8", "surrogatepass")
            hit = index.mask(word, self._n, lambda where: [i for i in where if folded in tf[i]], 0.15)
        else:
            covered = _Index.covered(self._aindex.segments)
            if not covered:
                return None
            if hit is not None and hit[1] == covered:
                return hit
            at = self._atext
            folded = word.strip(b"\n").decode("utf-8", "surrogatepass")
            ascii_ = folded.isascii()
            hit = self._aindex.mask(word, self._n, lambda where: [i for i in where if _has_folded(at[i], folded, ascii_)])
        with self._lock:
            self._masks[key] = hit
            self._masks.move_to_end(key)
            while len(self._masks) > _MASKS:
                self._masks.popitem(last=False)
        return hit

    def _abstract(self, i: int) -> str:
        return self._atext[i]

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

    # -- fuzzy: the words of every title

    def _prefix_table(self, length: int) -> tuple[list[str], list[list[int]]]:
        table = self._prefix_tables.get(length)
        if table is None:
            groups: dict[str, list[int]] = {}
            for ref, w in enumerate(self._vocab):
                if len(w) >= length:
                    p = w[:length]
                    g = groups.get(p)
                    if g is None:
                        groups[p] = [ref]
                    else:
                        g.append(ref)
            table = (list(groups), list(groups.values()))
            with self._lock:
                self._prefix_tables[length] = table
        return table

    def _fuzzy_refs(self, word: str, poll: Callable[[], None] | None = None) -> dict[int, float]:
        """Title words (by `_vocab` position) a misspelt `word` (casefolded) stands for, each with
        a quality in (0, 1]."""
        k = max_typos(len(word))
        if k == 0:
            return {}
        key = (word, k)
        with self._lock:
            hit = self._fuzzy_cache.get(key)
        if hit is not None:
            return hit
        self._title_index(poll)
        vocab = self._vocab
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
            self._fuzzy_cache[key] = found
            if len(self._fuzzy_cache) > 64:
                self._fuzzy_cache.popitem(last=False)
        return found

    def fuzzy_words(self, word: str, poll: Callable[[], None] | None = None) -> dict[str, float]:
        """Title words a misspelt `word` (casefolded) stands for, each with a quality in (0, 1]."""
        refs = self._fuzzy_refs(word, poll)
        vocab = self._vocab
        return {vocab[r]: q for r, q in refs.items()}


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
        # Short: a result can hold a million indices, and reprs end up in logs and debuggers.
        return (f"Result({len(self.indices):,} papers, fuzzy={self.fuzzy!r}, "
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
        n, f, start, end = t.folded, t.fields, t.start, t.end
        tf, at, ids = c._tfold, c._atext, c._ids
        anchored = start or end
        word = not anchored and _WORD_RE.fullmatch(n) is not None
        use_index = size >= 512  # a global mask costs milliseconds; a few papers are checked faster
        in_title = bool(f & TITLE)
        in_id = bool(f & IDENT) and not anchored and c._id_chars.issuperset(n)
        in_abs = bool(f & ABSTRACT) and c._has_abstracts
        # Exact parts as one byte a paper: title words, abstract words of the covered papers.
        mask: bytes | bytearray | None = None
        title_scan = in_title
        # One character is in most titles: scanning them beats OR-ing and verifying segments.
        if in_title and word and use_index and len(n) > 1:
            got = c._word_mask(TITLE, t.utf8)
            if got is not None:
                mask, title_scan = got[0], False
        covered = 0  # abstracts before this are settled by `amask` (exact) or prefiltered by it
        amask: bytearray | None = None
        abs_exact = False
        if in_abs and use_index:
            if word:
                got = c._word_mask(ABSTRACT, t.utf8)
                if got is not None:
                    amask, covered = got
                    abs_exact = True
            else:
                amask, covered = self.prefilter(t)
        if abs_exact and amask is not None:
            mask = amask if mask is None else _or(mask, amask)
        if mask is not None and in_id and not title_scan and type(n) is str:
            # Identifiers as a mask too (one C-level pass), so chunks are cut from the mask alone.
            mask = _or(mask, bytes(map(operator.contains, ids, repeat(n))))
            in_id = False
        check_all = in_abs and amask is None  # no index: every abstract is checked on its text
        n_ascii = n.isascii()

        def test(chunk: Sequence[int]) -> list[int]:
            if mask is not None:
                if title_scan or in_id:
                    got = [i for i in chunk if mask[i] or (title_scan and _contains(tf[i], n, start, end))
                           or (in_id and n in ids[i])]  # fmt: skip
                elif type(chunk) is range and chunk.step == 1:
                    got = list(compress(chunk, mask[chunk.start : chunk.stop]))
                else:
                    got = list(compress(chunk, map(mask.__getitem__, chunk)))
            elif not in_title and not in_id:
                got = []
            elif anchored:
                got = [i for i in chunk if _contains(tf[i], n, start, end)]
            elif in_title and in_id:
                got = [i for i in chunk if n in tf[i] or n in ids[i]]
            elif in_title:
                got = [i for i in chunk if n in tf[i]]
            else:
                got = [i for i in chunk if n in ids[i]]
            if not in_abs or (abs_exact and covered == c._n):
                return got
            # The abstracts left to check on their text.
            hit = set(got)
            if check_all:
                rest = [i for i in chunk if i not in hit]
            elif abs_exact:
                rest = [i for i in chunk if i >= covered and i not in hit]
            else:
                assert amask is not None
                rest = [i for i in chunk if (i >= covered or amask[i]) and i not in hit]
            if anchored:
                more = [i for i in rest if _fold_contains(at[i], n, start, end)]
            else:
                more = [i for i in rest if _has_folded(at[i], n, n_ascii)]
            return sorted(got + more) if more else got

        return test

    def prefilter(self, t: TextTerm) -> tuple[bytearray | None, int]:
        """For a needle that is not one word: papers whose abstract has, for each of the needle's
        longest word runs, a word that contains it (that starts with it when something precedes
        the run in the needle or it starts an anchored needle; that ends with it likewise): a
        necessary condition. Also how many papers that covers."""
        folded = t.folded
        runs = []
        for m in _WORD_RE.finditer(folded):
            left = m.start() > 0 or t.start
            right = m.end() < len(folded) or t.end
            runs.append((b"\n" if left else b"") + _utf8(m.group()) + (b"\n" if right else b""))
        runs = sorted(set(runs), key=len, reverse=True)[:3]
        mask: bytearray | None = None
        covered = self.c._n
        for run in runs:
            got = self.c._word_mask(ABSTRACT, run)
            if got is None:
                return None, 0
            mask = got[0] if mask is None else _and(mask, got[0])
            covered = min(covered, got[1])
            self.poll()
        return (mask, covered) if mask is not None else (None, 0)

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
        segments = c._title_index(self.poll).segments
        vocab = c._vocab
        best: dict[int, float] = {}
        get = best.get
        for ref, q in found.items():
            word = _utf8(vocab[ref])
            for seg in segments:
                for i in seg.papers_of_word(word):
                    if q > get(i, 0.0):
                        best[i] = q
        self.fuzzy_hits[t] = best
        if len(cur) == c._n:
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
        if use_abs and not all_match and len(idx) >= 512 and not t.start and not t.end \
                and _WORD_RE.fullmatch(nf) is not None:  # fmt: skip
            got = c._word_mask(ABSTRACT, t.utf8)
            if got is not None:
                am, covered = got

                def abstract_hit(i: int) -> bool:
                    if i >= covered:
                        return self.abstract_hit(t, i)
                    return bool(am[i]) and (not t.case or _contains(c._atext[i], t.needle, False, False))

                return [q if q else 0.9 if use_id and nf in ids[i] else 0.6 if abstract_hit(i) else 0.0
                        for i, q in zip(idx, tq)]  # fmt: skip
        return [
            q if q else 0.9 if use_id and nf in ids[i] else
            0.6 if use_abs and (all_match or self.abstract_hit(t, i)) else 0.0
            for i, q in zip(idx, tq)
        ]  # fmt: skip

    def abstract_hit(self, t: TextTerm, i: int) -> bool:
        text = self.c._atext[i]
        if not _fold_contains(text, t.folded, t.start, t.end):
            return False
        return not t.case or _contains(text, t.needle, t.start, t.end)


def _or(a: bytes | bytearray, b: bytes | bytearray) -> bytes:
    """Two masks of one byte (0 or 1) a paper, OR-ed."""
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(len(a), "little")


def _and(a: bytes | bytearray, b: bytes | bytearray) -> bytearray:
    return bytearray((int.from_bytes(a, "little") & int.from_bytes(b, "little")).to_bytes(len(a), "little"))


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
        with corpus._lock:
            corpus._busy += 1
        try:
            return self._run(corpus, candidates, is_read, is_starred, rank, cancelled)
        finally:
            with corpus._lock:
                corpus._busy -= 1

    def _run(self, corpus, candidates, is_read, is_starred, rank, cancelled) -> Result:  # noqa: ANN001
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
    from .devtools.memory import status_mb

    rss = status_mb("VmRSS")
    return float("nan") if rss is None else rss


def _clear(corpus: Corpus) -> None:
    corpus._exact.clear()
    corpus._exact_ints = 0
    corpus._present.clear()
    corpus._fuzzy_cache.clear()
    corpus._masks.clear()


WORDS = ("segmentati", "uncertanty", "voxle", "point clod", "Transforme", '"point cloud"', "cat:cs.CV deep")


def bench(sizes: Sequence[tuple[int, bool]] = ((100_000, True), (1_000_000, False)), repeat: int = 3,
          digests: str | None = None, words: Sequence[str] = WORDS) -> None:  # fmt: skip
    """Print build and index times, memory and per-keystroke p50/p95/max while typing `words`.

    "fresh" types each prefix without `candidates`; "narrowed" passes the previous result when
    `refines` allows, as the app does. Both keep the corpus's term cache (cleared before each
    word), since the app has it too. "before prepare" types on a corpus without its indexes (what
    the app sees in the seconds `prepare` takes); "pasted" runs the whole query on an empty cache."""
    import gc
    import tracemalloc

    for n, abstracts in sizes:
        if digests is not None and abstracts:
            from .library import load

            papers = load([digests], cache=None).papers
        else:
            papers = _synthetic(n, abstracts)
        titles = [display_title(p.title or "") for p in papers]
        gc.collect()
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        corpus = Corpus.build(papers, titles=titles)
        build = time.perf_counter() - t0
        gc.collect()
        gc.freeze()  # as the app does after loading: no gen-2 collections over the library
        rss1 = _rss_mb()
        kind = "papers" if abstracts else "titles"
        print(f"{len(papers):,} {kind}: build {build:.2f} s (+{rss1 - rss0:.0f} MB RSS)", flush=True)
        for text in words[:2]:
            ms = _typing(corpus, text, True, 1)
            print(f"  {text!r:16} before prepare  p50 {_pct(ms, 50):6.1f} ms  p95 {_pct(ms, 95):6.1f} ms"
                  f"  max {max(ms):6.1f} ms", flush=True)
        t0 = time.perf_counter()
        corpus._title_index()
        tindex = time.perf_counter() - t0
        corpus.prepare()
        index = time.perf_counter() - t0
        gc.collect()
        rss2 = _rss_mb()
        print(f"  prepare {index:.2f} s (titles {tindex:.2f} s): +{rss2 - rss1:.0f} MB RSS; corpus in all "
              f"+{rss2 - rss0:.0f} MB RSS; process {rss2:.0f} MB", flush=True)
        for text in words:
            for narrow in (False, True):
                ms = _typing(corpus, text, narrow, repeat)
                last = parse(text).run(corpus)
                print(f"  {text!r:16} {'narrowed' if narrow else 'fresh':14} p50 {_pct(ms, 50):6.1f} ms"
                      f"  p95 {_pct(ms, 95):6.1f} ms  max {max(ms):6.1f} ms  -> {len(last.indices)}"
                      f"{' fuzzy' if last.fuzzy else ''}", flush=True)
            pasted = []
            for _ in range(repeat):
                _clear(corpus)
                t0 = time.perf_counter()
                parse(text).run(corpus)
                pasted.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            parse(text).run(corpus, rank=True)
            ranked = (time.perf_counter() - t0) * 1000
            print(f"  {text!r:16} pasted         p50 {_pct(pasted, 50):6.1f} ms   (rank=True, warm: {ranked:.1f} ms)")
        del corpus
        gc.unfreeze()
        gc.collect()
        if n <= 200_000:
            tracemalloc.start()
            again = Corpus.build(papers, titles=titles)
            again.prepare()
            traced, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"  tracemalloc: build + prepare hold {traced / 1e6:.0f} MB (peak {peak / 1e6:.0f} MB)")
            del again
        del papers, titles
        gc.collect()


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(prog="python -m reader.query", description="Time the filter on synthetic papers.")
    ap.add_argument("--papers", type=int, default=100_000, help="papers with abstracts (0 to skip)")
    ap.add_argument("--titles", type=int, default=1_000_000, help="papers with titles only (0 to skip)")
    ap.add_argument("--digests", help="load the papers with abstracts from this folder instead")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    bench([(n, a) for n, a in ((args.papers, True), (args.titles, False)) if n > 0], repeat=args.repeat,
          digests=args.digests)
