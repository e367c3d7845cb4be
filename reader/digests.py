"""The digest navigator's model: digests, rows, unread counts and the overview.

No Textual and no I/O. Where the app opens, and the "last view" record behind it, is
reader/opening.py.

A **digest** is one announcement, ``(date, category)`` (DECISIONS.md, "What a digest is"). The
model is built from *listings*: any objects with ``date``, ``category``, ``number`` and ``key``
(a `Paper` from a parse result is one). A paper listed in several digests (a cross-list, or the
same paper announced again) is one key with several listings: it counts once in "All" and once
in each digest's row, and its read/starred flags are shared.

Counts are kept incrementally. Each paper key knows the groups (All, its days, its digests, its
categories) it belongs to; `update(key)` compares the key's flags with what was counted before and
adjusts those few counters, so a mark costs O(listings of that paper), not O(library).

View ids are plain strings, so the app can persist them: ``all``, ``starred``, ``searches``,
``day:YYYY-MM-DD`` and ``digest:YYYY-MM-DD:CATEGORY``; ``history`` is the History row (events,
not papers: `keys` gives none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol, cast


ALL = "all"
STARRED = "starred"
SEARCHES = "searches"
HISTORY = "history"
"""The History row: recent marks events (reader/recent.py), not papers; it has no counts."""
SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
OVERVIEW_DAYS = 60

DigestId = tuple[str, str | None]
"""(date, category) of a dated digest."""


class Listing(Protocol):
    @property
    def date(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def number(self) -> int | None: ...
    @property
    def key(self) -> str: ...


def day_view(date: str) -> str:
    return f"day:{date}"


def digest_view(date: str, category: str | None) -> str:
    return f"digest:{date}:{category or ''}"


def parse_view(view: str) -> tuple[str, str | None, str | None]:
    """``(kind, date, category)`` of a view id; kind is all/starred/searches/day/digest/unknown."""
    kind, _, rest = view.partition(":")
    if kind in (ALL, STARRED, SEARCHES, HISTORY) and not rest:
        return kind, None, None
    if kind == "day" and rest:
        return kind, rest, None
    if kind == "digest" and rest:
        date, _, category = rest.partition(":")
        return kind, date, category or None
    return "unknown", None, None


@dataclass(frozen=True, slots=True)
class Row:
    """One navigator row, ready to draw: ``label  unread/total``, dimmed when `unread` is 0."""

    view: str
    label: str
    depth: int
    unread: int
    total: int
    expandable: bool = False
    expanded: bool = False
    counted: bool = True
    """False for a row without counts (History): drawn without them, never dimmed."""
    header: bool = False
    """A group's title ("Views", "Tags"): no counts, not a view to show."""


class ExtraRows(Protocol):
    """More row kinds beside the digests (reader/smart_views.py: views, tags, Updated), with
    their own incremental counts; shown after All, Starred and Searches."""

    def counts(self, view: str) -> tuple[int, int] | None: ...
    def members(self, view: str) -> Collection[str] | None: ...
    def has(self, view: str) -> bool: ...
    def label(self, view: str) -> str | None: ...
    def rows(self) -> list[Row]: ...
    def update_many(self, keys: Iterable[str]) -> bool: ...
    def recount_read(self) -> bool: ...


_PAIRS = (((False, False), (False, True)), ((True, False), (True, True)))
"""(read, starred), one shared tuple for each."""
_Pair = tuple[bool, bool]
_Counted = tuple[list[int], _Pair]
"""A paper's groups (the navigator rows it counts in) and its flags."""


@dataclass(slots=True)
class _Digest:
    date: str
    category: str | None
    keys: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    group: int = 0


