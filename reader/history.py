"""The filter history: plain text, one query a line, in the user state directory. No Textual here."""

from __future__ import annotations

import os
from pathlib import Path

from .paths import read_regular, user_dir

HISTORY_LIMIT = 200


def history_path() -> Path:
    return user_dir("state") / "history.txt"


def load_history(path: Path | None = None) -> list[str]:
    path = path or history_path()
    try:
        text = read_regular(path, 1 << 20).decode("utf-8", errors="replace")
    except OSError:  # missing, unreadable, or not a regular file: no history
        return []
    return [line for line in text.split("\n") if line.strip()][-HISTORY_LIMIT:]


def save_history(entries: list[str], path: Path | None = None) -> None:
    """Best effort: losing the filter history is not worth an error."""
    path = path or history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("\n".join(e.replace("\n", " ") for e in entries[-HISTORY_LIMIT:]) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
