"""Opening and copying a paper's links (`o`, `y`)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Any

from ..config import browser_command
from .abstract_pane import paper_urls

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from ..model import Paper

Say = tuple[str, "SeverityLevel"]


def can_open_browser() -> bool:
    """False on a host with no display or over SSH: a browser started there would open on the
    wrong machine, or (a console browser) fight the reader for the terminal."""
    if os.environ.get("SSH_CONNECTION"):
        return False
    if os.environ.get("BROWSER") or sys.platform == "darwin":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_pdf(app: App[Any], paper: Paper) -> Say:
    """Open the PDF: with the configured `browser` command (no shell, detached), else in the
    system browser where there is a display (detached, never waited on), else (no display, or
    over SSH) copy the URL to the clipboard (OSC 52) and show it. Returns what to tell the user."""
    url, _ = paper_urls(paper)
    if url is None:
        return "This paper has no PDF link.", "warning"
    config = getattr(app, "config", None)
    command = getattr(config, "browser", None)
    if command:
        return run_browser(command, url)
    if can_open_browser():
        # In a thread: webbrowser waits on a console browser ($BROWSER); the app never does.
        threading.Thread(target=app.open_url, args=(url,), daemon=True, name="browser").start()
        return f"Opening {url}", "information"
    app.copy_to_clipboard(url)  # over SSH: the URL goes to the user's own machine (OSC 52)
    return f"No browser on this machine; sent the PDF URL to the terminal's clipboard (OSC 52): {url}", "information"


def run_browser(command: str, url: str) -> Say:
    """Start the configured browser command detached (its own session, no terminal)."""
    try:
        args = browser_command(command, url)
        subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    except (OSError, ValueError) as err:
        return f"Cannot run the browser {command!r}: {err}", "error"
    return f"Opening {url}", "information"


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
