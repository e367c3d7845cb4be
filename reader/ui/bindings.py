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
            tooltip="Focus the next of navigator, list and abstract"),
    Binding("shift+tab", "switch_pane(-1)", "Pane", show=False, priority=True, id="app.switch_pane_back",
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
    Binding("u", "undo", "Undo", show=False, id="app.undo",
            tooltip="Undo the last marking (in the History row: the event under the cursor)"),
    Binding("o", "open_pdf", "Open PDF", id="app.open_pdf", tooltip="Open the PDF in the browser"),
    Binding("y", "copy_url", "Copy URL", id="app.copy_url", tooltip="Copy the abstract page URL (OSC 52)"),
    Binding("S", "toggle_rank", "Rank", show=False, id="app.toggle_rank",
            tooltip="Cycle the order: digest order, match score, watch score"),
    Binding("escape", "escape", "Back", show=False, id="app.clear_filter",
            tooltip="Back: from the abstract pane to the list; in the list, clear the selection, else the filter"),
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
    # The digest navigator (reader/ui/navigation.py).
    Binding("d", "toggle_navigator", "Digests", id="app.toggle_navigator",
            tooltip="Show the digest navigator and focus it; in it, hide it"),
    Binding("left_square_bracket", "prev_digest", "Newer", key_display="[", show=False, id="app.prev_digest",
            tooltip="Show the navigator row above (newer)"),
    Binding("right_square_bracket", "next_digest", "Older", key_display="]", show=False, id="app.next_digest",
            tooltip="Show the navigator row below (older)"),
    Binding("D", "overview", "Overview", show=False, id="app.overview",
            tooltip="Papers per day (60 days) and unread per category"),
    Binding("E", "export", "Export", show=False, id="app.export",
            tooltip="Export the selection, the shown or the starred papers to a file"),
    *[Binding(str(n), f"saved_query({n})", f"Query {n}", show=False, id=f"app.query_{n}")
      for n in range(1, 10)],
    # Keeping and handing off (issues 18, 19): with a selection, m, s, A, t and Y act on it.
    Binding("v", "select", "Select", show=False, id="app.select", tooltip="Select or unselect this paper"),
    Binding("V", "select_all", "Select all", show=False, id="app.select_all",
            tooltip="Select every shown paper (Esc clears the selection)"),
    Binding("Y", "copy_bibtex", "BibTeX", show=False, id="app.copy_bibtex",
            tooltip="Copy the BibTeX of the selection (or this paper) to the clipboard (OSC 52)"),
    Binding("t", "tag", "Tag", show=False, id="app.tag",
            tooltip="Tag the selection or this paper (-name removes a tag)"),
    Binding("N", "note", "Note", show=False, id="app.note", tooltip="Write this paper's note (ctrl+s saves)"),
    Binding("R", "fetch", "Fetch", show=False, id="app.fetch",
            tooltip="Fetch today's listings of the configured categories into the library"),
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
