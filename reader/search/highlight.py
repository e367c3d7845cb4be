"""Where a query matched inside a display title, abstract or identifier, for highlighting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .fold import _find
from .fuzzy import fuzzy_spans
from .language import ABSTRACT, IDENT, TITLE, IdTerm, Term, TextTerm


def highlights(terms: Iterable[Term], modes: Mapping[TextTerm, bool], text: str, field: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) spans of `text` (a display title or abstract, or an
    identifier for ``field="id"``) that `terms` matched; `modes` says which words fell back to
    fuzzy matching (their fuzzy matches are included)."""
    bit = {"title": TITLE, "abstract": ABSTRACT, "id": IDENT}.get(field)
    if bit is None or not text:
        return []
    spans: list[tuple[int, int]] = []
    folded: str | None = None
    owner: list[int] | None = None
    plain = text.replace("\n", " ") if "\n" in text else text
    for t in terms:
        if isinstance(t, IdTerm) and bit == IDENT and not t.neg:
            if text.casefold().startswith(t.prefix):
                spans.append((0, min(len(text), len(t.prefix))))
            continue
        if not isinstance(t, TextTerm) or t.neg or not t.fields & bit:
            continue
        if folded is None:
            folded, owner = _fold_map(plain)
        if t.case and bit != IDENT:
            spans.extend(_occurrences(plain, t.needle, t.start, t.end, None))
        else:
            spans.extend(_occurrences(folded, t.folded, t.start, t.end, owner))
        if modes.get(t) and bit != IDENT:
            spans.extend(fuzzy_spans(folded, owner, t.folded))
    return _merge(spans)


def _fold_map(text: str) -> tuple[str, list[int] | None]:
    """Casefold `text`; when that changes its length, also return, for each folded character,
    the index of the character it came from."""
    folded = text.casefold()
    if len(folded) == len(text):
        return folded, None
    owner: list[int] = []
    parts = []
    for k, ch in enumerate(text):
        f = ch.casefold()
        parts.append(f)
        owner.extend([k] * len(f))
    return "".join(parts), owner


def _span(a: int, b: int, owner: list[int] | None) -> tuple[int, int]:
    if owner is None:
        return a, b
    return owner[a], owner[b - 1] + 1


def _occurrences(s: str, n: str, start: bool, end: bool, owner: list[int] | None) -> list[tuple[int, int]]:
    if not n:
        return []
    if start or end:
        pos = _find(s, n, start, end)
        return [_span(pos, pos + len(n), owner)] if pos >= 0 else []
    out = []
    pos = s.find(n)
    while pos >= 0:
        out.append(_span(pos, pos + len(n), owner))
        pos = s.find(n, pos + len(n))
    return out


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans = sorted(s for s in spans if s[1] > s[0])
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged
