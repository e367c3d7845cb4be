"""The keys that act on papers: marking (`m`, `s`, `space`, `A`, `u`), moving to unread papers
(`n`, `p`), links (`o`, `y`), help and saved queries. A mixin of `ReaderApp`, so that the App class
stays a thin wiring class."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from . import links
from .filter_bar import save_query
from .screens import ConfirmScreen, HelpScreen

if TYPE_CHECKING:
    from .app import ReaderApp


class PaperActions:
    """Action bodies for `ReaderApp`."""

    def _reader(self) -> ReaderApp:
        return cast("ReaderApp", self)

    def action_toggle_read(self) -> None:
        app = self._reader()
        if not app.act_on_selection("read") and (index := app.paper_list.selected) is not None:
            app.dwell.stop()
            app._mark(app.session.toggle(index, "read"))

    def action_toggle_star(self) -> None:
        app = self._reader()
        if not app.act_on_selection("starred") and (index := app.paper_list.selected) is not None:
            app._mark(app.session.toggle(index, "starred"))

    def action_next_unread(self, step: int = 1) -> None:
        app = self._reader()
        pos = app.session.find_unread(app.paper_list.cursor + step, step)
        if pos is None:
            app.say("No more unread papers " + ("below." if step > 0 else "above."))
        else:
            app.paper_list.move_to(pos)

    def action_prev_unread(self) -> None:
        self.action_next_unread(-1)

    def action_read_next(self) -> None:
        app = self._reader()
        if (index := app.paper_list.selected) is not None:
            app._mark(app.session.mark_read(index))
            self.action_next_unread()

    def action_mark_all(self) -> None:
        app = self._reader()
        which, unread = app.mark_all_targets()  # the selection's unread papers if any, else the shown ones
        if not unread:
            app.say(f"Every {which} paper is already read.")
            return

        noun = "paper" if len(unread) == 1 else "papers"
        app.push_screen(ConfirmScreen(f"Mark {len(unread):,} {which} {noun} as read?"),
                         lambda yes: app._mark(app.session.mark_all_read(unread)) if yes else None)

    def action_undo(self) -> None:
        app = self._reader()
        undone = app.session.undo()
        app.say("Nothing to undo." if undone is None else f"undone: {undone}")

    def action_saved_query(self, slot: int) -> None:
        app = self._reader()
        if (text := app.config.queries.get(slot)) is None:
            app.say(f"No query saved on {slot}; press ctrl+s to save the current filter.")
        else:
            app.filter_bar.value = text
            app.filter_bar.remember(text)

    def action_save_query(self) -> None:
        app = self._reader()
        app.say(*save_query(app.config, app.filter_bar.value))

    # -- other actions ----------------------------------------------------------------------
    def action_open_pdf(self) -> None:
        app = self._reader()
        if (index := app.paper_list.selected) is not None:
            app.say(*links.open_pdf(app, app.session.papers[index]))

    def action_copy_url(self) -> None:
        app = self._reader()
        if (index := app.paper_list.selected) is not None:
            app.say(*links.copy_url(app, app.session.papers[index]))

    def action_help(self) -> None:
        app = self._reader()
        if not isinstance(app.screen, HelpScreen):
            app.push_screen(HelpScreen(app))
