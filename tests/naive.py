"""The definition of a text term, written plainly: what the query engine's answers are checked against."""

from __future__ import annotations

from reader.search import ABSTRACT, IDENT, TITLE, TextTerm


def term_matches(t: TextTerm, title: str, abstract: str, ident: str | None) -> bool:
    """Does text term `t` (negation ignored, no typo tolerance) match a paper with this display
    title, display abstract and identifier?"""

    def test(s: str) -> bool:
        s = s.replace("\n", " ")
        s, n = (s, t.needle) if t.case else (s.casefold(), t.folded)
        if t.start and t.end:
            return s == n
        if t.start:
            return s.startswith(n)
        if t.end:
            return s.endswith(n)
        return n in s

    return (
        (bool(t.fields & TITLE) and test(title))
        or (bool(t.fields & ABSTRACT) and test(abstract))
        or (bool(t.fields & IDENT) and t.folded in (ident or "").casefold())
    )
