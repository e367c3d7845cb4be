"""Configuration problems the config loader cannot see alone: saved queries that do not parse.

UI-free; the key remaps are checked in `reader.ui.keycheck` (they need Textual's key names).
"""

from __future__ import annotations

from .config import Config, key_line
from .search import QueryError, parse


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
