"""When the garbage collector runs while the reader is open. No UI here (plain `gc` and clocks).

Measured on a 100,000-paper library (2 cores): a full collection walks millions of long-lived
objects (papers, titles, the search indexes) and paused typing for tens of ms at random. So:
- while the library is loaded, `paused()` stops automatic collections: everything it allocates
  stays alive (or is freed by its reference count: about 400 objects in cycles at 100,000 papers),
  and the passes over it took a quarter of the load (0.3-0.4 s of 1.5 s);
- after the library and its search corpus are built, `freeze_loaded()` moves them out of the
  collector's sight (without a full pass first: it held the interpreter for 0.1-0.2 s, just as
  the app takes in the last rows; the first idle moment after sweeps what was frozen with them);
- what remains is the UI's own (rendered strips and their caches): a full pass still takes
  20-50 ms, and after a freeze Python would run one every few keystrokes. `raise_threshold()`
  stops the automatic full passes and `tick()` (called every second) runs one when no key has
  come for `IDLE_SECONDS`, or at the latest every `AT_LEAST_SECONDS` even while keys keep coming.

`release_memory()` hands the pages freed by a big temporary build back to the system (glibc's
`malloc_trim`; a no-op where the C library has none): merging a cold start's word indexes frees
tens of MB between groups that the heap would otherwise keep, so the next group grows the
process further.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

IDLE_SECONDS = 1.0
"""Full collections wait until no key has come for this long..."""
AT_LEAST_SECONDS = 60.0
"""... but no longer than this, even while keys keep coming."""


_pause_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside (from any thread; nests): for building what stays alive."""
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


_unswept = False


def freeze_loaded() -> None:
    """Freeze what is alive (the loaded library) out of later passes. No full pass first (the
    garbage frozen with it, from keys typed while loading, is swept by the next idle pass)."""
    global _unswept
    gc.freeze()
    _unswept = True


class IdleCollector:
    """Full collections when the user is not typing."""

    def __init__(self) -> None:
        self.last_input = self.last_collection = time.monotonic()
        self._saved: tuple[int, int, int] | None = None

    def raise_threshold(self) -> None:
        """No automatic full pass from now on (`restore` puts Python's thresholds back)."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            gc.set_threshold(self._saved[0], self._saved[1], 1_000_000)

    def restore(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def note_input(self) -> None:
        """A key or a mouse action came."""
        self.last_input = time.monotonic()

    def tick(self, now: float | None = None) -> bool:
        """Run a full collection if it is time; True if it ran."""
        if _pauses:
            return False  # a library is loading: a pass now walks millions of new objects, holding up the load
        now = time.monotonic() if now is None else now
        overdue = now - self.last_collection >= AT_LEAST_SECONDS
        if not overdue and now - self.last_input < IDLE_SECONDS:
            return False
        global _unswept
        if _unswept:  # once after a load: what was frozen with the library, collected now
            _unswept = False
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        elif gc.get_count()[2] == 0 and not overdue:
            return False  # nothing has reached the old generation since the last pass
        else:
            gc.collect()
        self.last_collection = time.monotonic()
        return True


_trim: Callable[[int], Any] | None = None
_no_trim = False


def release_memory() -> bool:
    """Return freed heap pages to the system (glibc's `malloc_trim(0)`, a few ms); False where the
    C library has no such call (musl, macOS, Windows), and then nothing is done."""
    global _trim, _no_trim
    if _trim is None and not _no_trim:
        try:
            import ctypes

            fn = ctypes.CDLL(None).malloc_trim
            fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
            _trim = fn
        except Exception:  # no C library to ask, or no malloc_trim in it
            _no_trim = True
    if _trim is None:
        return False
    _trim(0)
    return True
