"""The digest navigator: All, Starred, Searches, Updated, the Views and Tags groups, then one row
per day (expandable to its categories), each with ``unread/total``; a row with nothing unread is
dimmed; a group's title ("Views", "Tags") has no count and shows nothing when chosen.

A line-API widget like the paper list: it keeps the rows (`reader.digests.Row`, a few hundred
even for years of digests) and `render_line` draws the ones on screen. Counts come from the
session's `Navigator`, which keeps them incrementally; `refresh_counts` re-reads the rows.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from ..digests import Navigator, Row, parse_view
from .cursor_list import CursorListView
from .keys import movement_bindings

NAVIGATOR_WIDTH = 30


class NavigatorPanel(CursorListView, can_focus=True):
    """The navigator's rows with a cursor; Enter or a click chooses the row under it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *movement_bindings("navigator", {"down": "cursor_down", "up": "cursor_up", "first": "first",
                                         "last": "last"}),
        Binding("enter", "choose", "Show", id="navigator.choose", tooltip="Show this row's papers"),
        Binding("right,l", "expand(True)", "Expand", show=False, id="navigator.expand"),
        Binding("left,h", "expand(False)", "Collapse", show=False, id="navigator.collapse"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "navigator--cursor", "navigator--cursor-blurred", "navigator--empty", "navigator--current",
        "navigator--count", "navigator--header",
    }

    DEFAULT_CSS = """
    NavigatorPanel {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    NavigatorPanel > .navigator--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    NavigatorPanel > .navigator--cursor-blurred { background: $primary 35%; }
    NavigatorPanel > .navigator--empty { text-style: dim; }
    NavigatorPanel > .navigator--current { text-style: bold; }
    NavigatorPanel > .navigator--count { color: $text-muted; }
    NavigatorPanel > .navigator--header { color: $text-muted; text-style: bold; }
    """

    class Chosen(Message):
        """The user chose a row (Enter or a click): show its papers."""

        def __init__(self, view: str) -> None:
            super().__init__()
            self.view = view

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.navigator: Navigator | None = None
        self.rows: list[Row] = []
        self.expanded: set[str] = set()
        """The dates whose categories are shown."""
        self.current = "all"
        """The view the list shows (marked ``▶``)."""
        self.cursor = 0

    # -- data -------------------------------------------------------------------------------

    def set_navigator(self, navigator: Navigator | None) -> None:
        self.navigator = navigator
        self.refresh_counts()

    def refresh_counts(self) -> None:
        """Re-read the rows and their counts (after a mark: O(rows), never O(papers)); the cursor
        stays on its row when rows came or went above it (a tag row, the Views group)."""
        under = self.rows[self.cursor].view if 0 <= self.cursor < len(self.rows) else None
        if self.navigator is None:
            self.rows = []
        else:
            self.rows = self.navigator.rows(sorted(self.expanded))
        self.virtual_size = Size(self.size.width, len(self.rows))
        if under is not None and not (self.cursor < len(self.rows) and self.rows[self.cursor].view == under):
            self.cursor = next((i for i, r in enumerate(self.rows) if r.view == under), self.cursor)
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))
        self.refresh()

    def show_current(self, view: str) -> None:
        """Mark `view` as the one shown, opening its day, and put the cursor on it."""
        self.current = view
        kind, date, _ = parse_view(view)
        if kind == "digest" and date is not None and date not in self.expanded:
            self.expanded.add(date)
            self.refresh_counts()
        for i, row in enumerate(self.rows):
            if row.view == view:
                self._set_cursor(i)
                break
        self.refresh()

    @property
    def row(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # -- cursor and choice ------------------------------------------------------------------

    def _set_cursor(self, position: int) -> None:
        self._place_cursor(position)

    def action_choose(self) -> None:
        if (row := self.row) is not None and not row.header:
            self.post_message(self.Chosen(row.view))

    def action_expand(self, open_: bool) -> None:
        row = self.row
        if row is None:
            return
        kind, date, _ = parse_view(row.view)
        if date is None:
            return
        if open_ and kind == "day":
            self.expanded.add(date)
        elif not open_:
            self.expanded.discard(date)
        self.refresh_counts()
        target = row.view if kind == "day" or open_ else f"day:{date}"
        self._set_cursor(next((i for i, r in enumerate(self.rows) if r.view == target), self.cursor))

    async def _on_click(self, event: events.Click) -> None:
        if (hit := self._clicked_row(event)) is None:
            return
        row, x = hit
        kind, date, _ = parse_view(self.rows[row].view)
        if kind == "day" and date is not None and x <= 1:  # the ▸/▾ marker
            self.action_expand(date not in self.expanded)
            return
        self.action_choose()

    # -- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        position = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if position >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[position]
        style = base
        if row.header:  # a group's title: "Views", "Tags"
            if position == self.cursor:
                style += self._style("navigator--cursor" if self.has_focus else "navigator--cursor-blurred")
            label = set_cell_size(" " + row.label, max(width, 0))
            return Strip([Segment(label, style + self._style("navigator--header"))]).adjust_cell_length(width, style)
        if row.unread == 0 and row.counted:
            style += self._style("navigator--empty")
        if row.view == self.current:
            style += self._style("navigator--current")
        if position == self.cursor:
            style += self._style("navigator--cursor" if self.has_focus else "navigator--cursor-blurred")
        marker = "▾" if row.expanded else "▸" if row.expandable else " "
        head = ("▶" if row.view == self.current else " ") + "  " * row.depth + marker + " "
        count = f" {row.unread:,}/{row.total:,}" if row.counted else ""
        label = set_cell_size(row.label, max(width - len(head) - len(count), 0))
        segments = [Segment(head + label, style), Segment(count, style + self._style("navigator--count"))]
        return Strip(segments).adjust_cell_length(width, style)
