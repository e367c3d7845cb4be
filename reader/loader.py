"""Opening a library in the background: parse, prepare the rows, build the search corpus.

No UI here: the app runs `open_library` in a worker thread and passes callbacks that post
messages. The order is what makes the first screen fast: the rows first (`loaded`), then the
search corpus (`corpus_ready`), then the caches for the next start, then the word indexes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .gc_policy import freeze_loaded
from .library import Library, ParseCache, load
from .marks import MarkStore
from .session import Prepared, Session

if TYPE_CHECKING:
    from .search import Corpus

PROGRESS_SECONDS = 0.1
"""Loading progress is reported at most this often (and once at the end)."""


@dataclass
class Opened:
    """A library ready to show: its rows, the mark store, what went wrong on the way."""

    library: Library
    prepared: Prepared
    store: MarkStore | None
    warnings: list[str]
    seconds: float


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


def open_library(paths: Sequence[str], cache: ParseCache | None, store: MarkStore | None, *,
                 progress: Callable[[int, int], object], loaded: Callable[[Opened], object],
                 corpus_ready: Callable[[Corpus], object], stop: threading.Event) -> None:
    """Load `paths` (in a worker thread), calling back as each stage is ready."""
    started = time.perf_counter()
    last = [0.0]

    def throttled(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > PROGRESS_SECONDS or done == total:
            last[0] = now
            progress(done, total)

    library = load(paths, cache=cache, progress=throttled, defer_cache_writes=True)
    warnings: list[str] = []
    store = open_store(store, warnings)
    prepared = Session.prepare(library.papers, store, library.listings)
    loaded(Opened(library, prepared, store, warnings, time.perf_counter() - started))
    from .search.store import SegmentStore

    # Search segments per digest file: from the cache, only new or changed digests built.
    segments = SegmentStore(cache)
    corpus = segments.library_corpus(library)
    freeze_loaded()
    corpus_ready(corpus)
    # The parse cache after the first screen: the next start is faster, this one no slower.
    library.save_cache()
    # Then the word indexes the cached segments lacked; filtering works meanwhile, only slower.
    if not corpus.ready:
        corpus.prepare(stop)
        segments.save(stop)
