"""Loading digests: files and folders in, one merged list of papers out.

A paper cross-listed in several digests (or listed again on another day) appears once,
with every category it was listed under. Parsed files are cached (see `reader.cache`), keyed
by path and by the file's size, mtime, ctime and inode, so a digest that changed in any way is
parsed again, never read stale.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .cache import _CACHE_VERSION, ParseCache, default_cache_dir, stamp_of
from .formats import ParseResult, parse_bytes
from .model import Diagnostic, Digest, Paper
from .paths import DIGEST_PATTERNS, NotReadable, name_matcher, read_regular, unreadable_reason

__all__ = ["DIGEST_PATTERNS", "DIGEST_SUFFIXES", "FileLoad", "Library", "LibraryError", "ParseCache", "assemble",
           "bundled_samples", "default_cache_dir", "find_digests", "load", "load_file", "merge_papers", "named_files",
           "newest_first"]  # fmt: skip

CacheEntry = tuple[Path, os.stat_result, ParseResult]
"""A parsed file waiting to be written to the cache: (path, its stat, the result)."""
FileStamp = tuple[str, "tuple[int, ...] | None"]
"""(absolute path, the cache stamp of the file as it was read, or None if it could not be)."""

DIGEST_SUFFIXES = tuple(p.removeprefix("*") for p in DIGEST_PATTERNS)
MAX_FILE_BYTES = 128 * 1024 * 1024
"""A larger file is skipped with one diagnostic: a digest is a few hundred KB, a year of them ~140 MB."""


class LibraryError(Exception):
    """A problem the user caused (missing path, unreadable folder); one line."""


def bundled_samples() -> Path:
    """The sample digests: inside the installed package, or next to it in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "sample_digests", here.parent / "sample_digests"):
        if candidate.is_dir():
            return candidate
    raise LibraryError("the bundled sample digests are missing from this installation")


def find_digests(paths: Iterable[str | os.PathLike[str]],
                 patterns: Sequence[str] = DIGEST_PATTERNS) -> tuple[list[Path], list[Diagnostic]]:
    """Expand files and folders (searched recursively for files whose names match `patterns`, the
    `file_patterns` config key) into a sorted list. Files named explicitly are taken whatever their name."""
    wanted = name_matcher(tuple(patterns))
    files: list[Path] = []
    diags: list[Diagnostic] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            if not os.access(p, os.R_OK | os.X_OK):
                raise LibraryError(f"cannot read directory {p}: permission denied")

            def on_error(err: OSError, p: Path = p) -> None:
                diags.append(Diagnostic(str(err.filename or p), 0, f"cannot read: {err.strerror}"))

            found: list[Path] = []
            for root, dirs, names in os.walk(p, onerror=on_error):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(root, n) for n in names
                             if wanted(n) and not n.startswith("."))
            files.extend(sorted(found))
        elif os.path.lexists(p):  # a broken link or a link loop too: load_file says which
            files.append(p)
        else:
            raise LibraryError(f"no such file or directory: {p}")
    seen: set[str] = set()
    unique = []
    for f in files:
        r = os.path.realpath(f)  # unlike Path.resolve(), never raises on a symlink loop
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, diags


