"""What the reader keeps about papers, for the session and the view (no UI): the watch and hide
rules' answers over the loaded corpus, the list's order (digest, match score, watch score), and
the facts the abstract pane shows beside a paper (tags, note, the rules that fired, seen before).

Strict-typed. The session owns one `Keeping`; the app evaluates the rules in a worker when the
search corpus is ready (and again after a mark when a rule is about marks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from .model import Paper
from .rules import Rule, RuleIndex, RuleMatches, RuleSet, load_rules, mentions_hidden
from .search import Corpus, Lookups, Query
from .seen import MarkTimes, seen_note

ORDERS = ("digest", "match", "watch")
"""What `S` cycles through: digest order, match score (with a filter), watch score."""
ORDER_LABELS = {"digest": "digest order", "match": "ranked by match score", "watch": "ranked by watch score"}


@dataclass(frozen=True)
class PaperFacts:
    """What the abstract pane says beside a paper's own text."""

    tags: tuple[str, ...] = ()
    note: str | None = None
    earlier_notes: int = 0
    fired: tuple[Rule, ...] = ()
    score: float = 0.0
    seen: str | None = None
    """``read 2019-07-09``, ``starred; v3 now``: the paper was listed before."""


@dataclass
class Keeping:
    rules: RuleSet = field(default_factory=RuleSet)
    problems: list[str] = field(default_factory=list)
    matches: RuleMatches | None = None
    order: str = "digest"
    _index: RuleIndex = field(default_factory=lambda: RuleIndex(RuleSet()))

    def load(self, config_path: Path | None) -> None:
        """Read the rules of the config file (their problems go to `problems`)."""
        self.rules, self.problems = load_rules(config_path) if config_path is not None else (RuleSet(), [])
        self._index = RuleIndex(self.rules)
        self.matches = None

    @property
    def about_marks(self) -> bool:
        """Some rule must be evaluated again after a mark."""
        return any(r.uses_marks for r in self.rules.rules)

    def evaluate(self, corpus: Corpus, is_read: Callable[[int], bool] | None,
                 is_starred: Callable[[int], bool] | None, lookups: Lookups | None) -> RuleMatches:
        """In a worker: the rules' answers over `corpus` (cheap for the parts seen before)."""
        return self._index.evaluate(corpus, is_read=is_read, is_starred=is_starred, lookups=lookups)

    # -- rows

    def lookups(self, base: Lookups | None) -> Lookups | None:
        return base if self.matches is None else self.matches.lookups(base)

    def shown(self, rows: Sequence[int], query: Query | None = None) -> Sequence[int]:
        """`rows` without the papers a hide rule hides (unless `query` says ``is:hidden``), in
        watch-score order when that is the order."""
        m = self.matches
        if m is None:
            return rows
        if self.rules.hide and not mentions_hidden(query) and m.hidden_count(rows):
            rows = m.visible(rows)
        if self.order == "watch" and self.rules.watch:
            rows = m.by_score(rows)
        return rows

    def hidden_in(self, rows: Sequence[int], query: Query | None = None) -> int:
        """How many of `rows` a hide rule takes out of the list (0 when the query asks for them)."""
        m = self.matches
        if m is None or not self.rules.hide or mentions_hidden(query):
            return 0
        return m.hidden_count(rows)

    def next_order(self) -> str:
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]
        return self.order

    # -- one paper

    def facts(self, store: object, paper: Paper, key: str, index: int) -> PaperFacts:
        """The pane's facts about paper `index` (`store` may lack tags and notes: then none)."""
        tags_of = getattr(store, "tags", None)
        note_of = getattr(store, "note", None)
        versions_of = getattr(store, "note_versions", None)
        tags = tuple(tags_of(key)) if callable(tags_of) else ()
        note = note_of(key) if callable(note_of) else None
        earlier = 0
        if note is not None and callable(versions_of):
            try:
                earlier = max(len(versions_of(key)) - 1, 0)
            except OSError:  # the history is unreadable: the note itself is still shown
                earlier = 0
        m = self.matches
        fired = tuple(m.fired(index)) if m is not None and index < m.n else ()
        seen = None
        if store is not None and all(hasattr(store, n) for n in ("is_read", "is_starred", "time_of")):
            seen = seen_note(cast(MarkTimes, store), paper, key)
        return PaperFacts(tags, note if isinstance(note, str) else None, earlier, fired,
                          sum(r.weight for r in fired), seen)
