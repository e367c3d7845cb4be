"""The app's key bindings. Every binding has an id (for `[keys]` remapping) and a tooltip
(the command palette offers each as a command)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType

APP_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit (every mark is already saved)"),
    Binding("question_mark", "help", "Help", key_display="?", id="app.help", tooltip="Show all keys"),
    # A priority binding runs as the key arrives, so the keys typed right after "/" already
    # go to the filter bar (a normal binding runs only after they were routed to the list).
    Binding("slash", "focus_filter", "Filter", key_display="/", id="app.filter", priority=True,
            tooltip="Filter: type; Enter keeps it, Esc clears it"),
    Binding("tab", "switch_pane", "Pane", show=False, priority=True, id="app.switch_pane",
            tooltip="Switch between the list and the abstract"),
    Binding("shift+tab", "switch_pane", "Pane", show=False, priority=True, id="app.switch_pane_back",
            tooltip="The same, backwards"),
    Binding("space", "page_or_read_next", "Read+next", key_display="space", id="app.read_next",
            tooltip="Mark read and go to the next unread paper"),
    Binding("m", "toggle_read", "Read", id="app.toggle_read", tooltip="Toggle read/unread"),
    Binding("s", "toggle_star", "Star", id="app.toggle_star", tooltip="Toggle the star"),
    Binding("n", "next_unread", "Next unread", id="app.next_unread", tooltip="Next unread paper"),
    Binding("p", "prev_unread", "Prev unread", show=False, id="app.prev_unread",
            tooltip="Previous unread paper"),
    Binding("A", "mark_all", "All read", show=False, id="app.mark_all",
            tooltip="Mark every shown paper read (asks first)"),
    Binding("u", "undo", "Undo", show=False, id="app.undo", tooltip="Undo the last marking"),
    Binding("o", "open_pdf", "Open PDF", id="app.open_pdf", tooltip="Open the PDF in the browser"),
    Binding("y", "copy_url", "Copy URL", id="app.copy_url", tooltip="Copy the abstract page URL (OSC 52)"),
    Binding("S", "toggle_rank", "Rank", show=False, id="app.toggle_rank",
            tooltip="Toggle ranking by match score"),
    Binding("escape", "escape", "Back", show=False, id="app.clear_filter",
            tooltip="Back: from the abstract pane to the list; in the list, clear the filter"),
    Binding("ctrl+s", "save_query", "Save query", show=False, id="app.save_query",
            tooltip="Save the filter on the next free digit"),
    # Everyday keys (issue 14); their bodies are in actions.py.
    Binding("enter", "focus_pane", "Abstract", show=False, id="app.focus_pane",
            tooltip="Read the abstract: move to the abstract pane"),
    Binding("O", "open_pdf_read", "Open+read", show=False, id="app.open_pdf_read",
            tooltip="Open the PDF and mark the paper read"),
    Binding("ctrl+z", "suspend", "Suspend", show=False, id="app.suspend",
            tooltip="Suspend to the shell (fg comes back)"),
    Binding("ctrl+l", "redraw", "Redraw", show=False, id="app.redraw", tooltip="Redraw the whole screen"),
    *[Binding(str(n), f"saved_query({n})", f"Query {n}", show=False, id=f"app.query_{n}")
      for n in range(1, 10)],
]


def palette_commands(app: App[Any]) -> Iterable[SystemCommand]:
    """One command-palette entry for each binding with a tooltip (Quit is Textual's own)."""
    seen = {"quit"}
    for binding in APP_BINDINGS:
        assert isinstance(binding, Binding)
        if binding.tooltip and binding.action not in seen:
            seen.add(binding.action)
            action = binding.action
            yield SystemCommand(binding.tooltip, f"key: {app.get_key_display(binding)}",
                                lambda action=action: app.run_action(action))
