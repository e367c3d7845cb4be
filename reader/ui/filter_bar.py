"""The filter bar: live filtering, history on up/down, Esc clears then leaves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.widgets import Input

from ..config import Config, save_config

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel


class FilterBar(Input):
    """The filter bar: live filtering, history on up/down, Esc clears then leaves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Shown in the footer while typing (the app's letter keys are hidden then: they type).
        Binding("enter", "submit", "Keep filter", id="filter.keep"),
        Binding("escape", "clear_or_leave", "Clear filter", id="filter.clear"),
        Binding("up", "history(-1)", "Previous query", show=False, id="filter.history_back"),
        Binding("down", "history(1)", "Next query", show=False, id="filter.history_forward"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = []
        """Earlier queries, oldest first."""
        self._history_pos: int | None = None

    def _watch_value(self, value: str) -> None:
        # Input's own watcher assigns virtual_size on every keystroke, and that asks for a
        # layout pass of the whole screen: ~20 ms a keystroke on a 2-core machine, more than
        # the filter itself. The bar is one line high; only its own scroll extent changes.
        size = Size(self.content_width, 1)
        if size != self.virtual_size:
            self.set_reactive(Input.virtual_size, size)
            self._scroll_update(size)
        self._suggestion = ""
        self.post_message(self.Changed(self, value, None))
        if self._initial_value:
            self.cursor_position = len(self.value)
            self._initial_value = False

    def action_clear_or_leave(self) -> None:
        self._history_pos = None
        if self.value:
            self.value = ""
        else:
            self.app.action_focus_list()  # type: ignore[attr-defined]

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        pos = len(self.history) if self._history_pos is None else self._history_pos
        pos = max(0, min(len(self.history), pos + step))
        self._history_pos = pos
        self.value = self.history[pos] if pos < len(self.history) else ""
        self.cursor_position = len(self.value)

    def remember(self, text: str) -> None:
        text = text.strip()
        self._history_pos = None
        if not text:
            return
        if text in self.history:
            self.history.remove(text)
        self.history.append(text)


def save_query(config: Config, text: str) -> tuple[str, SeverityLevel]:
    """Save `text` on the first free digit of `[queries]`; returns what to tell the user."""
    text, queries = text.strip(), config.queries
    if not text:
        return "Type a filter first, then ctrl+s saves it.", "information"
    if text in queries.values():
        return f"Already saved as query {next(n for n, q in queries.items() if q == text)}.", "information"
    slot = config.free_slot()
    if slot is None:
        return "Keys 1-9 are all taken; edit the [queries] table in config.toml.", "warning"
    queries[slot] = text
    try:
        if config.path is not None:
            save_config(config)
    except OSError as err:
        del queries[slot]
        return f"Query not saved: {err.strerror or err}", "error"
    return f"Saved as query {slot}: press {slot} to apply it.", "information"
