"""The selection: papers the user picked (`v`, `V`) to act on together. No UI here.

The selection is a set of paper keys, so it survives filter and view changes (and reloads):
a selected paper the filter hides stays selected, and the status bar says how many are hidden.
Marking a selection follows DECISIONS.md: on a mixed selection `m`/`s` set every paper to
read/starred if any is not, else clear every one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence


class Selection:
    """Selected paper keys, in the order they were selected."""

    def __init__(self) -> None:
        self._keys: dict[str, None] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __bool__(self) -> bool:
        return bool(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def toggle(self, key: str) -> bool:
        """Select `key`, or unselect it if it was; returns whether it is selected now."""
        if key in self._keys:
            del self._keys[key]
            return False
        self._keys[key] = None
        return True

    def add(self, keys: Iterable[str]) -> int:
        """Select each of `keys`; returns how many were not selected before."""
        before = len(self._keys)
        for key in keys:
            self._keys.setdefault(key, None)
        return len(self._keys) - before

    def clear(self) -> int:
        """Unselect everything; returns how many were selected."""
        count = len(self._keys)
        self._keys.clear()
        return count

    def hidden(self, shown_keys: Iterable[str]) -> int:
        """How many selected papers are not among `shown_keys` (hidden by the filter or view)."""
        if not self._keys:
            return 0
        shown = {k for k in shown_keys if k in self._keys}
        return len(self._keys) - len(shown)


def target_value(keys: Sequence[str], current: Callable[[str], bool]) -> bool:
    """The value `m`/`s` gives every selected paper: True if any is not set, else False."""
    return not all(current(key) for key in keys)
