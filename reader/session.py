"""What the reader is showing, without any UI: the loaded rows, their marks, the view and the filter.

The app turns keys into calls on a `Session` and repaints from it; everything here can be
tested with plain pytest. Threads: `Session.prepare` and `Session.search` run in workers and
only read; every method that changes the session runs on the app's event loop.

Seams for what comes next: a `View` is what the list shows before the filter ("All" today; a
digest day, a category, "Starred" with the navigator), and `Session.load` replaces the rows
wholesale; `Session.swap_rows` is how rows arrive later (a streamed start, live reload), keeping
the view, the filter and the current paper by key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .keeping import Keeping
from .marks import Change, KeyIndex, Marks, MarkStore, WriteReport
from .model import Paper
from .selection import Selection, target_value
from .text import display_title
from .views import KeyFlags, Navigation

if TYPE_CHECKING:
    from .library import Library
    from .search import Query, Result
    from .smart_views import SmartRows, SmartView


@dataclass(frozen=True)
class View:
    """The papers a view offers before any filter: `rows` (indices into the papers), None for all."""

    label: str = "All"
    rows: Sequence[int] | None = None
    id: str = "all"
    """The navigator's view id (reader/digests.py): ``all``, ``digest:2019-07-09:cs.CV``, ..."""

    def restrict(self, indices: Sequence[int], ranked: bool = False) -> Sequence[int]:
        """A filter's result (over all papers) cut down to this view: in the view's order, or
        in the result's order when `ranked`."""
        if self.rows is None:
            return indices
        if ranked:
            inside = set(self.rows)
            return [i for i in indices if i in inside]
        wanted = set(indices)
        return [i for i in self.rows if i in wanted]


ALL = View()


@dataclass
class Prepared:
    """The rows of a library, built in a worker before they are shown."""

    papers: Sequence[Paper]
    titles: list[str]
    index: KeyIndex
    read: bytearray
    starred: bytearray
    navigation: Navigation | None = None


Severity = Literal["information", "warning", "error"]


@dataclass
class Reread:
    """Marks re-read from the store: new flags (None when nothing changed) and what to tell the user."""

    flags: tuple[bytearray, bytearray] | None
    messages: list[tuple[str, Severity]]
    generation: int = 0
    """The `Session.generation` of the rows the flags are for (rows swapped since: stale flags)."""


@dataclass
class SearchOutcome:
    """One finished search: the query, its result and the unread count among it, or an error."""

    text: str
    query: Query | None
    result: Result | None
    unread: int
    error: str | None
    marks_version: int
    generation: int = 0
    """The `Session.generation` the search ran over; results over older rows are dropped."""


@dataclass
class Filter:
    """The filter on screen: its text, parsed query (None when empty) and last result."""

    text: str = ""
    query: Query | None = None
    result: Result | None = None
    error: str | None = None
    marks_version: int = -1
    """The `Marks.version` the result was computed at; older results cannot narrow is:unread."""


