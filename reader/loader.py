"""Opening a library in the background: newest digests first, the rest streamed, then kept live.

No UI here: the app runs `open_library` in a worker thread and passes callbacks that post
messages. The order is what makes the first screen fast: the files are sorted newest first (by
the date in their name, then mtime: DECISIONS, "What a digest is"), the newest day's digests are
parsed and shown first (`loaded`), then the older ones in batches, newest to oldest, each batch
growing the rows and the search corpus (`arrived`; each batch makes the loaded files four
times as many, so re-merging costs about a third more than one merge; with warm caches a big
batch in between waits for the rest, see `SMALL_BATCH`). Then the full corpus
(`corpus_ready`), the caches for the next start and the word indexes. `LibraryFiles.reload` is
live reload: a new or changed digest is read (its search segment alone is built), a deleted one
dropped.

Rows are always in the order of a plain `library.load` of the files loaded so far, so the last
batch gives exactly what loading everything at once gives.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .gc_policy import freeze_loaded, paused
from .library import (DIGEST_PATTERNS, CacheEntry, FileLoad, FileStamp, Library, ParseCache, assemble, find_digests,
                      load_file, name_date, named_files, newest_first)
from .marks import MarkStore
from .model import Diagnostic
from .session import Prepared, Session

if TYPE_CHECKING:
    from .search import Corpus
    from .search.store import SegmentStore

PROGRESS_SECONDS = 0.1
"""Loading progress is reported at most this often (and once at the end)."""


@dataclass
class Opened:
    """A library ready to show: its rows, the mark store, what went wrong on the way.

    While streaming, `done` of `total` files are loaded and `corpus` searches exactly these rows
    (None: filtering waits for `corpus_ready`); `arrived` says what a live reload brought."""

    library: Library
    prepared: Prepared
    store: MarkStore | None
    warnings: list[str]
    seconds: float
    corpus: Corpus | None = None
    done: int = 0
    total: int = 0
    arrived: str = ""

    @property
    def complete(self) -> bool:
        return self.done >= self.total


def open_store(store: MarkStore | None, warnings: list[str]) -> MarkStore:
    """The given store, or the user's own (loaded); a store that cannot be read is said in `warnings`."""
    if store is not None:
        return store
    from .state import StateError, StateStore

    own = StateStore()
    try:
        warnings += own.load()
    except StateError as err:
        warnings.append(f"{err}; marks cannot be saved this session")
    return own


class LibraryFiles:
    """The digest files of a library read so far, by path; `library()` assembles them in the
    order `find_digests` gives (the order of a plain `load`). Safe to call from several threads.
    Folders are searched for files whose names match `patterns` (the `file_patterns` config key)."""

    def __init__(self, paths: Sequence[str], cache: ParseCache | None,
                 patterns: Sequence[str] = DIGEST_PATTERNS) -> None:
        self.paths = list(paths)
        self.cache = cache
        self.patterns = tuple(patterns)
        self.named = named_files(self.paths)
        self.order: list[Path] = []
        self.diagnostics: list[Diagnostic] = []
        self.loads: dict[str, FileLoad] = {}
        self.unsaved: list[CacheEntry] = []
        self.lock = threading.RLock()

    def find(self) -> list[Path]:
        """List the files now (raises `LibraryError` for a mistake in the paths themselves)."""
        order, diags = find_digests(self.paths, self.patterns)
        with self.lock:
            self.order, self.diagnostics = order, diags
        return order

    def read(self, files: Iterable[Path], progress: Callable[[], object] | None = None) -> list[FileLoad]:
        """Parse these files (through the cache; cache writes deferred to `save_cache`)."""
        out = []
        for f in files:
            stamps: list[FileStamp] = []
            unsaved: list[CacheEntry] = []
            result = load_file(f, self.cache, unsaved, stamps)
            fl = FileLoad(f, stamps[0][1], result)
            with self.lock:
                self.loads[os.path.abspath(f)] = fl
                self.unsaved += unsaved
            out.append(fl)
            if progress is not None:
                progress()
        return out

    def library(self) -> Library:
        """The files read so far, merged, in find order."""
        with self.lock:
            loads = [fl for f in self.order if (fl := self.loads.get(os.path.abspath(f))) is not None]
            lib = assemble(loads, self.named, self.diagnostics, self.cache)
        return lib

    def save_cache(self) -> None:
        with self.lock:
            todo, self.unsaved = self.unsaved, []
        if self.cache is not None:
            for entry in todo:
                self.cache.put(*entry)

    def reload(self, changed: Sequence[Path], deleted: Sequence[Path]) -> str:
        """Live reload: read the new or changed files, drop the deleted ones; what arrived, in one
        line (`+400 papers: 2019-07-10 cs.CV`)."""
        self.find()
        with self.lock:
            present = {os.path.abspath(f) for f in self.order}
            gone = [self.loads.pop(k) for k in list(self.loads) if k not in present]
        wanted = [f for f in changed if os.path.abspath(f) in present]
        fresh = self.read(wanted)
        parts = [f"+{len(fl.result.papers):,} papers: {digest_label(fl)}" for fl in fresh if fl.result.papers]
        parts += [f"-{len(fl.result.papers):,} papers: {digest_label(fl)}" for fl in gone if fl.result.papers]
        if not parts and (fresh or gone):
            parts.append(f"{len(fresh) + len(gone)} file{'s' * (len(fresh) + len(gone) != 1)} re-read")
        return "; ".join(parts)


