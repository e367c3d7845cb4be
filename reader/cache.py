"""The cache directory: parsed digests and search segments, one entry per digest file.

Every entry is keyed by the file's absolute path and checked against its stamp (size, mtime,
ctime, inode, device, plus the cache version): a digest changed in any way is read again, never
stale. The cache is disposable: deleting it is always safe, a damaged, foreign or crafted entry
is a miss (never a crash, never a large allocation: entries are read with `ColumnReader`, which
checks every length against the bytes it has), and a cache that cannot be written only costs
speed.

Entries are written in a small column format (`ColumnWriter`): a list of strings is one UTF-8
blob and an array of offsets, so reading 100,000 titles is one decode and a slice each, and
nothing in a file can make the reader allocate more than the file's own size a few times.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import struct
import sys
import zlib
from array import array
from collections.abc import Iterable, Sequence
from functools import partial
from itertools import compress, islice
from operator import le
from pathlib import Path
from typing import Any

from .model import Paper
from .paths import user_dir

_CACHE_VERSION = 2
"""Bump when the parser changes what it reads from a digest (every parse entry goes stale)."""

Stamp = tuple[int, ...]

MAX_ENTRY = 256 << 20
"""A cache entry larger than this is not read (a digest of 400 papers makes about 1 MB)."""


def default_cache_dir() -> Path:
    return user_dir("cache")


def stamp_of(st: os.stat_result) -> Stamp:
    """What a digest file is checked against: any change to it gives another stamp."""
    return (_CACHE_VERSION, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class CacheMiss(Exception):
    """An entry that cannot be used (damaged, foreign, stale): the caller rebuilds."""


# ------------------------------------------------------------------------------- column format

_MAGIC = b"arxr\x02"
_CRC = struct.Struct("<I")
"""After the magic: the CRC-32 of the rest, so a damaged entry is a miss, not wrong answers."""
_HEADER = struct.Struct("<BQ")
"""A section: its kind and its length in bytes."""


class ColumnWriter:
    """Sections of bytes, arrays and lists of strings, written in order, read back in order."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def _section(self, kind: bytes, payload: bytes) -> None:
        self.parts.append(_HEADER.pack(kind[0], len(payload)))
        self.parts.append(payload)

    def blob(self, data: bytes) -> None:
        self._section(b"b", data)

    def arr(self, data: array[int]) -> None:
        self._section(data.typecode.encode("ascii"), data.tobytes())

    def ints(self, values: Iterable[int]) -> None:
        self.arr(array("q", values))

    def strings(self, values: Sequence[str]) -> None:
        """A list of strings (any characters, lone surrogates included)."""
        joined = "\x00".join(values)
        if joined.count("\x00") == max(0, len(values) - 1):  # the usual case: split back at C speed
            self.ints([0, len(values)])
        else:
            offsets = array("q", [1, 0])
            total = 0
            for v in values:
                total += len(v)
                offsets.append(total)
            self.arr(offsets)
            joined = "".join(values)
        self.blob(joined.encode("utf-8", "surrogatepass"))

    def optional_strings(self, values: Sequence[str | None]) -> None:
        """A list of strings and Nones."""
        present = bytes(v is not None for v in values)
        self.blob(present)
        self.strings([v for v in values if v is not None])

    def getvalue(self) -> bytes:
        return b"".join(self.chunks())

    def chunks(self) -> list[bytes]:
        """What `getvalue` joins, without joining it (a merged group's entry is megabytes: written
        chunk by chunk, it is not held twice)."""
        crc = 0
        for part in self.parts:
            crc = zlib.crc32(part, crc)
        return [_MAGIC + _CRC.pack(crc), *self.parts]


