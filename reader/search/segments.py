"""Search data per digest file: a `Part` is the display text and word indexes of one file's
papers (or of a slice of a list of papers), built once and cached per file (see
`reader.search.store`). `place` puts parts at the positions of the papers a corpus shows: a
paper listed in several files is searched through the listing it is shown by; the rows of the
other listings are masked out of their parts, nothing is rebuilt.
"""

from __future__ import annotations

import sys
import threading
import time
import zlib
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, compress, islice, repeat
from operator import is_, le, lt

from ..cache import CacheMiss, ColumnReader, ColumnWriter
from ..model import Paper
from ..text import display_text, display_title
from .fold import _fold_search
from .index import _Segment, _text_tokens, _tokens
from .language import fold_name

_FORMAT = 3
"""Bump when a part's cache form, the display text or the tokenising changes (3: the authors column)."""


class Stopped(Exception):
    """Building an index was stopped (see `Part.index_abstracts`)."""


class Part:
    """The search data of a run of papers (rows): display titles and their casefold, display
    abstracts (line breaks as spaces; the paper's own string whenever it needs no change), and
    the word indexes of titles and abstracts once built (`index_titles`, `index_abstracts`)."""

    __slots__ = ("papers", "tdisp", "tfold", "atext", "tindex", "aindex", "has_abstracts", "saved", "_lock",
                 "_authors")

    def __init__(self, papers: Sequence[Paper], tdisp: list[str], tfold: list[str], atext: list[str]) -> None:
        self.papers = papers
        self.tdisp = tdisp
        self.tfold = tfold
        self.atext = atext
        self.has_abstracts = any(atext)
        self.tindex: _Segment | None = None
        self.aindex: _Segment | None = None
        self.saved = False
        """Its cache entry holds everything it has."""
        self._lock = threading.Lock()
        self._authors: list[str] | None = None

    def authors_folded(self) -> list[str]:
        """Each row's authors for ``au:``: one name a line, folded by `fold_name` (made once)."""
        got = self._authors
        if got is None:
            got = ["\n".join(map(fold_name, p.authors)) if p.authors else "" for p in self.papers]
            self._authors = got
        return got

    @classmethod
    def build(cls, papers: Sequence[Paper], titles: Sequence[str] | None = None) -> Part:
        """`titles`, when given, are ``display_title(p.title)`` for every paper."""
        tdisp = [display_title(p.title or "") for p in papers] if titles is None else list(titles)
        tfold = []
        for t in tdisp:
            f = _fold_search(t)
            tfold.append(t if f == t else f)
        atext = []
        for p in papers:
            raw = p.abstract or ""
            shown = display_text(raw)
            if shown == raw:
                shown = raw  # the usual case: no second copy
            if "\n" in shown:
                shown = shown.replace("\n", " ")
            atext.append(shown)
        return cls(papers, tdisp, tfold, atext)

    def __len__(self) -> int:
        return len(self.papers)

    @classmethod
    def merged(cls, parts: Sequence[Part]) -> Part:
        """One part for the rows of `parts` one after the other, with their indexes merged when
        every one has its index (see `_Segment.merged`)."""
        papers = list(chain.from_iterable(p.papers for p in parts))
        out = cls(papers, list(chain.from_iterable(p.tdisp for p in parts)),
                  list(chain.from_iterable(p.tfold for p in parts)),
                  list(chain.from_iterable(p.atext for p in parts)))  # fmt: skip
        tsegs = [p.tindex for p in parts]
        if all(g is not None for g in tsegs):
            out.tindex = _Segment.merged([g for g in tsegs if g is not None], shift=7)
        if out.has_abstracts and all(p.aindex is not None or not p.has_abstracts for p in parts):
            out.aindex = _Segment.merged([p.aindex or _Segment(0, len(p), repeat(set(), len(p))) for p in parts])
        if all(p._authors is not None for p in parts):
            out._authors = list(chain.from_iterable(p._authors or () for p in parts))
        return out

    def rebind(self, papers: Sequence[Paper]) -> Part:
        """This part for another list of the same papers (the file read again, unchanged)."""
        other = Part(papers, self.tdisp, self.tfold, self.atext)
        other.tindex, other.aindex, other.saved = self.tindex, self.aindex, self.saved
        if all(a.authors == b.authors for a, b in zip(papers, self.papers, strict=True)):
            other._authors = self._authors
        else:
            other.saved = False
        return other

    @property
    def indexed(self) -> bool:
        return self.tindex is not None and (self.aindex is not None or not self.has_abstracts)

    def index_titles(self) -> _Segment:
        with self._lock:
            if self.tindex is None:
                self.tindex = _Segment(0, len(self), map(_tokens, self.tfold), shift=7)
                self.saved = False
            return self.tindex

    def index_abstracts(self, pause: Callable[[], None] | None = None) -> None:
        """Build the abstract index; `pause` is called every 256 papers (it may raise Stopped)."""
        if self.aindex is not None or not self.has_abstracts:
            return
        atext = self.atext

        def token_sets() -> Iterable[set[bytes]]:
            for k, text in enumerate(atext):
                if pause is not None and not k & 255:
                    pause()
                yield _text_tokens(text)

        seg = _Segment(0, len(self), token_sets())
        with self._lock:
            if self.aindex is None:
                self.aindex = seg
                self.saved = False

    # -- cache form

    def encode(self, w: ColumnWriter) -> None:
        papers = self.papers
        w.ints([_FORMAT, len(papers), _crc(papers), _authors_crc(papers)])
        w.strings(self.authors_folded())
        w.optional_strings([None if d == p.title else d for d, p in zip(self.tdisp, papers, strict=True)])
        w.optional_strings([None if f is d else f for f, d in zip(self.tfold, self.tdisp, strict=True)])
        w.optional_strings([None if a is p.abstract else a for a, p in zip(self.atext, papers, strict=True)])
        for seg in (self.tindex, self.aindex):
            _encode_segment(w, seg)

    @classmethod
    def decode(cls, r: ColumnReader, papers: Sequence[Paper]) -> Part:
        """The part `encode` wrote for these papers. Raises CacheMiss (only) when it cannot be."""
        head = r.ints()
        if list(head) != [_FORMAT, len(papers), _crc(papers), _authors_crc(papers)]:
            raise CacheMiss("another format or other papers")
        authors = r.strings()
        tdisp_, tfold_, atext_ = r.optional_strings(), r.optional_strings(), r.optional_strings()
        n = len(papers)
        if not len(tdisp_) == len(tfold_) == len(atext_) == len(authors) == n:
            raise CacheMiss("damaged")
        tdisp = [p.title if d is None else d for d, p in zip(tdisp_, papers, strict=True)]
        tfold = [d if f is None else f for f, d in zip(tfold_, tdisp, strict=True)]
        atext = [(p.abstract or "") if a is None else a for a, p in zip(atext_, papers, strict=True)]
        part = cls(papers, tdisp, tfold, atext)
        part._authors = authors
        part.tindex = _decode_segment(r, n)
        part.aindex = _decode_segment(r, n)
        r.end()
        part.saved = True
        return part


