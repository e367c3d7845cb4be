"""The search segments of a library's digest files, kept across loads and through the cache.

A `SegmentStore` keeps one `Part` per digest file seen so far, keyed by the file's path and
stamp exactly like the parse cache: a new or changed digest builds only its own part (`built`
counts them), a deleted one is dropped (`keep_only`), the rest come from memory or from the
cache directory (`loaded` counts those). `corpus` gives a `Corpus` over the parts of some
files; to show a library while it loads, call it again with more files (newest first): each
call reuses every part it has, so it costs milliseconds per thousand papers, not a rebuild.

Searching hundreds of small parts costs more per keystroke than a few big ones (each part walks
its own copy of the common words), so `library_corpus` also keeps groups: runs of about
`GROUP` consecutive files, cut where a file's path hashes to a boundary (so a new file changes
only the group it falls in). Once every file of a group has its indexes, `save` merges their
parts into one (`merged` counts them) and caches it under the members' paths and stamps; the
next `library_corpus` takes the group whole. A group with a new, changed or deleted member is
searched through its members' parts until the next `save` merges it again.

    store = SegmentStore(cache)
    corpus = store.library_corpus(library)   # parts from memory, the cache, or built
    corpus.prepare(stop)                     # indexes the parts that had none (a worker)
    store.save()                             # writes the parts that changed
"""

from __future__ import annotations

import hashlib
import os
import threading
import zlib
from collections.abc import Iterable, Sequence
from itertools import chain

from ..cache import CacheMiss, ParseCache, Stamp
from ..gc_policy import release_memory
from ..library import Library
from ..model import Paper
from .corpus import Corpus
from .segments import Part

FileRows = tuple[str, Stamp | None, Sequence[Paper]]
"""A digest file as parsed: its path, its stamp (None: unknown) and its papers (rows)."""

GROUP = 16
"""Files per group, on average (at most four times as many)."""


def groups(files: Sequence[FileRows]) -> list[list[FileRows]]:
    """`files` in runs, each ending at a file whose path hashes to a boundary (or at 4 x `GROUP`
    files): adding or removing a file changes only the run it is in (and rarely the next)."""
    out: list[list[FileRows]] = []
    cur: list[FileRows] = []
    for f in files:
        cur.append(f)
        if _boundary(f[0]) or len(cur) >= 4 * GROUP:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def _boundary(path: str) -> bool:
    return zlib.crc32(os.fsencode(os.path.abspath(path))) % GROUP == 0


def _group_key(members: Sequence[FileRows]) -> str:
    h = hashlib.sha256()
    for path, stamp, _ in members:
        h.update(os.fsencode(os.path.abspath(path)) + b"\0" + repr(stamp).encode() + b"\n")
    return h.hexdigest()