class ColumnReader:
    """Reads what `ColumnWriter` wrote. Raises CacheMiss, and nothing else, for any input."""

    def __init__(self, data: bytes) -> None:
        start = len(_MAGIC) + _CRC.size
        if not data.startswith(_MAGIC) or len(data) < start:
            raise CacheMiss("not a cache entry")
        self.data = memoryview(data)
        if _CRC.unpack_from(data, len(_MAGIC))[0] != zlib.crc32(self.data[start:]):
            raise CacheMiss("damaged")
        self.pos = start

    def _section(self, kind: bytes) -> memoryview:
        end = self.pos + _HEADER.size
        if end > len(self.data):
            raise CacheMiss("truncated")
        got, size = _HEADER.unpack_from(self.data, self.pos)
        if got != kind[0] or size > len(self.data) - end:
            raise CacheMiss("damaged")
        self.pos = end + size
        return self.data[end : self.pos]

    def blob(self) -> bytes:
        return bytes(self._section(b"b"))

    def arr(self, typecode: str) -> array[int]:
        raw = self._section(typecode.encode("ascii"))
        out = array(typecode)
        if len(raw) % out.itemsize:
            raise CacheMiss("damaged")
        out.frombytes(raw)
        return out

    def ints(self) -> array[int]:
        return self.arr("q")

    def strings(self) -> list[str]:
        head = self.ints()
        try:
            text = self._section(b"b").tobytes().decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise CacheMiss("damaged") from None
        if len(head) == 2 and head[0] == 0:
            values = text.split("\x00") if head[1] else []
            if len(values) != head[1] or (not values and text):
                raise CacheMiss("damaged")
            return values
        offsets = head[1:]
        if not head or head[0] != 1 or not offsets or offsets[0] != 0 or offsets[-1] != len(text):
            raise CacheMiss("damaged")
        if not all(map(le, offsets, islice(offsets, 1, None))):
            raise CacheMiss("damaged")
        return [text[a:b] for a, b in zip(offsets, islice(offsets, 1, None), strict=False)]

    def optional_strings(self) -> list[str | None]:
        present = self.blob()
        values = self.strings()
        if present.count(1) != len(values) or present.count(0) + len(values) != len(present):
            raise CacheMiss("damaged")
        if len(values) == len(present):
            return list(values)
        out: list[str | None] = [None] * len(present)
        it = iter(values)
        for k in compress(range(len(present)), present):
            out[k] = next(it)
        return out

    def end(self) -> None:
        if self.pos != len(self.data):
            raise CacheMiss("trailing data")


def read_entry(path: Path) -> bytes | None:
    """The bytes of a cache entry, or None (missing, unreadable, or too large to be one)."""
    try:
        # O_NONBLOCK and regular files only: a FIFO or a device planted in the cache is a miss.
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY:
                return None
            return fh.read(MAX_ENTRY + 1)
    except OSError:
        return None


def write_entry(path: Path, data: bytes | Sequence[bytes]) -> None:
    """Replace `path` with `data` (bytes, or chunks of them) atomically; a failure (a full disk)
    leaves nothing behind."""
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            _write_chunks(tmp, data)
        os.replace(tmp, path)
    except OSError:
        _discard(tmp)  # a cache that cannot be written only costs speed


def _write_chunks(path: Path, chunks: Sequence[bytes]) -> None:
    with open(path, "wb") as fh:
        fh.writelines(chunks)


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


# ------------------------------------------------------------------------------- parsed papers

_PAPER_FIELDS = ("id", "version", "title", "abstract", "pdf_url", "category", "date", "number", "path",
                 "line", "categories")  # fmt: skip
"""The fields of `Paper` this format stores in its own way. Fields added after them are stored
by the type of their values (text or None, tuples of text, whole numbers or None); the entry
names every field, so an entry written for another `Paper` is a miss."""


def _encode_papers(w: ColumnWriter, papers: Sequence[Paper]) -> bool:
    fields = Paper._fields
    if fields[: len(_PAPER_FIELDS)] != _PAPER_FIELDS:
        return False
    w.strings(list(fields))
    w.optional_strings([p.id for p in papers])
    w.optional_strings([p.version for p in papers])
    w.strings([p.title for p in papers])
    w.strings([p.abstract for p in papers])
    w.optional_strings([p.pdf_url for p in papers])
    w.optional_strings([p.category for p in papers])
    w.optional_strings([p.date for p in papers])
    _encode_optional_ints(w, [p.number for p in papers])
    w.ints([p.line for p in papers])
    if not _encode_tuples(w, [p.categories for p in papers]):
        return False
    return all(_encode_column(w, [p[k] for p in papers]) for k in range(len(_PAPER_FIELDS), len(fields)))


def _encode_optional_ints(w: ColumnWriter, values: Sequence[int | None]) -> None:
    w.blob(bytes(v is not None for v in values))
    w.ints([v or 0 for v in values])


def _decode_optional_ints(r: ColumnReader) -> list[int | None]:
    present, values = r.blob(), r.ints()
    if len(present) != len(values):
        raise CacheMiss("damaged")
    return [v if h else None for v, h in zip(values, present, strict=True)]


