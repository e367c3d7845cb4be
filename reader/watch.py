"""Watch a library folder for new, changed and deleted digest files by polling (no dependency).

The watcher lists the digest files (as `library.find_digests` does) and compares each file's
stamp (size, mtime, ctime, inode, device) with the previous poll. It reports through two plain
callbacks, each with a sorted list of absolute paths:

- ``on_changed(paths)``: files that are new, or whose stamp changed (rewritten, replaced);
- ``on_deleted(paths)``: files that are gone.

The caller either schedules `poll()` itself (every `INTERVAL` seconds, e.g. from a timer of the
UI's event loop, running the callbacks there), or calls `start()` for a daemon thread that polls
and runs the callbacks in that thread. Create the watcher *before* loading the library: a file
that changes during the load is then reported by the first poll and simply loaded again.

A file being written may be reported twice (half-written, then complete): reloading a file is
idempotent, so the second report fixes what the first one read.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path

from .paths import DIGEST_PATTERNS

INTERVAL = 2.0

Stamp = tuple[int, int, int, int, int]
Finder = Callable[[Sequence[str | os.PathLike[str]]], Iterable[Path]]


def stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _default_finder(paths: Sequence[str | os.PathLike[str]], patterns: Sequence[str] = DIGEST_PATTERNS) -> list[Path]:
    from .library import LibraryError, find_digests

    found: list[Path] = []
    for p in paths:  # one at a time: a folder that went away must not hide the others
        try:
            found += find_digests([p], patterns)[0]
        except LibraryError:
            continue
    return found


class LibraryWatcher:
    def __init__(
        self,
        paths: Iterable[str | os.PathLike[str]],
        on_changed: Callable[[list[Path]], None],
        on_deleted: Callable[[list[Path]], None],
        *,
        interval: float = INTERVAL,
        finder: Finder | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        patterns: Sequence[str] = DIGEST_PATTERNS,
    ) -> None:
        """`patterns`: the file names that are digests (the `file_patterns` config key), for the
        default finder."""
        self.paths = list(paths)
        self.on_changed = on_changed
        self.on_deleted = on_deleted
        self.on_error = on_error
        self.interval = interval
        self._finder: Finder = finder or partial(_default_finder, patterns=tuple(patterns))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stamps: dict[Path, Stamp] = self.scan()

    def scan(self) -> dict[Path, Stamp]:
        """Every digest file now, with its stamp (files that vanish while listed are left out)."""
        out: dict[Path, Stamp] = {}
        for f in self._finder(self.paths):
            path = Path(os.path.abspath(f))
            try:
                out[path] = stamp_of(path.stat())
            except OSError:
                continue
        return out

    def poll(self) -> tuple[list[Path], list[Path]]:
        """Compare with the previous poll; call the callbacks (only for non-empty lists) and
        return ``(changed, deleted)``."""
        with self._lock:
            now = self.scan()
            changed = sorted(p for p, s in now.items() if self._stamps.get(p) != s)
            deleted = sorted(p for p in self._stamps if p not in now)
            self._stamps = now
        if deleted:
            self.on_deleted(deleted)
        if changed:
            self.on_changed(changed)
        return changed, deleted

    def start(self) -> None:
        """Poll every `interval` seconds in a daemon thread until `stop()`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="library-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception as err:  # a callback's failure must not end the watching
                if self.on_error is not None:
                    self.on_error(err)
