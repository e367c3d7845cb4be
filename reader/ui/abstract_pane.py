"""The abstract pane: the selected paper, wrapped to the pane and scrollable.

Every visible string is built as `Content` from plain text and explicit styles; digest text
is never formatted into markup, so ``[CLS]`` or ``[@click=app.quit]`` show literally.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

from ..model import Paper, abs_url, pdf_url

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


def _highlighted(text: str, spans: Spans, style: str) -> Content:
    content = Content(text)
    if spans:
        content = content.add_spans([(s, e, style) for s, e in spans if 0 <= s < e <= len(text)])  # type: ignore[misc]
    return content


def paper_content(paper: Paper, title: str, abstract: str, *, read: bool, starred: bool,
                  title_spans: Spans = (), abstract_spans: Spans = ()) -> Content:
    """The pane's text for one paper. `title` and `abstract` are display text."""
    from textual.content import Span

    match = "bold underline $text-warning"
    head = Content(title or "(no title)")
    if title_spans:
        head = head.add_spans([Span(s, e, match) for s, e in title_spans if 0 <= s < e <= len(head)])
    head = head.stylize("bold")
    facts = [f"{paper.id}{'v' + paper.version if paper.version else ''}" if paper.id else "no arXiv identifier"]
    if paper.categories:
        facts.append(", ".join(paper.categories))
    elif paper.category:
        facts.append(paper.category)
    if paper.date:
        facts.append(paper.date)
    if paper.number is not None:
        facts.append(f"#{paper.number}")
    status = ("read" if read else "unread") + (" · ★ starred" if starred else "")
    pdf, page = paper_urls(paper)
    parts: list[Content | str | tuple[str, str | Style]] = [
        head, "\n", (" · ".join(facts), "$text-muted"), "\n", (status, "$text-muted"), "\n\n"]
    for label, url in (("PDF   ", pdf), ("Page  ", page)):
        if url:
            parts += [(label, "$text-muted"), (url, Style(link=url, underline=True)), "\n"]
    parts.append("\n")
    body = Content(abstract or "(no abstract)")
    if abstract_spans:
        body = body.add_spans([Span(s, e, match) for s, e in abstract_spans if 0 <= s < e <= len(body)])
    parts.append(body)
    return Content.assemble(*parts)


class AbstractPane(VerticalScroll, can_focus=True):
    """Scrollable view of the selected paper; the list's movement keys scroll it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Scroll down", show=False, id="pane.down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="pane.up"),
        Binding("g,home", "scroll_home", "Top", show=False, id="pane.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="pane.bottom"),
        Binding("ctrl+d", "half_page(1)", "Half page down", show=False, id="pane.half_down"),
        Binding("ctrl+u", "half_page(-1)", "Half page up", show=False, id="pane.half_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="pane.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="pane.page_up"),
    ]

    DEFAULT_CSS = """
    AbstractPane {
        background: $surface;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    AbstractPane > #abstract-text {
        width: 1fr;
    }
    """

    def compose(self):
        yield Static(Content(""), id="abstract-text", markup=False)

    def show(self, content: Content) -> None:
        self.query_one("#abstract-text", Static).update(content)
        self.scroll_home(animate=False)

    def action_half_page(self, direction: int) -> None:
        self.scroll_to(y=self.scroll_y + direction * max(self.size.height // 2, 1), animate=False)