def _encode_tuples(w: ColumnWriter, values: Sequence[tuple[str, ...]]) -> bool:
    """Tuples of non-empty text without U+001F, as a table of the distinct ones and an index each."""
    table: dict[tuple[str, ...], int] = {}
    w.ints([table.setdefault(v, len(table)) for v in values])
    if any(c == "" or "\x1f" in c for t in table for c in t):
        return False
    w.strings(["\x1f".join(t) for t in table])
    return True


def _decode_tuples(r: ColumnReader) -> list[tuple[str, ...]]:
    which, kinds = r.ints(), r.strings()
    if which and not 0 <= min(which) <= max(which) < len(kinds):
        raise CacheMiss("damaged")
    table = [tuple(k.split("\x1f")) if k else () for k in kinds]
    return list(map(table.__getitem__, which))


def _encode_column(w: ColumnWriter, values: list[Any]) -> bool:
    """A further field's values, by their type; False when this format cannot store them."""
    if all(v is None or type(v) is str for v in values):
        w.ints([0])
        w.optional_strings(values)
        return True
    if all(v is None or type(v) is int for v in values):
        w.ints([1])
        _encode_optional_ints(w, values)
        return True
    if all(type(v) is tuple and all(type(x) is str for x in v) for v in values):
        w.ints([2])
        return _encode_tuples(w, values)
    return False


def _shared(values: list[str | None]) -> list[str | None]:
    """`values`, each repeated one a single (interned) string: a date, a category, repeated on
    every paper of a digest, costs 50-60 bytes a copy (5-6 MB a field at 100,000 papers)."""
    if not values:
        return values
    first = values[0]
    if values.count(first) == len(values):  # the usual case: one date, one category a digest
        return [first if first is None else sys.intern(first)] * len(values)
    memo = {v: v if v is None else sys.intern(v) for v in set(values)}
    return list(map(memo.__getitem__, values)) if 4 * len(memo) <= len(values) else values


_small_ints: list[int] = []
"""Shared int objects for line numbers and digest numbers (a new one a paper costs 28 bytes;
Python shares only those up to 256), made as far as needed (all 65,536 of them cost 2.6 MB)."""


def _shared_ints(values: Sequence[int | None]) -> Sequence[int | None]:
    """`values` with the small ones as shared objects (at C speed when they all are)."""
    global _small_ints
    small = _small_ints
    try:
        top: int = max(values, default=0)  # type: ignore[type-var,assignment]
        if min(values, default=0) >= 0 and top < 1 << 16:  # type: ignore[type-var,operator]
            if top >= len(small):  # a new list, not extended: another thread may be reading this one
                small = _small_ints = list(range(min(1 << 16, max(1024, 2 * top))))
            return list(map(small.__getitem__, values))  # type: ignore[arg-type]
    except TypeError:  # a None (no min)
        pass
    top = max((v for v in values if v is not None and v < 1 << 16), default=0)
    if top >= len(small):
        small = _small_ints = list(range(min(1 << 16, max(1024, 2 * top))))
    return [v if v is None or not 0 <= v < 1 << 16 else small[v] for v in values]


def _decode_column(r: ColumnReader) -> list[Any]:
    kind = list(r.ints())
    if kind == [0]:
        return _shared(r.optional_strings())
    if kind == [1]:
        return _decode_optional_ints(r)
    if kind == [2]:
        return _decode_tuples(r)
    raise CacheMiss("damaged")


def _decode_papers(r: ColumnReader, name: str) -> list[Paper]:
    if r.strings() != list(Paper._fields):
        raise CacheMiss("written for another Paper")
    ids, versions = r.optional_strings(), _shared(r.optional_strings())
    titles, abstracts = r.strings(), r.strings()
    pdfs, cats, dates = r.optional_strings(), _shared(r.optional_strings()), _shared(r.optional_strings())
    number, lines, categories = _shared_ints(_decode_optional_ints(r)), _shared_ints(r.ints()), _decode_tuples(r)
    names = [name] * len(ids)
    columns: list[Sequence[Any]] = [ids, versions, titles, abstracts, pdfs, cats, dates, number, names, lines,
                                    categories]  # fmt: skip
    columns += [_decode_column(r) for _ in range(len(_PAPER_FIELDS), len(Paper._fields))]
    if any(len(col) != len(ids) for col in columns):
        raise CacheMiss("damaged")
    # Rows of exactly Paper's fields: built as tuples (half the cost of calling Paper for each).
    make = partial(tuple.__new__, Paper)
    return list(map(make, zip(*columns, strict=True)))


