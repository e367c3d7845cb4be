"""Configuration problems the config loader cannot see alone: saved queries that do not parse;
and what `config check` previews of the ``[views]`` on the newest digest.

UI-free; the key remaps are checked in `reader.ui.keycheck` (they need Textual's key names).
"""

from __future__ import annotations

from collections.abc import Sequence

from .config import Config, key_line
from .search import Corpus, QueryError, parse


def query_problems(config: Config) -> list[str]:
    """One ``FILE:LINE: queries.N: message`` per saved query that does not parse."""
    path = config.path
    try:
        text = path.read_text(encoding="utf-8") if path is not None else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    problems = []
    for slot, query in sorted(config.queries.items()):
        try:
            parse(query)
        except QueryError as err:
            line = key_line(text, str(slot), "queries")
            problems.append(f"{path}:{line}: queries.{slot}: {err}")
    return problems


def preview_views(views: dict[str, str], corpus: Corpus, rows: Sequence[int], label: str) -> list[str]:
    """``view To read: 12 of 400 in 2019-07-09 cs.CV`` for each ``[views]`` entry, over `rows` of
    `corpus` (views about marks are counted as if nothing were marked, as rules are)."""
    from .smart_views import smart_views

    out = []
    wanted = list(rows)
    for view in smart_views(views):
        found: Sequence[int] = wanted
        for part in (view.static, view.dynamic):
            if part is not None and found:
                found = part.run(corpus, candidates=found).indices
        out.append(f"view {_show(view.name)}: {len(found)} of {len(wanted)} in {label}")
    return out


def _show(text: str, limit: int = 40) -> str:
    text = "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