class SegmentStore:
    """The parts of the digest files seen so far, through the cache directory (`cache`)."""

    def __init__(self, cache: ParseCache | None = None) -> None:
        self.cache = cache
        self._parts: dict[str, tuple[Stamp | None, Sequence[Paper], Part]] = {}
        self._groups: dict[str, tuple[tuple[int, ...], Part]] = {}
        """Merged groups: key -> (which row lists they were made for, the part)."""
        self._pending: dict[str, list[FileRows]] = {}
        """Groups searched through their members' parts, to merge once those are indexed."""
        self._lock = threading.Lock()
        self.merged = 0
        """Groups merged from their members' parts (not found in memory or in the cache)."""
        self.built = 0
        """Parts built from their papers (not found in memory or in the cache)."""
        self.loaded = 0
        """Parts read from the cache directory."""

    def part(self, path: str, stamp: Stamp | None, papers: Sequence[Paper]) -> Part:
        """The part of one digest file, with these papers as parsed at this stamp."""
        key = os.path.abspath(path)
        with self._lock:
            known = self._parts.get(key)
        if known is not None and stamp is not None and known[0] == stamp and len(known[1]) == len(papers):
            part = known[2]  # the same file, unchanged: parsed again, or read from the parse cache again
            if known[1] is not papers:
                part = part.rebind(papers)
                with self._lock:
                    self._parts[key] = (stamp, papers, part)
            return part
        cached = self._read(key, stamp, papers)
        if cached is None:
            part = Part.build(papers)
            self.built += 1
        else:
            part = cached
            self.loaded += 1
        with self._lock:
            self._parts[key] = (stamp, papers, part)
        return part

    def _read(self, key: str, stamp: Stamp | None, papers: Sequence[Paper]) -> Part | None:
        if self.cache is None or stamp is None:
            return None
        r = self.cache.get_segment(key, stamp)
        if r is None:
            return None
        try:
            return Part.decode(r, papers)
        except CacheMiss:
            return None
        except Exception:  # a bug in reading an entry must not cost more than a rebuild
            return None

    def keep_only(self, paths: Iterable[str]) -> None:
        """Drop the parts of every other file (deleted digests)."""
        keep = {os.path.abspath(p) for p in paths}
        with self._lock:
            for key in [k for k in self._parts if k not in keep]:
                del self._parts[key]

    def parts(self, files: Iterable[FileRows]) -> list[Part]:
        """The parts of these files, in the same order."""
        return [self.part(path, stamp, papers) for path, stamp, papers in files]

    def corpus(self, papers: Sequence[Paper], files: Iterable[FileRows]) -> Corpus:
        """A corpus of `papers` (the merged list shown) over the parts of `files` (the files
        those papers come from; newest first is best: `Corpus.prepare` indexes in this order)."""
        return Corpus.from_parts(papers, self.parts(files))

    def library_corpus(self, library: Library, newest_first: bool = True) -> Corpus:
        """The corpus of a loaded library; the parts of files no longer in it are dropped."""
        files = library_files(library)
        self.keep_only(path for path, _, _ in files)
        with self._lock:  # the groups to merge are this library's (a streamed load calls this again)
            self._pending.clear()
        parts: list[Part] = []
        keys = set()
        for members in groups(files):
            group = self._group(members) if len(members) > 1 else None
            if group is None:
                parts.extend(self.parts(members))
            else:
                parts.append(group[1])
                keys.add(group[0])
        with self._lock:
            for key in [k for k in self._groups if k not in keys]:
                del self._groups[key]
        if newest_first:
            parts.reverse()
        return Corpus.from_parts(library.papers, parts)

    def _group(self, members: list[FileRows]) -> tuple[str, Part] | None:
        """The merged part of these files, from memory or the cache; None (and the group noted
        for `save`) when there is none yet."""
        if self.cache is None or any(stamp is None for _, stamp, _ in members):
            return None
        key = _group_key(members)
        rows_ids = tuple(id(rows) for _, _, rows in members)
        with self._lock:
            known = self._groups.get(key)
        if known is not None:
            part = known[1]
            if known[0] != rows_ids:
                part = part.rebind(list(chain.from_iterable(rows for _, _, rows in members)))
                with self._lock:
                    self._groups[key] = (rows_ids, part)
            return key, part
        rows = list(chain.from_iterable(rows for _, _, rows in members))
        cached = self._read(_group_path(key), (len(members),), rows)
        if cached is not None and cached.indexed:
            with self._lock:
                self._groups[key] = (rows_ids, cached)
            self.loaded += 1
            return key, cached
        with self._lock:
            self._pending[key] = members
        return None

    def save(self, stop: threading.Event | None = None) -> int:
        """Write every part that has more than its cache entry (once indexed), then merge and
        write the groups whose members are all indexed (each takes a fraction of a second;
        setting `stop` ends this between two); how many entries were written."""
        if self.cache is None:
            return 0
        with self._lock:
            todo = [(k, s, part) for k, (s, _, part) in self._parts.items()
                    if s is not None and not part.saved and part.tindex is not None]  # fmt: skip
            pending = list(self._pending.items())
        for key, stamp, part in todo:
            assert stamp is not None
            self._write(key, stamp, part)
        done = len(todo)
        for key, members in pending:
            if stop is not None and stop.is_set():
                break
            parts = self.parts(members)
            if not all(p.indexed for p in parts):
                continue
            # Written, not kept: this session's corpus searches the members; the next reads it.
            self._write(_group_path(key), (len(members),), Part.merged(parts))
            release_memory()  # what merging freed, back before the next group grows the heap again
            self.merged += 1
            done += 1
            with self._lock:
                self._pending.pop(key, None)
        return done

    def _write(self, key: str, stamp: Stamp, part: Part) -> None:
        assert self.cache is not None
        w = self.cache.segment_writer(stamp)
        part.encode(w)
        self.cache.put_segment(key, w)
        part.saved = True


def _group_path(key: str) -> str:
    """Where a group is kept in the cache: a name no digest file has."""
    return os.path.join(os.sep, "arxiv-reader-groups", key)


def library_files(library: Library) -> list[FileRows]:
    """The files of a loaded library with their rows, in load order."""
    return [(path, stamp, rows) for (path, stamp), rows in zip(library.stamps, library.file_papers, strict=True)]
