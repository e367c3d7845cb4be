"""The search segments of a library's digest files, kept across loads and through the cache.

A `SegmentStore` keeps one `Part` per digest file seen so far, keyed by the file's path and
stamp exactly like the parse cache: a new or changed digest builds only its own part (`built`
counts them), a deleted one is dropped (`keep_only`), the rest come from memory or from the
cache directory (`loaded` counts those). `corpus` gives a `Corpus` over the parts of some
files; to show a library while it loads, call it again with more files (newest first): each
call reuses every part it has, so it costs milliseconds per thousand papers, not a rebuild.

    store = SegmentStore(cache)
    corpus = store.library_corpus(library)   # parts from memory, the cache, or built
    corpus.prepare(stop)                     # indexes the parts that had none (a worker)
    store.save()                             # writes the parts that changed
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence

from ..cache import CacheMiss, ParseCache, Stamp
from ..library import Library
from ..model import Paper
from .corpus import Corpus
from .segments import Part

FileRows = tuple[str, Stamp | None, Sequence[Paper]]
"""A digest file as parsed: its path, its stamp (None: unknown) and its papers (rows)."""


class SegmentStore:
    """The parts of the digest files seen so far, through the cache directory (`cache`)."""

    def __init__(self, cache: ParseCache | None = None) -> None:
        self.cache = cache
        self._parts: dict[str, tuple[Stamp | None, Sequence[Paper], Part]] = {}
        self._lock = threading.Lock()
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
        return self.corpus(library.papers, reversed(files) if newest_first else files)

    def save(self) -> int:
        """Write every part that has more than its cache entry (once indexed); how many."""
        if self.cache is None:
            return 0
        with self._lock:
            todo = [(k, s, part) for k, (s, _, part) in self._parts.items()
                    if s is not None and not part.saved and part.tindex is not None]  # fmt: skip
        for key, stamp, part in todo:
            assert stamp is not None
            w = self.cache.segment_writer(stamp)
            part.encode(w)
            self.cache.put_segment(key, w)
            part.saved = True
        return len(todo)


def library_files(library: Library) -> list[FileRows]:
    """The files of a loaded library with their rows, in load order."""
    return [(path, stamp, rows) for (path, stamp), rows in zip(library.stamps, library.file_papers, strict=True)]
