"""Compaction after `StateStore.load` returns: a long log is compacted on a worker thread.

`load` reads the snapshot and the log and returns; the compaction it used to do before returning
(history files, a new snapshot, a new log) starts `COMPACT_DELAY` seconds later on a thread of
its own, under the store's mutex and lock like any compaction, so nothing about crash safety
changes: a process killed during it leaves a store that loads with nothing lost (the protocol
in the package docstring). `StateStore.close`, and the interpreter's exit for a store never
closed, finish it: one not started yet is done then (so a short command still compacts, after
its output), one under way is waited for (so an exit never cuts one short).
"""

from __future__ import annotations

import atexit
import threading
import weakref
from contextlib import suppress
from typing import TYPE_CHECKING

from .format import StateError

COMPACT_DELAY = 1.0
"""Seconds after `load` before its deferred compaction starts (the app's start-up goes first)."""

_pending: weakref.WeakSet[_Deferred] = weakref.WeakSet()


@atexit.register
def _finish_all() -> None:
    for store in list(_pending):
        store.finish_compaction()


class _Deferred:
    """Mixin for `StateStore`."""

    _deferred: tuple[threading.Thread, threading.Event] | None = None

    if TYPE_CHECKING:
        def compact_if_needed(self) -> bool: ...

    def _compact_later(self) -> None:
        """Compact on a worker thread soon (`COMPACT_DELAY`), unless one is already planned."""
        planned = self._deferred
        if planned is not None and planned[0].is_alive():
            return
        cancel = threading.Event()
        thread = threading.Thread(target=self._deferred_compaction, args=(cancel,), name="marks-compaction",
                                  daemon=True)
        self._deferred = (thread, cancel)
        _pending.add(self)
        thread.start()

    def _deferred_compaction(self, cancel: threading.Event) -> None:
        if cancel.wait(COMPACT_DELAY):
            return
        with suppress(StateError, OSError):  # the marks are loaded either way; the next load tries again
            self.compact_if_needed()

    def finish_compaction(self) -> None:
        """Do the compaction `load` left for later now (waiting for one already under way)."""
        planned, self._deferred = self._deferred, None
        if planned is None:
            return
        _pending.discard(self)
        thread, cancel = planned
        cancel.set()
        if thread is not threading.current_thread():
            thread.join()
        with suppress(StateError, OSError):
            self.compact_if_needed()
