"""Watch and hide rules: named queries from ``[watch]`` and ``[hide]`` in config.toml.

    [watch]
    levine = { query = "au:levine", weight = 5, color = "#ff8800" }
    diffusion = "ti:diffusion"          # weight 1, the theme's colour

    [hide]
    surveys = "ti:survey !is:starred"

A paper a watch rule matches gets the rule's weight added to its watch score and shows the
rule's marker; a paper a hide rule matches leaves the list views, `list` and `export` unless the
query asks for ``is:hidden``. Rules are queries in the filter language (`reader.search`); one
that does not parse is reported (``FILE:LINE: watch.NAME: message``) and skipped, the others
keep working. A rule may not itself use ``is:watched``, ``watch:`` or ``is:hidden``. A rule's
words never fall back to fuzzy matching (its answer on one digest must not depend on the others).

Evaluation (`RuleIndex`): a rule about the papers only (no read/star/tag/note term) is run once
per search part (one a digest file, see `reader.search.segments`) and remembered for that part,
so a new digest costs only its own papers; rules with state terms are run again over everything
whenever `evaluate` is given new marks (`marks_version`).

UI-free, strict-typed. The colour is kept as text (``#rrggbb``, a colour name or a theme
variable such as ``$accent``); the view turns it into a style and falls back to the theme's.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import compress
from pathlib import Path

from .search import Corpus, Lookups, MarkTerm, Query, QueryError, StateTerm, TextTerm, parse
from .search.segments import Part
from .text import sanitize

WATCH, HIDE = "watch", "hide"
_COLOR_RE = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}|\$?[a-z][a-z0-9_-]{0,30}")
_MAX_RULES = 200
_MAX_WEIGHT = 1000.0


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    """``watch`` or ``hide``."""
    name: str
    text: str
    """The query as written."""
    query: Query
    weight: float = 1.0
    color: str | None = None
    line: int = 1

    @property
    def uses_marks(self) -> bool:
        """Its answer depends on read/starred/tags/notes: run again after a mark."""
        return any(isinstance(t, (StateTerm, MarkTerm)) for t in self.query.terms())


@dataclass(frozen=True, slots=True)
class RuleSet:
    watch: tuple[Rule, ...] = ()
    hide: tuple[Rule, ...] = ()

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.watch + self.hide

    def __bool__(self) -> bool:
        return bool(self.watch or self.hide)


def exact(query: Query) -> Query:
    """The query with no fuzzy fallback: a rule's words match exactly, so its answer on one
    digest never depends on the other digests."""
    clauses = tuple(tuple(replace(t, exact=True) if isinstance(t, TextTerm) and t.fuzzy_ok else t for t in cl)
                    for cl in query.clauses)  # fmt: skip
    return Query(query.text, clauses)


def mentions_hidden(query: Query | None) -> bool:
    """The query says ``is:hidden`` (or ``!is:hidden``): hidden papers are not dropped for it."""
    return query is not None and any(isinstance(t, StateTerm) and t.kind == "hidden" for t in query.terms())


# -- parsing ------------------------------------------------------------------------------------


def _key_line(text: str, table: str, key: str) -> int:
    current: str | None = None
    pattern = re.compile(rf"""\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
    for n, line in enumerate(text.split("\n"), 1):
        header = re.match(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$", line)
        if header:
            current = header.group(1).strip("\"'")
            if current == table and key == "":
                return n
        elif current == table and pattern.match(line):
            return n
    return 1


def _show(text: str, limit: int = 60) -> str:
    text = " ".join(sanitize(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rule(kind: str, name: str, value: object, warn: Callable[[str, str], None], line: int) -> Rule | None:
    weight: object = 1.0
    color: object = None
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"query", "weight", "color"})
        if unknown:
            warn(name, f"unknown key {_show(str(unknown[0]))!r} ignored")
        text = value.get("query")
        weight = value.get("weight", 1.0)
        color = value.get("color")
    else:
        text = value
    if not isinstance(text, str) or not text.strip():
        warn(name, 'needs a query: name = "query" or name = { query = "...", weight = 1 }; rule skipped')
        return None
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) \
            or abs(weight) > _MAX_WEIGHT:
        warn(name, f"weight must be a number from -{_MAX_WEIGHT:g} to {_MAX_WEIGHT:g}; using 1")
        weight = 1.0
    if color is not None and (not isinstance(color, str) or _COLOR_RE.fullmatch(color) is None):
        warn(name, 'color must be "#rrggbb", a colour name or a theme variable ("$accent"); using the theme\'s')
        color = None
    try:
        query = exact(parse(text))
    except QueryError as err:
        warn(name, f"bad query: {err}; rule skipped")
        return None
    if query.is_empty:
        warn(name, "empty query; rule skipped")
        return None
    if any(isinstance(t, StateTerm) and t.kind in ("watched", "hidden") or isinstance(t, MarkTerm)
           and t.kind == "watch" for t in query.terms()):
        warn(name, "a rule cannot use is:watched, watch: or is:hidden; rule skipped")
        return None
    return Rule(kind, name, text, query, float(weight), color if isinstance(color, str) else None, line)