@dataclass
class Session:
    """The loaded library, its marks, the current view and the filter's result."""

    report: Callable[[WriteReport], object]
    """Called (from the writer thread) after each write; the app posts a message from it."""
    papers: Sequence[Paper] = ()
    titles: list[str] = field(default_factory=list)
    library: Library | None = None
    loaded: bool = False
    view: View = ALL
    filter: Filter = field(default_factory=Filter)
    rank: bool = False
    rows: Sequence[int] = ()
    """The rows on screen: the view, filtered, in display order."""
    unread_shown: int = 0
    navigation: Navigation | None = None
    """The digest navigator and the views it offers (reader/views.py)."""
    keep: Keeping = field(default_factory=Keeping)
    """Watch and hide rules, the list's order, the pane's facts (reader/keeping.py)."""
    hidden_shown: int = 0
    """Papers of the view (and filter) a hide rule takes out."""
    generation: int = 0
    """Grows whenever the rows are swapped (`swap_rows`): a search begun before is stale."""
    unread_on_update: bool = False
    """Config ``unread_on_update``: a paper read before its newest version was announced shows unread."""

    def __post_init__(self) -> None:
        self.marks = Marks(self.report)
        self.selection = Selection()  # paper keys: survives filter, view and reload
        self._shown_set: tuple[Sequence[int], set[int]] | None = None

    # -- loading ----------------------------------------------------------------------------

    @property
    def store(self) -> MarkStore | None:
        return self.marks.store

    @store.setter
    def store(self, store: MarkStore | None) -> None:
        self.marks.store = store

    @staticmethod
    def prepare(papers: Sequence[Paper], store: MarkStore | None, listings: Sequence[Paper] | None = None,
                titles: Sequence[str] | None = None) -> Prepared:
        """Display titles (unless given: a corpus has them), the key index, the flags and the
        navigator over `listings` (every listing before merging; the papers when not given) (in a
        worker: 0.1-0.3 s at 100k papers)."""
        if titles is None:
            titles = [display_title(p.title) for p in papers]
        elif not isinstance(titles, list):
            titles = list(titles)  # else shared, not copied: nothing changes a corpus's titles
        index = KeyIndex([p.key for p in papers])
        read, starred = index.flags(store)
        navigation = Navigation(papers if listings is None else listings, papers, KeyFlags(index, read, starred))
        return Prepared(papers, titles, index, read, starred, navigation)

    def load(self, prepared: Prepared, library: Library | None = None) -> None:
        """Show these rows: the first load, or (later) a reload with papers added or removed."""
        self.library = library
        self.papers = prepared.papers
        self.titles = prepared.titles
        self.marks.reset(prepared.index, prepared.read, prepared.starred)
        self.keep.matches = None  # the rules' answers are for the old rows; they run again on the new corpus
        self.loaded = True
        self.filter = Filter(text=self.filter.text)
        self.navigation = prepared.navigation
        if self.navigation is not None:
            self.navigation.flags.follow(self.marks)
        self._unread_again()
        self.show(self.view.id)

    def swap_rows(self, prepared: Prepared, library: Library | None = None, current: int | None = None) -> int | None:
        """Rows arrived (the rest of a streamed library, a digest added, changed or deleted while
        running): show them, keeping the view, the filter and the paper under the cursor by key.

        The view and the filter's rows are carried over by key (papers gone drop out); with no
        filter, the view's new papers show at once, with one the caller re-runs the filter (its
        result is cleared, as its indices are stale). Returns the row index of paper `current`
        in the new rows, None if it is gone (or was None)."""
        old_keys = self.keys
        key = old_keys[current] if current is not None and 0 <= current < len(old_keys) else None
        filtered = self.filter.query is not None or bool(self.filter.text.strip())
        old_rows = self.rows
        self.library = library
        self.papers = prepared.papers
        self.titles = prepared.titles
        self.marks.reset(prepared.index, prepared.read, prepared.starred)
        self.keep.matches = None  # the rules' answers are for the old rows; they run again on the new corpus
        self.navigation = prepared.navigation
        if self.navigation is not None:
            self.navigation.flags.follow(self.marks)
        self._unread_again()
        self.loaded = True
        self.generation += 1
        index = prepared.index

        def moved(rows: Sequence[int]) -> list[int]:
            out: dict[int, None] = {}
            for i in rows:
                new = index.indices(old_keys[i])
                if new:
                    out[new[0]] = None
            return list(out)

        nav = self.navigation
        if nav is not None and nav.navigator.has(self.view.id):  # the view's new papers show too
            self.view = View(nav.label(self.view.id), nav.rows(self.view.id), self.view.id)
        elif self.view.rows is not None:
            self.view = View(self.view.label, moved(self.view.rows), self.view.id)
        self.filter = Filter(text=self.filter.text, query=self.filter.query)
        self.rows = moved(old_rows) if filtered else self.view_rows()
        self.unread_shown = self.marks.count_unread(self.rows)
        if key is None:
            return None
        found = index.indices(key)
        return found[0] if found else None

    @property
    def keys(self) -> Sequence[str]:
        return self.marks.index.keys

    def reread_marks(self) -> Reread:
        """In a worker: marks written by another process since, as new flags, and what to say."""
        store = self.store
        if store is None:
            return Reread(None, [])
        try:
            changed = store.refresh()
        except Exception as err:  # the store is unreadable: say so, keep what is shown
            return Reread(None, [(f"cannot re-read marks: {err}", "error")])
        # A damaged file found (and repaired) on the way.
        messages: list[tuple[str, Severity]] = [(w, "warning") for w in store.take_warnings()]
        generation = self.generation
        return Reread(self.marks.index.flags(store) if changed else None, messages, generation)

    def take_warnings(self) -> list[str]:
        """What the store found wrong (and repaired) since last asked."""
        return self.store.take_warnings() if self.store is not None else []

    # -- view and filter --------------------------------------------------------------------

    def view_rows(self) -> Sequence[int]:
        rows = range(len(self.papers)) if self.view.rows is None else self.view.rows
        self.hidden_shown = self.keep.hidden_in(rows)
        return self.keep.shown(rows)

    def set_view(self, view: View) -> None:
        """Show another view, unfiltered (the caller re-runs the filter's text on it)."""
        self.view = view
        self.filter = Filter(text=self.filter.text)
        self.rows = self.view_rows()
        self.unread_shown = self.marks.count_unread(self.rows)

    def clear_filter(self) -> None:
        self.filter = Filter()
        self.rows = self.view_rows()
        self.unread_shown = self.marks.count_unread(self.rows)

    def narrowing(self) -> tuple[Query | None, Result | None]:
        """The last query and result, if they may narrow the next search (no mark changed since)."""
        if self.filter.marks_version != self.marks.version:
            return None, None
        return self.filter.query, self.filter.result

    def search(self, corpus: Any, text: str, previous: tuple[Query | None, Result | None],
               cancelled: Callable[[], bool]) -> SearchOutcome | None:
        """In a worker: run `text` over the corpus; None when cancelled before it finished."""
        from .search import QueryError, parse

        version = self.marks.version
        # A corpus over other rows than those shown (rows swapped meanwhile) gives a stale outcome.
        generation = self.generation if getattr(corpus, "papers", None) is self.papers else -1
        try:
            query = parse(text)
        except QueryError as err:
            return SearchOutcome(text, None, None, 0, str(err), version, generation)
        candidates = None if self.rank else query.narrowing(previous[0], previous[1], corpus)
        from .seen import store_lookups

        result = query.run(corpus, candidates=candidates, rank=self.rank, is_read=self.marks.is_read,
                           is_starred=self.marks.is_starred, cancelled=cancelled,
                           lookups=self.keep.lookups(store_lookups(self.store, self.papers, self.keys)))
        if cancelled() or not result.complete:
            return None
        rows = self.keep.shown(self.view.restrict(result.indices, self.rank), query)
        return SearchOutcome(text, query, result, self.marks.count_unread(rows), None, version, generation)

    def apply_search(self, outcome: SearchOutcome) -> bool:
        """Show a finished search; False (and only the error kept) when the query did not parse,
        False (and nothing kept) when the rows were swapped since it began."""
        if outcome.generation != self.generation:
            return False
        if outcome.error is not None or outcome.result is None:
            self.filter.error = outcome.error
            return False
        self.filter = Filter(outcome.text, outcome.query, outcome.result, None, outcome.marks_version)
        within = self.view.restrict(outcome.result.indices, self.rank)
        self.hidden_shown = self.keep.hidden_in(within, outcome.query)
        self.rows = self.keep.shown(within, outcome.query)
        self.unread_shown = outcome.unread
        return True

    @property
    def query(self) -> Query | None:
        return self.filter.query

    # -- marking ----------------------------------------------------------------------------

    def is_read(self, index: int) -> bool:
        return self.marks.effective(self.keys[index], "read")

    def toggle(self, index: int, field: str) -> str | None:
        key = self.keys[index]
        return self.marks.submit([(key, field, not self.marks.effective(key, field))])

    def mark_read(self, index: int) -> str | None:
        """Mark the paper read unless it already is (or is being marked)."""
        key = self.keys[index]
        return None if self.marks.effective(key, "read") else self.marks.submit([(key, "read", True)])

    def unread_shown_keys(self) -> list[str]:
        """Each shown paper that is not read, once, in display order (for mark-all)."""
        keys, effective = self.keys, self.marks.effective
        return list(dict.fromkeys(keys[i] for i in self.rows if not effective(keys[i], "read")))

    def mark_all_read(self, keys: Sequence[str]) -> str | None:
        changes: list[Change] = [(k, "read", True) for k in keys]
        return self.marks.submit(changes)

    def undo(self) -> str | None:
        """What the undone marking had done, or None when there is nothing to undo."""
        return self.marks.undo()

    def settle(self, report: WriteReport) -> set[str]:
        """A write finished: flags and counts follow; returns the keys touched."""
        keys = self.marks.settle(report)
        if self.navigation is not None and report.error is None:
            self.navigation.update(keys)
        self.unread_shown = self.marks.count_unread(self.rows)
        return keys

    def replace_flags(self, read: bytearray, starred: bytearray) -> bool:
        if not self.marks.replace_flags(read, starred):
            return False
        self._unread_again(recount=False)
        if self.navigation is not None:
            self.navigation.update(None)
        self.unread_shown = self.marks.count_unread(self.rows)
        return True

    def find_unread(self, position: int, step: int) -> int | None:
        """The first position from `position` on (in `step` direction) whose paper is unread."""
        rows, keys, effective = self.rows, self.keys, self.marks.effective
        while 0 <= position < len(rows):
            if not effective(keys[rows[position]], "read"):
                return position
            position += step
        return None

    def close(self) -> None:
        self.marks.close()

    # -- selection (v, V, Esc; m, s, A, t, Y act on it) --------------------------------------

    def toggle_selected(self, index: int) -> bool:
        """Select or unselect the paper at `index`; whether it is selected now."""
        return self.selection.toggle(self.keys[index])

    def select_shown(self) -> int:
        """Select every shown paper; returns how many were newly selected."""
        keys = self.keys
        return self.selection.add(keys[i] for i in self.rows)

    def selection_hidden(self) -> int:
        """How many selected papers the current view and filter do not show."""
        if not self.selection:
            return 0
        if self._shown_set is None or self._shown_set[0] is not self.rows:
            self._shown_set = (self.rows, set(self.rows))
        shown = self._shown_set[1]
        index = self.marks.index
        return sum(1 for key in self.selection.keys if not any(i in shown for i in index.indices(key)))

    def target_keys(self, index: int | None) -> list[str]:
        """The keys a command acts on: the selection if any, else the paper at `index`."""
        if self.selection:
            return self.selection.keys
        return [] if index is None else [self.keys[index]]

    def set_selected(self, field: str) -> str | None:
        """`m`/`s` on the selection: all to True if any is not, else all to False (DECISIONS)."""
        keys = [k for k in self.selection.keys if self.marks.index.indices(k)]
        if not keys:
            return "none of the selected papers is loaded"
        value = target_value(keys, lambda k: self.marks.effective(k, field))
        return self.marks.submit([(k, field, value) for k in keys])

    def unread_selected_keys(self) -> list[str]:
        """Each selected paper that is not read (for `A` with a selection)."""
        effective = self.marks.effective
        return [k for k in self.selection.keys if self.marks.index.indices(k) and not effective(k, "read")]

    def paper_of(self, key: str) -> Paper | None:
        indices = self.marks.index.indices(key)
        return self.papers[indices[0]] if indices else None

    # -- navigator views --------------------------------------------------------------------

    def show(self, view_id: str) -> None:
        """Show a navigator view (``all``, ``starred``, ``day:...``, ``digest:...``), unfiltered;
        a view that no longer exists shows All."""
        nav = self.navigation
        if nav is None or not nav.navigator.has(view_id):
            view_id = "all"
        if nav is None:
            self.set_view(View())
            return
        self.set_view(View(nav.label(view_id), nav.rows(view_id), view_id))

    # -- unread_on_update; smart views, tags and Updated as navigator rows -------------------

    def _unread_again(self, recount: bool = True) -> None:
        """With `unread_on_update`: papers read before their newest version was announced show
        unread (their read flags cleared; derived, nothing is written). Counts follow."""
        if not self.unread_on_update or self.store is None:
            return
        from .seen import unread_again

        keys = unread_again(self.marks.read, self.papers, self.keys, self.store)
        if keys and recount and self.navigation is not None:
            self.navigation.update(keys)

    def apply_hidden(self) -> bool:
        """Papers a hide rule hides leave the navigator's counts (call once the rules' answers
        are set); True if a count changed."""
        nav, matches = self.navigation, self.keep.matches
        if nav is None:
            return False
        hidden: set[str] = set()
        if matches is not None and self.keep.rules.hide and matches.n == len(self.keys):
            mask, keys = matches.hidden, self.keys
            i = mask.find(1)
            while i >= 0:
                hidden.add(keys[i])
                i = mask.find(1, i + 1)
        return nav.navigator.set_hidden(hidden)

    def smart_rows(self, corpus: Any, views: Sequence[SmartView]) -> tuple[SmartRows, int, int] | None:
        """In a worker: the Views, Tags and Updated rows over `corpus`, with the generation and
        marks version they were built at (for `attach_smart_rows`); None before a load."""
        nav = self.navigation
        if nav is None or getattr(corpus, "papers", None) is not self.papers:
            return None
        from .seen import store_lookups
        from .smart_views import Sources, build_rows

        generation, version = self.generation, self.marks.version
        lookups = self.keep.lookups(store_lookups(self.store, self.papers, self.keys))
        matches = self.keep.matches
        mask = matches.hidden if matches is not None and self.keep.rules.hide else None
        hidden = None if mask is None else (lambda i: bool(mask[i]))
        sources = Sources(corpus, self.keys, self.marks.is_read, self.marks.is_starred, lookups, hidden,
                          self.marks.index.first)  # `keys` are this index's
        return build_rows(views, sources, nav.flags.is_read, self.store), generation, version

    def attach_smart_rows(self, built: tuple[SmartRows, int, int]) -> bool:
        """Show rows built by `smart_rows` in the navigator; False when the rows were swapped since."""
        rows, generation, version = built
        if self.navigation is None or generation != self.generation:
            return False
        if version != self.marks.version:  # marks settled while they were built
            rows.recount_read()
        self.navigation.navigator.extras["smart"] = rows
        return True