def _crc(papers: Sequence[Paper]) -> int:
    """A cheap check that a cached part belongs to these papers."""
    return zlib.crc32("\x00".join(p.title for p in papers).encode("utf-8", "surrogatepass"))


def _authors_crc(papers: Sequence[Paper]) -> int:
    """A cheap check that a cached authors column belongs to these papers."""
    return zlib.crc32("\x00".join("\x01".join(p.authors) for p in papers).encode("utf-8", "surrogatepass"))


def _encode_segment(w: ColumnWriter, seg: _Segment | None) -> None:
    if seg is None:
        w.ints([])
        return
    width = (seg.size + 7) >> 3
    w.ints([seg.size, len(seg.dbits), width])
    w.blob(seg.dense)
    w.arr(seg.dstarts)
    w.blob(b"".join(b.to_bytes(width, "little") for b in seg.dbits))
    w.blob(seg.rare)
    w.arr(seg.rstarts)
    w.arr(seg.roffs)
    w.arr(array("i", seg.rpost))


def _decode_segment(r: ColumnReader, n: int) -> _Segment | None:
    head = r.ints()
    if not head:
        return None
    if len(head) != 3 or head[0] != n or head[2] != (n + 7) >> 3:
        raise CacheMiss("damaged")
    ndense, width = head[1], head[2]
    dense, dstarts, packed = r.blob(), r.arr("i"), r.blob()
    rare, rstarts, roffs, rpost = r.blob(), r.arr("i"), r.arr("i"), r.arr("i")
    _check_words(dense, dstarts)
    _check_words(rare, rstarts)
    if len(dstarts) != ndense + 1 or len(packed) != ndense * width or len(roffs) != len(rstarts):
        raise CacheMiss("damaged")
    if roffs[0] != 0 or roffs[-1] != len(rpost) or not all(map(le, roffs, islice(roffs, 1, None))):
        raise CacheMiss("damaged")
    g = object.__new__(_Segment)
    g.base, g.size = 0, n
    g.dense, g.dstarts, g.rare, g.rstarts, g.roffs = dense, dstarts, rare, rstarts, roffs
    g.dbits = [int.from_bytes(packed[k : k + width], "little") for k in range(0, len(packed), width or 1)]
    g.rpost = _offsets(rpost, n)
    return g


