"""The synced folder (``sync_dir``) in the running app: the wiring of `reader.sync_live`.

Once the library is shown, a `SyncWatcher` merges the other machines' marks (at once, then every
2 s) and copies this machine's marks to its own file right after each one is on disk. Papers
whose marks changed on another machine get their rows, counts and pane updated through the same
path as marks written by another process here (`ReaderApp._refreshed`).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from ..session import Reread
from ..state import StateStore
from ..sync_live import SyncWatcher

if TYPE_CHECKING:
    from .app import ReaderApp


def start(app: ReaderApp) -> None:
    """After the library loaded: start the watcher when `sync_dir` is set (else nothing)."""
    store, sync_dir = app.session.store, app.config.sync_dir
    if sync_dir is None or not isinstance(store, StateStore) or app.sync is not None:
        return

    def changed(keys: AbstractSet[str]) -> None:  # on the watcher's thread: the flags are computed here
        session = app.session
        generation = session.generation
        flags = session.marks.index.flags(session.store)
        app.call_later(app._refreshed, Reread(flags, [], generation))

    def problem(message: str) -> None:
        app.call_later(app.say, message, "warning")

    app.sync = SyncWatcher(store, sync_dir, changed, problem)
    app.sync.start()


def marks_saved(app: ReaderApp) -> None:
    """A mark reached the disk: copy it to this machine's synced file now."""
    if app.sync is not None:
        app.sync.wake()


def stop(app: ReaderApp) -> None:
    """At quit, after the last mark is on disk: push it and stop."""
    if app.sync is not None:
        app.sync.stop()
        app.sync = None
