"""The reader app: paper list, abstract pane, filter bar, status bar and footer.

The app wires widgets to a `Session` (reader/session.py: rows, marks, view, filter; no UI)
and draws. Threads: the library loads in a worker (the first frame paints at once, with
progress); filters run in an exclusive worker that the next keystroke cancels; marks are
written by the session's writer thread, in order, and a mark is shown only once it is on disk.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Container
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import get_current_worker

from ..config import Config, load_config, load_history, save_history
from ..config_check import query_problems
from ..gc_policy import IdleCollector
from ..library import ParseCache, default_cache_dir
from ..session import Reread, Session
from ..text import sanitize
from . import history_wiring, keep_wiring, smart_wiring, sync_wiring
from .abstract_pane import AbstractPane
from .actions import EverydayActions
from .paper_actions import PaperActions
from .bindings import APP_BINDINGS, palette_commands
from .dwell import Dwell
from .filter_bar import FilterBar
from .handoff import HandoffActions
from .navigation import NavigationActions
from .live import LiveLibrary
from .messages import CorpusReady, FilterDone, LibraryChanged, Loaded, MarksSaved, Progress, RowsArrived
from .footer import FittingFooter
from .keycheck import check_keys
from .paper_list import PaperList
from .status_bar import StatusBar, source_label

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from ..marks import MarkStore
    from ..sync_live import SyncWatcher
    from ..search import Corpus, Query, Result

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
FILTER_PLACEHOLDER = "/ to filter: words  \"a phrase\"  !not  a | b  ti: abs: cat: id: date: is:unread"
SEARCHING_AFTER = 0.2
"""A filter still running after this long says so in the status bar ("searching…")."""
IDLE_GC_SECONDS = 1.0
"""How often the idle garbage collector looks whether it is time (see gc_policy.py)."""


@dataclass(frozen=True)
class Notice:
    """A message the app showed the user (a toast), kept for tests and for a later log."""

    message: str
    severity: str


class ReaderApp(EverydayActions, PaperActions, HandoffActions, NavigationActions, App[int]):
    """Triage arXiv digests: read, star, filter, open."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses elsewhere find it
    TITLE = "arxiv-reader"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = APP_BINDINGS

    def __init__(self, paths: Sequence[str], *, store: MarkStore | None = None, config: Config | None = None,
                 cache: ParseCache | None | bool = True, history_file: Path | None = None) -> None:
        super().__init__()
        self.paths = list(paths)
        self.config_warnings: list[str] = []
        self.config_problems: list[str] = []
        """Every problem in config.toml (`arxiv-reader config check` lists them); the status bar counts them."""
        if config is None:
            config, self.config_warnings = load_config()
        self.config = config
        self.session = Session(lambda report: self.post_message(MarksSaved(report)))
        self.session.store = store
        self._cache = ParseCache(default_cache_dir()) if cache is True else (cache or None)
        self._history_file = history_file
        self.corpus: Corpus | None = None
        self.load_seconds = 0.0
        self.notices: deque[Notice] = deque(maxlen=200)  # the last messages shown, newest last
        self.idle_gc = IdleCollector()
        self._pending_filter: str | None = None
        self._stopping = threading.Event()  # quit: indexing stops, keys do nothing any more
        self.dwell = Dwell(self, config.dwell_seconds, self._dwell_done, self._reading)
        self._pane_timer: Timer | None = None
        self._shown_index: int | None = None
        self._progress: tuple[int, int] = (0, 0)
        self.live = LiveLibrary(self, self._cache, self._stopping)
        """Rows arriving while the app runs: the streamed start, then live reload."""
        self._searching: Timer | None = None  # shows "searching…" when a filter takes a while
        self.searching = False
        self.animation_level = "none"  # scrolling is instant: an animation costs bytes over SSH
        self.sync: SyncWatcher | None = None  # marks shared through `sync_dir` (sync_wiring.py)

    # What the benchmark reads; the session holds it.
    papers = property(lambda self: self.session.papers, doc="The loaded papers (`Session.papers`).")
    loaded = property(lambda self: self.session.loaded, doc="The library is shown (`Session.loaded`).")
    query_text = property(lambda self: self.session.filter.text, doc="The filter on screen, as typed.")
    watcher = property(lambda self: self.live.watcher, doc="The library watcher (`poll()` looks now).")

    @property
    def active_query(self) -> Query | None:
        """The parsed filter on screen (None when unfiltered)."""
        return self.session.query

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # The widgets are kept as attributes rather than queried: a timer that fires while the
        # app shuts down must not fail on a DOM that is already gone.
        self.filter_bar = FilterBar(placeholder=FILTER_PLACEHOLDER, id="filter")
        self.paper_list = PaperList(id="papers")
        self.abstract_pane = AbstractPane(id="abstract")
        self.status_bar = StatusBar(Content(""), id="status", markup=False)
        yield self.filter_bar
        with Container(id="panes"):
            yield self.navigator_widget()
            yield self.paper_list
            yield self.abstract_pane
        yield self.status_bar
        yield FittingFooter()

    def on_mount(self) -> None:
        keymap, key_problems = check_keys(self.config)  # a remap that is wrong keeps its default
        if keymap:
            self.set_keymap(keymap)
        self.filter_bar.history = load_history(self._history_file)
        self._apply_layout(self.size.width)
        self.setup_navigator(self.size.width)  # applies the theme: an unknown one is a config warning
        self.config_problems = [*self.config_warnings, *key_problems, *query_problems(self.config)]
        marks = self.session.marks
        self.paper_list.is_read = marks.is_read  # the session updates the flags in place
        self.paper_list.is_starred = marks.is_starred
        keep_wiring.start(self)
        self.paper_list.focus()
        self._update_status()
        self.handoff_mount()  # selection column, fetch_on_start
        self._load()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_layout(event.size.width)

    def _apply_layout(self, width: int) -> None:
        self.screen.set_class(width < NARROW_WIDTH, "-narrow")

    # -- loading ----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="load", description="load")
    def _load(self) -> None:
        self.live.open()

    def on_progress(self, message: Progress) -> None:
        self._progress = (message.done, message.total)
        if not self.session.loaded:  # streaming older digests: the list says "no match", not this
            self.paper_list.empty_message = f"Loading… {message.done}/{message.total} files"
            self.paper_list.refresh()
        self._update_status()

    def on_loaded(self, message: Loaded) -> None:
        session, opened = self.session, message.opened
        session.store = opened.store
        session.load(opened.prepared, opened.library)
        self.load_seconds = opened.seconds
        plist = self.paper_list
        plist.empty_message = self.live.empty_message(opened.total)
        plist.set_papers(session.papers, session.titles)
        self.live.shown = (opened.done, opened.total)
        self.open_first_view()
        for warning in opened.warnings:
            self.say(warning, "error" if "cannot" in warning else "warning")
        self._update_status()
        self.set_interval(REFRESH_SECONDS, self.refresh_marks)
        self.set_interval(IDLE_GC_SECONDS, self.idle_gc.tick)
        sync_wiring.start(self)
        if opened.corpus is not None:  # streamed: filtering works over what is loaded
            self._use_corpus(opened.corpus)

    def on_rows_arrived(self, message: RowsArrived) -> None:
        self.live.show(message.opened)

    def on_library_changed(self, message: LibraryChanged) -> None:
        self.live.changed(message)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self.idle_gc.note_input()
            # Dwell counts only papers the user moved to, with a key or a click in the list or pane.
            self.dwell.note_input(len(self.screen_stack) == 1
                                  and (isinstance(event, events.MouseDown) or self._in_papers()))
        await super().on_event(event)
        if isinstance(event, events.MouseDown) and len(self.screen_stack) == 1:
            self.call_after_refresh(self._dwell_stay)

    def on_corpus_ready(self, message: CorpusReady) -> None:
        self.idle_gc.raise_threshold()  # here, on the event loop, so that on_unmount surely restores it
        self.live.watch()
        if message.corpus.papers is self.session.papers:  # else rows arrived since, with their own
            self._use_corpus(message.corpus)

    def _use_corpus(self, corpus: Corpus) -> None:
        self.corpus = corpus
        keep_wiring.corpus_ready(self, corpus)
        if self._pending_filter is not None:
            text, self._pending_filter = self._pending_filter, None
            self._start_filter(text)

    # -- selection and the abstract pane ----------------------------------------------------
    @on(PaperList.Highlighted)
    def _highlighted(self, message: PaperList.Highlighted) -> None:
        self._schedule_pane()
        self._update_status()  # the position (17/400)
        index = message.index
        self.dwell.moved(index, index is not None and not self.session.is_read(index))

    def _schedule_pane(self) -> None:
        if self._pane_timer is not None:
            self._pane_timer.stop()
        delay = PANE_TYPING_DELAY if self.focused is self.filter_bar else PANE_DELAY
        self._pane_timer = self.set_timer(delay, self._show_selected)

    def _show_selected(self) -> None:
        self._pane_timer = None
        if not self.abstract_pane.is_attached:  # the app is shutting down
            return
        index = self._shown_index = self.paper_list.selected
        if index is None:
            self.abstract_pane.show_paper(None)
            return
        session, key = self.session, self.session.keys[index]
        self.abstract_pane.show_paper(session.papers[index], session.titles[index], query=session.query,
                                      read=session.marks.confirmed(key, "read"),
                                      starred=session.marks.confirmed(key, "starred"),
                                      facts=keep_wiring.facts(self, index))

    def _dwell_done(self, index: int) -> None:
        if self.paper_list.selected == index and not self.session.is_read(index):
            self._mark(self.session.mark_read(index))

    # -- marks ------------------------------------------------------------------------------
    def _mark(self, refused: str | None) -> None:
        if refused is not None and refused != "closed":
            self.say(refused, "warning")

    def on_marks_saved(self, message: MarksSaved) -> None:
        for warning in self.session.take_warnings():
            self.say(warning, "warning")
        if message.report.error:
            self.say(f"Mark not saved: {message.report.error}", "error")
        self.handoff_saved(message.report)
        sync_wiring.marks_saved(self)
        self._after_state_change(self.session.settle(message.report))

    def _after_state_change(self, keys: set[str] | None) -> None:
        keep_wiring.marks_changed(self)
        self.paper_list.refresh_keys(keys, self.session.keys)
        self.refresh_navigator()
        self._update_status()
        if self._shown_index is not None and (keys is None or self.session.keys[self._shown_index] in keys):
            self._show_selected()

    @work(thread=True, exclusive=True, group="refresh", description="refresh")
    def refresh_marks(self) -> None:
        """Pick up marks written by another process (runs every REFRESH_SECONDS)."""
        self.call_from_thread(self._refreshed, self.session.reread_marks())

    def _refreshed(self, reread: Reread) -> None:
        for message, severity in reread.messages:
            self.say(message, severity)
        if reread.flags is not None and reread.generation != self.session.generation:  # rows swapped meanwhile
            reread.flags = self.session.marks.index.flags(self.session.store)
        if reread.flags is not None and self.session.replace_flags(*reread.flags):
            self._after_state_change(None)
            smart_wiring.evaluate(self)  # views about marks and tags, as the other process left them

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
        if not self.session.loaded or self.corpus is None:
            self._pending_filter = text
            return
        if not text.strip():
            self.workers.cancel_group(self, "filter")
            self.session.clear_filter()
            self._show_searching(False)
            self._apply_filter(None, "", self.session.rows, self.session.unread_shown)
            return
        # The last result may narrow the next search, unless marks changed since (is:unread).
        if self._searching is None:
            self._searching = self.set_timer(SEARCHING_AFTER, self._show_searching)
        self._run_filter(self.corpus, text, self.session.narrowing())

    @work(thread=True, exclusive=True, group="filter", description="filter")
    def _run_filter(self, corpus: Corpus, text: str, previous: tuple[Query | None, Result | None]) -> None:
        worker = get_current_worker()
        outcome = self.session.search(corpus, text, previous, lambda: worker.is_cancelled)
        if outcome is not None:
            self.post_message(FilterDone(outcome))

    def on_filter_done(self, message: FilterDone) -> None:
        outcome = message.outcome
        if outcome.text != self.filter_bar.value:
            return  # a stale answer: a newer keystroke is on its way
        self._show_searching(False)
        if self.session.apply_search(outcome):
            self._apply_filter(outcome.query, outcome.text, self.session.rows, outcome.unread)
        else:
            self._update_status()

    def _apply_filter(self, query: Query | None, text: str, indices: Sequence[int], unread: int) -> None:
        """Draw the rows of a filter (the session already holds them; the benchmark hooks here)."""
        highlighter = (lambda title: query.highlights(title, "title")) if query is not None else None
        # set_rows posts Highlighted, which redraws the pane (with the new highlights) after
        # PANE_DELAY: while typing, the list repaints at once and the pane once typing pauses.
        self.paper_list.set_rows(indices, keep=self.paper_list.selected, highlighter=highlighter)
        self._update_status()

    def _focus_now(self, widget: FilterBar | PaperList | AbstractPane) -> None:
        # Widget.focus() defers to the next turn of the loop, and keys typed right after "/"
        # (a fast typist, a paste, tmux send-keys) would still go to the list as commands.
        self.screen.set_focus(widget)

    def action_focus_filter(self) -> None:
        self._focus_now(self.filter_bar)

    def action_focus_list(self) -> None:
        self._focus_now(self.paper_list)

    def action_clear_filter(self) -> None:
        if not self.clear_paper_selection() and self.filter_bar.value:  # the selection first, then the filter
            self.filter_bar.value = ""

    def action_toggle_rank(self) -> None:
        keep_wiring.cycle_order(self)  # digest order, match score, watch score
        self._update_status()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._stopping.is_set():
            return False  # keys typed after `q` (a paste, "question") do nothing
        if self.hidden_while_typing(action):
            return False  # the key types into the filter bar; the footer shows the filter's keys
        if action in ("switch_pane", "focus_filter") and self.screen is not self.screen_stack[0]:
            return False
        if history_wiring.blocks(self, action):
            return False  # History is shown: no paper list for the paper keys to act on
        # In the filter bar "/" is just a character of the query (id:cs/0601001).
        return not (action == "focus_filter" and isinstance(self.focused, FilterBar))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)

    # -- status -----------------------------------------------------------------------------
    def _update_status(self) -> None:
        session = self.session
        self.status_bar.show(
            source_label(self.paths), progress=None if session.loaded else self._progress, papers=len(session.papers),
            shown=len(self.paper_list.rows), unread=session.unread_shown, ranked=session.rank,
            query_text=session.filter.text, query_error=session.filter.error, **self.handoff_status(),
            **self.view_status(), order=session.keep.order, hidden=session.hidden_shown,
            streaming=self._progress if self.live.loading else None, arrived=self.live.arrived,
            config_problems=len(self.config_problems), searching=self.searching,
            starred=session.marks.starred_total if session.loaded else 0)

    def say(self, message: str, severity: SeverityLevel = "information") -> None:
        """A toast (digest text in it is shown literally, never as markup)."""
        message = sanitize(message)
        self.notices.append(Notice(message, severity))
        self.notify(message, severity=severity, markup=False)

    async def action_quit(self) -> None:
        self.on_unmount()
        self.exit(0)

    def on_unmount(self) -> None:
        self._stopping.set()
        self.save_view()
        self.live.close()
        self.session.close()  # every mark accepted so far reaches the disk first
        sync_wiring.stop(self)
        self.idle_gc.restore()


def run(paths: Sequence[str]) -> int:
    app = ReaderApp(paths)
    code = app.run()
    return code or 0