class ParseCache:
    """The cache directory: parsed files (`get`/`put`), search segments (`get_segment`/
    `put_segment`) and, from before segments, whole-library indexes (`get_index`/`put_index`)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _entry(self, kind: str, path: Path | str, suffix: str) -> Path | None:
        if self.directory is None:
            return None
        digest = hashlib.sha1(os.fsencode(os.path.abspath(path))).hexdigest()
        return self.directory / kind / f"{digest}.{suffix}"

    _stamp = staticmethod(stamp_of)

    def _header(self, w: ColumnWriter, stamp: Stamp, kind: str) -> None:
        w.strings([kind, sys.version])
        w.ints(stamp)

    def _open(self, data: bytes | None, stamp: Stamp, kind: str) -> ColumnReader | None:
        if data is None:
            return None
        r = ColumnReader(data)
        if r.strings() != [kind, sys.version] or tuple(r.ints()) != tuple(stamp):
            return None
        return r

    def get(self, path: Path, st: os.stat_result) -> Any:
        """The `ParseResult` of `path` as it was parsed with this stamp, or None."""
        from .formats import ParseResult
        from .model import Diagnostic, Digest

        entry = self._entry("parsed", path, "cols")
        if entry is None:
            return None
        try:
            r = self._open(read_entry(entry), stamp_of(st), "parsed")
            if r is None:
                return None
            name = str(path)
            fmt = r.optional_strings()
            papers = _decode_papers(r, name)
            diag_lines, diag_msgs = r.ints(), r.strings()
            dig_cats, dig_dates, dig_lines = r.optional_strings(), r.optional_strings(), r.ints()
            r.end()
            if len(fmt) != 1 or len(diag_lines) != len(diag_msgs) or not len(dig_cats) == len(dig_dates) == len(
                    dig_lines):  # fmt: skip
                return None
            diags = [Diagnostic(name, line, msg) for line, msg in zip(diag_lines, diag_msgs, strict=True)]
            digests = [Digest(name, c, d, line) for c, d, line in zip(dig_cats, dig_dates, dig_lines, strict=True)]
            return ParseResult(papers, diags, digests, fmt[0])
        except CacheMiss:
            return None

    def put(self, path: Path, st: os.stat_result, result: Any) -> None:
        entry = self._entry("parsed", path, "cols")
        if entry is None:
            return
        w = ColumnWriter()
        self._header(w, stamp_of(st), "parsed")
        w.optional_strings([result.format])
        if not _encode_papers(w, result.papers):
            return
        w.ints([d.line for d in result.diagnostics])
        w.strings([d.message for d in result.diagnostics])
        w.optional_strings([d.category for d in result.digests])
        w.optional_strings([d.date for d in result.digests])
        w.ints([d.line for d in result.digests])
        write_entry(entry, w.chunks())

    # -- search segments, one a digest file (see `reader.search.segments`)

    def get_segment(self, path: str, stamp: Stamp) -> ColumnReader | None:
        """A reader positioned after the header of this file's segment entry, or None."""
        entry = self._entry("segments", path, "cols")
        if entry is None:
            return None
        try:
            return self._open(read_entry(entry), stamp, "segment")
        except CacheMiss:
            return None

    def segment_writer(self, stamp: Stamp) -> ColumnWriter:
        w = ColumnWriter()
        self._header(w, stamp, "segment")
        return w

    def put_segment(self, path: str, w: ColumnWriter) -> None:
        entry = self._entry("segments", path, "cols")
        if entry is not None:
            write_entry(entry, w.chunks())

    # -- the search index of a whole library (before segments; kept for older callers)

    _INDEXES_KEPT = 3

    def _index_entry(self, fingerprint: str) -> Path | None:
        return None if self.directory is None else self.directory / "index" / f"{fingerprint}.index"

    def get_index(self, fingerprint: str) -> bytes | None:
        entry = self._index_entry(fingerprint)
        if entry is None:
            return None
        data = read_entry(entry)
        if data is not None:
            with contextlib.suppress(OSError):
                os.utime(entry)  # the most recently used are the ones kept
        return data

    def put_index(self, fingerprint: str, data: bytes) -> None:
        """Keep `data` for this library; only the few most recently used libraries are kept."""
        entry = self._index_entry(fingerprint)
        if entry is None:
            return
        write_entry(entry, data)
        try:
            others = sorted(entry.parent.glob("*.index"), key=lambda f: f.stat().st_mtime, reverse=True)
            for old in others[self._INDEXES_KEPT :]:
                old.unlink(missing_ok=True)
        except OSError:
            pass
