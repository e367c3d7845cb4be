"""Word indexes: the distinct words of a field of each paper, for exact answers to word needles.

A `_Segment` indexes a run of papers (a digest file's, or a slice of a corpus); an `_Index` is
the sequence of segments of one field, each placed at the corpus positions of its papers.
`segment_rows`/`segment_from_rows` give a segment's cache form (see `reader.search.segments`).
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_right
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate, chain, compress, repeat

from .fold import _utf8
from .language import _WORD_RE

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


def _word_list(words: list[bytes]) -> tuple[bytes, array[int]]:
    """Words joined by "\\n" (with one before and after) and the offset of each (plus the end)."""
    blob = b"\n" + b"\n".join(words) + b"\n"
    return blob, array("i", accumulate((len(w) + 1 for w in words), initial=1))


Verifier = Callable[[list[int]], list[int]]


def _rows() -> array[int]:
    return array("i")


class _Segment:
    """The word index of papers ``base .. base + size - 1``."""

    __slots__ = ("base", "size", "dense", "dstarts", "dbits", "rare", "rstarts", "roffs", "rpost")

    def __init__(self, base: int, size: int, token_sets: Iterable[set[bytes]], shift: int = 5) -> None:
        self.base, self.size = base, size
        papers: defaultdict[bytes, list[int]] = defaultdict(list)
        get, append = papers.__getitem__, list.append
        for j, toks in enumerate(token_sets):
            deque(map(append, map(get, toks), repeat(j)), 0)
        self._fill(papers, shift)

    @classmethod
    def merged(cls, segments: Sequence[_Segment], shift: int = 5) -> _Segment:
        """One segment for the papers of `segments` one after the other (their own words and
        papers, so no text is read again)."""
        # Rows as 4-byte arrays, not lists of int objects: merging a group of 25,600 abstracts
        # held millions of rows, 36 bytes each in a list (about 90 MB at the peak of a cold start).
        papers: defaultdict[bytes, array[int]] = defaultdict(_rows)
        base = 0
        for seg in segments:
            size = seg.size
            rows = range(base, base + size)
            dwords = seg.dense[1:-1].split(b"\n") if len(seg.dense) > 2 else []
            for w, bits in zip(dwords, seg.dbits, strict=True):
                papers[w].extend(compress(rows, _bits_to_mask(bits, size)))
            rwords = seg.rare[1:-1].split(b"\n") if len(seg.rare) > 2 else []
            offs, post = seg.roffs, seg.rpost
            for k, w in enumerate(rwords):
                got = post[offs[k] : offs[k + 1]]
                papers[w].extend(map(base.__add__, got))  # `got` may be 16-bit
            base += size
        out = object.__new__(cls)
        out.base, out.size = 0, base
        out._fill(papers, shift)
        return out

    def _fill(self, papers: dict[bytes, list[int]] | dict[bytes, array[int]], shift: int) -> None:
        size = self.size
        dense: list[bytes] = []
        dbits: list[int] = []
        rare: list[bytes] = []
        lists: list[Sequence[int]] = []
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

