"""Rows that arrive while the app runs: the rest of a streamed start, and live reload.

The loading (reader/loader.py) and the watching (reader/watch.py) know nothing of Textual; this
helper runs them for the app and turns their callbacks into messages. Every arrival is the same
message, `RowsArrived`, shown by one session method, `Session.swap_rows`, which keeps the
cursor's paper, the filter and the view; the list keeps the cursor on its line of the screen.
"""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..loader import LibraryFiles, Opened, open_library, reload_library
from ..search.store import SegmentStore
from ..watch import LibraryWatcher
from .messages import CorpusReady, LibraryChanged, Loaded, Progress, RowsArrived
from . import keep_wiring

if TYPE_CHECKING:
    from ..library import ParseCache
    from .app import ReaderApp


class LiveLibrary:
    """The library behind the app: loaded newest first, then watched for changes."""

    def __init__(self, app: ReaderApp, cache: ParseCache | None, stop: threading.Event) -> None:
        self.app = app
        self.files = LibraryFiles(app.paths, cache, app.config.file_patterns)
        self.segments = SegmentStore(cache)
        self.stop = stop
        self.watcher: LibraryWatcher | None = None
        """Polls the library folder every 2 s once it is loaded; `watcher.poll()` checks at once."""
        self.shown: tuple[int, int] = (0, 0)
        """Files whose rows are shown, of all files found."""
        self.arrived = ""
        """What the last live reload brought (`+400 papers: 2019-07-10 cs.CV`)."""
        self._reloading = threading.Lock()

    @property
    def loading(self) -> bool:
        """Older digests are still arriving (the filter runs over what is loaded)."""
        return self.shown[0] < self.shown[1]

    # -- in the load worker -----------------------------------------------------------------
    def open(self) -> None:
        """Load the library newest first, posting each stage (runs in a worker thread)."""
        app = self.app
        # Before loading: a file that changes meanwhile is then reported by the first poll.
        self.watcher = LibraryWatcher(app.paths, on_changed=partial(self._post, deleted=False),
                                      on_deleted=partial(self._post, deleted=True),
                                      patterns=app.config.file_patterns)
        open_library(app.paths, self.files.cache, app.session.store, stop=self.stop,
                     progress=lambda done, total: app.post_message(Progress(done, total)),
                     loaded=lambda opened: app.post_message(Loaded(opened)),
                     arrived=lambda opened: app.post_message(RowsArrived(opened)),
                     corpus_ready=lambda corpus: app.post_message(CorpusReady(corpus)),
                     files=self.files, segments=self.segments)

    def _post(self, paths: list[Path], deleted: bool) -> None:
        """From the watcher's thread (or a test calling `poll()`): hand the paths to the event loop."""
        self.app.post_message(LibraryChanged([], paths) if deleted else LibraryChanged(paths, []))

    # -- on the event loop ------------------------------------------------------------------
    def show(self, opened: Opened) -> None:
        """Rows arrived: swap them in, keeping the cursor's paper and line, the filter and the view."""
        app, session, plist = self.app, self.app.session, self.app.paper_list
        self.shown = (opened.done, opened.total)
        keep = session.swap_rows(opened.prepared, opened.library, plist.selected)
        plist.empty_message = self.empty_message(opened.total)
        plist.swap_papers(session.papers, session.titles, session.rows, keep)
        nav = session.navigation
        app.navigator_panel.set_navigator(nav.navigator if nav is not None else None)
        if opened.corpus is not None:
            app.corpus = opened.corpus
            keep_wiring.corpus_ready(app, opened.corpus)  # the rules over the new parts
        app.restore_when_loaded()
        if opened.arrived:
            self.arrived = opened.arrived
            app.say(opened.arrived)
        text = app.filter_bar.value
        if text.strip():
            plist.hold_line = True
            app._start_filter(text)  # over the new rows; meanwhile the old matches stay
        else:
            app._update_status()

    def shows(self, folder: Path) -> bool:
        """Whether the app shows `folder` (and so is watching it): the configured library may not be."""
        return folder.expanduser().resolve() in {Path(p).expanduser().resolve() for p in self.app.paths}

    def empty_message(self, files: int) -> str:
        """What the list says when it shows no paper: no match, no papers, or an empty library
        (where `R` would fetch, if the library shown is the configured one)."""
        app = self.app
        if app.session.papers:
            return "No papers match the filter."
        if files:
            return "No papers in these digests."
        config = app.config
        if config.library is not None and self.shows(config.library) and config.categories:
            return f"The library is empty. R fetches {', '.join(config.categories)} into it."
        return "The library is empty: add digests, or set categories and press R."

    def watch(self) -> None:
        """Start polling (once everything is loaded)."""
        if self.watcher is not None and not self.stop.is_set():
            self.watcher.start()

    def changed(self, message: LibraryChanged) -> None:
        self.app.run_worker(partial(self._reload, message.changed, message.deleted), thread=True,
                            group="reload", description="reload")

    def _reload(self, changed: list[Path], deleted: list[Path]) -> None:
        with self._reloading:  # one at a time, in the order seen
            if self.stop.is_set():
                return
            opened = reload_library(self.files, self.segments, self.app.session.store, changed, deleted, self.stop)
        self.app.post_message(RowsArrived(opened))

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