def load_file(path: Path, cache: ParseCache | None = None,
              deferred: list[CacheEntry] | None = None, stamps: list[FileStamp] | None = None) -> ParseResult:
    """Parse one file (through the cache). Unreadable files become diagnostics.

    Only regular files are read, at most `MAX_FILE_BYTES` of them: a FIFO, a device (a link to
    /dev/zero), a directory or a symlink loop is one diagnostic, never a hang or a memory blow-up.
    With `deferred`, a new cache entry is appended there instead of written now. With
    `stamps`, the file's identity (path, size, mtime, ctime, inode) as parsed is appended."""
    name = str(path)
    if stamps is not None:
        stamps.append((os.path.abspath(path), None))
    try:
        st = path.stat()
        if stamps is not None:
            stamps[-1] = (stamps[-1][0], stamp_of(st))
        problem = unreadable_reason(st, MAX_FILE_BYTES)
        if problem:
            return ParseResult(diagnostics=[Diagnostic(name, 0, problem)])
        if cache is not None:
            hit: ParseResult | None = cache.get(path, st)
            if hit is not None:
                return hit
        data = read_regular(path, MAX_FILE_BYTES)
    except NotReadable as skip:
        return ParseResult(diagnostics=[Diagnostic(name, 0, str(skip))])
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
    unsaved: list[CacheEntry] = field(default_factory=list)
    """Parsed files not yet in the cache (see `load(defer_cache_writes=True)`)."""
    stamps: list[FileStamp] = field(default_factory=list)
    """(path, stamp) of every file, in load order, as stat'ed before it was read."""
    skipped: list[Path] = field(default_factory=list)
    """Files found in a folder that are in no known format (left out of `files`, no diagnostics)."""
    unknown: list[Path] = field(default_factory=list)
    """Files named explicitly that are in no known format (each also has its diagnostic)."""
    file_papers: list[list[Paper]] = field(default_factory=list)
    """The papers of every file as parsed (before merging), parallel to `stamps`."""

    @property
    def listings(self) -> list[Paper]:
        """Every listing as read, before merging: a paper listed in three digests is here three
        times (the navigator counts a paper in each digest it was listed in)."""
        return [p for papers in self.file_papers for p in papers]

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


def _version(p: Paper) -> int:
    v = p.version
    return int(v) if v is not None and v.isdigit() and len(v) < 6 else 0


def _merge_listings(listings: list[tuple[int, Paper]]) -> Paper:
    """One paper from its listings, (load index, paper) in load order (see DECISIONS, "One paper,
    several listings"). Text fields come from the highest version (tie: the newest listing), falling
    back to the next listing where that one has none (a replacement e-mail entry has no abstract)."""
    newest = max(listings, key=lambda ip: (ip[1].date or "", ip[0]))[1]
    by_text = [p for _, p in sorted(listings, key=lambda ip: (_version(ip[1]), ip[1].date or "", ip[0]),
                                    reverse=True)]
    best = by_text[0]
    abstract = next((p.abstract for p in by_text if p.abstract), "")
    title = next((p.title for p in by_text if p.title), "")
    authors = next((p.authors for p in by_text if p.authors), ())
    comments = next((p.comments for p in by_text if p.comments), None)
    oldest = min(listings, key=lambda ip: (ip[1].date or "9999", ip[0]))[1]
    # A primary category that differs from the list a paper was announced in came from the format
    # (the e-mail's Categories line, the API's primary_category); otherwise the first listing's.
    primary = next((p.primary_category for p in by_text if p.primary_category and p.primary_category != p.category),
                   None) or oldest.primary_category or oldest.category
    categories: dict[str, None] = {primary: None} if primary else {}
    for _, p in listings:
        if p.category:
            categories[p.category] = None
        categories.update(dict.fromkeys(p.categories))
    dates = [p.date for _, p in listings if p.date]
    return newest._replace(
        title=title, abstract=abstract, authors=authors, comments=comments, version=best.version,
        pdf_url=best.pdf_url or newest.pdf_url, categories=tuple(categories), primary_category=primary,
        first_seen=min(dates) if dates else None)


def merge_papers(papers: Sequence[Paper]) -> list[Paper]:
    """One entry per identifier, merged from all its listings, in the place of its newest listing.

    Parsers already set `first_seen` and `primary_category` of a single listing, so papers
    listed once pass through untouched (the common case, kept cheap)."""
    first: dict[str, int] = {}
    dups: dict[str, list[int]] = {}
    for i, p in enumerate(papers):
        ident = p.id
        if ident is None:
            continue
        j = first.setdefault(ident, i)
        if j != i:
            dups.setdefault(ident, [j]).append(i)
    if not dups:
        return list(papers)
    merged_at: dict[int, Paper] = {}
    for indices in dups.values():
        listings = [(i, papers[i]) for i in indices]
        newest_i = max(listings, key=lambda ip: (ip[1].date or "", ip[0]))[0]
        merged_at[newest_i] = _merge_listings(listings)
    out: list[Paper] = []
    for i, p in enumerate(papers):
        if p.id is not None and p.id in dups:
            m = merged_at.get(i)
            if m is not None:
                out.append(m)
        else:
            out.append(p)
    return out


