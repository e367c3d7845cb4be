"""Loading digests: files and folders in, one merged list of papers out.

A paper cross-listed in several digests (or listed again on another day) appears once,
with every category it was listed under. Parsed files are cached (see `reader.cache`), keyed
by path and by the file's size, mtime, ctime and inode, so a digest that changed in any way is
parsed again, never read stale.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .cache import _CACHE_VERSION, ParseCache, default_cache_dir, stamp_of
from .formats import ParseResult, parse_bytes
from .model import Diagnostic, Digest, Paper

__all__ = ["DIGEST_SUFFIXES", "Library", "LibraryError", "ParseCache", "bundled_samples", "default_cache_dir",
           "find_digests", "load", "load_file", "merge_papers"]  # fmt: skip

DIGEST_SUFFIXES = (".md",)


class LibraryError(Exception):
    """A problem the user caused (missing path, unreadable folder); one line."""


def bundled_samples() -> Path:
    """The sample digests: inside the installed package, or next to it in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "sample_digests", here.parent / "sample_digests"):
        if candidate.is_dir():
            return candidate
    raise LibraryError("the bundled sample digests are missing from this installation")


def find_digests(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """Expand files and folders (searched recursively for *.md) into a sorted list of files."""
    files: list[Path] = []
    diags: list[Diagnostic] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            if not os.access(p, os.R_OK | os.X_OK):
                raise LibraryError(f"cannot read directory {p}: permission denied")

            def on_error(err: OSError) -> None:
                diags.append(Diagnostic(str(err.filename or p), 0, f"cannot read: {err.strerror}"))

            found = []
            for root, dirs, names in os.walk(p, onerror=on_error):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(root, n) for n in names
                             if n.endswith(DIGEST_SUFFIXES) and not n.startswith("."))
            files.extend(sorted(found))
        elif p.exists():
            files.append(p)
        else:
            raise LibraryError(f"no such file or directory: {p}")
    seen: set[Path] = set()
    unique = []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, diags


def load_file(path: Path, cache: ParseCache | None = None,
              deferred: list | None = None, stamps: list | None = None) -> ParseResult:
    """Parse one file (through the cache). Unreadable files become diagnostics.

    With `deferred`, a new cache entry is appended there instead of written now. With
    `stamps`, the file's identity (path, size, mtime, ctime, inode) as parsed is appended."""
    name = str(path)
    if stamps is not None:
        stamps.append((os.path.abspath(path), None))
    try:
        st = path.stat()
        if stamps is not None:
            stamps[-1] = (stamps[-1][0], stamp_of(st))
        if cache is not None:
            hit = cache.get(path, st)
            if hit is not None:
                return hit
        data = path.read_bytes()
    except IsADirectoryError:
        return ParseResult(diagnostics=[Diagnostic(name, 0, "is a directory")])
    except OSError as err:
        return ParseResult(diagnostics=[Diagnostic(name, 0, f"cannot read: {err.strerror or err}")])
    result = parse_bytes(data, name)
    if cache is not None:
        if deferred is not None:
            deferred.append((path, st, result))
        else:
            cache.put(path, st, result)
    return result


@dataclass
class Library:
    """Every paper from the loaded digests, cross-lists merged, in digest order."""

    papers: list[Paper] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    digests: list[Digest] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    cache: ParseCache | None = None
    unsaved: list = field(default_factory=list)
    """Parsed files not yet in the cache (see `load(defer_cache_writes=True)`)."""
    stamps: list = field(default_factory=list)
    """(path, stamp) of every file, in load order, as stat'ed before it was read."""
    file_papers: list[list[Paper]] = field(default_factory=list)
    """The papers of every file as parsed (before merging), parallel to `stamps`."""

    @property
    def fingerprint(self) -> str:
        """Names this exact library: the files, in order, each as it was when read (a file
        changed in any way, added, removed or moved gives another fingerprint)."""
        h = hashlib.sha256(repr((_CACHE_VERSION, sys.version)).encode())
        for path, stamp in self.stamps:
            h.update(os.fsencode(path) + b"\0" + repr(stamp).encode() + b"\n")
        return h.hexdigest()

    def save_cache(self) -> None:
        while self.unsaved and self.cache is not None:
            self.cache.put(*self.unsaved.pop())

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.papers]


def merge_papers(papers: Sequence[Paper]) -> list[Paper]:
    """One entry per identifier: the first listing, with every category it was listed under."""
    merged: list[Paper] = []
    where: dict[str, int] = {}
    for p in papers:
        if p.id is None:
            merged.append(p)
            continue
        i = where.get(p.id)
        if i is None:
            where[p.id] = len(merged)
            merged.append(p)
            continue
        first = merged[i]
        extra = tuple(c for c in p.categories if c not in first.categories)
        if extra:
            merged[i] = first._replace(categories=first.categories + extra)
    return merged


def load(
    paths: Iterable[str | os.PathLike[str]],
    *,
    cache: ParseCache | None = None,
    progress: Callable[[int, int], None] | None = None,
    defer_cache_writes: bool = False,
) -> Library:
    """Load files and folders. Raises LibraryError only for mistakes in `paths` themselves.

    `defer_cache_writes` leaves new cache entries in `Library.unsaved` for `save_cache()`,
    so that the app can show the papers first and write the cache afterwards."""
    files, diags = find_digests(paths)
    lib = Library(diagnostics=diags, files=files, cache=cache)
    all_papers: list[Paper] = []
    total = len(files)
    for n, f in enumerate(files, 1):
        result = load_file(f, cache, lib.unsaved if defer_cache_writes else None, lib.stamps)
        lib.file_papers.append(result.papers)
        all_papers.extend(result.papers)
        lib.diagnostics.extend(result.diagnostics)
        lib.digests.extend(result.digests)
        if progress is not None:
            progress(n, total)
    lib.papers = merge_papers(all_papers)
    return lib
