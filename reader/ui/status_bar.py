"""The status line: where the papers came from, counts, the active query or its error."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.content import Content
from textual.widgets import Static

from ..text import sanitize


class StatusBar(Static):
    """One line: where the papers came from, counts, the active query or its error."""

    def show(self, source: str, *, progress: tuple[int, int] | None = None, papers: int = 0,
             shown: int = 0, unread: int = 0, ranked: bool = False, query_text: str = "",
             query_error: str | None = None, config_problems: int = 0, searching: bool = False,
             position: int | None = None, starred: int = 0) -> None:
        """Assemble and draw the line; `progress` (files done, total) while still loading."""
        parts: list[str | tuple[str, str]] = [(sanitize(source), "bold")]
        if progress is not None:
            done, total = progress
            parts.append(f" · loading {done}/{total} files" if total else " · loading…")
        else:
            parts.append(f" · {papers:,} paper{'s' * (papers != 1)} · {shown:,} shown · {unread:,} unread")
            if ranked:
                parts.append(" · ranked")
            if query_error:
                parts += [" · ", (f"bad filter: {sanitize(query_error)}", "bold $text-error")]
            elif query_text.strip():
                parts += [" · filter: ", (sanitize(query_text), "$text-accent")]
        if searching and progress is None:
            parts.append((" · searching…", "bold"))
        if config_problems:  # one line for all of them, never a pile of toasts
            noun = "problem" if config_problems == 1 else "problems"
            parts += [" · ", (f"config: {config_problems} {noun}, see arxiv-reader config check", "$text-warning")]
        if progress is None:  # last: on a narrow terminal the filter and the problems come first
            parts.append(f" · {position:,}/{shown:,}" if position is not None and shown else "")
            parts.append(f" · {starred:,} starred")
        self.line = Content.assemble(*parts)
        # One line, always: no layout pass needed (it would cost ~20 ms a keystroke here).
        self.update(self.line, layout=False)

    line: Content = Content("")
    """The line on screen, with its styles (`line.plain` is the text)."""


def source_label(paths: Sequence[str]) -> str:
    """Where the papers came from: a file's or folder's name, or how many paths."""
    if len(paths) == 1:
        path = Path(paths[0])
        return path.name + ("/" if path.is_dir() else "")
    return f"{len(paths)} paths"
