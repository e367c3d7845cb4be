"""The abstract pane: the selected paper, wrapped to the pane and scrollable.

Every visible string is built as `Content` from plain text and explicit styles; digest text
is never formatted into markup, so ``[CLS]`` or ``[@click=app.quit]`` show literally.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.binding import BindingType
from textual.color import Color, ColorParseError
from textual.content import Content, Span
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual

from ..keeping import PaperFacts
from ..model import Paper, abs_url, pdf_url
from ..text import display_text, display_title, sanitize
from .keys import movement_bindings

if TYPE_CHECKING:
    from ..search import Query

Spans = Sequence[tuple[int, int]]

# What may appear in a URL we hand to the terminal (OSC 8) or the browser: RFC 3986
# characters only, so no digest text can smuggle an escape sequence through a link.
_SAFE_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def safe_url(url: str | None) -> str | None:
    return url if url and _SAFE_URL.fullmatch(url) else None


def paper_urls(paper: Paper) -> tuple[str | None, str | None]:
    """(PDF URL, abstract-page URL), built from the identifier when there is one."""
    if paper.id:
        version = f"v{paper.version}" if paper.version else ""
        return pdf_url(paper.id + version), abs_url(paper.id)
    return safe_url(paper.pdf_url), None


ANNOUNCE_LABELS = {"new": "new", "cross": "cross-list", "replace": "replacement"}
COMPACT_HEIGHT = 20
"""A pane shorter than this folds its header (issue 14): authors on one line before the
abstract (all of them after it), no blank lines, links and comments after the abstract."""


def _line(text: str) -> str:
    """Untrusted text for one line: no escape sequences, no line breaks."""
    return " ".join(sanitize(text).split())


def _authors_short(authors: Sequence[str]) -> str:
    if len(authors) <= 3:
        return ", ".join(authors)
    return f"{', '.join(authors[:3])}, … ({len(authors)} authors, all below)"


def _why(facts: PaperFacts) -> Content:
    """The watch rules that fired, each in its colour, and the total score: the "why"."""
    parts: list[Content | str | tuple[str, str | Style]] = [("◆ ", "$text-accent")]
    for k, rule in enumerate(facts.fired):
        if k:
            parts.append(" · ")
        parts.append((_line(rule.name), rule_style(rule.color)))
        parts.append((f" {rule.weight:+g}", "$text-muted"))
    if len(facts.fired) > 1:
        parts.append((f" = {facts.score:g}", "bold"))
    return Content.assemble(*parts)


def rule_style(color: str | None) -> str | Style:
    """A rule's configured colour as a style (a theme variable or a colour), else the theme's accent."""
    if color is None:
        return "bold $text-accent"
    if color.startswith("$"):
        return f"bold {color}"
    try:
        return Style(foreground=Color.parse(color), bold=True)
    except ColorParseError:
        return "bold $text-accent"


def _meta(paper: Paper, read: bool, starred: bool, facts: PaperFacts | None) -> str:
    facts_line = [f"{paper.id}{'v' + paper.version if paper.version else ''}" if paper.id else "no arXiv identifier"]
    cats = list(paper.categories) or ([paper.category] if paper.category else [])
    if paper.primary_category and paper.primary_category in cats:
        cats.remove(paper.primary_category)
        cats.insert(0, paper.primary_category)
    if cats:
        facts_line.append(", ".join(cats))
    if paper.date:
        facts_line.append(paper.date)
    if paper.announce:
        facts_line.append(ANNOUNCE_LABELS.get(paper.announce, paper.announce))
    facts_line.append(("read" if read else "unread") + (" · ★ starred" if starred else ""))
    if facts is not None and facts.seen:
        facts_line.append(f"seen before: {facts.seen}")
    return sanitize(" · ".join(facts_line))


def paper_content(paper: Paper, title: str, abstract: str, *, read: bool, starred: bool,
                  title_spans: Spans = (), abstract_spans: Spans = (), facts: PaperFacts | None = None,
                  compact: bool = False) -> Content:
    """The pane's text for one paper. `title` and `abstract` are display text; every other
    string (authors, comments, tags, the note, rule names) is sanitised and never markup."""
    match = "bold underline $text-warning"
    head = Content(title or "(no title)")
    if title_spans:
        head = head.add_spans([Span(s, e, match) for s, e in title_spans if 0 <= s < e <= len(head)])
    head = head.stylize("bold")
    gap = "\n" if compact else "\n\n"
    parts: list[Content | str | tuple[str, str | Style]] = [
        head, "\n", (_meta(paper, read, starred, facts), "$text-muted"), "\n"]
    authors = [display_title(a) for a in paper.authors]
    if authors:
        parts += [(_authors_short(authors) if compact else ", ".join(authors), "italic"), "\n"]
    if facts is not None and (facts.fired or facts.tags):
        if facts.fired:
            parts.append(_why(facts))
        if facts.tags:
            parts += ["  " if facts.fired else "", ("tags: ", "$text-muted"),
                      (", ".join(_line(t) for t in facts.tags), "$text-accent")]
        parts.append("\n")
    if not compact:
        parts += _links(paper)
    parts.append(gap[1:])
    body = Content(abstract or "(no abstract)")
    from .hyperlinks import link_spans  # here: hyperlinks uses this module's safe_url

    body = body.add_spans(link_spans(abstract))  # URLs in the text: OSC 8 hyperlinks
    if abstract_spans:
        body = body.add_spans([Span(s, e, match) for s, e in abstract_spans if 0 <= s < e <= len(body)])
    parts.append(body)
    tail = _tail(paper, facts, authors, compact)
    if tail:
        parts += ["\n\n", *tail]
    return Content.assemble(*parts)


def _tail(paper: Paper, facts: PaperFacts | None, authors: list[str],
          compact: bool) -> list[Content | str | tuple[str, str | Style]]:
    """What follows the abstract: the whole author list when folded, comments, the note, links."""
    tail: list[Content | str | tuple[str, str | Style]] = []
    if compact and len(authors) > 3:
        tail += [("Authors: ", "$text-muted"), (", ".join(authors), "italic"), "\n"]
    if paper.comments:
        tail += [("Comments: ", "$text-muted"), display_title(paper.comments), "\n"]
    if facts is not None and facts.note is not None:
        earlier = facts.earlier_notes
        label = "Note" + (f" ({earlier} earlier version{'s' * (earlier != 1)})" if earlier else "") + ":"
        tail += [(label, "bold $text-accent"), "\n", sanitize(facts.note), "\n"]
    if compact:
        tail += _links(paper)
    return tail


def _links(paper: Paper) -> list[Content | str | tuple[str, str | Style]]:
    pdf, page = paper_urls(paper)
    out: list[Content | str | tuple[str, str | Style]] = []
    for label, url in (("PDF   ", pdf), ("Page  ", page)):
        if url:
            out += [(label, "$text-muted"), (url, Style(link=url, underline=True)), "\n"]
    return out


class AbstractPane(ScrollView, can_focus=True):
    """The selected paper, wrapped to the pane; the list's movement keys scroll it.

    A line-API widget like the list: showing another paper swaps the wrapped lines and
    repaints once, where a Static in a scrolling container repaints two or three times
    while its layout settles (measured: ~20 KB per cursor move at 120x40 instead of ~9 KB).
    """

    BINDINGS: ClassVar[list[BindingType]] = movement_bindings("pane", {
        "down": "scroll_down", "up": "scroll_up", "first": "scroll_home", "last": "scroll_end",
        "half_down": "half_page(1)", "half_up": "half_page(-1)",
        "page_down": "page_down", "page_up": "page_up",
    })

    DEFAULT_CSS = """
    AbstractPane {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    """

    MARGIN = 1
    """Blank columns left and right of the text."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = Content("")
        self._strips: list[Strip] | None = None
        self._strips_width = -1
        self._styles: dict[tuple, RichStyle] = {}
        self._shown: tuple | None = None
        """What `show_paper` was given, to fold or unfold the header when the pane is resized."""

    @property
    def compact(self) -> bool:
        return 0 < self.size.height < COMPACT_HEIGHT

    def show_paper(self, paper: Paper | None, title: str = "", *, read: bool = False, starred: bool = False,
                   query: Query | None = None, facts: PaperFacts | None = None) -> None:
        """Show one paper (`title` is its display title), with the query's matches highlighted."""
        if paper is None:
            self._shown = None
            self.show(Content(""))
            return
        self._shown = (paper, title, read, starred, query, facts, self.compact)
        abstract = display_text(paper.abstract)
        self.show(paper_content(
            paper, title, abstract, read=read, starred=starred, facts=facts, compact=self.compact,
            title_spans=query.highlights(title, "title") if query is not None else (),
            abstract_spans=query.highlights(abstract, "abstract") if query is not None else ()))

    def show(self, content: Content) -> None:
        self.content = content
        self._strips = None
        self._layout_lines()
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def _layout_lines(self) -> list[Strip]:
        width = max(self.scrollable_content_region.width - 2 * self.MARGIN, 1)
        if self._strips is None or width != self._strips_width:
            canon = self._canonical
            self._strips = [
                Strip([Segment(seg.text, canon(seg.style)) for seg in strip], strip.cell_length).simplify()
                for strip in Visual.to_strips(self, self.content, width, None, self.visual_style, pad=True,
                                              apply_selection=False)]  # render_line shows it
            self._strips_width = width
            size = Size(width + 2 * self.MARGIN, len(self._strips))
            if size != self.virtual_size:
                # Assigning virtual_size asks for a layout pass, which repaints every scrollbar on
                # screen; only the scrollbar of this pane needs to know.
                self.set_reactive(ScrollView.virtual_size, size)
                self._scroll_update(size)
        return self._strips

    def _canonical(self, style: RichStyle | None) -> RichStyle | None:
        """One Style object per look: styles that differ only in what they leave unset (say
        ``reverse=False``) render the same, and as one object adjacent runs merge into one
        segment, which sends one colour code instead of several (a third fewer bytes a redraw)."""
        if style is None:
            return None
        # Keyed without meta (Textual's per-run offsets, a new one for every run; `render_line`
        # sets the offsets it needs), so the table holds one entry per look.
        key = (style.color, style.bgcolor, bool(style.bold), bool(style.dim), bool(style.italic),
               bool(style.underline), bool(style.strike), bool(style.reverse), style.link)
        got = self._styles.get(key)
        if got is None:
            got = self._styles[key] = RichStyle(
                color=style.color, bgcolor=style.bgcolor, bold=style.bold or None, dim=style.dim or None,
                italic=style.italic or None, underline=style.underline or None,
                strike=style.strike or None, reverse=style.reverse or None, link=style.link)
        return got

    def render_line(self, y: int) -> Strip:
        strips = self._layout_lines()
        width = self.scrollable_content_region.width
        style = self._canonical(self.rich_style)
        row = round(self.scroll_y) + y
        if row >= len(strips):
            return Strip.blank(width, style)
        margin = Segment(" " * self.MARGIN, style)
        strip = Strip([margin, *strips[row], margin]).adjust_cell_length(width, style).simplify()
        selection = self.text_selection
        span = selection.get_span(row) if selection is not None else None
        if span is not None:
            start, end = max(0, span[0]), width if span[1] == -1 else min(span[1], width)
            if start < end:
                chosen = Style.from_styles(self.screen.get_component_styles("screen--selection")).rich_style
                before, inside, after = strip.divide([start, end, width])
                inside = Strip(Segment.apply_style(list(inside), None, chosen), inside.cell_length)
                strip = Strip.join([before, inside, after])
        return strip.apply_offsets(0, row)

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()  # render_line draws the selection on the cached lines

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under a mouse selection, for Textual's copy (ctrl+c, OSC 52 over SSH): the
        pane's lines as shown, with the offsets `render_line` gives its segments."""
        margin = " " * self.MARGIN
        lines = [margin + strip.text.rstrip() for strip in self._layout_lines()]
        return selection.extract("\n".join(lines)), "\n"

    def on_resize(self) -> None:
        shown = self._shown
        if shown is not None and shown[-1] != self.compact:
            paper, title, read, starred, query, facts, _ = shown
            y = self.scroll_y
            self.show_paper(paper, title, read=read, starred=starred, query=query, facts=facts)
            self.scroll_to(y=y, animate=False, immediate=True)
            return
        self._strips = None
        self._layout_lines()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None
        self._styles.clear()

    def action_half_page(self, direction: int) -> None:
        self.scroll_to(y=self.scroll_y + direction * max(self.size.height // 2, 1), animate=False)
