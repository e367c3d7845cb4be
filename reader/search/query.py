"""A parsed query (`parse`) and what running it gives."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .corpus import Corpus, _Cancelled, _intersect
from .engine import Lookups, Result, SortedIndices, _clause_cost, _normalize, _Run
from .highlight import highlights
from .language import Clause, Term, TextTerm, clause_within, parse_clauses
from .ranking import scores as rank_scores


def parse(text: str) -> Query:
    """Parse a query. Raises QueryError, and nothing else, for any string."""
    return Query(text, parse_clauses(text))


class Query:
    """A parsed query. Immutable, except that `run` remembers which words fell back to fuzzy
    matching (so `highlights` and `refines` can use it); runs in several threads are safe."""

    __slots__ = ("text", "clauses", "_modes")

    def __init__(self, text: str, clauses: tuple[Clause, ...]) -> None:
        self.text = text
        self.clauses = clauses
        self._modes: dict[TextTerm, bool] = {}

    def __repr__(self) -> str:
        return f"Query({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and other.clauses == self.clauses

    def __hash__(self) -> int:
        return hash(self.clauses)

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    def terms(self) -> Iterable[Term]:
        for clause in self.clauses:
            yield from clause

    # -- run

    def run(
        self,
        corpus: Corpus,
        *,
        candidates: Sequence[int] | None = None,
        is_read: Callable[[int], bool] | None = None,
        is_starred: Callable[[int], bool] | None = None,
        rank: bool = False,
        cancelled: Callable[[], bool] | None = None,
        lookups: Lookups | None = None,
    ) -> Result:
        """Match every paper of `corpus` (or only `candidates`). `is_read`/`is_starred` take a
        paper index; without them nothing is read or starred; `lookups` answers tags, notes,
        watch rules, updated and hidden the same way. `cancelled` is polled every few
        thousand papers; when it returns True the run stops with ``complete=False``."""
        with corpus._lock:
            corpus._busy += 1
        try:
            return self._run(corpus, candidates, is_read, is_starred, rank, cancelled, lookups)
        finally:
            with corpus._lock:
                corpus._busy -= 1

    def _run(self, corpus: Corpus, candidates: Sequence[int] | None, is_read: Callable[[int], bool] | None,
             is_starred: Callable[[int], bool] | None, rank: bool, cancelled: Callable[[], bool] | None,
             lookups: Lookups | None = None) -> Result:
        n = len(corpus)
        cur: Sequence[int] = range(n) if candidates is None else _normalize(candidates, n)
        if self.is_empty:
            idx = SortedIndices(cur)
            return Result(idx, [1.0] * len(idx))
        state = _Run(corpus, is_read, is_starred, cancelled, lookups)
        # Many candidates narrow little; the whole-corpus caches do better, then one intersection.
        late = None
        if candidates is not None and len(cur) * 2 > n and len(cur) != n:
            late, cur = cur, range(n)
        try:
            for clause in sorted(self.clauses, key=lambda cl: _clause_cost(cl, corpus)):
                cur = state.clause(clause, cur)
                if not cur:
                    break
            idx = SortedIndices(cur if late is None else _intersect(cur, late))
            scores = rank_scores(self.clauses, state, idx) if rank else None
        except _Cancelled:
            return Result([], [], complete=False)
        if state.modes:
            merged = dict(self._modes)
            merged.update(state.modes)
            self._modes = merged
        fuzzy_words = tuple(t.needle for t, on in state.modes.items() if on)
        if scores is None:
            state.cancelled = None  # scoring later must not be abandoned half-way

            def scorer() -> list[float]:
                return rank_scores(self.clauses, state, idx)

            return Result(idx, None, bool(fuzzy_words), fuzzy_words, scorer=scorer)
        order = sorted(range(len(idx)), key=lambda k: -scores[k])
        ranked = [idx[k] for k in order]  # a plain list: not in digest order
        return Result(ranked, [scores[k] for k in order], bool(fuzzy_words), fuzzy_words)

    # -- refines

    def refines(self, previous: Query) -> bool:
        """True only when every result of this query is guaranteed to be among `previous`'s
        results, so its results may be passed as `candidates`. Assumes the same corpus and
        unchanged read/starred marks since `previous` ran (rerun from scratch after either)."""
        if previous.is_empty:
            return True
        modes = previous._modes
        return all(
            any(clause_within(mine, theirs, modes) for mine in self.clauses) for theirs in previous.clauses
        )

    def narrowing(self, previous: Query | None, result: Result | None, corpus: Corpus) -> Sequence[int] | None:
        """What to pass as `candidates` after `previous` gave `result`: those results when this
        query `refines` it and they leave out enough of the corpus to pay; otherwise None."""
        if previous is None or result is None or not result.complete:
            return None
        if len(result.indices) * 2 > len(corpus) or not self.refines(previous):
            return None
        return result.indices

    # -- highlights

    def highlights(self, text: str, field: str) -> list[tuple[int, int]]:
        """Sorted, non-overlapping (start, end) spans of `text` (a display title or abstract, or
        an identifier for ``field="id"``) that matched, fuzzy matches included."""
        return highlights(self.terms(), self._modes, text, field)
