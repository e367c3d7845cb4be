"""Dwell: a paper the user moved to, and then read in the pane for `seconds`, counts as read.

One rule (DECISIONS "Dwell"): time counts only while the list or the pane has focus, the paper
is the one in the pane, no modal screen (help, a dialog, the palette) is on top, and the user
moved to that paper: a key or a click in the list or the pane. So the first paper at start, the
first match of a filter being typed and the paper behind `?` never count. When a condition
fails the count starts again from zero; there is no session-wide latch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.timer import Timer

TICK = 0.1
"""How often a running dwell looks at its conditions (only while a paper is armed)."""
INPUT_WINDOW = 1.0
"""A cursor move this soon after a key or click in the list or pane is the user's move."""


class Dwell:
    """Counts the time the user spends on one paper; `done(index)` once it reaches `seconds`."""

    def __init__(self, app: App[Any], seconds: float, done: Callable[[int], None],
                 reading: Callable[[int], bool] | None = None) -> None:
        self._app = app
        self.seconds = seconds
        """0 (or less) turns dwell off."""
        self._done = done
        self._reading = reading or (lambda index: True)
        """Whether the user can be reading paper `index` now (focus, pane, no modal)."""
        self._timer: Timer | None = None
        self._input_at = float("-inf")
        self.armed: int | None = None
        """The paper the user moved to, whose time is counting (None: nothing counts)."""
        self.elapsed = 0.0

    def note_input(self, in_papers: bool) -> None:
        """A key or click arrived: in the list or the pane (on the main screen), or elsewhere
        (the filter bar, a dialog), which means the next cursor move is not the user's."""
        self._input_at = time.monotonic() if in_papers else float("-inf")

    def moved(self, index: int | None, unread: bool) -> None:
        """The cursor moved to `index`: it counts only when the user moved it."""
        if index is not None and unread and time.monotonic() - self._input_at < INPUT_WINDOW:
            self._arm(index)
        else:
            self.stop()

    def stay(self, index: int | None, unread: bool) -> None:
        """A key or click that did not move the cursor (Enter or Tab into the pane, a click)."""
        if index is not None and unread and self.armed != index:
            self._arm(index)

    def _arm(self, index: int) -> None:
        self.stop()
        if self.seconds <= 0:
            return
        self.armed = index
        self._timer = self._app.set_interval(TICK, self._tick)

    def stop(self) -> None:
        self.armed = None
        self.elapsed = 0.0
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        index = self.armed
        if index is None:
            return
        if not self._reading(index):
            self.elapsed = 0.0
            return
        self.elapsed += TICK
        if self.elapsed + 1e-9 >= self.seconds:
            self.stop()
            self._done(index)
