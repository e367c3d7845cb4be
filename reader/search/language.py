"""The query language: text in, clauses of terms out (`parse_clauses`), and which queries are
narrower than others (`clause_within`). No matching here; see `reader.search.query` for `parse`.

The grammar is described in `reader.search` (the package docstring).
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from ..model import id_from_url, parse_arxiv_id
from ..text import display_title, sanitize
from .fold import _utf8


class QueryError(ValueError):
    """A query the user has to fix. ``str(err)`` is one line, meant for a status bar."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column
        """1-based column the problem was found at, when there is one."""


# ------------------------------------------------------------------------------------------ terms

TITLE, ABSTRACT, IDENT = 1, 2, 4
PLAIN_FIELDS = TITLE | ABSTRACT | IDENT
FIELDS = ("ti", "abs", "cat", "id", "date", "is", "au", "co", "tag", "note", "watch")
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


@dataclass(frozen=True, slots=True)
class FieldTerm:
    """``au:`` / ``co:``: a substring of one author's name / of the comments, ignoring case and
    accents (`fold_name` on both sides)."""

    field: str
    """``au`` or ``co``."""
    needle: str
    neg: bool = False


@dataclass(frozen=True, slots=True)
class FlagTerm:
    """A fact of the paper itself: its announce type (``new``, ``cross``, ``replace``) or ``seen``
    (listed in a digest before the one shown: ``first_seen < date``)."""

    kind: str
    neg: bool = False


@dataclass(frozen=True, slots=True)
class MarkTerm:
    """``tag:NAME``, ``note:WORD``, ``watch:NAME``: the user's own data, answered by callbacks.
    `value` is a tag name (exact), a folded note needle (substring) or a watch rule name (folded)."""

    kind: str
    value: str
    neg: bool = False


Term = TextTerm | CatTerm | IdTerm | DateTerm | StateTerm | FieldTerm | FlagTerm | MarkTerm
Clause = tuple[Term, ...]
"""Alternatives joined by ``|``."""

_STATES = {"read": ("read", True), "unread": ("read", False),
           "starred": ("starred", True), "unstarred": ("starred", False),
           "tagged": ("tagged", True), "noted": ("noted", True), "updated": ("updated", True),
           "watched": ("watched", True), "hidden": ("hidden", True)}  # fmt: skip
_FLAGS = ("new", "cross", "replace", "seen")
STATE_WORDS = (*_STATES, *_FLAGS)
"""Every word ``is:`` takes."""


def fold_name(text: str) -> str:
    """Casefolded, accents removed (TeX ones too), whitespace runs as one space: how
    ``au:``/``co:``/``note:`` compare (``Schmidhuber`` = ``schmidhuber``, ``Jürgen`` =
    ``J\\"urgen`` = ``jurgen``)."""
    if "\\" in text or "&" in text:
        text = display_title(text)  # TeX accents and entities as in the digests: G\\"odel is Gödel
    if text.isascii():
        folded = text.casefold()
        if "  " in folded or not folded.isprintable() or folded.strip() != folded:
            folded = " ".join(folded.split())
        return folded
    return _fold_accents(text)


@functools.lru_cache(maxsize=65536)
def _fold_accents(text: str) -> str:
    # Names repeat from paper to paper: the decomposition is remembered.
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


# ----------------------------------------------------------------------------------------- parser

_FIELD_RE = re.compile(r"[A-Za-z]+:")  # any case: Ti: IS:read (DECISIONS "Query words")
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DATE_LO, _DATE_HI = "0000-00-00", "9999-99-99"


def _field_at(s: str, p: int) -> re.Match[str] | None:
    """`name:` at `p`: a known field in any case (`Ti:`, `IS:`), or a lower-case word (an unknown
    field: an error); any other `Word:` (`Note:`, `TODO:`) is a plain word. `http://` is no field."""
    m = _FIELD_RE.match(s, p)
    if m is None or s.startswith("//", m.end()):
        return None
    word = m.group()[:-1]
    return m if word.islower() or word.lower() in FIELDS else None


def parse_clauses(text: str) -> tuple[Clause, ...]:
    """The clauses of a query. Raises QueryError, and nothing else, for any string."""
    if not isinstance(text, str):
        raise QueryError("a query must be text")
    try:
        return _Parser(text).parse()
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
            term = self.identifier() or self.term()
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
        m = _field_at(s, self.p)
        if m is not None:
            name = m.group()[:-1].lower()
            if name not in FIELDS:
                col = self.p + 1
                raise QueryError(
                    f'unknown field "{name}:" at column {col} (fields: {" ".join(f + ":" for f in FIELDS)})', col
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
        return _field_term(name, value, norm, neg, col)

    def identifier(self) -> IdTerm | None:
        """What people paste: `arXiv:1907.03739`, `1907.03739v2`, an arxiv.org /abs/ or /pdf/ URL
        (`!` before it excludes it): that paper, when the next word is one of those."""
        neg = self.s.startswith("!", self.p)
        end = begin = self.p + neg
        while not self._stop(end):
            end += 1
        word = self.s[begin:end]
        if not word[:1].isdigit() and word[:6].casefold() != "arxiv:" and "arxiv.org/" not in word:
            return None
        found = id_from_url(word) if "://" in word else parse_arxiv_id(word)
        if found is None:
            return None
        self.p = end
        return IdTerm(found[0].casefold(), neg)

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


def _field_term(name: str, value: str, norm: str, neg: bool, col: int) -> Term:
    """The term of ``name:value`` for the fields other than ti: and abs:."""
    folded = value.casefold()
    if name == "cat":
        return CatTerm(norm, neg)
    if name == "id":
        return IdTerm(norm, neg)
    if name == "is":
        if folded in _FLAGS:
            return FlagTerm(folded, neg)
        state = _STATES.get(folded)
        if state is None:
            raise QueryError(f'unknown state "is:{_show(value)}" (is:read, unread, starred, new, tagged, '
                             "see the README)", col)
        return StateTerm(state[0], state[1] != neg)
    if name in ("au", "co"):
        return FieldTerm(name, fold_name(value), neg)
    if name == "tag":
        return MarkTerm("tag", value, neg)
    if name in ("note", "watch"):
        return MarkTerm(name, fold_name(value), neg)
    lo, hi = _date_range(value)
    return DateTerm(lo, hi, neg)


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


def clause_within(mine: Clause, theirs: Clause, modes: dict[TextTerm, bool]) -> bool:
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

