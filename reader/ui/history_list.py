"""The History list: recent marks events, newest first (the navigator's History row).

A line-API widget like the paper list. Each row is the event's time, what it did and the paper's
title, built as `rich.text.Text` from plain strings (never markup). An event that is no longer
the latest for its paper and field is dimmed: `u` cannot undo it. The app decides what Enter and
`u` do (`on_open`, `on_undo`; Esc: `on_back`) and what the abstract pane shows (`on_move`): see history_wiring.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.strip import Strip

from ..recent import Entry, UndoOne
from ..text import sanitize
from .cursor_list import CursorListView
from .keys import movement_bindings

WHAT_WIDTH = 16
"""At most this many columns for what the event did (``marked unread``); a longer tag name is cut."""
WHEN_WIDTH = 11
"""``12-06 16:45``."""


class HistoryList(CursorListView, can_focus=True):
    """Recent events with a cursor: Enter goes to the event's paper, `u` undoes the event."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *movement_bindings("history", {"down": "cursor_down", "up": "cursor_up", "first": "first", "last": "last",
                                       "page_down": "page_down", "page_up": "page_up"}),
        Binding("enter", "open", "Go to paper", id="history.open", tooltip="Show this event's paper in All"),
        Binding("u", "undo", "Undo event", id="history.undo",
                tooltip="Undo this event (only while it is the latest change of its paper's mark, tag or note)"),
        Binding("escape", "back", "Back", show=False, id="history.back", tooltip="Back to the papers shown before"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "history--cursor", "history--cursor-blurred", "history--time", "history--what", "history--older",
        "history--empty",
    }

    DEFAULT_CSS = """
    HistoryList {
        width: 3fr;
        height: 1fr;
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    Screen.-narrow HistoryList { width: 1fr; height: 2fr; }
    HistoryList > .history--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    HistoryList > .history--cursor-blurred { background: $primary 35%; }
    HistoryList > .history--time { color: $text-muted; }
    HistoryList > .history--what { color: $text-accent; }
    HistoryList > .history--older { text-style: dim; }
    HistoryList > .history--empty { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Entry] = []
        self.cursor = 0
        self.what_width = 0
        self.waiting = True
        self.on_move: Callable[[Entry | None], None] | None = None
        self.on_open: Callable[[Entry], None] | None = None
        self.on_undo: Callable[[Entry], None] | None = None
        self.on_back: Callable[[], None] | None = None
        self.undoing: list[UndoOne] = []
        """Undos on their way to the disk (the app says "Undone" once one is written)."""

    # -- data -------------------------------------------------------------------------------

    def set_entries(self, rows: Sequence[Entry]) -> None:
        """New rows; the cursor stays on the same event where it still is, else on the same line."""
        old = self.entry
        self.rows = list(rows)
        self.what_width = min(max((len(e.what) for e in self.rows), default=0), WHAT_WIDTH)
        self.waiting = False
        position = self.cursor
        if old is not None:
            position = next((i for i, e in enumerate(self.rows) if e.event == old.event), position)
        self.virtual_size = Size(self.size.width, len(self.rows))
        self._set_cursor(position)
        self.call_after_refresh(self._scroll_to_cursor)  # once the new size is laid out
        self._moved()

    @property
    def entry(self) -> Entry | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # -- cursor and keys --------------------------------------------------------------------

    def _set_cursor(self, position: int) -> None:
        before = self.cursor
        self._place_cursor(position)
        if self.cursor != before:
            self._moved()

    def _moved(self) -> None:
        if self.on_move is not None:
            self.on_move(self.entry)

    def action_page_down(self) -> None:
        self._set_cursor(self.cursor + max(self.scrollable_content_region.height - 1, 1))

    def action_page_up(self) -> None:
        self._set_cursor(self.cursor - max(self.scrollable_content_region.height - 1, 1))

    def action_open(self) -> None:
        if (entry := self.entry) is not None and self.on_open is not None:
            self.on_open(entry)

    def action_back(self) -> None:
        if self.on_back is not None:
            self.on_back()

    def action_undo(self) -> None:
        if (entry := self.entry) is not None and self.on_undo is not None:
            self.on_undo(entry)

    async def _on_click(self, event: events.Click) -> None:
        if self._clicked_row(event) is not None and event.chain >= 2:
            self.action_open()

    # -- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        position = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if position >= len(self.rows):
            if position == 0:
                message = " Loading the history…"
                message = message if self.waiting else " No events yet: marks, tags and notes show here."
                text = Text(message, style=base + self._style("history--empty"), end="")
                return self._strip(text, width, base)
            return Strip.blank(width, base)
        entry = self.rows[position]
        style = base
        if not entry.latest:
            style += self._style("history--older")
        if position == self.cursor:
            style += self._style("history--cursor" if self.has_focus else "history--cursor-blurred")
        w = self.what_width
        what = entry.what if len(entry.what) <= w else entry.what[:w - 1] + "…"
        title = entry.title if entry.title is not None else f"{sanitize(entry.key)} (not in the library)"
        text = Text.assemble(
            (f" {entry.when():<{WHEN_WIDTH}} ", style + self._style("history--time")),
            (f"{what:<{w}}  ", style + self._style("history--what")),
            (" ".join(title.split()), style),
            style=style, end="")
        return self._strip(text, width, style)

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text.truncate(width, overflow="ellipsis", pad=True)
        return Strip(list(text.render(self.app.console)), text.cell_len).adjust_cell_length(width, style)