def digest_label(fl: FileLoad) -> str:
    """`2019-07-10 cs.CV` for a file holding that digest (the file's name when the content says nothing)."""
    labels = list(dict.fromkeys(" ".join(x for x in (d.date, d.category) if x) for d in fl.result.digests))
    labels = [x for x in labels if x]
    if not labels:
        return fl.path.name
    return labels[0] + (f" and {len(labels) - 1} more" if len(labels) > 1 else "")


GROWTH = 4
"""Each batch of older digests makes the loaded files this many times as many: the rows and the
corpus are rebuilt a logarithmic number of times, costing 1/(GROWTH-1) more than one build."""


def batches(files: Sequence[Path]) -> Iterable[list[Path]]:
    """`files` (newest first) in batches: the newest day's digests (same date in the name), then
    batches `GROWTH - 1` times as large as everything before them."""
    if not files:
        return
    newest = name_date(files[0])
    first = 1
    while newest is not None and first < len(files) and name_date(files[first]) == newest:
        first += 1
    yield list(files[:first])
    done = first
    while done < len(files):
        size = max(done * (GROWTH - 1), 1)
        yield list(files[done:done + size])
        done += size


def _throttled(progress: Callable[[int, int], object]) -> Callable[[int, int], None]:
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > PROGRESS_SECONDS or done == total:
            last[0] = now
            progress(done, total)

    return report


def open_library(paths: Sequence[str], cache: ParseCache | None, store: MarkStore | None, *,
                 progress: Callable[[int, int], object], loaded: Callable[[Opened], object],
                 corpus_ready: Callable[[Corpus], object], stop: threading.Event,
                 arrived: Callable[[Opened], object] | None = None,
                 files: LibraryFiles | None = None, segments: SegmentStore | None = None,
                 patterns: Sequence[str] = DIGEST_PATTERNS) -> None:
    """Load `paths` (in a worker thread), calling back as each stage is ready.

    `loaded` gets the newest day's digests; `arrived` each later batch (without it, everything
    is loaded before `loaded`). Pass `files` and `segments` to keep them for live reload (`files`
    then says which file names are digests, else `patterns`)."""
    from .search.store import SegmentStore

    started = time.perf_counter()
    files = files if files is not None else LibraryFiles(paths, cache, patterns)
    segments = segments if segments is not None else SegmentStore(cache)
    order = newest_first(files.find())
    total = len(order)
    report = _throttled(progress)
    warnings: list[str] = []
    store = open_store(store, warnings)
    step = _Steps(report, total)
    with paused():  # what loading allocates stays alive: collections would walk it again and again
        last = _stream(files, segments, store, warnings, order, started, step, stop, loaded, arrived)
        if last is None:
            return
        # Search segments per digest file: from the cache, only new or changed digests built (the
        # last batch of a streamed load made this very corpus already).
        corpus = last.corpus if last.corpus is not None and last.complete else segments.library_corpus(last.library)
        freeze_loaded()
    corpus_ready(corpus)
    # The parse cache after the first screen: the next start is faster, this one no slower.
    files.save_cache()
    # Then the word indexes the cached segments lacked; filtering works meanwhile, only slower.
    if not corpus.ready:
        corpus.prepare(stop)
        segments.save(stop)


