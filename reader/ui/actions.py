"""Everyday keys (issue 14): Enter into the pane, `O`, Esc by focus, ctrl+z, ctrl+l, space in the pane.

A mixin of `ReaderApp`, so that the App class stays a thin wiring class.
"""

from __future__ import annotations

import os
import signal
import sys
import unicodedata
from typing import TYPE_CHECKING, cast

from textual.app import SuspendNotSupported
from textual.binding import Binding
from textual.widgets import Input

from . import links

if TYPE_CHECKING:
    from .app import ReaderApp


def typed_actions() -> frozenset[str]:
    """App actions bound only to printable keys: in a text input those keys type, so the footer
    does not offer them there."""
    from .bindings import APP_BINDINGS

    def printable(key: str) -> bool:
        if len(key) == 1 or key == "space":
            return True
        try:
            char = unicodedata.lookup(key.replace("_", " ")) if "+" not in key else ""
        except KeyError:
            return False
        return len(char) == 1 and char.isprintable()  # question_mark, not escape or tab

    return frozenset(b.action for b in APP_BINDINGS
                     if isinstance(b, Binding) and all(printable(k.strip()) for k in b.key.split(",")))


class EverydayActions:
    """Actions whose bodies do not belong in the App class itself."""

    def hidden_while_typing(self, action: str) -> bool:
        app = self._reader()
        return isinstance(app.focused, Input) and action in _TYPED

    def _reader(self) -> ReaderApp:
        return cast("ReaderApp", self)

    # -- dwell: what the user is reading (reader/ui/dwell.py) ---------------------------------
    def _in_papers(self) -> bool:
        app = self._reader()
        return app.focused is app.paper_list or app.focused is app.abstract_pane

    def _reading(self, index: int) -> bool:
        """Dwell counts now: list or pane focused, `index` in the pane, no modal screen on top."""
        app = self._reader()
        return (len(app.screen_stack) == 1 and self._in_papers() and app.paper_list.selected == index
                and app._shown_index == index)

    def _dwell_stay(self) -> None:
        """The user came to the paper without moving the cursor (Enter, Tab, a click)."""
        app = self._reader()
        if self._in_papers() and (index := app.paper_list.selected) is not None:
            app.dwell.stay(index, not app.session.is_read(index))

    def _show_searching(self, searching: bool = True) -> None:
        """The status bar says "searching…" while a filter runs longer than SEARCHING_AFTER."""
        app = self._reader()
        if app._searching is not None:
            app._searching.stop()
            app._searching = None
        if app.searching != searching:
            app.searching = searching
            app._update_status()

    # -- keys ---------------------------------------------------------------------------------
    def action_focus_pane(self) -> None:
        """Enter on a paper: read its abstract (the pane gets the focus, dwell counts it)."""
        app = self._reader()
        if app.focused is app.paper_list and app.paper_list.selected is not None:
            app.action_switch_pane()

    def action_escape(self) -> None:
        """Esc by focus: the pane goes back to the list; in the list, clear the selection, else the filter."""
        app = self._reader()
        if app.focused is app.abstract_pane:
            app.action_focus_list()
            return
        app.action_clear_filter()  # the selection first, then the filter

    def action_open_pdf_read(self) -> None:
        """`O`: open the PDF (no display: send its URL to the clipboard, as `o`) and mark the paper read."""
        app = self._reader()
        if (index := app.paper_list.selected) is None:
            return
        app.say(*links.open_pdf(app, app.session.papers[index]))
        if not app.session.is_read(index):
            app.dwell.stop()
            app._mark(app.session.mark_read(index))

    def action_page_or_read_next(self) -> None:
        """`space`: in the pane it pages down (as in less and mutt); in the list, read and next."""
        app = self._reader()
        if app.focused is app.abstract_pane:
            app.abstract_pane.scroll_page_down(animate=False)
        else:
            app.action_read_next()

    def action_suspend(self) -> None:
        """ctrl+z: back to the shell; `fg` brings the reader back, redrawn."""
        app = self._reader()
        if sys.platform == "win32" or not hasattr(signal, "SIGTSTP"):
            app.say("Suspending is not supported on this system.", "warning")
            return
        try:
            with app.suspend():
                os.kill(os.getpid(), signal.SIGTSTP)
        except (SuspendNotSupported, RuntimeError):  # no terminal (headless, web): nothing to suspend
            app.say("Suspending is not supported in this terminal.", "warning")

    def action_redraw(self) -> None:
        """ctrl+l: repaint the whole screen (after another program wrote over it)."""
        self._reader().screen.refresh(repaint=True, layout=True)


_TYPED = typed_actions()