_BELOW = tuple(bytes(b < k for b in range(256)) for k in range(257))
"""_BELOW[k] maps a byte to 1 when it is below k, else to 0."""


def _offsets(rpost: array[int], n: int) -> array[int]:
    """`rpost` (rows of a segment of `n`) as kept in memory: 16-bit when `n` allows. Raises
    CacheMiss unless every value is in range(n). At C speed (millions of values per group):
    little-endian 32-bit values below 65,536 are their two low bytes, their two high bytes 0."""
    if n > 1 << 16 or rpost.itemsize != 4 or sys.byteorder != "little":
        if rpost and not 0 <= min(rpost) <= max(rpost) < n:
            raise CacheMiss("damaged")
        return array("H", rpost) if n <= 1 << 16 else rpost
    raw = rpost.tobytes()
    lo, hi = raw[0::4], raw[1::4]
    if raw[2::4].count(0) != len(lo) or raw[3::4].count(0) != len(lo):
        raise CacheMiss("damaged")  # negative, or 65,536 and above
    if n < 1 << 16:  # value < n: its high byte below n's, or equal to it and its low byte below n's
        top, low = divmod(n, 256)
        if hi.translate(_BELOW[top + 1]).count(1) != len(hi):
            raise CacheMiss("damaged")
        at_top = int.from_bytes(hi.translate(bytes(b == top for b in range(256))), "little")
        if at_top and at_top & int.from_bytes(lo.translate(bytes(b >= low for b in range(256))), "little"):
            raise CacheMiss("damaged")
    out = array("H")
    both = bytearray(2 * len(lo))
    both[0::2], both[1::2] = lo, hi
    out.frombytes(both)
    return out


def _check_words(blob: bytes, starts: array[int]) -> None:
    """Words joined by "\\n" (one before and after) and where each starts, as `_word_list` makes them."""
    if len(blob) < 2 or blob[:1] != b"\n" or blob[-1:] != b"\n" or not starts:
        raise CacheMiss("damaged")
    if blob == b"\n\n" and list(starts) == [1]:
        return  # no words
    if starts[0] != 1 or starts[-1] != len(blob) or blob.count(b"\n") != len(starts):
        raise CacheMiss("damaged")
    if not all(map(lt, starts, islice(starts, 1, None))):
        raise CacheMiss("damaged")


# ------------------------------------------------------------------------------------ placement


@dataclass(slots=True)
class Placed:
    """A part inside a corpus: row r is the corpus's paper ``at[r]`` (-1: a listing not shown)."""

    part: Part
    at: array[int]
    start: int
    """The corpus position of the part's first shown row."""
    live: bytes | None
    """One byte a row, 1 where shown; None when every row is."""
    contiguous: bool
    """The shown rows are the corpus positions ``start, start + 1, ...`` in order."""

    @classmethod
    def make(cls, part: Part, at: array[int]) -> Placed:
        shown = [g for g in at if g >= 0]
        start = shown[0] if shown else 0
        contiguous = shown == list(range(start, start + len(shown)))
        live = None if len(shown) == len(at) else bytes(g >= 0 for g in at)
        return cls(part, at, start, live, contiguous)

    def scatter(self, out: bytearray, local: bytes | bytearray) -> None:
        """Set ``out[at[r]]`` to ``local[r]`` for every shown row r (1 byte a paper masks)."""
        if self.contiguous:
            got = local if self.live is None else bytes(compress(local, self.live))
            out[self.start : self.start + len(got)] = got
            return
        for r in compress(range(len(self.at)), local):
            g = self.at[r]
            if g >= 0:
                out[g] = 1

    def globals(self, rows: Iterable[int]) -> list[int]:
        """The corpus positions of these rows (rows not shown left out)."""
        at = self.at
        return [g for g in map(at.__getitem__, rows) if g >= 0]


