"""Dwell: a paper that stays under the cursor for `seconds` counts as read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.timer import Timer


class Dwell:
    """One timer for the paper under the cursor; `done(index)` when it ran out."""

    def __init__(self, app: App[Any], seconds: float, done: Callable[[int], None]) -> None:
        self._app = app
        self.seconds = seconds
        """0 (or less) turns dwell off."""
        self._done = done
        self._timer: Timer | None = None
        self.armed = False
        """False until the user did something (a key, a click): opening the app marks nothing."""

    def start(self, index: int) -> None:
        self.stop()
        if self.seconds > 0 and self.armed:
            self._timer = self._app.set_timer(self.seconds, lambda: self._fire(index))

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _fire(self, index: int) -> None:
        self._timer = None
        self._done(index)
