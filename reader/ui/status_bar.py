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
             query_error: str | None = None, selected: int = 0, selected_hidden: int = 0,
             activity: str = "", view: str = "", position: int = 0, hint: str = "", order: str = "digest",
             hidden: int = 0, streaming: tuple[int, int] | None = None, arrived: str = "",
             config_problems: int = 0, searching: bool = False, starred: int = 0,
             events: int | None = None) -> None:
        """Assemble and draw the line; `progress` (files done, total) while still loading, `streaming`
        (the same) while older digests arrive after the first screen, `arrived` what a reload
        brought; `view` (the navigator row shown) and `position` (1-based cursor row) once loaded;
        `hint` last; `events` (the History row's) in place of the paper counts."""
        parts: list[str | tuple[str, str]] = [(sanitize(source), "bold")]
        if progress is not None:
            done, total = progress
            parts.append(f" · loading {done}/{total} files" if total else " · loading…")
        elif events is not None:
            parts.append(f" · {events:,} recent event{'s' * (events != 1)}")
        else:
            parts.append(f" · {papers:,} paper{'s' * (papers != 1)} · {shown:,} shown · {unread:,} unread")
            parts += _order_parts(order, ranked, hidden)
            parts += _list_parts(selected, selected_hidden, query_text, query_error, streaming, arrived)
        if activity:
            parts.append((f" · {sanitize(activity)}", "$text-accent"))
        if searching and progress is None:
            parts.append((" · searching…", "bold"))
        if config_problems:  # one line for all of them, never a pile of toasts
            noun = "problem" if config_problems == 1 else "problems"
            parts += [" · ", (f"config: {config_problems} {noun}, see arxiv-reader config check", "$text-warning")]
        if progress is None:  # last: on a narrow terminal the counts, the filter and the problems come first
            parts += _place_parts(view, position, shown, starred)
        if hint:
            parts += [" · ", (sanitize(hint), "italic")]
        self.line = _fitted(parts, self.size.width - 2)  # 2: the padding
        # One line, always: no layout pass needed (it would cost ~20 ms a keystroke here).
        self.update(self.line, layout=False)

    line: Content = Content("")
    """The line on screen, with its styles (`line.plain` is the text)."""


def _list_parts(selected: int, selected_hidden: int, query_text: str, query_error: str | None,
                streaming: tuple[int, int] | None, arrived: str) -> list[str | tuple[str, str]]:
    """The selection, the filter (or its error) and the streaming progress or what arrived."""
    parts: list[str | tuple[str, str]] = []
    if selected:
        by_filter = f" ({selected_hidden:,} hidden by the filter)" if selected_hidden else ""
        parts.append((f" · {selected:,} selected{by_filter}", "bold $text-success"))
    if query_error:
        parts += [" · ", (f"bad filter: {sanitize(query_error)}", "bold $text-error")]
    elif query_text.strip():
        parts += [" · filter: ", (sanitize(query_text), "$text-accent")]
    if streaming is not None:
        parts.append(f" · loading {streaming[0]:,}/{streaming[1]:,} digests"
                     + ("; filter over what is loaded" if query_text.strip() else ""))
    elif arrived:
        parts.append(f" · {sanitize(arrived)}")
    return parts


def _order_parts(order: str, ranked: bool, hidden: int) -> list[str | tuple[str, str]]:
    """How many papers hide rules take out, and the list's order when it is not digest order."""
    parts: list[str | tuple[str, str]] = [f" · {hidden:,} hidden"] if hidden else []
    if order == "watch":
        parts.append(" · by watch score")
    elif ranked or order == "match":
        parts.append(" · ranked")
    return parts


def _fitted(parts: list[str | tuple[str, str]], width: int) -> Content:
    """The line; on a terminal too narrow for it, without the source (the part to do without)."""
    line = Content.assemble(*parts)
    if 0 < width < line.cell_length and len(parts) > 1:
        rest = parts[1][3:] if isinstance(parts[1], str) else parts[1]  # its leading " · "
        line = Content.assemble(rest, *parts[2:])
    return line


def _place_parts(view: str, position: int, shown: int, starred: int) -> list[str | tuple[str, str]]:
    """The view shown and the cursor's position in it (`2019-07-09 cs.CV 17/400`), and the stars."""
    parts: list[str | tuple[str, str]] = []
    if view:
        parts += [" · ", (sanitize(view), "bold")]
    if position and shown:
        parts.append(f" {position:,}/{shown:,}" if view else f" · {position:,}/{shown:,}")
    parts.append(f" · {starred:,} starred")
    return parts


def source_label(paths: Sequence[str]) -> str:
    """Where the papers came from: a file's or folder's name, or how many paths."""
    if len(paths) == 1:
        path = Path(paths[0])
        return path.name + ("/" if path.is_dir() else "")
    return f"{len(paths)} paths"