def place(papers: Sequence[Paper], parts: Sequence[Part]) -> tuple[list[Placed], list[int]]:
    """Where each paper of `papers` is searched: the row of a part with its very text (the same
    object, else the same source line with the same title and abstract, else any listing with the
    same identifier and text). Returns the placed parts and the papers found in none.

    The usual case is cheap: a part whose rows are, object for object, a run of `papers` is placed
    there whole; only the other parts and papers are matched one by one."""
    placed: list[Placed | None] = [None] * len(parts)
    first = {id(part.papers[0]): k for k, part in enumerate(parts) if len(part)}
    rest: list[int] = []
    i, n = 0, len(papers)
    while i < n:
        k = first.get(id(papers[i]))
        if k is not None and placed[k] is None:
            rows = parts[k].papers
            m = len(rows)
            if i + m <= n and all(map(is_, rows, papers[i : i + m])):
                placed[k] = Placed(parts[k], array("i", range(i, i + m)), i, None, True)
                i += m
                continue
        rest.append(i)
        i += 1
    for k, part in enumerate(parts):
        if not len(part) and placed[k] is None:
            placed[k] = Placed(part, array("i"), 0, None, True)
    left = [k for k, pl in enumerate(placed) if pl is None]
    loose = _place_rows(papers, rest, parts, left, placed) if left or rest else []
    return [pl for pl in placed if pl is not None], loose


def _place_rows(papers: Sequence[Paper], which: list[int], parts: Sequence[Part], left: list[int],
                placed: list[Placed | None]) -> list[int]:  # fmt: skip
    """Place the papers `which` in the parts `left`, row by row; the papers found in none."""
    where: dict[int, tuple[int, int]] = {}
    for k in left:
        where.update(zip(map(id, parts[k].papers), zip(repeat(k), range(len(parts[k]))), strict=True))
    ats = {k: array("i", [-1]) * len(parts[k]) for k in left}
    loose: list[int] = []
    by_source: dict[tuple[str, int], tuple[int, int]] | None = None
    by_id: dict[str, list[tuple[int, int]]] | None = None
    for i in which:
        p = papers[i]
        hit = where.get(id(p))
        if hit is None:
            if by_source is None:
                by_source, by_id = _other_keys(parts, left)
            hit = _same_text(p, parts, by_source, by_id or {})
        if hit is None or ats[hit[0]][hit[1]] >= 0:
            loose.append(i)
        else:
            ats[hit[0]][hit[1]] = i
    for k in left:
        placed[k] = Placed.make(parts[k], ats[k])
    return loose


_Row = tuple[int, int]
"""(part, row)"""


def _other_keys(parts: Sequence[Part], which: list[int]) -> tuple[dict[tuple[str, int], _Row],
                                                                    dict[str, list[_Row]]]:  # fmt: skip
    by_source: dict[tuple[str, int], _Row] = {}
    by_id: dict[str, list[_Row]] = {}
    for k in which:
        for r, p in enumerate(parts[k].papers):
            by_source[(p.path, p.line)] = (k, r)
            if p.id:
                by_id.setdefault(p.id, []).append((k, r))
    return by_source, by_id


def _same_text(p: Paper, parts: Sequence[Part], by_source: dict[tuple[str, int], tuple[int, int]],
               by_id: dict[str, list[tuple[int, int]]]) -> tuple[int, int] | None:  # fmt: skip
    candidates = [by_source[(p.path, p.line)]] if (p.path, p.line) in by_source else []
    candidates += by_id.get(p.id or "", [])
    for k, r in candidates:
        q = parts[k].papers[r]
        if q.title == p.title and q.abstract == p.abstract and q.id == p.id:
            return k, r
    return None


def pause_for(busy: Callable[[], int], stop: threading.Event | None) -> Callable[[], None]:
    """A `pause` for `Part.index_abstracts`: raise Stopped once `stop` is set; wait while `busy()`."""

    def pause() -> None:
        if stop is not None and stop.is_set():
            raise Stopped
        while busy():
            time.sleep(0.002)

    return pause
