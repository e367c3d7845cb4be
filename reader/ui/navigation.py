"""The app's navigator actions (a mixin of `ReaderApp`): views, `d`, `[`, `]`, `D`, `E`, Tab, the
opening view and the last view saved at quit.

The bodies live here so that `ReaderApp` stays a thin wiring class; the model is UI-free
(`reader.digests`, `reader.views`, `Session.show`).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, cast

from collections.abc import Sequence
from pathlib import Path

from ..digests import HISTORY, STARRED
from ..opening import LastView, load_last_view, newest_marker, opening, save_last_view
from ..export import export_text
from ..model import Paper
from . import history_wiring
from .navigator import NavigatorPanel

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel
    from textual.screen import Screen
    from textual.widget import Widget

    from ..config import Config
    from ..session import Session
    from .abstract_pane import AbstractPane
    from .dwell import Dwell
    from .filter_bar import FilterBar
    from .paper_list import PaperList
    from .live import LiveLibrary
    from .history_list import HistoryList

AUTO_NAVIGATOR_WIDTH = 140
"""With ``navigator = "auto"`` the navigator is shown at start on terminals at least this wide."""


class NavigationActions:
    """Navigator wiring for `ReaderApp` (which provides the attributes declared below)."""

    pending_restore: tuple[str, str | None, str] | None = None
    """(the last view, its cursor, the view shown instead) while a streamed start has not yet
    brought the last view's digests."""

    if TYPE_CHECKING:
        session: Session
        config: Config
        paths: list[str]
        config_warnings: list[str]
        paper_list: PaperList
        abstract_pane: AbstractPane
        filter_bar: FilterBar
        navigator_panel: NavigatorPanel
        history_list: HistoryList
        live: LiveLibrary
        focused: Widget | None
        dwell: Dwell

        def _dwell_stay(self) -> None: ...
        screen: Screen[Any]
        theme: str
        available_themes: dict[str, Any]

        def say(self, message: str, severity: SeverityLevel = "information") -> None: ...
        def _focus_now(self, widget: FilterBar | PaperList | AbstractPane) -> None: ...
        def _start_filter(self, text: str) -> None: ...
        def _update_status(self) -> None: ...
        def _show_selected(self) -> None: ...

    @property
    def library_hint(self) -> str:
        """With no PATH and no `library` configured (the bundled samples): how to set one."""
        from ..library import bundled_samples

        if self.config.library is not None or [str(p) for p in self.paths] != [str(bundled_samples())]:
            return ""
        where = self.config.path or "config.toml"
        return f'samples shown: set library = "~/arxiv" in {where}'

    def navigator_widget(self) -> NavigatorPanel:
        """The navigator pane, made once in `compose`."""
        self.navigator_panel = NavigatorPanel(id="navigator")
        return self.navigator_panel

    def setup_navigator(self, width: int) -> None:
        """On mount: the navigator shown or not (config `navigator`), the configured theme."""
        self.navigator_panel.display = self.navigator_shown_at_start(width)
        history_wiring.mount(self)  # type: ignore[arg-type]  # the History row's list, hidden
        self.apply_theme()

    def view_status(self) -> dict[str, Any]:
        """The status bar's view, position and library hint (`StatusBar.show` keywords)."""
        if history_wiring.shown(self):  # type: ignore[arg-type]
            return history_wiring.status(self)  # type: ignore[arg-type]
        plist = self.paper_list
        return {"view": self.session.view.label, "position": plist.cursor + 1 if plist.rows else 0,
                "hint": self.library_hint}

    def rows_changed(self) -> None:
        """Call after `Session.load` with new rows (a reload), instead of `PaperList.set_papers`: the
        list and the navigator's rows and counts, the same view, filter and paper under the cursor
        where they still exist."""
        plist, session = self.paper_list, self.session
        selected = plist.selected
        key = plist.papers[selected].key if selected is not None else None  # the list still holds the old rows
        plist.set_papers(session.papers, session.titles)
        nav = session.navigation
        self.navigator_panel.set_navigator(nav.navigator if nav is not None else None)
        self.show_view(session.view.id, key)

    # -- showing views ----------------------------------------------------------------------

    def navigator_shown_at_start(self, width: int) -> bool:
        mode = self.config.navigator
        return mode == "show" or (mode == "auto" and width >= AUTO_NAVIGATOR_WIDTH)

    def show_view(self, view: str, cursor_key: str | None = None) -> None:
        """Show a navigator view, cursor on `cursor_key` when it is there, else on the view's
        first unread paper (else its first); the filter is applied again within the view."""
        if view == HISTORY:  # events, not papers (reader/ui/history_wiring.py)
            history_wiring.show(self)  # type: ignore[arg-type]
            return
        history_wiring.hide(self)  # type: ignore[arg-type]
        session = self.session
        session.show(view)
        self.navigator_panel.show_current(session.view.id)
        self._place_cursor(cursor_key)
        if self.filter_bar.value.strip():
            self._start_filter(self.filter_bar.value)
        self._update_status()

    def _place_cursor(self, cursor_key: str | None) -> None:
        session, plist = self.session, self.paper_list
        rows, keys = session.rows, session.keys
        position = None
        if cursor_key is not None:
            position = next((p for p, i in enumerate(rows) if keys[i] == cursor_key), None)
        if position is None:
            position = session.find_unread(0, 1) or 0
        self.dwell.note_input(False)  # the app placed the cursor: the next move is not the user's
        plist.set_rows(rows, keep=None)
        plist.move_to(position)

    def open_first_view(self) -> None:
        """After loading: the opening rule (reader.opening.opening) picks the view and cursor."""
        nav = self.session.navigation
        if nav is None:
            return
        self.navigator_panel.set_navigator(nav.navigator)
        last = load_last_view(self.paths)
        start = opening(nav.navigator, last, nav.flags.is_read)
        if start.restored and start.filter:
            self.filter_bar.value = start.filter  # runs once the search corpus is ready
        self.show_view(start.view, start.cursor)
        if start.restored and last is not None and last.view != start.view and self.live.loading:
            # The last view's digests are older than the first batch of a streamed start: show
            # it when they arrive (`restore_when_loaded`), unless the user moved meanwhile.
            self.pending_restore = (last.view, last.cursor, self.session.view.id)

    def restore_when_loaded(self) -> None:
        """Rows arrived: the last view that was waiting for its digests, once it exists."""
        pending = self.pending_restore
        nav = self.session.navigation
        if pending is None or nav is None:
            return
        view, cursor, shown = pending
        if self.session.view.id != shown:  # the user chose another view meanwhile
            self.pending_restore = None
        elif nav.navigator.has(view):
            self.pending_restore = None
            self.show_view(view, cursor)
        elif not self.live.loading:
            self.pending_restore = None

    def save_view(self) -> None:
        """At quit: what is shown, for the next start (reader.opening.save_last_view)."""
        nav, session = self.session.navigation, self.session
        if nav is None or not session.loaded:
            return
        selected = self.paper_list.selected
        record = LastView(session.view.id, self.filter_bar.value,
                          None if selected is None else session.keys[selected], newest_marker(nav.navigator))
        with contextlib.suppress(OSError):  # then the next start opens on the newest digest
            save_last_view(self.paths, record)

    def refresh_navigator(self) -> None:
        """After marks changed: the rows' counts (the session already updated them)."""
        if self.navigator_panel.display:
            self.navigator_panel.refresh_counts()
        history_wiring.marks_changed(self)  # type: ignore[arg-type]

    def on_navigator_panel_chosen(self, message: NavigatorPanel.Chosen) -> None:
        self.show_view(message.view)
        if message.view != HISTORY:  # History focuses its own list
            self._focus_now(self.paper_list)

    # -- actions ----------------------------------------------------------------------------

    def action_toggle_navigator(self) -> None:
        panel = self.navigator_panel
        if panel.display and self.focused is panel:
            panel.display = False
            self.screen.set_focus(history_wiring.list_widget(self))  # type: ignore[arg-type]
            return
        panel.display = True
        panel.refresh_counts()
        panel.show_current(self.session.view.id)
        panel.focus()

    def _step_view(self, delta: int) -> None:
        nav = self.session.navigation
        if nav is None:
            return
        panel = self.navigator_panel
        target = nav.navigator.step(self.session.view.id, delta, panel.expanded)
        if target == self.session.view.id:
            self.say("No newer row." if delta < 0 else "No older row.")
            return
        self.show_view(target)

    def action_prev_digest(self) -> None:
        self._step_view(-1)

    def action_next_digest(self) -> None:
        self._step_view(1)

    def action_switch_pane(self, step: int = 1) -> None:
        """Tab: navigator (when shown), list, pane, round."""
        order: list[Widget] = [self.paper_list, self.abstract_pane]
        if history_wiring.shown(self):  # type: ignore[arg-type]
            order = [self.history_list]
        if self.navigator_panel.display:
            order.insert(0, self.navigator_panel)
        here = order.index(self.focused) if self.focused in order else -1
        target = order[(here + step) % len(order)]
        if isinstance(target, NavigatorPanel) or target is getattr(self, "history_list", None):
            target.focus()
        else:
            self._focus_now(target)  # type: ignore[arg-type]
            self._dwell_stay()  # Tab into the pane is a move to the paper (dwell)

    def action_overview(self) -> None:
        from .digest_screens import OverviewScreen

        nav = self.session.navigation
        if nav is None:
            self.say("The library is still loading.")
        elif not isinstance(self.screen, OverviewScreen):
            cast("App[Any]", self).push_screen(OverviewScreen(nav.navigator))

    def action_export(self) -> None:
        from .digest_screens import ExportScreen

        nav = self.session.navigation
        if nav is None:
            self.say("The library is still loading.")
            return
        starred = nav.rows(STARRED) or []
        cast("App[Any]", self).push_screen(ExportScreen(len(self.session.rows), len(starred), self.config.export_dir,
                                                        len(self._selected_papers())),
                         self._export_chosen)

    def _selected_papers(self) -> list[Paper]:
        """The selection's papers that are loaded, in the order they were selected (for `E`)."""
        session = self.session
        return [p for k in session.selection.keys if (p := session.paper_of(k)) is not None]

    def _export_chosen(self, choice: tuple[str, str, Path] | None) -> None:
        nav = self.session.navigation
        if choice is None or nav is None:
            return
        what, fmt, path = choice
        session = self.session
        if what == "selected":
            self.say(*write_export(session, self._selected_papers(), fmt, path, "selected "))
            return
        rows = session.rows if what == "shown" else (nav.rows(STARRED) or [])
        self.say(*write_export(session, [session.papers[i] for i in rows], fmt, path))

    # -- looks ------------------------------------------------------------------------------

    def apply_theme(self) -> None:
        """The configured `theme`: any Textual theme; an unknown name is one config problem."""
        name = self.config.theme
        if not name:
            return
        if name in self.available_themes:
            self.theme = name
        else:
            where = self.config.path or "config.toml"
            self.config_warnings.append(f"{where}: theme: unknown theme {name!r}; the default is kept")


def write_export(session: Session, papers: Sequence[Paper], fmt: str, path: Path,
                 which: str = "") -> tuple[str, SeverityLevel]:
    """Write `papers` in `fmt` to `path`; what to tell the user (`which`: "selected " names them so)."""
    if not papers:
        return "Nothing to export.", "warning"
    confirmed = session.marks.confirmed
    # Tags and notes where the store keeps them (reader.state.StateStore does).
    tags, note = getattr(session.store, "tags", None), getattr(session.store, "note", None)
    text = export_text(fmt, papers, lambda k: confirmed(k, "read"), lambda k: confirmed(k, "starred"), tags, note)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        return f"Cannot export to {path}: {err.strerror or err}", "error"
    noun = "paper" if len(papers) == 1 else "papers"
    return f"Exported {len(papers):,} {which}{noun} to {path.resolve()}", "information"
