"""The movement keys, shared by the paper list and the abstract pane (where they scroll)."""

from __future__ import annotations

from collections.abc import Sized

from textual.binding import Binding, BindingType

MOVEMENT: dict[str, tuple[str, str]] = {
    # name: (keys, description)
    "down": ("j,down", "Down"),
    "up": ("k,up", "Up"),
    "first": ("g,home", "First"),
    "last": ("G,end", "Last"),
    "half_down": ("ctrl+d", "Half page down"),
    "half_up": ("ctrl+u", "Half page up"),
    "page_down": ("pagedown", "Page down"),
    "page_up": ("pageup", "Page up"),
}


def movement_bindings(prefix: str, actions: dict[str, str]) -> list[BindingType]:
    """One hidden Binding per movement, with the id ``PREFIX.NAME`` (for keymaps)."""
    return [Binding(MOVEMENT[name][0], action, MOVEMENT[name][1], show=False, id=f"{prefix}.{name}")
            for name, action in actions.items()]


class RowCursor:
    """The row movements of a line-API list (the paper list, the navigator): each widget has
    `rows` and a `_set_cursor` that clamps, scrolls and redraws."""

    cursor: int
    rows: Sized

    def _set_cursor(self, position: int) -> None:
        raise NotImplementedError

    def action_cursor_down(self) -> None:
        self._set_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._set_cursor(self.cursor - 1)

    def action_first(self) -> None:
        self._set_cursor(0)

    def action_last(self) -> None:
        self._set_cursor(len(self.rows) - 1)
