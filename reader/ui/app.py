"""The reader app: paper list, abstract pane, filter bar, status bar and footer.

Threads: the library loads in a worker (the first frame paints at once, with progress);
filters run in an exclusive worker that the next keystroke cancels; marks are written by a
single writer thread, in order, and a mark is shown only once it is on disk.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.geometry import Size
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from ..config import Config, load_config, load_history, save_config, save_history
from ..library import Library, ParseCache, default_cache_dir, load
from ..model import Paper
from ..text import display_text, display_title, sanitize
from .abstract_pane import AbstractPane, paper_content, paper_urls
from .paper_list import PaperList
from .screens import ConfirmScreen, HelpScreen

NARROW_WIDTH = 100
"""Below this many columns the list and the abstract pane are stacked."""
PANE_DELAY = 0.05
"""The abstract pane follows the cursor after this pause: holding `j` (key repeat every
30-40 ms) redraws the pane once, when the key is released, which matters over SSH."""
PANE_TYPING_DELAY = 0.2
"""While the filter bar has focus the pane waits this long after the last keystroke: typing
repaints the list at once, and the pane (the bigger redraw) once typing pauses."""
REFRESH_SECONDS = 2.0
"""How often marks made by other processes (another reader, the CLI) are picked up."""
IDLE_GC_SECONDS = 1.0
"""Full garbage collections wait until no key has come for this long (see `_idle_gc`)."""
GC_AT_LEAST_SECONDS = 60.0
"""... but no longer than this, even while keys keep coming."""

Change = tuple[str, str, bool]


class FilterBar(Input):
    """The filter bar: live filtering, history on up/down, Esc clears then leaves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_or_leave", "Clear filter", show=False, id="filter.clear"),
        Binding("up", "history(-1)", "Previous query", show=False, id="filter.history_back"),
        Binding("down", "history(1)", "Next query", show=False, id="filter.history_forward"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = []
        self._history_pos: int | None = None

    def _watch_value(self, value: str) -> None:
        # Input's own watcher assigns virtual_size on every keystroke, and that asks for a
        # layout pass of the whole screen: ~20 ms a keystroke on a 2-core machine, more than
        # the filter itself. The bar is one line high; only its own scroll extent changes.
        size = Size(self.content_width, 1)
        if size != self.virtual_size:
            self.set_reactive(Input.virtual_size, size)
            self._scroll_update(size)
        self._suggestion = ""
        self.post_message(self.Changed(self, value, None))
        if self._initial_value:
            self.cursor_position = len(self.value)
            self._initial_value = False

    def action_clear_or_leave(self) -> None:
        self._history_pos = None
        if self.value:
            self.value = ""
        else:
            self.app.action_focus_list()  # type: ignore[attr-defined]

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        pos = len(self.history) if self._history_pos is None else self._history_pos
        pos = max(0, min(len(self.history), pos + step))
        self._history_pos = pos
        self.value = self.history[pos] if pos < len(self.history) else ""
        self.cursor_position = len(self.value)

    def remember(self, text: str) -> None:
        text = text.strip()
        self._history_pos = None
        if not text:
            return
        if text in self.history:
            self.history.remove(text)
        self.history.append(text)


class StatusBar(Static):
    """One line: where the papers came from, counts, the active query or its error."""


@dataclass
class Loaded(Message):
    library: Library
    titles: list[str]
    keys: list[str]
    read: bytearray
    starred: bytearray
    warnings: list[str]
    seconds: float


@dataclass
class Progress(Message):
    done: int
    total: int


@dataclass
class CorpusReady(Message):
    corpus: object


@dataclass
class MarksSaved(Message):
    changes: list[Change]
    undo: list[Change] | None
    error: str | None
    ticket: int


@dataclass
class FilterDone(Message):
    query: object
    text: str
    result: object
    unread: int
    error: str | None
    marks_version: int


class ReaderApp(App[int]):
    """Triage arXiv digests: read, star, filter, open."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses elsewhere find it
    TITLE = "arxiv-reader"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit (every mark is already saved)"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help", tooltip="Show all keys"),
        # A priority binding runs as the key arrives, so the keys typed right after "/" already
        # go to the filter bar (a normal binding runs only after they were routed to the list).
        Binding("slash", "focus_filter", "Filter", key_display="/", id="app.filter", priority=True,
                tooltip="Filter: type; Enter keeps it, Esc clears it"),
        Binding("tab", "switch_pane", "Pane", show=False, priority=True, id="app.switch_pane",
                tooltip="Switch between the list and the abstract"),
        Binding("shift+tab", "switch_pane", "Pane", show=False, priority=True, id="app.switch_pane_back",
                tooltip="The same, backwards"),
        Binding("space", "read_next", "Read+next", key_display="space", id="app.read_next",
                tooltip="Mark read and go to the next unread paper"),
        Binding("m", "toggle_read", "Read", id="app.toggle_read", tooltip="Toggle read/unread"),
        Binding("s", "toggle_star", "Star", id="app.toggle_star", tooltip="Toggle the star"),
        Binding("n", "next_unread", "Next unread", id="app.next_unread", tooltip="Next unread paper"),
        Binding("p", "prev_unread", "Prev unread", show=False, id="app.prev_unread",
                tooltip="Previous unread paper"),
        Binding("A", "mark_all", "All read", show=False, id="app.mark_all",
                tooltip="Mark every shown paper read (asks first)"),
        Binding("u", "undo", "Undo", show=False, id="app.undo", tooltip="Undo the last marking"),
        Binding("o", "open_pdf", "Open PDF", id="app.open_pdf", tooltip="Open the PDF in the browser"),
        Binding("y", "copy_url", "Copy URL", id="app.copy_url", tooltip="Copy the abstract page URL (OSC 52)"),
        Binding("S", "toggle_rank", "Rank", show=False, id="app.toggle_rank",
                tooltip="Toggle ranking by match score"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="app.clear_filter"),
        Binding("ctrl+s", "save_query", "Save query", show=False, id="app.save_query",
                tooltip="Save the filter on the next free digit"),
        *[Binding(str(n), f"saved_query({n})", f"Query {n}", show=False, id=f"app.query_{n}")
          for n in range(1, 10)],
    ]

    def __init__(self, paths: Sequence[str], *, store=None, config: Config | None = None,
                 cache: ParseCache | None | bool = True, history_file: Path | None = None) -> None:
        super().__init__()
        self.paths = list(paths)
        self.config_warnings: list[str] = []
        if config is None:
            config, self.config_warnings = load_config()
        self.config = config
        self._store = store
        self._cache = ParseCache(default_cache_dir()) if cache is True else (cache or None)
        self._history_file = history_file
        self.papers: Sequence[Paper] = ()
        self.keys: list[str] = []
        self.titles: list[str] = []
        self.library: Library | None = None
        self.corpus = None
        self.query = None
        self.query_text = ""
        self.query_error: str | None = None
        self.rank = False
        self.loaded = False
        self.load_seconds = 0.0
        self._pending_filter: str | None = None
        self._result = None
        """The Result on screen (None when unfiltered), to narrow the next search."""
        self._result_marks = -1
        self._marks_version = 0
        """Bumped whenever read/star flags change: older results cannot narrow is:unread."""
        self._pending: dict[tuple[str, str], tuple[int, bool]] = {}
        self._ticket = 0
        self._undo: list[list[Change]] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="marks")
        self._stopping = threading.Event()
        """Set at quit: background indexing stops rather than holding the exit up."""
        self._last_input = self._last_gc = time.monotonic()
        self._gc_threshold: tuple[int, ...] | None = None
        """The GC thresholds before this app changed them (see `on_corpus_ready`)."""
        self._dwell_timer: Timer | None = None
        self._pane_timer: Timer | None = None
        self._shown_index: int | None = None
        self.read_flags = bytearray()
        """1 for each paper whose read mark is on disk (parallel to `papers`)."""
        self.star_flags = bytearray()
        self._where: dict[str, int] = {}
        """Key to paper index; keys shared by several papers are in `_where_more`."""
        self._where_more: dict[str, list[int]] = {}
        self._unread_shown = 0
        self._progress = (0, 0)

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.filter_bar = FilterBar(
            placeholder="/ to filter: words  \"a phrase\"  !not  a | b  ti: abs: cat: id: date: is:unread",
            id="filter")
        self.paper_list = PaperList(id="papers")
        self.abstract_pane = AbstractPane(id="abstract")
        self.status_bar = StatusBar(Content(""), id="status", markup=False)
        yield self.filter_bar
        with Container(id="panes"):
            yield self.paper_list
            yield self.abstract_pane
        yield self.status_bar
        yield Footer()

    # The widgets are kept as attributes (set in compose) rather than queried: a timer that
    # fires while the app shuts down must not fail on a DOM that is already gone.
    paper_list: PaperList
    abstract_pane: AbstractPane
    filter_bar: FilterBar

    def on_mount(self) -> None:
        if self.config.keys:
            self.set_keymap(self.config.keys)
        self.filter_bar.history = load_history(self._history_file)
        self._apply_layout(self.size.width)
        plist = self.paper_list
        plist.is_read = self.read_flags.__getitem__
        plist.is_starred = self.star_flags.__getitem__
        plist.focus()
        self._update_status()
        for warning in self.config_warnings:
            self._say(warning, "warning")
        self._load()

    def on_resize(self, event) -> None:
        self._apply_layout(event.size.width)

    def _apply_layout(self, width: int) -> None:
        self.screen.set_class(width < NARROW_WIDTH, "-narrow")

    # -- loading ----------------------------------------------------------------------------

    @property
    def store(self):
        return self._store

    @work(thread=True, exclusive=True, group="load", description="load")
    def _load(self) -> None:
        started = time.perf_counter()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 0.1 or done == total:
                last[0] = now
                self.post_message(Progress(done, total))

        warnings: list[str] = []
        library = load(self.paths, cache=self._cache, progress=progress, defer_cache_writes=True)
        if self._store is None:
            from ..state import StateError, StateStore

            store = StateStore()
            try:
                warnings += store.load()
            except StateError as err:
                warnings.append(f"{err}; marks cannot be saved this session")
            self._store = store
        papers = library.papers
        titles = [display_title(p.title) for p in papers]
        keys = [p.key for p in papers]
        where: dict[str, int] = {}
        where_more: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            first = where.setdefault(key, i)
            if first != i:
                where_more.setdefault(key, [first]).append(i)
        self._where, self._where_more = where, where_more
        read, starred = self._flags(keys)
        self.post_message(Loaded(library, titles, keys, read, starred, warnings, time.perf_counter() - started))
        from ..query import Corpus

        corpus = Corpus.build(papers, titles=titles)
        # A year of papers is millions of long-lived objects: freezing them keeps the garbage
        # collector from walking them all during typing (random pauses of tens of ms).
        gc.collect()
        gc.freeze()
        self.post_message(CorpusReady(corpus))
        # The parse cache after the first screen: the next start is faster, this one no slower.
        library.save_cache()
        # Then the word indexes, from the cache when this exact library was indexed before;
        # filtering works meanwhile, only slower.
        cache = self._cache
        fingerprint = library.fingerprint if cache is not None else ""
        data = cache.get_index(fingerprint) if cache is not None else None
        if data is None or not corpus.load_index(data):
            corpus.prepare(self._stopping)
            data = corpus.dump_index()  # None when the build was stopped
            if cache is not None and data is not None:
                cache.put_index(fingerprint, data)

    def on_progress(self, message: Progress) -> None:
        self._progress = (message.done, message.total)
        self.paper_list.empty_message = f"Loading… {message.done}/{message.total} files"
        self.paper_list.refresh()

    def on_loaded(self, message: Loaded) -> None:
        self.library = message.library
        self.papers = message.library.papers
        self.titles = message.titles
        self.keys = message.keys
        self._set_flags(message.read, message.starred)
        self.load_seconds = message.seconds
        self.loaded = True
        plist = self.paper_list
        plist.empty_message = "No papers match the filter." if self.papers else "No papers in these digests."
        plist.set_papers(self.papers, self.titles)
        self._unread_shown = self.unread_total
        for warning in message.warnings:
            self._say(warning, "error" if "cannot" in warning else "warning")
        self._update_status()
        self.set_interval(REFRESH_SECONDS, self._refresh_state)
        self.set_interval(IDLE_GC_SECONDS, self._idle_gc)

    def _idle_gc(self) -> None:
        """A full collection, when the user is not typing (or at least once a minute)."""
        now = time.monotonic()
        if now - self._last_gc < GC_AT_LEAST_SECONDS and now - self._last_input < IDLE_GC_SECONDS:
            return
        if gc.get_count()[2] == 0 and now - self._last_gc < GC_AT_LEAST_SECONDS:
            return  # nothing has reached the old generation since the last pass
        gc.collect()
        self._last_gc = time.monotonic()

    async def on_event(self, event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def on_corpus_ready(self, message: CorpusReady) -> None:
        self.corpus = message.corpus
        if self._gc_threshold is None:
            # What is left for the collector after the freeze is the UI's own (tens of thousands
            # of rendered strips and their caches): a full pass takes 20-50 ms, and after a
            # freeze Python would run one every few keystrokes. `_idle_gc` runs them instead.
            # Set here, on the event loop, so that `on_unmount` surely puts it back.
            self._gc_threshold = gc.get_threshold()
            gc.set_threshold(self._gc_threshold[0], self._gc_threshold[1], 1_000_000)
        if self._pending_filter is not None:
            text, self._pending_filter = self._pending_filter, None
            self._start_filter(text)

    # -- selection and the abstract pane ----------------------------------------------------

    @on(PaperList.Highlighted)
    def _highlighted(self, message: PaperList.Highlighted) -> None:
        self._schedule_pane()
        self._start_dwell(message.index)

    def _schedule_pane(self) -> None:
        if self._pane_timer is not None:
            self._pane_timer.stop()
        delay = PANE_TYPING_DELAY if self.focused is self.filter_bar else PANE_DELAY
        self._pane_timer = self.set_timer(delay, self._show_selected)

    def _show_selected(self) -> None:
        self._pane_timer = None
        if not self.abstract_pane.is_attached:  # the app is shutting down
            return
        index = self.paper_list.selected
        self._shown_index = index
        pane = self.abstract_pane
        if index is None:
            pane.show(Content(""))
            return
        paper = self.papers[index]
        title = self.titles[index]
        abstract = display_text(paper.abstract)
        query = self.query
        key = self.keys[index]
        pane.show(paper_content(
            paper, title, abstract, read=self._confirmed(key, "read"),
            starred=self._confirmed(key, "starred"),
            title_spans=query.highlights(title, "title") if query is not None else (),
            abstract_spans=query.highlights(abstract, "abstract") if query is not None else ()))

    def _start_dwell(self, index: int | None) -> None:
        if self._dwell_timer is not None:
            self._dwell_timer.stop()
            self._dwell_timer = None
        dwell = self.config.dwell_seconds
        if dwell <= 0 or index is None or self._effective(self.keys[index], "read"):
            return
        self._dwell_timer = self.set_timer(dwell, lambda: self._dwell_done(index))

    def _dwell_done(self, index: int) -> None:
        self._dwell_timer = None
        if self.paper_list.selected == index and not self._effective(self.keys[index], "read"):
            key = self.keys[index]
            self._submit([(key, "read", True)], undo=[(key, "read", False)])

    # -- marks ------------------------------------------------------------------------------

    def _flags(self, keys: Sequence[str]) -> tuple[bytearray, bytearray]:
        """Read and star flags for every paper, from the store (run in a worker: 0.1 s at 100k)."""
        store = self._store
        read, starred = bytearray(len(keys)), bytearray(len(keys))
        if store is None:
            return read, starred
        if len(store) < len(keys):
            # Fewer marks than papers (the usual case): walk the marks, not the papers.
            for event in store.events():
                if event.value:
                    flags = read if event.field == "read" else starred
                    for i in self._indices(event.key):
                        flags[i] = 1
            return read, starred
        return bytearray(map(store.is_read, keys)), bytearray(map(store.is_starred, keys))

    def _set_flags(self, read: bytearray, starred: bytearray) -> None:
        # The list holds bound methods of the arrays, so they are updated in place.
        self._marks_version += 1
        self.read_flags[:] = read
        self.star_flags[:] = starred

    def _indices(self, key: str) -> Sequence[int]:
        more = self._where_more.get(key)
        if more is not None:
            return more
        i = self._where.get(key)
        return () if i is None else (i,)

    @property
    def unread_total(self) -> int:
        return len(self.read_flags) - self.read_flags.count(1)

    def _count_unread(self, rows: Sequence[int]) -> int:
        if len(rows) == len(self.read_flags):
            return self.unread_total
        flags = self.read_flags
        return len(rows) - sum(map(flags.__getitem__, rows))

    def _confirmed(self, key: str, field: str) -> bool:
        flags = self.read_flags if field == "read" else self.star_flags
        indices = self._indices(key)
        return bool(indices) and bool(flags[indices[0]])

    def _effective(self, key: str, field: str) -> bool:
        """State including marks still being written (for toggles and navigation)."""
        pending = self._pending.get((key, field))
        return pending[1] if pending is not None else self._confirmed(key, field)

    def _submit(self, changes: list[Change], undo: list[Change] | None) -> None:
        if not changes or self._stopping.is_set():
            return  # after `q` nothing more is written (the writer is shut down)
        if self._store is None:
            self._say("the library is still loading", "warning")
            return
        self._ticket += 1
        ticket = self._ticket
        for key, field, value in changes:
            self._pending[(key, field)] = (ticket, value)
        store = self._store

        def write() -> None:
            error = None
            try:
                store.apply(changes)
            except Exception as err:  # StateError, or anything unexpected: never lose silently
                error = str(err) or err.__class__.__name__
            self.post_message(MarksSaved(changes, undo, error, ticket))

        self._writer.submit(write)

    def on_marks_saved(self, message: MarksSaved) -> None:
        for key, field, _ in message.changes:
            pending = self._pending.get((key, field))
            if pending is not None and pending[0] == message.ticket:
                del self._pending[(key, field)]
        for warning in self._store.take_warnings() if self._store else ():
            self._say(warning, "warning")
        if message.error:
            self._say(f"Mark not saved: {message.error}", "error")
        else:
            self._marks_version += 1
            for key, field, value in message.changes:
                flags = self.read_flags if field == "read" else self.star_flags
                for i in self._indices(key):
                    flags[i] = value
            if message.undo:
                self._undo.append(message.undo)
        self._after_state_change({k for k, _, _ in message.changes})

    def _after_state_change(self, keys: set[str] | None) -> None:
        plist = self.paper_list
        if keys is None:
            plist.refresh_papers(None)
        else:
            top = round(plist.scroll_y)
            visible = [i for i in plist.rows[top:top + plist.size.height] if self.keys[i] in keys]
            plist.refresh_papers(visible if len(keys) <= 50 else None)
        self._unread_shown = self._count_unread(plist.rows)
        self._update_status()
        if self._shown_index is not None and (keys is None or self.keys[self._shown_index] in keys):
            self._show_selected()

    @work(thread=True, exclusive=True, group="refresh", description="refresh")
    def _refresh_state(self) -> None:
        store = self._store
        if store is None:
            return
        try:
            changed = store.refresh()
        except Exception as err:
            self.call_from_thread(self._say, f"cannot re-read marks: {err}", "error")
            return
        for warning in store.take_warnings():  # a damaged file found (and repaired) on the way
            self.call_from_thread(self._say, warning, "warning")
        if changed:
            read, starred = self._flags(self.keys)
            self.call_from_thread(self._refreshed, read, starred)

    def _refreshed(self, read: bytearray, starred: bytearray) -> None:
        if len(read) == len(self.read_flags):
            self._set_flags(read, starred)
            self._after_state_change(None)

    def _selected_key(self) -> str | None:
        index = self.paper_list.selected
        return None if index is None else self.keys[index]

    def action_toggle_read(self) -> None:
        key = self._selected_key()
        if key is not None:
            old = self._effective(key, "read")
            if self._dwell_timer is not None:
                self._dwell_timer.stop()
                self._dwell_timer = None
            self._submit([(key, "read", not old)], undo=[(key, "read", old)])

    def action_toggle_star(self) -> None:
        key = self._selected_key()
        if key is not None:
            old = self._effective(key, "starred")
            self._submit([(key, "starred", not old)], undo=[(key, "starred", old)])

    def _find_unread(self, start: int, step: int) -> int | None:
        rows, keys = self.paper_list.rows, self.keys
        pos = start
        while 0 <= pos < len(rows):
            if not self._effective(keys[rows[pos]], "read"):
                return pos
            pos += step
        return None

    def _jump_unread(self, step: int) -> None:
        plist = self.paper_list
        pos = self._find_unread(plist.cursor + step, step)
        if pos is None:
            self._say("No more unread papers " + ("below." if step > 0 else "above."))
        else:
            plist.move_to(pos)

    def action_next_unread(self) -> None:
        self._jump_unread(1)

    def action_prev_unread(self) -> None:
        self._jump_unread(-1)

    def action_read_next(self) -> None:
        key = self._selected_key()
        if key is None:
            return
        if not self._effective(key, "read"):
            self._submit([(key, "read", True)], undo=[(key, "read", False)])
        self._jump_unread(1)

    def action_mark_all(self) -> None:
        rows, keys = self.paper_list.rows, self.keys
        unread = list(dict.fromkeys(keys[i] for i in rows if not self._effective(keys[i], "read")))
        if not unread:
            self._say("Every shown paper is already read.")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._submit([(k, "read", True) for k in unread], undo=[(k, "read", False) for k in unread])

        noun = "paper" if len(unread) == 1 else "papers"
        self.push_screen(ConfirmScreen(f"Mark {len(unread):,} shown {noun} as read?"), confirmed)

    def action_undo(self) -> None:
        if not self._undo:
            self._say("Nothing to undo.")
            return
        self._submit(self._undo.pop(), undo=None)

    # -- filter -----------------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._pane_timer is not None:
            self._schedule_pane()  # not in the middle of typing
        self._start_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.filter_bar.remember(event.value)
        save_history(self.filter_bar.history, self._history_file)
        self.action_focus_list()

    def _start_filter(self, text: str) -> None:
        if not self.loaded or self.corpus is None:
            self._pending_filter = text
            return
        if not text.strip():
            self.workers.cancel_group(self, "filter")
            self._apply_filter(None, "", range(len(self.papers)), self.unread_total)
            return
        # The last result may narrow the next search, unless marks changed since (is:unread).
        fresh = self._result_marks == self._marks_version
        self._run_filter(text, self.query if fresh else None, self._result if fresh else None,
                         self.rank, self._marks_version)

    @work(thread=True, exclusive=True, group="filter", description="filter")
    def _run_filter(self, text: str, previous, previous_result, rank: bool, marks_version: int) -> None:
        from ..query import QueryError, parse

        worker = get_current_worker()
        try:
            query = parse(text)
        except QueryError as err:
            self.post_message(FilterDone(None, text, None, 0, str(err), marks_version))
            return
        candidates = None if rank else query.narrowing(previous, previous_result, self.corpus)
        result = query.run(self.corpus, candidates=candidates, rank=rank,
                           is_read=self.read_flags.__getitem__, is_starred=self.star_flags.__getitem__,
                           cancelled=lambda: worker.is_cancelled)
        if not worker.is_cancelled and result.complete:
            unread = self._count_unread(result.indices)
            self.post_message(FilterDone(query, text, result, unread, None, marks_version))

    def on_filter_done(self, message: FilterDone) -> None:
        if message.text != self.filter_bar.value:
            return  # a stale answer: a newer keystroke is on its way
        if message.error is not None:
            self.query_error = message.error
            self._update_status()
            return
        self._result, self._result_marks = message.result, message.marks_version
        self._apply_filter(message.query, message.text, message.result.indices, message.unread)

    def _apply_filter(self, query, text: str, indices: Sequence[int], unread: int) -> None:
        self.query, self.query_text, self.query_error = query, text, None
        if query is None:
            self._result = None
        plist = self.paper_list
        keep = plist.selected
        highlighter = (lambda title: query.highlights(title, "title")) if query is not None else None
        # set_rows posts Highlighted, which redraws the pane (with the new highlights) after
        # PANE_DELAY: while typing, the list repaints at once and the pane once typing pauses.
        plist.set_rows(indices, keep=keep, highlighter=highlighter)
        self._unread_shown = unread
        self._update_status()

    def _focus_now(self, widget) -> None:
        # Widget.focus() defers to the next turn of the loop, and keys typed right after "/"
        # (a fast typist, a paste, tmux send-keys) would still go to the list as commands.
        self.screen.set_focus(widget)

    def action_focus_filter(self) -> None:
        self._focus_now(self.filter_bar)

    def action_focus_list(self) -> None:
        self._focus_now(self.paper_list)

    def action_clear_filter(self) -> None:
        if self.filter_bar.value:
            self.filter_bar.value = ""

    def action_toggle_rank(self) -> None:
        self.rank = not self.rank
        self._say("Ranking by match score." if self.rank else "Digest order.")
        if self.filter_bar.value.strip():
            self._start_filter(self.filter_bar.value)
        self._update_status()

    def action_saved_query(self, slot: int) -> None:
        text = self.config.queries.get(slot)
        if text is None:
            self._say(f"No query saved on {slot}; press ctrl+s to save the current filter.")
            return
        self.filter_bar.value = text
        self.filter_bar.remember(text)

    def action_save_query(self) -> None:
        text = self.filter_bar.value.strip()
        if not text:
            self._say("Type a filter first, then ctrl+s saves it.")
            return
        if text in self.config.queries.values():
            slot = next(n for n, q in self.config.queries.items() if q == text)
            self._say(f"Already saved as query {slot}.")
            return
        slot = self.config.free_slot()
        if slot is None:
            self._say("Keys 1-9 are all taken; edit the [queries] table in config.toml.", "warning")
            return
        self.config.queries[slot] = text
        try:
            if self.config.path is not None:
                save_config(self.config)
        except OSError as err:
            del self.config.queries[slot]
            self._say(f"Query not saved: {err.strerror or err}", "error")
            return
        self._say(f"Saved as query {slot}: press {slot} to apply it.")

    # -- other actions ----------------------------------------------------------------------

    def action_switch_pane(self) -> None:
        self._focus_now(self.abstract_pane if self.focused is self.paper_list else self.paper_list)

    def _selected_paper(self) -> Paper | None:
        index = self.paper_list.selected
        return None if index is None else self.papers[index]

    def action_open_pdf(self) -> None:
        paper = self._selected_paper()
        if paper is None:
            return
        url, _ = paper_urls(paper)
        if url is None:
            self._say("This paper has no PDF link.", "warning")
            return
        if can_open_browser():
            self.open_url(url)
            self._say(f"Opening {url}")
        else:
            self._say(f"No browser on this machine; the PDF is at {url} (y copies the page URL)")

    def action_copy_url(self) -> None:
        paper = self._selected_paper()
        if paper is None:
            return
        pdf, page = paper_urls(paper)
        url = page or pdf
        if url is None:
            self._say("This paper has no link to copy.", "warning")
            return
        self.copy_to_clipboard(url)
        self._say(f"Copied {url}")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._stopping.is_set():
            return False  # keys typed after `q` (a paste, "question") do nothing
        if action in ("switch_pane", "focus_filter") and self.screen is not self.screen_stack[0]:
            return False
        if action == "focus_filter" and isinstance(self.focused, FilterBar):
            return False  # "/" is then just a character of the query (id:cs/0601001)
        return True

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        seen = {"quit"}  # Textual's own commands already offer Quit
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.tooltip and binding.action not in seen:
                seen.add(binding.action)
                action = binding.action
                key = self.get_key_display(binding)
                yield SystemCommand(binding.tooltip, f"key: {key}",
                                    lambda action=action: self.run_action(action))

    # -- status -----------------------------------------------------------------------------

    def _source_label(self) -> str:
        if len(self.paths) == 1:
            p = Path(self.paths[0])
            return p.name + ("/" if p.is_dir() else "")
        return f"{len(self.paths)} paths"

    def _update_status(self) -> None:
        if not self.loaded:
            done, total = self._progress
            parts: list = [(sanitize(self._source_label()), "bold"),
                           f" · loading {done}/{total} files" if total else " · loading…"]
        else:
            shown = len(self.paper_list.rows)
            parts = [(sanitize(self._source_label()), "bold"),
                     f" · {len(self.papers):,} paper{'s' * (len(self.papers) != 1)} · {shown:,} shown · {self._unread_shown:,} unread"]
            if self.rank:
                parts.append(" · ranked")
            if self.query_error:
                parts += [" · ", (f"bad filter: {sanitize(self.query_error)}", "bold $text-error")]
            elif self.query_text.strip():
                parts += [" · filter: ", (sanitize(self.query_text), "$text-accent")]
        # One line, always: no layout pass needed (it would cost ~20 ms a keystroke here).
        self.status_bar.update(Content.assemble(*parts), layout=False)

    def _say(self, message: str, severity: str = "information") -> None:
        self.notify(sanitize(message), severity=severity, markup=False)  # type: ignore[arg-type]

    async def action_quit(self) -> None:
        self._stopping.set()
        self._writer.shutdown(wait=True)  # every queued mark reaches the disk first
        self.exit(0)

    def on_unmount(self) -> None:
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
        self._stopping.set()
        self._writer.shutdown(wait=True)


def can_open_browser() -> bool:
    """A console browser started from here would fight the reader for the terminal."""
    if os.environ.get("BROWSER"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def run(paths: Sequence[str]) -> int:
    app = ReaderApp(paths)
    code = app.run()
    return code or 0