def _no_format(result: ParseResult) -> bool:
    return any(d.message.startswith("not a digest:") for d in result.diagnostics)


def skipped_summary(lib: Library) -> str | None:
    """The one line that stands for every file a folder held in no known format."""
    n = len(lib.skipped)
    return f"{n} file{'s' * (n != 1)} skipped: no known format" if n else None


def load(
    paths: Iterable[str | os.PathLike[str]],
    *,
    cache: ParseCache | None = None,
    progress: Callable[[int, int], None] | None = None,
    defer_cache_writes: bool = False,
    patterns: Sequence[str] = DIGEST_PATTERNS,
) -> Library:
    """Load files and folders. Raises LibraryError only for mistakes in `paths` themselves.

    `defer_cache_writes` leaves new cache entries in `Library.unsaved` for `save_cache()`,
    so that the app can show the papers first and write the cache afterwards. Folders are
    searched for files whose names match `patterns` (the `file_patterns` config key)."""
    paths = list(paths)
    files, diags = find_digests(paths, patterns)
    named = named_files(paths)
    unsaved: list[CacheEntry] = []
    loads: list[FileLoad] = []
    total = len(files)
    for n, f in enumerate(files, 1):
        stamps: list[FileStamp] = []
        result = load_file(f, cache, unsaved if defer_cache_writes else None, stamps)
        loads.append(FileLoad(f, stamps[0][1], result))
        if progress is not None:
            progress(n, total)
    lib = assemble(loads, named, diags, cache)
    lib.unsaved = unsaved
    return lib


def named_files(paths: Iterable[str | os.PathLike[str]]) -> set[Path]:
    """The files named explicitly in `paths` (not found in a folder): an unknown format there is an error."""
    return {Path(p).resolve() for p in paths if not Path(p).is_dir()}


@dataclass(frozen=True)
class FileLoad:
    """One digest file as read: its path, its stamp when read (None: unreadable), what it held."""

    path: Path
    stamp: tuple[int, ...] | None
    result: ParseResult


def assemble(loads: Iterable[FileLoad], named: set[Path], diagnostics: Sequence[Diagnostic] = (),
             cache: ParseCache | None = None) -> Library:
    """A library of files already read, in the order given: what `load` gives for the same files.

    Streaming and live reload call it again with more (or fewer) files; it only merges lists."""
    lib = Library(diagnostics=list(diagnostics), cache=cache)
    all_papers: list[Paper] = []
    for fl in loads:
        f, result = fl.path, fl.result
        lib.stamps.append((os.path.abspath(f), fl.stamp))
        lib.file_papers.append(result.papers)
        if result.format is None and not result.papers and _no_format(result):
            if f.resolve() not in named:
                lib.skipped.append(f)
                continue
            lib.unknown.append(f)
        lib.files.append(f)
        all_papers.extend(result.papers)
        lib.diagnostics.extend(result.diagnostics)
        lib.digests.extend(result.digests)
    lib.papers = merge_papers(all_papers)
    return lib


_NAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def name_date(path: Path) -> str | None:
    """The last `YYYY-MM-DD` in a file's name, if any."""
    found = _NAME_DATE.findall(path.name)
    return "-".join(found[-1]) if found else None


def newest_first(files: Iterable[Path]) -> list[Path]:
    """Files in the order to parse them for a fast first screen (DECISIONS, "What a digest is"):
    by the date in their name, then by mtime, newest first; files with no date in their name last."""
    def key(f: Path) -> tuple[int, str, int]:
        try:
            mtime = f.stat().st_mtime_ns
        except OSError:
            mtime = 0
        date = name_date(f)
        return (date is not None, date or "", mtime)

    return sorted(files, key=key, reverse=True)