def parse_rules(data: dict[str, object], text: str, path: Path | str) -> tuple[RuleSet, list[str]]:
    """The rules of a parsed config file (`data`, from `text`), and one ``FILE:LINE: KEY:
    message`` per problem; a rule with a problem in its query is skipped."""
    problems: list[tuple[int, str]] = []
    out: dict[str, list[Rule]] = {WATCH: [], HIDE: []}
    for kind in (WATCH, HIDE):
        table = data.get(kind)
        if table is None:
            continue
        if not isinstance(table, dict):
            line = _key_line(text, "", kind) if f"{kind} =" in text else 1
            problems.append((line, f"{path}:{line}: {kind}: must be a table ([{kind}]); ignored"))
            continue
        for name, value in table.items():
            line = _key_line(text, kind, name)
            if len(out[WATCH]) + len(out[HIDE]) >= _MAX_RULES:
                problems.append((line, f"{path}:{line}: {kind}: more than {_MAX_RULES} rules; the rest ignored"))
                break

            def warn(key: str, message: str, line: int = line, kind: str = kind) -> None:
                problems.append((line, f"{path}:{line}: {kind}.{_show(key, 40)}: {message}"))

            rule = _rule(kind, str(name), value, warn, line)
            if rule is not None:
                out[kind].append(rule)
    return RuleSet(tuple(out[WATCH]), tuple(out[HIDE])), [p for _, p in sorted(problems, key=lambda x: x[0])]