class _Steps:
    """Counts the files read, reporting progress."""

    def __init__(self, report: Callable[[int, int], None], total: int) -> None:
        self.report, self.total, self.done = report, total, 0

    def __call__(self) -> None:
        self.done += 1
        self.report(self.done, self.total)


SMALL_BATCH = 5_000
"""A batch between the first and the last is shown when it has at most this many rows (papers;
a few milliseconds to show), or when digests had to be parsed (not found in the cache) since the
first screen. With warm caches the rest reads in a fraction of a second, and showing a big batch
in between (its rows, corpus and navigator, built while the previous ones are still alive) cost
about 0.1 s and 25 MB at 100,000 papers; parsing, the rest takes seconds and the list grows
meanwhile."""


def _worth_showing(rows: int, parsed: bool) -> bool:
    """Show a batch in between (`rows` papers loaded with it), or read on and show it with the next?"""
    return rows <= SMALL_BATCH or parsed


def _stream(files: LibraryFiles, segments: SegmentStore, store: MarkStore, warnings: list[str], order: list[Path],
            started: float, step: _Steps, stop: threading.Event, loaded: Callable[[Opened], object],
            arrived: Callable[[Opened], object] | None) -> Opened | None:
    """Read `order` in batches, showing each (`loaded`, then `arrived`); the last shown, None when stopped."""
    total = len(order)
    last: Opened | None = None
    plan = list(batches(order)) if arrived is not None else [order]
    rows, parsed = 0, files.cache is None
    for n, batch in enumerate(plan):
        if stop.is_set():
            return None
        before = len(files.unsaved)  # each file parsed (a cache miss) waits there for `save_cache`
        rows += sum(len(fl.result.papers) for fl in files.read(batch, step))
        parsed = parsed or (n > 0 and len(files.unsaved) > before)
        if arrived is None:
            continue
        shown = last is not None
        if shown and n < len(plan) - 1 and not _worth_showing(rows, parsed):
            continue
        last = _opened(files, segments, store, warnings if not shown else [], started, step.done, total)
        (arrived if shown else loaded)(last)
    if last is None:  # nothing shown yet: no streaming, or no files at all
        last = _opened(files, None, store, warnings, started, total, total)
        loaded(last)
    return last


def _opened(files: LibraryFiles, segments: SegmentStore | None, store: MarkStore, warnings: list[str],
            started: float, done: int, total: int) -> Opened:
    """The rows of the files read so far and (with `segments`) a corpus over exactly them."""
    library = files.library()
    # Merged groups from the cache where the loaded files hold a whole group, else per-file parts.
    corpus = None if segments is None else segments.library_corpus(library)
    prepared = Session.prepare(library.papers, store, library.listings, None if corpus is None else corpus.titles)
    return Opened(library, prepared, store, warnings, time.perf_counter() - started, corpus, done, total)


def reload_library(files: LibraryFiles, segments: SegmentStore, store: MarkStore | None,
                   changed: Sequence[Path], deleted: Sequence[Path], stop: threading.Event | None = None) -> Opened:
    """Live reload (in a worker): the library with `changed` read again and `deleted` dropped,
    its corpus indexed (only the new or changed digests' segments are built) and cached."""
    started = time.perf_counter()
    arrived = files.reload(changed, deleted)
    library = files.library()
    corpus = segments.library_corpus(library)
    prepared = Session.prepare(library.papers, store, library.listings, corpus.titles)
    corpus.prepare(stop)
    files.save_cache()
    segments.save(stop)
    n = len(library.stamps)
    return Opened(library, prepared, store, [], time.perf_counter() - started, corpus, n, n, arrived)
