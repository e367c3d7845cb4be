"""The synced folder while the app runs: merge at start, then every 2 s and after each mark. UI-free.

A `SyncWatcher` owns one `SyncFolder` and one daemon thread (as `reader.watch.LibraryWatcher`
owns the library's). Its first round copies this machine's new marks to its own file and
merges everything the other machines wrote (`SyncFolder.catch_up`); every `interval` seconds
after that, or at once when `wake` is called (a mark just reached the disk), it pushes this
machine's new events and merges what the others added (only the bytes added since are read).
`on_changed` gets the keys whose marks changed on another machine, from the watcher's thread.
A folder that cannot be used is reported once through `on_problem` (and again only after it
worked in between); the local marks never wait for it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from pathlib import Path

from .state import StateError, StateStore
from .sync import SyncError, SyncFolder

INTERVAL = 2.0
"""Seconds between two rounds (DECISIONS.md: poll every 2 s)."""


class SyncWatcher:
    """Runs the synced folder of `store` for a running app; see the module docstring."""

    def __init__(self, store: StateStore, sync_dir: Path, on_changed: Callable[[AbstractSet[str]], object],
                 on_problem: Callable[[str], object], interval: float = INTERVAL) -> None:
        self.store = store
        self.sync_dir = sync_dir
        self.interval = interval
        self._on_changed = on_changed
        self._on_problem = on_problem
        self._folder: SyncFolder | None = None
        self._lock = threading.Lock()  # one round at a time (the thread, or `round` from a test)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._problem: str | None = None
        self.rounds = 0
        """Rounds finished (with or without a problem)."""

    def start(self) -> None:
        """The start-up round, then a round every `interval` seconds, in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sync-folder", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """A mark reached the local store: push it (and merge) now rather than at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread, then push what this machine wrote since the last round (at quit).
        A round stuck on an unresponsive folder (a hung network share) does not hold the quit
        longer than `timeout`: the thread is a daemon, the next start catches up."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if not self._lock.acquire(timeout=timeout):
            return
        try:
            if self._folder is not None:
                with contextlib.suppress(SyncError, StateError, OSError):  # (caught up by the next start)
                    self._folder.push_new_local_events()
                self._folder.close()
                self._folder = None
        finally:
            self._lock.release()

    def round(self) -> AbstractSet[str]:
        """Push this machine's new marks, merge the other machines'; the keys that changed."""
        with self._lock:
            if self._stop.is_set():
                return set()
            try:
                if self._folder is None:
                    self._folder = SyncFolder(self.store, self.sync_dir)
                self._folder.push_new_local_events()
                changed = self._folder.catch_up()
            except (SyncError, StateError, OSError) as err:
                self.rounds += 1
                message = f"sync: {err}"
                if message != self._problem:
                    self._problem = message
                    self._on_problem(message)
                return set()
            self._problem = None
            self.rounds += 1
        return changed

    def _run(self) -> None:
        while not self._stop.is_set():
            changed = self.round()
            if changed and not self._stop.is_set():
                self._on_changed(changed)
            self._wake.wait(self.interval)
            self._wake.clear()