class Navigator:
    """Digests, their papers and live unread/total counts for every navigator row."""

    def __init__(self, listings: Iterable[Listing], is_read: Callable[[str], bool],
                 is_starred: Callable[[str], bool]) -> None:
        self._is_read = is_read
        self._is_starred = is_starred
        self.extras: dict[str, ExtraRows] = {}
        """More row kinds by name, shown in this order after All, Starred and Searches:
        ``smart`` (views, tags, Updated; attached once the search corpus is ready), and room for
        others (a History row)."""
        self._names: list[str] = ["all", "searches"]  # group 0 is All, group 1 is Searches
        self._group_of: dict[str, int] = {}
        self._member: dict[str, list[int]] = {}
        self._digests: dict[DigestId, _Digest] = {}
        self._undated: list[str] = []
        self._order: list[str] = []
        self._places: dict[tuple[str | None, str | None], tuple[_Digest | None, tuple[int, ...]]] = {}
        self._firsts: dict[tuple[int, ...], list[int]] = {}
        """The groups of a paper listed in one place only, shared by every such paper of it."""
        for item in listings:
            self._add(item)
        self._days: list[str] = sorted({d for d, _ in self._digests}, reverse=True)
        self._day_cats: dict[str, list[str | None]] = {}
        for date, cat in sorted(self._digests, key=lambda d: (d[0], d[1] or "")):
            self._day_cats.setdefault(date, []).append(cat)
        for digest in self._digests.values():
            order = sorted(range(len(digest.keys)), key=digest.numbers.__getitem__)
            digest.keys = [digest.keys[i] for i in order]
            digest.numbers = []  # only for this sort
        self._total = [0] * len(self._names)
        self._unread = [0] * len(self._names)
        self._entries: dict[tuple[int, _Pair], _Counted] = {}
        """The few distinct (groups, flags) entries, shared by the papers that have them."""
        self._hidden: set[str] = set()
        self._starred_total = 0
        self._starred_unread = 0
        # Every paper has one of four flag pairs, and the papers listed once in a digest share
        # one list of groups (15 MB less at 100,000 papers): counted once per list. Each key's
        # groups become its entry, (groups, flags), in the same dict: no second dict of every
        # key for the flags (4-5 MB at 100,000 papers).
        member = self._member  # building is over: from here on, `_of` (the same dict)
        of = self._of = cast("dict[str, _Counted]", member)
        tally: dict[int, list[int]] = {}
        lists: dict[int, list[int]] = {}
        for key in self._order:
            read, starred = bool(is_read(key)), bool(is_starred(key))
            groups = member[key]
            of[key] = self._entry(groups, _PAIRS[read][starred])
            counts = tally.get(id(groups))
            if counts is None:
                counts = tally[id(groups)] = [0, 0]
                lists[id(groups)] = groups
            counts[0] += 1
            counts[1] += not read
            if starred:
                self._starred_total += 1
                self._starred_unread += not read
        for ident, (total, unread) in tally.items():
            for g in lists[ident]:
                self._total[g] += total
                self._unread[g] += unread

    def _entry(self, groups: list[int], flags: _Pair) -> _Counted:
        got = self._entries.get((id(groups), flags))
        if got is None:
            got = self._entries[(id(groups), flags)] = (groups, flags)
        return got

    # -- building ---------------------------------------------------------------------------

    def _group(self, name: str) -> int:
        g = self._group_of.get(name)
        if g is None:
            g = self._group_of[name] = len(self._names)
            self._names.append(name)
        return g

    def _add(self, item: Listing) -> None:
        key, date, category = item.key, item.date, item.category
        place = self._places.get((date, category))
        if place is None:
            place = self._places[(date, category)] = self._place(date, category)
        digest, wanted = place
        groups = self._member.get(key)
        if groups is None:  # the paper's first listing (the usual case: most are listed once)
            self._member[key] = self._firsts[wanted]  # shared: copied before any change
            self._order.append(key)
            if digest is None:
                self._undated.append(key)
            else:
                digest.keys.append(key)
                digest.numbers.append(item.number if item.number is not None else float("inf"))
            return
        if groups is self._firsts.get(tuple(groups[1:])):
            groups = self._member[key] = list(groups)
        if digest is None:
            if 1 not in groups:
                self._undated.append(key)
        elif digest.group not in groups:
            digest.keys.append(key)
            digest.numbers.append(item.number if item.number is not None else float("inf"))
        for g in wanted:
            if g not in groups:
                groups.append(g)

    def _place(self, date: str | None, category: str | None) -> tuple[_Digest | None, tuple[int, ...]]:
        """The digest of a (date, category) and the groups its listings join (once per digest)."""
        digest = None
        if date is None:
            wanted = [1]
        else:
            digest = self._digests[(date, category)] = _Digest(date, category,
                                                               group=self._group(digest_view(date, category)))
            wanted = [digest.group, self._group(day_view(date))]
        if category:
            wanted.append(self._group(f"cat:{category}"))
        self._firsts.setdefault(tuple(wanted), [0, *wanted])
        return digest, tuple(wanted)

    # -- counts -----------------------------------------------------------------------------

    def update(self, key: str) -> bool:
        """Recount one paper after its flags changed; True if any count changed. O(its listings)."""
        entry = self._of.get(key)
        if entry is None:
            return False
        groups, old = entry
        new = (bool(self._is_read(key)), bool(self._is_starred(key)))
        if new == old:
            return False
        self._of[key] = self._entry(groups, _PAIRS[new[0]][new[1]])
        if key in self._hidden:  # counted nowhere while a hide rule hides it
            return False
        (was_read, was_starred), (read, starred) = old, new
        if was_read != read:
            delta = 1 if was_read else -1
            for g in groups:
                self._unread[g] += delta
        if was_starred:
            self._starred_total -= 1
            self._starred_unread -= not was_read
        if starred:
            self._starred_total += 1
            self._starred_unread += not read
        return True

    def set_hidden(self, keys: Collection[str]) -> bool:
        """The papers a hide rule hides, which leave every count (DECISIONS.md, hide rules; the
        Views rows that ask ``is:hidden`` count them themselves); True if any count changed.
        O(papers whose hidden state changed)."""
        new = {k for k in keys if k in self._of}
        old = self._hidden
        for key in old - new:
            self._count(key, 1)
        for key in new - old:
            self._count(key, -1)
        self._hidden = new
        return new != old

    @property
    def hidden(self) -> int:
        """How many papers a hide rule takes out of the counts."""
        return len(self._hidden)

    def _count(self, key: str, sign: int) -> None:
        """Add (+1) or take out (-1) one paper's part of every count."""
        groups, (read, starred) = self._of[key]
        for g in groups:
            self._total[g] += sign
            if not read:
                self._unread[g] += sign
        if starred:
            self._starred_total += sign
            if not read:
                self._starred_unread += sign

    def update_many(self, keys: Iterable[str] | None) -> bool:
        """Recount these papers (None: every paper, after marks were re-read from the store)."""
        wanted = self._order if keys is None else list(keys)
        changed = False
        for key in wanted:
            changed = self.update(key) or changed
        for extra in list(self.extras.values()):
            changed = (extra.recount_read() if keys is None else extra.update_many(wanted)) or changed
        return changed

    def counts(self, view: str) -> tuple[int, int]:
        """``(unread, total)`` of a view; (0, 0) for a view that does not exist."""
        if view == STARRED:
            return self._starred_unread, self._starred_total
        for extra in self.extras.values():
            if (found := extra.counts(view)) is not None:
                return found
        g = {ALL: 0, SEARCHES: 1}.get(view)
        if g is None:
            g = self._group_of.get(view)
        if g is None:
            return 0, 0
        return self._unread[g], self._total[g]

    def unread_by_category(self) -> dict[str, int]:
        """Unread papers per category (a paper cross-listed in two counts in both)."""
        return {name[4:]: self._unread[g] for g, name in enumerate(self._names) if name.startswith("cat:")}

    # -- structure --------------------------------------------------------------------------

    @property
    def days(self) -> list[str]:
        """Every announcement date, newest first."""
        return list(self._days)

    def categories_on(self, date: str) -> list[str | None]:
        """The categories of the digests announced on `date`, in order (empty for an unknown date)."""
        return list(self._day_cats.get(date, ()))

    def digests(self) -> list[DigestId]:
        """Every dated digest, newest day first, categories in name order."""
        return [(d, c) for d in self._days for c in self._day_cats[d]]

    @property
    def newest(self) -> str | None:
        """The newest announcement date (undated papers never count)."""
        return self._days[0] if self._days else None

    def has(self, view: str) -> bool:
        return (view in (ALL, STARRED, HISTORY) or (view == SEARCHES and bool(self._undated)) or view in self._group_of
                or any(extra.has(view) for extra in self.extras.values()))

    def rows(self, expanded: Iterable[str] = ()) -> list[Row]:
        """The rows top to bottom: All, Starred, Searches (when there are undated papers), History, then
        one row per day, newest first, each followed by its categories when its date is in
        `expanded`."""
        open_days = set(expanded)
        out = [self._row(ALL, "All", 0), self._row(STARRED, "Starred", 0)]
        if self._undated:
            out.append(self._row(SEARCHES, "Searches", 0))
        out.append(Row(HISTORY, "History", 0, 0, 0, counted=False))
        for extra in self.extras.values():
            out += extra.rows()
        for date in self._days:
            is_open = date in open_days
            cats = self._day_cats[date]
            out.append(self._row(day_view(date), date, 0, expandable=True, expanded=is_open))
            if is_open:
                out += [self._row(digest_view(date, c), c or "(no category)", 1) for c in cats]
        return out

    def _row(self, view: str, label: str, depth: int, *, expandable: bool = False, expanded: bool = False) -> Row:
        unread, total = self.counts(view)
        return Row(view, label, depth, unread, total, expandable, expanded)

    def step(self, view: str, delta: int, expanded: Iterable[str] = ()) -> str:
        """The view `delta` rows below (`]`, +1, older) or above (`[`, -1) `view`, clamped; rows
        of papers only (History is chosen in the navigator; a group's title is no row to show)."""
        views = [r.view for r in self.rows(expanded) if r.view != HISTORY and not r.header]
        try:
            i = views.index(view)
        except ValueError:
            i = 0
        return views[max(0, min(len(views) - 1, i + delta))]

    def keys(self, view: str) -> list[str]:
        """The paper keys of a view in its order: a digest by `number`; a day its digests in
        category order; All newest day first; Starred in All's order; Searches as read."""
        for extra in self.extras.values():
            members = extra.members(view)
            if members is not None:
                return [k for k in self.keys(ALL) if k in members]
        kind, date, category = parse_view(view)
        if kind == "digest" and date is not None:
            digest = self._digests.get((date, category))
            return list(digest.keys) if digest else []
        if kind == "day" and date is not None:
            return _unique(k for c in self._day_cats.get(date, ()) for k in self._digests[(date, c)].keys)
        if kind == SEARCHES:
            return list(self._undated)
        if kind in (ALL, STARRED):
            everything = _unique([k for d in self._days for c in self._day_cats[d]
                                  for k in self._digests[(d, c)].keys] + self._undated)
            if kind == STARRED:
                return [k for k in everything if self._of[k][1][1]]
            return everything
        return []

    def label(self, view: str) -> str:
        """The view's name for the status bar: ``All``, ``2019-07-09``, ``2019-07-09 cs.CV``."""
        for extra in self.extras.values():
            if (name := extra.label(view)) is not None:
                return name
        kind, date, category = parse_view(view)
        if kind == "digest":
            return f"{date} {category or ''}".rstrip()
        if kind == "day":
            return date or ""
        return {ALL: "All", STARRED: "Starred", SEARCHES: "Searches", HISTORY: "History"}.get(kind, view)

    # -- overview ---------------------------------------------------------------------------

    def papers_per_day(self, days: int = OVERVIEW_DAYS) -> list[int]:
        """Papers announced on each of the `days` calendar days ending with the newest digest
        (oldest first; days without a digest are 0). Counts back from the newest digest, not
        from today's clock."""
        if not self._days:
            return []
        try:
            end = dt.date.fromisoformat(self._days[0])
        except ValueError:
            return []
        out = []
        for back in range(days - 1, -1, -1):
            g = self._group_of.get(day_view((end - dt.timedelta(days=back)).isoformat()))
            out.append(self._total[g] if g is not None else 0)
        return out


