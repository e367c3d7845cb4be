"""The paper list: a line-API widget that stays instant at a million rows.

Stock list widgets do per-row work on every fill (10-43 s for 100,000 rows here). This
widget keeps only an array of paper indices (`rows`); a filter swaps the array, and
`render_line` draws the handful of rows on screen, with rendered rows in an LRU cache.
Moving the cursor repaints just the two rows it touches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..keeping import Keeping
from ..model import Paper
from ..seen import listed_again
from ..text import display_title
from .contrast import readable
from .keys import RowCursor, movement_bindings

UNREAD_MARK = "●"
READ_MARK = " "
STAR_MARK = "★"
SELECTED_MARK = "✓"
"""Drawn in the column before the number (the space there) for a selected paper."""
WATCH_MARK = "◆"
"""A watch rule matches (in the colour of its heaviest rule)."""
SEEN_MARK = "↻"
"""Listed in an earlier digest too (seen before)."""
AUTHOR_WIDTH = 18
AUTHOR_MIN_TITLE = 48
"""The first author is shown when the title keeps at least this many columns."""

Highlighter = Callable[[str], Sequence[tuple[int, int]]]


class PaperList(RowCursor, ScrollView, can_focus=True):
    """A virtual list of papers with a cursor, read/star markers and match highlights."""

    BINDINGS: ClassVar[list[BindingType]] = movement_bindings("list", {
        "down": "cursor_down", "up": "cursor_up", "first": "first", "last": "last",
        "half_down": "half_page_down", "half_up": "half_page_up",
        "page_down": "page_down", "page_up": "page_up",
    })

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paper-list--cursor",
        "paper-list--cursor-blurred",
        "paper-list--unread",
        "paper-list--read",
        "paper-list--match",
        "paper-list--id",
        "paper-list--star",
        "paper-list--empty",
        "paper-list--selected",
        "paper-list--watch",
        "paper-list--seen",
        "paper-list--author",
    }

    DEFAULT_CSS = """
    PaperList {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    PaperList > .paper-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
    }
    PaperList > .paper-list--cursor-blurred {
        background: $primary 35%;
    }
    PaperList > .paper-list--unread { text-style: bold; }
    PaperList > .paper-list--read { text-style: dim; }
    PaperList > .paper-list--match { color: $text-warning; text-style: bold underline; }
    PaperList > .paper-list--id { color: $text-muted; }
    PaperList > .paper-list--star { color: $text-warning; }
    PaperList > .paper-list--empty { color: $text-muted; }
    PaperList > .paper-list--selected { color: $text-success; text-style: bold; }
    PaperList > .paper-list--watch { color: $text-accent; text-style: bold; }
    PaperList > .paper-list--seen { color: $text-muted; }
    PaperList > .paper-list--author { color: $text-muted; }
    """

    class Highlighted(Message):
        """The cursor moved to another paper (or the list became empty: `index` is None)."""

        def __init__(self, paper_list: PaperList, index: int | None) -> None:
            super().__init__()
            self.paper_list = paper_list
            self.index = index

    cursor: reactive[int] = reactive(0, repaint=False, init=False)
    """Position of the cursor in `rows`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.papers: Sequence[Paper] = ()
        self.rows: Sequence[int] = ()
        """Indices into `papers` of the rows shown, in display order."""
        self.titles: Sequence[str] = ()
        """Display titles, parallel to `papers`."""
        self.is_read: Callable[[int], bool] = lambda i: False
        self.is_starred: Callable[[int], bool] = lambda i: False
        self.is_selected: Callable[[int], bool] = lambda i: False
        self.highlighter: Highlighter | None = None
        self.empty_message = "Loading…"
        self.hold_line = False
        """The next `set_rows` keeps the cursor's line of the screen (set when rows arrived)."""
        self._number_width = 1
        self._cache: LRUCache[tuple, Strip] = LRUCache(256)  # a few screens: strips are heavy for the GC
        self._styles_key: object = None
        self._styles: dict[str, Style] = {}
        self.keep: Keeping | None = None
        """Watch rules' answers (the marker column) when there are watch rules."""
        self._seen_column = False
        self._rule_styles: dict[str | None, Style] = {}

    # -- data -------------------------------------------------------------------------------

    def set_papers(self, papers: Sequence[Paper], titles: Sequence[str]) -> None:
        self._take_papers(papers, titles)
        self.set_rows(range(len(papers)), keep=None)

    def _take_papers(self, papers: Sequence[Paper], titles: Sequence[str]) -> None:
        """The papers and their titles, and the columns they need (number width, seen before)."""
        self.papers = papers
        self.titles = titles
        numbers = [p.number for p in papers[:10000] if p.number is not None]
        self._number_width = len(str(max(numbers))) if numbers else 0
        self._seen_column = any(map(listed_again, papers[:20000]))

    def set_rows(self, rows: Sequence[int], keep: int | None = None,
                 highlighter: Highlighter | None = None) -> None:
        """Show `rows` (paper indices). The cursor goes to paper `keep` if it is shown,
        else to the nearest row after where it was."""
        line = self.cursor - round(self.scroll_y)
        self.rows = rows
        self.highlighter = highlighter
        self._cache.clear()
        self._set_virtual_height(len(rows))
        position = self.position_of(keep) if keep is not None else 0
        self._set_cursor(position, force=True)
        if self.hold_line:  # rows arrived: the kept paper stays on its line of the screen
            self.hold_line = False
            self.scroll_to(y=max(0, self.cursor - max(line, 0)), animate=False, immediate=True)
        self.refresh()

    def swap_papers(self, papers: Sequence[Paper], titles: Sequence[str], rows: Sequence[int],
                    keep: int | None) -> None:
        """Rows arrived (a streamed start, live reload): show them with the cursor on paper `keep`
        (its new index) at the same line of the screen, so nothing on screen jumps."""
        line = self.cursor - round(self.scroll_y)
        self._take_papers(papers, titles)
        self.rows = rows
        self._cache.clear()
        self._set_virtual_height(len(rows))
        position = self.position_of(keep) if keep is not None else min(self.cursor, max(len(rows) - 1, 0))
        self.set_reactive(PaperList.cursor, max(0, min(position, len(rows) - 1)) if rows else 0)
        self.scroll_to(y=max(0, self.cursor - max(line, 0)), animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Highlighted(self, self.selected))  # the index changed, if not the paper

    def _set_virtual_height(self, height: int) -> None:
        size = Size(self.size.width, height)
        if size == self.virtual_size:
            return
        # Assigning virtual_size asks for a layout pass of the whole screen (~20 ms here);
        # a new row count only concerns this widget's scrollbar.
        self.set_reactive(ScrollView.virtual_size, size)
        self._scroll_update(size)

    def position_of(self, index: int) -> int:
        """Row position of paper `index`, or of the nearest row in digest order after it."""
        rows = self.rows
        if not rows:
            return 0
        if isinstance(rows, range):
            return min(max(index - rows.start, 0), len(rows) - 1)
        try:
            return rows.index(index)
        except ValueError:
            pass
        best, best_pos = None, 0
        for pos, i in enumerate(rows):
            if i > index and (best is None or i < best):
                best, best_pos = i, pos
        return best_pos

    @property
    def selected(self) -> int | None:
        """Index into `papers` of the paper under the cursor."""
        if not self.rows:
            return None
        return self.rows[min(self.cursor, len(self.rows) - 1)]

    def refresh_papers(self, indices: Sequence[int] | None = None) -> None:
        """Repaint rows after their read/star state changed (all rows when None)."""
        self._cache.clear()
        if indices is None or len(indices) > 50:
            self.refresh()
            return
        wanted = set(indices)
        top = self.scroll_offset.y
        for y in range(self.size.height):
            row = top + y
            if row < len(self.rows) and self.rows[row] in wanted:
                self.refresh_line(row)

    def refresh_keys(self, keys: set[str] | None, key_of: Sequence[str]) -> None:
        """Repaint the rows on screen whose paper's key (`key_of[index]`) is in `keys` (all when None)."""
        if keys is None or len(keys) > 50:
            self.refresh_papers(None)
            return
        top = round(self.scroll_y)
        self.refresh_papers([i for i in self.rows[top:top + self.size.height] if key_of[i] in keys])

    # -- cursor -----------------------------------------------------------------------------

    def _set_cursor(self, position: int, force: bool = False) -> None:
        count = len(self.rows)
        position = max(0, min(position, count - 1)) if count else 0
        old = self.cursor
        if position == old and not force:
            return
        self.set_reactive(PaperList.cursor, position)
        self.refresh_line(old)
        self.refresh_line(position)
        self._scroll_cursor_into_view()
        self.post_message(self.Highlighted(self, self.selected))

    def _scroll_cursor_into_view(self) -> None:
        height = max(self.scrollable_content_region.height, 1)
        top = round(self.scroll_y)
        cursor = self.cursor
        # Stepping past an edge scrolls half a page, not one line: scrolling repaints every row
        # (~10 KB at 120x40, a lot over SSH), so one step in height/2 pays for it, not each one.
        if cursor < top:
            new_top = cursor - height // 2 if cursor == top - 1 else cursor
        elif cursor >= top + height:
            new_top = cursor - height + 1 + (height // 2 if cursor == top + height else 0)
        else:
            return
        self.scroll_to(y=max(0, new_top), animate=False, immediate=True)

    def move_to(self, position: int) -> None:
        self._set_cursor(position)

    def _page(self) -> int:
        return max(self.scrollable_content_region.height, 1)

    def action_half_page_down(self) -> None:
        self._set_cursor(self.cursor + self._page() // 2)

    def action_half_page_up(self) -> None:
        self._set_cursor(self.cursor - self._page() // 2)

    def action_page_down(self) -> None:
        self._set_cursor(self.cursor + self._page())

    def action_page_up(self) -> None:
        self._set_cursor(self.cursor - self._page())

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = round(self.scroll_y) + offset.y
        if 0 <= row < len(self.rows):
            self.focus()
            self._set_cursor(row)

    def on_resize(self) -> None:
        self._cache.clear()
        self._set_virtual_height(len(self.rows))
        self.call_after_refresh(self._scroll_cursor_into_view)

    def on_focus(self) -> None:
        self.refresh_line(self.cursor)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._styles_key = None

    # -- rendering --------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        key = (self.app.theme, self.has_focus)
        if key != self._styles_key:
            self._styles = {c: self.get_component_rich_style(c, partial=True)
                            for c in self.COMPONENT_CLASSES}
            self._styles["base"] = self.rich_style
            if self.app.no_color:  # NO_COLOR: the cursor by more than a colour
                self._styles["paper-list--cursor"] += Style(reverse=True)
            self._styles_key = key
            self._cache.clear()
            self._rule_styles = {}
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        row = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self._style("base")
        if row >= len(self.rows):
            if row == 0 and not self.rows:
                text = set_cell_size(f" {self.empty_message}", width)
                return Strip([Segment(text, base + self._style("paper-list--empty"))], width)
            return Strip.blank(width, base)
        index = self.rows[row]
        is_cursor = row == self.cursor
        read = self.is_read(index)
        starred = self.is_starred(index)
        selected = self.is_selected(index)
        key = (index, width, is_cursor, read, starred, self.has_focus, selected, id(self._matches()))
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(index, width, is_cursor, read, starred, base, selected)
            self._cache[key] = strip
        return strip.apply_offsets(0, row)

    def _render_row(self, index: int, width: int, is_cursor: bool, read: bool, starred: bool,
                    base: Style, selected: bool = False) -> Strip:
        paper = self.papers[index]
        style = base + self._style("paper-list--read" if read else "paper-list--unread")
        if is_cursor:
            style += self._style("paper-list--cursor" if self.has_focus else "paper-list--cursor-blurred")
        number = "" if paper.number is None else str(paper.number)
        head = f"{READ_MARK if read else UNREAD_MARK}"
        segments = [Segment(head, style),
                    Segment(STAR_MARK if starred else " ", style + self._style("paper-list--star")),
                    *self._marker_segments(index, paper, style),
                    Segment(SELECTED_MARK if selected else " ", style + self._style("paper-list--selected")),
                    Segment(f"{number:>{self._number_width}} " if self._number_width else "", style)]
        used = sum(len(s.text) for s in segments)
        ident = paper.id or ""
        show_id = ident and width - used >= 24 + len(ident)
        title_width = max(width - used - (len(ident) + 2 if show_id else 0), 0)
        author = first_author(paper) if title_width - AUTHOR_WIDTH - 2 >= AUTHOR_MIN_TITLE else ""
        if author:
            title_width -= AUTHOR_WIDTH + 2
        title = self.titles[index] if index < len(self.titles) else paper.title
        segments.extend(self._title_segments(title, title_width, style))
        if author:
            segments.append(Segment("  " + set_cell_size(author, AUTHOR_WIDTH),
                                    style + self._style("paper-list--author")))
        if show_id:
            segments.append(Segment("  ", style))
            segments.append(Segment(ident, style + self._style("paper-list--id")))
        segments = [Segment(s.text, readable(s.style)) if s.style else s for s in segments]  # every theme
        return Strip(segments).adjust_cell_length(width, style).simplify()

    def _matches(self) -> object:
        return self.keep.matches if self.keep is not None else None

    def _marker_segments(self, index: int, paper: Paper, style: Style) -> list[Segment]:
        """The watch marker (when there are watch rules) and the seen-before marker columns."""
        out = []
        keep = self.keep
        if keep is not None and keep.rules.watch:
            m = keep.matches
            fired = m.fired(index) if m is not None and index < m.n else []
            if fired:
                out.append(Segment(WATCH_MARK, style + self._rule_style(fired[0].color)))
            else:
                out.append(Segment(" ", style))
        if self._seen_column:
            seen = listed_again(paper)
            out.append(Segment(SEEN_MARK if seen else " ", style + self._style("paper-list--seen")))
        return out

    def _rule_style(self, color: str | None) -> Style:
        """A rule's colour: its configured one (a colour or a theme variable), else the theme's."""
        self._style("base")  # a theme change clears the cache below too
        got = self._rule_styles.get(color)
        if got is None:
            got = self._style("paper-list--watch")
            if color is not None:
                value = self.app.get_css_variables().get(color[1:]) if color.startswith("$") else color
                try:
                    got = Style(color=value, bold=True) if value else got
                except Exception:  # noqa: BLE001 - a colour rich cannot read: the theme's
                    got = self._style("paper-list--watch")
            self._rule_styles[color] = got
        return got

    def _title_segments(self, title: str, width: int, style: Style) -> list[Segment]:
        if width <= 0:
            return []
        title = set_cell_size(title, width - 1) + "…" if cell_len(title) > width else set_cell_size(title, width)
        spans = self.highlighter(title) if self.highlighter is not None else ()
        if not spans:
            return [Segment(title, style)]
        match = style + self._style("paper-list--match")
        out, pos = [], 0
        for start, end in sorted(spans):
            start, end = max(start, pos), min(end, len(title))
            if start >= end:
                continue
            if start > pos:
                out.append(Segment(title[pos:start], style))
            out.append(Segment(title[start:end], match))
            pos = end
        if pos < len(title):
            out.append(Segment(title[pos:], style))
        return out


def first_author(paper: Paper) -> str:
    """``Liu et al.`` (the family name: the last word of the first author's name), or ""."""
    if not paper.authors:
        return ""
    words = display_title(paper.authors[0]).split()
    if not words:
        return ""
    name = words[-1]
    return name + (" et al." if len(paper.authors) > 2 else f" & {_last(paper.authors[1])}"
                   if len(paper.authors) == 2 else "")


def _last(name: str) -> str:
    words = display_title(name).split()
    return words[-1] if words else "?"