def load_rules(path: Path) -> tuple[RuleSet, list[str]]:
    """The rules of the config file at `path` (none when it is missing or unreadable: the
    config loader reports those problems)."""
    try:
        text = path.read_bytes().decode("utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return RuleSet(), []
    return parse_rules(data, text, path)


# -- evaluation ---------------------------------------------------------------------------------


class RuleMatches:
    """What the rules say about every paper of one corpus (positions as in the corpus): one
    mask (a byte a paper, 0 or 1) per rule."""

    def __init__(self, rules: RuleSet, masks: list[bytes | bytearray], n: int) -> None:
        self.rules = rules
        self.n = n
        nw = len(rules.watch)
        self.watch_masks = masks[:nw]
        self.hidden: bytes | bytearray = _any(masks[nw:], n)
        """1 where a hide rule matches."""
        self.watched: bytes | bytearray = _any(self.watch_masks, n)
        """1 where a watch rule matches."""

    def fired(self, i: int) -> list[Rule]:
        """The watch rules that match paper `i`, the heaviest first (the "why")."""
        if not self.watched[i]:
            return []
        got = [r for r, m in zip(self.rules.watch, self.watch_masks, strict=True) if m[i]]
        return sorted(got, key=lambda r: -r.weight)

    def names(self, i: int) -> tuple[str, ...]:
        return tuple(r.name for r in self.fired(i))

    def score(self, i: int) -> float:
        """The watch score: the sum of the weights of the watch rules that match."""
        if not self.watched[i]:
            return 0.0
        return sum(r.weight for r, m in zip(self.rules.watch, self.watch_masks, strict=True) if m[i])

    def by_score(self, rows: Sequence[int]) -> list[int]:
        """`rows` by watch score, highest first, then in their order."""
        score = self.score
        return sorted(rows, key=lambda i: -score(i))

    def hidden_count(self, rows: Sequence[int]) -> int:
        hidden = self.hidden
        return sum(map(hidden.__getitem__, rows))

    def visible(self, rows: Sequence[int]) -> list[int]:
        hidden = self.hidden
        return [i for i in rows if not hidden[i]]

    def lookups(self, base: Lookups | None = None) -> Lookups:
        """`base` with ``is:watched``, ``watch:NAME`` and ``is:hidden`` answered by these matches."""
        folded = [r.name.casefold() for r in self.rules.watch]
        masks, watched, hidden = self.watch_masks, self.watched, self.hidden

        def watches(i: int) -> tuple[str, ...]:
            if not watched[i]:
                return ()
            return tuple(name for name, m in zip(folded, masks, strict=True) if m[i])

        b = base or Lookups()
        return Lookups(tags=b.tags, note=b.note, is_updated=b.is_updated, watches=watches,
                       is_hidden=lambda i: bool(hidden[i]))


def _any(masks: Sequence[bytes | bytearray], n: int) -> bytes | bytearray:
    if not masks:
        return bytes(n)
    acc = 0
    for m in masks:
        acc |= int.from_bytes(m, "little")
    return acc.to_bytes(n, "little")


def _mask(n: int, hits: Sequence[int]) -> bytearray:
    out = bytearray(n)
    for i in hits:
        out[i] = 1
    return out


def _scatter(out: bytearray, local: bytes, at: Sequence[int], start: int | None) -> None:
    """``out[at[r]] = local[r]`` for the shown rows (``at[r] >= 0``)."""
    if start is not None:
        out[start : start + len(at)] = local
        return
    for r in compress(range(len(at)), local):
        g = at[r]
        if g >= 0:
            out[g] = 1


def _gather(mask: bytes | bytearray, at: Sequence[int], start: int | None) -> bytes:
    """The part's rows of a corpus mask (0 for a row not shown)."""
    if start is not None:
        return bytes(mask[start : start + len(at)])
    return bytes(mask[g] if g >= 0 else 0 for g in at)


_PART_BULK = 4096
"""More papers than this without remembered answers are run over the whole corpus at once."""


class RuleIndex:
    """Evaluates a `RuleSet` over corpora, remembering the answers of paper-only rules per part."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self._static = [k for k, r in enumerate(rules.rules) if not r.uses_marks]
        self._dynamic = [k for k, r in enumerate(rules.rules) if r.uses_marks]
        self._parts: dict[int, tuple[Part, list[bytes]]] = {}
        """id(part) -> (the part, for each static rule a byte a row: it matches)."""

    def evaluate(self, corpus: Corpus, *, is_read: Callable[[int], bool] | None = None,
                 is_starred: Callable[[int], bool] | None = None, lookups: Lookups | None = None) -> RuleMatches:
        """The rules' answers for every paper of `corpus`. Paper-only rules are run only over the
        parts not met before; rules with state terms over everything, with these marks."""
        rules = self.rules.rules
        n = len(corpus)
        placed = corpus.placed_parts()
        todo = [(part, at, start) for part, at, start in placed if id(part) not in self._parts]
        if sum(len(at) for _, at, _ in todo) > _PART_BULK:
            self._bulk(corpus, todo)
        else:
            for part, _, _ in todo:
                self._one_part(part)
        live = {id(part) for part, _, _ in placed}
        for key in [k for k in self._parts if k not in live]:
            del self._parts[key]
        masks: list[bytes | bytearray] = [b""] * len(rules)
        where = [(self._parts[id(part)][1], at, start) for part, at, start in placed]
        for s, k in enumerate(self._static):
            out = bytearray(n)
            for local, at, start in where:
                _scatter(out, local[s], at, start)
            masks[k] = out
        for k in self._dynamic:
            found = rules[k].query.run(corpus, is_read=is_read, is_starred=is_starred, lookups=lookups).indices
            masks[k] = _mask(n, found)
        return RuleMatches(self.rules, masks, n)

    def _bulk(self, corpus: Corpus, todo: Sequence[tuple[Part, Sequence[int], int | None]]) -> None:
        """Run the static rules over the whole corpus once, then give each new part its rows."""
        n = len(corpus)
        wanted = bytearray(n)
        for _, at, start in todo:
            _scatter(wanted, b"\x01" * len(at), at, start)
        candidates = None if all(wanted) else list(compress(range(n), wanted))
        per_rule = [_mask(n, self.rules.rules[k].query.run(corpus, candidates=candidates).indices)
                    for k in self._static]
        for part, at, start in todo:
            self._parts[id(part)] = (part, [_gather(m, at, start) for m in per_rule])

    def _one_part(self, part: Part) -> None:
        """The static rules over one part, through a corpus of that part alone."""
        small = Corpus.from_parts(part.papers, [part])
        size = len(part)
        self._parts[id(part)] = (part, [bytes(_mask(size, self.rules.rules[k].query.run(small).indices))
                                        for k in self._static])


def preview(rules: RuleSet, corpus: Corpus, rows: Sequence[int], label: str) -> list[str]:
    """``levine: 3 of 400 in 2019-07-09 cs.CV`` for each rule, over `rows` of `corpus` (hide
    rules end with ``(hide)``; rules about marks are counted as if nothing were marked)."""
    out = []
    wanted = list(rows)
    for rule in rules.rules:
        found = len(rule.query.run(corpus, candidates=wanted).indices)
        tail = " (hide)" if rule.kind == HIDE else ""
        out.append(f"{_show(rule.name, 40)}: {found} of {len(wanted)} in {label}{tail}")
    return out