class _Entry(NamedTuple):
    key: str
    date: str | None
    category: str | None
    number: int | None


def listings_of(papers: Iterable[Listing], categories_of: Callable[[Listing], Iterable[str]],
                digests: Iterable[tuple[str | None, str | None]]) -> Iterator[Listing]:
    """Listings from *merged* papers (one entry per identifier, as `Library.papers` holds them):
    each paper's own listing, plus one in every other of its categories that has a digest on the
    paper's date (a cross-list announced the same day). Use the raw per-file listings instead
    where they are at hand: they also know a paper announced again on another day."""
    known = {(d, c) for d, c in digests if d is not None}
    for p in papers:
        yield p
        if p.date is None:
            continue
        for cat in categories_of(p):
            if cat != p.category and (p.date, cat) in known:
                yield _Entry(p.key, p.date, cat, None)


def _unique(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def sparkline(values: Sequence[int]) -> str:
    """One character per value: a space for 0, else ``▁`` to ``█`` scaled to the largest value
    (any value above 0 shows at least ``▁``)."""
    top = max(values, default=0)
    if top <= 0:
        return " " * len(values)
    steps = len(SPARK_BLOCKS)
    return "".join(" " if v <= 0 else SPARK_BLOCKS[min(steps - 1, (v * steps - 1) // top)] for v in values)


_LAST = float("inf")


def all_order(papers: Sequence[Listing]) -> list[int]:
    """Indices of `papers` in "All" order: newest day first, then digest order (`number`),
    then as given; undated papers last.

    Day by day, each day's papers sorted by number (a stable sort keeps the given order among
    equals): one sort key a paper was a tuple and a string, 15 MB at 100,000 papers while the
    last rows of a load were being made."""
    by_date: dict[str, list[int]] = {}
    undated: list[int] = []
    for i, p in enumerate(papers):
        if p.date:
            got = by_date.get(p.date)
            if got is None:
                got = by_date[p.date] = []
            got.append(i)
        else:
            undated.append(i)

    def number(i: int) -> float:
        n = papers[i].number
        return _LAST if n is None else n

    out: list[int] = []
    for date in sorted(by_date, key=_inverted):
        rows = by_date[date]
        rows.sort(key=number)
        out += rows
    undated.sort(key=number)
    out += undated
    return out


def _inverted(date: str) -> str:
    # ISO dates sort as strings; mapping each digit d to 9-d reverses the order.
    return date.translate(_INVERT)


_INVERT = str.maketrans("0123456789", "9876543210")
