"""The part the navigator and the History list share: a line-API list with one cursor row that
is clamped to the rows, kept in view, moved by a click, and drawn in the focused or blurred
cursor colour (so a focus change repaints)."""

from __future__ import annotations

from rich.style import Style
from textual import events
from textual.scroll_view import ScrollView

from .keys import RowCursor


class CursorListView(RowCursor, ScrollView):
    """Subclasses hold `rows` and `cursor`, and draw in `render_line`."""

    def _place_cursor(self, position: int) -> None:
        """Clamp the cursor to the rows, scroll it into view and redraw."""
        self.cursor = max(0, min(position, len(self.rows) - 1))
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        height = max(self.scrollable_content_region.height, 1)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def _clicked_row(self, event: events.Click) -> tuple[int, int] | None:
        """(row, column) of a click on a row, the cursor moved there; None off the rows."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        row = round(self.scroll_y) + offset.y
        if not 0 <= row < len(self.rows):
            return None
        self._set_cursor(row)
        return row, offset.x

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)
