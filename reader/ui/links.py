"""Opening and copying a paper's links (`o`, `y`)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from .abstract_pane import paper_urls

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from ..model import Paper

Say = tuple[str, "SeverityLevel"]


def can_open_browser() -> bool:
    """A console browser started from here would fight the reader for the terminal."""
    if os.environ.get("BROWSER"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def open_pdf(app: App[Any], paper: Paper) -> Say:
    """Open the PDF in the browser, where there is one; returns what to tell the user."""
    url, _ = paper_urls(paper)
    if url is None:
        return "This paper has no PDF link.", "warning"
    if can_open_browser():
        app.open_url(url)
        return f"Opening {url}", "information"
    app.copy_to_clipboard(url)  # over SSH: the URL goes to the user's own machine (OSC 52)
    return f"No browser on this machine; sent the PDF URL to the terminal's clipboard (OSC 52): {url}", "information"


def copy_url(app: App[Any], paper: Paper) -> Say:
    """Copy the abstract page's URL (the PDF's when there is no page) to the clipboard (OSC 52)."""
    pdf, page = paper_urls(paper)
    url = page or pdf
    if url is None:
        return "This paper has no link to copy.", "warning"
    app.copy_to_clipboard(url)
    # OSC 52 has no answer: the terminal (or tmux without set-clipboard) may drop it silently,
    # so never claim "Copied".
    return f"Sent to the terminal's clipboard (OSC 52); the URL is {url}", "information"
