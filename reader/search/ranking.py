"""Scores for ranked results: how well each matching paper matches each text term."""

from __future__ import annotations

from collections.abc import Sequence

from .corpus import Corpus
from .engine import _Run
from .fold import _contains, _fold_contains
from .language import _WORD_RE, ABSTRACT, IDENT, TITLE, Clause, TextTerm


def scores(clauses: Sequence[Clause], state: _Run, idx: list[int]) -> list[float]:
    """The score of each paper of `idx` (all of them matches): the mean over the clauses with a
    positive text term of its quality, halved when a word needed the fuzzy fallback."""
    scoring = [cl for cl in clauses if any(isinstance(t, TextTerm) and not t.neg for t in cl)]
    if not scoring or not idx:
        return [1.0] * len(idx)
    total = [0.0] * len(idx)
    fuzzy = [False] * len(idx)
    for cl in scoring:
        alts = [t for t in cl if isinstance(t, TextTerm) and not t.neg]
        state.poll()
        if len(cl) == 1:
            qs = qualities(state, alts[0], idx, True)
            total = [a + b for a, b in zip(total, qs, strict=True)]
            if state.modes.get(alts[0]):
                fuzzy = [True] * len(idx)
            continue
        # An OR: the best exact alternative wins over any fuzzy one.
        exact = [0.0] * len(idx)
        fz = [0.0] * len(idx)
        for t in alts:
            qs = qualities(state, t, idx, False)
            if state.modes.get(t):
                fz = [max(a, b) for a, b in zip(fz, qs, strict=True)]
            else:
                exact = [max(a, b) for a, b in zip(exact, qs, strict=True)]
        total = [s + (e if e else f if f else 0.6) for s, e, f in zip(total, exact, fz, strict=True)]
        fuzzy = [was or (not e and f > 0) for was, e, f in zip(fuzzy, exact, fz, strict=True)]
    n = len(scoring)
    return [round(s / n * (0.5 if fz else 1.0), 4) for s, fz in zip(total, fuzzy, strict=True)]


def qualities(state: _Run, t: TextTerm, idx: list[int], all_match: bool) -> list[float]:
    """How well each paper of `idx` matches positive text term `t`, in (0, 1], or 0.0 for
    no match. Exact: 1.0 at the start of the title, 0.95 at a word start in it, 0.85 inside
    a word, 0.9 in the identifier, 0.6 in the abstract only. Fuzzy: see `fuzzy_words`.
    With `all_match`, every paper is known to match."""
    c = state.c
    if state.modes.get(t):
        get = (state.fuzzy_hits.get(t) or {}).get
        return [get(i, 0.0) for i in idx]
    titles, n = (c._tdisp, t.needle) if t.case else (c._tfold, t.folded)
    if not t.fields & TITLE:
        tq = [0.0] * len(idx)
    elif t.start or t.end:
        tq = [1.0 if _contains(titles[i], n, t.start, t.end) else 0.0 for i in idx]
    else:
        pos = [titles[i].find(n) for i in idx]
        tq = [
            (1.0 if p == 0 else 0.95 if not titles[i][p - 1].isalnum() else 0.85) if p >= 0 else 0.0
            for i, p in zip(idx, pos, strict=True)
        ]
    ids, nf = c._ids, t.folded
    use_id = bool(t.fields & IDENT)
    use_abs = bool(t.fields & ABSTRACT)
    if use_abs and not all_match and len(idx) >= 512 and not t.start and not t.end \
            and _WORD_RE.fullmatch(nf) is not None:  # fmt: skip
        got = c._word_mask(ABSTRACT, t.utf8)
        if got is not None:
            am, unc = got

            def abstract_hit(i: int) -> bool:
                if unc is not None and unc[i]:
                    return _abstract_hit(c, t, i)
                return bool(am[i]) and (not t.case or _contains(c._atext[i], t.needle, False, False))

            return [q if q else 0.9 if use_id and nf in ids[i] else 0.6 if abstract_hit(i) else 0.0
                    for i, q in zip(idx, tq, strict=True)]  # fmt: skip
    return [
        q if q else 0.9 if use_id and nf in ids[i] else
        0.6 if use_abs and (all_match or _abstract_hit(c, t, i)) else 0.0
        for i, q in zip(idx, tq, strict=True)
    ]  # fmt: skip

def _abstract_hit(c: Corpus, t: TextTerm, i: int) -> bool:
    text = c._atext[i]
    if not _fold_contains(text, t.folded, t.start, t.end):
        return False
    return not t.case or _contains(text, t.needle, t.start, t.end)

