"""The overview (`D`: papers per day as a sparkline, unread per category) and the export dialog (`E`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from ..digests import OVERVIEW_DAYS, Navigator, sparkline
from ..export import FORMATS, proposed_path


def overview_text(nav: Navigator) -> Content:
    """The overview as the user reads it: a 60-day sparkline ending at the newest digest, and
    unread papers per category, most first."""
    per_day = nav.papers_per_day(OVERVIEW_DAYS)
    parts: list[str | tuple[str, str]] = [("Papers per day", "bold $text-accent"), "\n"]
    if per_day and nav.newest is not None:
        start = dt.date.fromisoformat(nav.newest) - dt.timedelta(days=len(per_day) - 1)
        parts += [("  " + sparkline(per_day), "$text-success"), "\n",
                  f"  {start.isoformat()} … {nav.newest} · {sum(per_day):,} papers in {len(per_day)} days\n"]
    else:
        parts.append("  no dated digests\n")
    parts += ["\n", ("Unread per category", "bold $text-accent"), "\n"]
    by_category = sorted(nav.unread_by_category().items(), key=lambda kv: (-kv[1], kv[0]))
    for category, unread in by_category or [("(none)", 0)]:
        parts += [f"  {category:<24} ", (f"{unread:>8,}", "bold" if unread else "dim"), "\n"]
    parts += ["\n", ("Esc, q or D closes this overview.", "$text-muted")]
    return Content.assemble(*parts)


class OverviewScreen(ModalScreen[None]):
    """Where the backlog is, at a glance."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,D", "dismiss", "Close", id="overview.close")]

    DEFAULT_CSS = """
    OverviewScreen { align: center middle; }
    OverviewScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, nav: Navigator) -> None:
        super().__init__()
        self._content = overview_text(nav)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._content, markup=False, id="overview")


def selected_text(count: int) -> str:
    """How the export dialog and its result name a selection: ``3 selected papers``."""
    return f"{count:,} selected paper{'s' * (count != 1)}"


class ExportScreen(ModalScreen[tuple[str, str, Path] | None]):
    """What to export (the selected papers when there is a selection, the shown papers or the
    starred ones), the format and the file: dismissed with ``(what, format, path)``, or None when
    cancelled. Enter in the path field exports."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel", id="export.cancel")]

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 76; max-width: 100%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ExportScreen RadioSet { width: 1fr; height: auto; }
    ExportScreen Horizontal { height: auto; }
    ExportScreen Input { margin-top: 1; }
    ExportScreen Button { margin: 1 1 0 0; }
    """

    def __init__(self, shown: int, starred: int, export_dir: Path | None, selected: int = 0) -> None:
        super().__init__()
        self.counts = {"shown": shown, "starred": starred, "selected": selected}
        self.export_dir = export_dir
        self.what = "selected" if selected else "shown"
        self.format = FORMATS[0]
        self._proposed = proposed_path(self.format, export_dir)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.styled("Export", "bold $text-accent"))
            with Horizontal():
                with RadioSet(id="export-what"):
                    if self.counts["selected"]:  # a selection: E exports it unless told otherwise
                        yield RadioButton(selected_text(self.counts["selected"]), value=True, id="what-selected")
                    yield RadioButton(f"shown papers ({self.counts['shown']:,})", value=self.what == "shown",
                                      id="what-shown")
                    yield RadioButton(f"starred papers ({self.counts['starred']:,})", id="what-starred")
                with RadioSet(id="export-format"):
                    for i, fmt in enumerate(FORMATS):
                        yield RadioButton(fmt, value=i == 0, id=f"format-{fmt}")
            yield Input(str(self._proposed), id="export-path")
            with Horizontal():
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        ident = event.pressed.id or ""
        if event.radio_set.id == "export-what":
            self.what = ident.removeprefix("what-")
            return
        self.format = ident.removeprefix("format-")
        path_input = self.query_one("#export-path", Input)
        if path_input.value == str(self._proposed):  # not edited by hand: follow the format
            self._proposed = proposed_path(self.format, self.export_dir)
            path_input.value = str(self._proposed)

    def on_input_submitted(self) -> None:
        self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-ok":
            self._finish()
        else:
            self.dismiss(None)

    def _finish(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        if text:
            self.dismiss((self.what, self.format, Path(text).expanduser()))
