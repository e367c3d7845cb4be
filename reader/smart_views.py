"""Smart views, tags and "Updated" as navigator rows, with live unread/total counts (no UI).

``[views]`` in config.toml names queries in the filter language (``"To read" = "is:unread
is:watched"``); each is a navigator row. So is each tag in use, and "Updated" (the papers for
which ``is:updated`` holds). View ids: ``view:NAME``, ``tag:NAME`` and ``updated``.

Counts are kept incrementally, as the day and category rows' are (reader/digests.py): every paper
key knows the rows it is in. A mark (read, star, tag, note) on a paper re-asks only what can have
changed for *that* paper: the part of each view's query about marks (its state clauses, run on
that one paper; the clauses about the text were answered once for the whole corpus), its tags and
whether it is updated. So a mark costs O(views with state terms + its tags), never a query over
the library.

Strict-typed. Built in a worker (`SmartRows.build`), updated on the event loop (`update_many`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, cast

from .digests import Row
from .rules import exact
from .search import Corpus, Lookups, MarkTerm, Query, StateTerm, parse

VIEW_PREFIX = "view:"
TAG_PREFIX = "tag:"
UPDATED = "updated"
VIEWS_HEADER = "group:views"
TAGS_HEADER = "group:tags"


def view_id(name: str) -> str:
    return VIEW_PREFIX + name


def tag_view(tag: str) -> str:
    return TAG_PREFIX + tag


@dataclass(frozen=True, slots=True)
class SmartView:
    """One ``[views]`` entry: its query split into the clauses about the papers' text (answered
    once per corpus) and those about marks (answered again for a paper after its mark)."""

    name: str
    text: str
    static: Query | None
    dynamic: Query | None


def _about_marks(clause: Sequence[object]) -> bool:
    return any(isinstance(t, (StateTerm, MarkTerm)) for t in clause)


def smart_view(name: str, text: str) -> SmartView:
    """The view `name` of query `text` (words match exactly: no fuzzy fallback). Raises QueryError."""
    query = exact(parse(text))
    static = tuple(cl for cl in query.clauses if not _about_marks(cl))
    dynamic = tuple(cl for cl in query.clauses if _about_marks(cl))
    return SmartView(name, text, Query(text, static) if static else None, Query(text, dynamic) if dynamic else None)


def smart_views(views: dict[str, str]) -> list[SmartView]:
    """The configured views (config.py already dropped those that do not parse)."""
    out = []
    for name, text in views.items():
        try:
            out.append(smart_view(name, text))
        except ValueError:  # QueryError; the config check reported it
            continue
    return out


@dataclass
class Sources:
    """What membership is asked of, by paper index (the session's papers and the search corpus)."""

    corpus: Corpus
    keys: Sequence[str]
    is_read: Callable[[int], bool] | None = None
    is_starred: Callable[[int], bool] | None = None
    lookups: Lookups | None = None
    hidden: Callable[[int], bool] | None = None
    """Paper `i` is hidden by a hide rule: it counts only in views that say ``is:hidden``."""
    first: Mapping[str, int] | None = None
    """Each key's first index in `keys`, when the caller has it already (the key index's own dict:
    shared, never changed here; 100,000 keys make a 6 MB dict); None: made from `keys`."""


class SmartRows:
    """The Views, Tags and Updated rows: who is in each and live unread/total counts."""

    def __init__(self, views: Sequence[SmartView], sources: Sources, is_read: Callable[[str], bool],
                 tags_of: Callable[[str], Collection[str]] | None = None,
                 updated: Callable[[int], bool] | None = None) -> None:
        self.views = list(views)
        self._src = sources
        self._is_read = is_read
        self._tags_of = tags_of
        """A paper key's tags now (the store's), asked after a mark."""
        self._updated = updated
        """Whether paper `i` is updated now (``is:updated``), asked after a mark."""
        first = sources.first
        if first is None:
            first = {}
            for i, key in enumerate(sources.keys):
                first.setdefault(key, i)
        self._first: Mapping[str, int] = first
        self._names: list[str] = [view_id(v.name) for v in self.views] + [UPDATED]
        self._gid: dict[str, int] = {name: g for g, name in enumerate(self._names)}
        self._static: list[set[int] | None] = [None] * len(self.views)
        self._dynamic = [g for g, v in enumerate(self.views) if v.dynamic is not None]
        self._see_hidden = {g for g, v in enumerate(self.views) if v.dynamic is not None and any(
            isinstance(t, StateTerm) and t.kind == "hidden" for t in v.dynamic.terms())}
        """Views that ask ``is:hidden``: a hidden paper counts only in these (DECISIONS.md)."""
        self._members: list[set[str]] = [set() for _ in self._names]
        self._total: list[int] = [0] * len(self._names)
        self._unread: list[int] = [0] * len(self._names)
        self._of: dict[str, tuple[tuple[int, ...], bool]] = {}
        """key -> (its groups, read) as counted."""

    # -- building (in a worker) -------------------------------------------------------------

    @classmethod
    def build(cls, views: Sequence[SmartView], sources: Sources, is_read: Callable[[str], bool],
              tagged: Iterable[tuple[str, str]], tags_of: Callable[[str], Collection[str]] | None = None,
              updated: Callable[[int], bool] | None = None, lookups: Lookups | None = None) -> SmartRows:
        """Every view over the whole corpus, the tags (`tagged`: (key, tag) pairs, as the store
        holds them) and the updated papers; then the counts. `lookups` may answer faster than
        the sources' for this one pass over everything (the sources' are asked after marks)."""
        rows = cls(views, sources, is_read, tags_of, updated)
        src, n = sources, len(sources.keys)
        lookups = lookups if lookups is not None else src.lookups
        groups: dict[str, list[int]] = {}
        for g, view in enumerate(rows.views):
            found: Sequence[int] = range(n)
            if view.static is not None:
                found = view.static.run(src.corpus).indices
                rows._static[g] = set(found)
            if view.dynamic is not None:
                found = view.dynamic.run(src.corpus, candidates=found, is_read=src.is_read,
                                         is_starred=src.is_starred, lookups=lookups).indices
            for i in found:
                groups.setdefault(src.keys[i], []).append(g)
        if updated is not None:
            g = rows._gid[UPDATED]
            for i in range(n):
                if updated(i):
                    groups.setdefault(src.keys[i], []).append(g)
        for key, tag in tagged:
            if key in rows._first:
                g = rows._group(tag_view(tag))
                mine = groups.setdefault(key, [])
                if g not in mine:
                    mine.append(g)
        for key, mine in groups.items():
            rows._count(key, rows._visible(key, mine), bool(is_read(key)), 1)
        return rows

    def _visible(self, key: str, groups: Iterable[int]) -> tuple[int, ...]:
        """`groups` without those a hidden paper leaves (all but the views asking ``is:hidden``)."""
        hidden = self._src.hidden
        if hidden is None or not hidden(self._first[key]):
            return tuple(groups)
        return tuple(g for g in groups if g in self._see_hidden)

    def _group(self, name: str) -> int:
        g = self._gid.get(name)
        if g is None:
            g = self._gid[name] = len(self._names)
            self._names.append(name)
            self._members.append(set())
            self._total.append(0)
            self._unread.append(0)
        return g

    def _count(self, key: str, groups: tuple[int, ...], read: bool, sign: int) -> None:
        for g in groups:
            self._total[g] += sign
            self._unread[g] += sign * (not read)
            if sign > 0:
                self._members[g].add(key)
            else:
                self._members[g].discard(key)
        if sign > 0:
            if groups:
                self._of[key] = (groups, read)
        else:
            self._of.pop(key, None)

    # -- after a mark (on the event loop) ---------------------------------------------------

    def _dynamic_hits(self, rows: Sequence[int]) -> dict[int, set[int]]:
        """For each view about marks, which of paper rows `rows` it holds now: one run of its
        mark clauses over those papers only (the text clauses' answer is remembered)."""
        src = self._src
        out: dict[int, set[int]] = {}
        for g in self._dynamic:
            view, static = self.views[g], self._static[g]
            wanted = list(rows) if static is None else [i for i in rows if i in static]
            assert view.dynamic is not None
            out[g] = set(view.dynamic.run(src.corpus, candidates=wanted, is_read=src.is_read,
                                          is_starred=src.is_starred, lookups=src.lookups).indices) if wanted else set()
        return out

    def _groups_now(self, key: str, old: tuple[int, ...], hits: dict[int, set[int]]) -> tuple[int, ...]:
        i = self._first[key]
        tags_of, updated = self._tags_of, self._updated
        nv = len(self.views)
        keep = [g for g in old if g < nv and g not in hits]  # text-only views never change
        keep += [g for g, found in hits.items() if i in found]
        if updated is not None:
            if updated(i):
                keep.append(self._gid[UPDATED])
        elif self._gid[UPDATED] in old:
            keep.append(self._gid[UPDATED])
        if tags_of is not None:
            keep += [self._group(tag_view(t)) for t in tags_of(key)]
        else:
            keep += [g for g in old if self._names[g].startswith(TAG_PREFIX)]
        return self._visible(key, sorted(set(keep)))

    def update(self, key: str) -> bool:
        """Recount one paper after a mark: its read flag, the views about marks, its tags and
        whether it is updated. True if any count changed."""
        return self.update_many([key])

    def update_many(self, keys: Iterable[str]) -> bool:
        """Recount these papers after marks (`A` marks a whole digest: each view about marks
        runs once over those papers, not once a paper)."""
        wanted = [k for k in dict.fromkeys(keys) if k in self._first]
        if not wanted:
            return False
        hits = self._dynamic_hits([self._first[k] for k in wanted])
        changed = False
        for key in wanted:
            old, was_read = self._of.get(key, ((), False))
            groups = self._groups_now(key, old, hits)
            read = bool(self._is_read(key))
            if groups == old and read == was_read:
                continue
            self._count(key, old, was_read, -1)
            self._count(key, groups, read, 1)
            changed = True
        return changed

    def recount_read(self) -> bool:
        """Every counted paper's read flag again (marks re-read from the store): O(members)."""
        changed = False
        for key, (groups, was_read) in list(self._of.items()):
            read = bool(self._is_read(key))
            if read != was_read:
                for g in groups:
                    self._unread[g] += 1 if was_read else -1
                self._of[key] = (groups, read)
                changed = True
        return changed

    # -- what the navigator asks ------------------------------------------------------------

    def counts(self, view: str) -> tuple[int, int] | None:
        """``(unread, total)`` of one of these rows; None for a view that is not one of them."""
        g = self._gid.get(view)
        if g is None:
            return None
        return self._unread[g], self._total[g]

    def members(self, view: str) -> set[str] | None:
        g = self._gid.get(view)
        return None if g is None else self._members[g]

    def has(self, view: str) -> bool:
        g = self._gid.get(view)
        return g is not None and (g < len(self.views) or self._total[g] > 0)

    def label(self, view: str) -> str | None:
        if view == UPDATED:
            return "Updated"
        if view.startswith(VIEW_PREFIX) and view in self._gid:
            return view[len(VIEW_PREFIX):]
        if view.startswith(TAG_PREFIX) and view in self._gid:
            return "#" + view[len(TAG_PREFIX):]
        return None

    def tags(self) -> list[str]:
        """The tags with at least one loaded paper, in name order."""
        return sorted(name[len(TAG_PREFIX):] for g, name in enumerate(self._names)
                      if name.startswith(TAG_PREFIX) and self._total[g] > 0)

    def rows(self) -> list[Row]:
        """Updated (when some paper is), then the Views group, then the Tags group."""
        out: list[Row] = []
        g = self._gid[UPDATED]
        if self._total[g]:
            out.append(Row(UPDATED, "Updated", 0, self._unread[g], self._total[g]))
        if self.views:
            out.append(Row(VIEWS_HEADER, "Views", 0, 0, 0, header=True))
            for v in self.views:
                g = self._gid[view_id(v.name)]
                out.append(Row(view_id(v.name), v.name, 1, self._unread[g], self._total[g]))
        tags = self.tags()
        if tags:
            out.append(Row(TAGS_HEADER, "Tags", 0, 0, 0, header=True))
            for tag in tags:
                g = self._gid[tag_view(tag)]
                out.append(Row(tag_view(tag), "#" + tag, 1, self._unread[g], self._total[g]))
        return out


class TagStore(Protocol):
    """What the rows need of the marks store (`reader.state.StateStore`) for tags."""

    def events(self) -> Iterable[Any]: ...
    def tags(self, key: str) -> tuple[str, ...]: ...


def kept(store: object) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(key, tag) for every tag set in the store, and every note by key (none for a store
    without tags and notes): one pass over the store's state."""
    if store is None or not callable(getattr(store, "tags", None)):
        return [], {}
    prefix = TAG_PREFIX
    tagged, notes = [], {}
    for e in cast(TagStore, store).events():
        if e.field.startswith(prefix):
            if e.value is True:
                tagged.append((e.key, e.field[len(prefix):]))
        elif e.field == "note" and isinstance(e.value, str):
            notes[e.key] = e.value
    return tagged, notes


def build_rows(views: Sequence[SmartView], sources: Sources, is_read: Callable[[str], bool],
               store: object) -> SmartRows:
    """In a worker: the rows over `sources` with the store's tags and ``is:updated``."""
    tags_of = getattr(store, "tags", None) if store is not None else None
    base = sources.lookups
    tagged, notes = kept(store)
    fast = base
    if base is not None and base.tags is not None:  # one pass over the store, not a call a paper
        by_key: dict[str, list[str]] = {}
        for key, tag in tagged:
            by_key.setdefault(key, []).append(tag)
        keys = sources.keys
        fast = replace(base, tags=lambda i: by_key.get(keys[i], ()),
                       note=None if base.note is None else lambda i: notes.get(keys[i]))
    return SmartRows.build(views, sources, is_read, tagged, tags_of if callable(tags_of) else None,
                           base.is_updated if base is not None else None, fast)


def mentions_watch(views: Sequence[SmartView]) -> bool:
    """Some view asks ``is:watched``/``watch:``/``is:hidden`` (its answer follows the rules')."""
    return any((isinstance(t, StateTerm) and t.kind in ("watched", "hidden")) or (isinstance(t, MarkTerm)
               and t.kind == "watch") for v in views if v.dynamic is not None for t in v.dynamic.terms())
