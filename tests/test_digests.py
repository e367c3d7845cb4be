"""The navigator model: digests, rows, counts after marks, overview, opening rule, last view."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from reader import digests as dg
from reader import opening as op
from reader.digests import ALL, HISTORY, SEARCHES, STARRED, Navigator, day_view, digest_view
from reader.opening import LastView
from reader.library import load

SEED = Path(__file__).resolve().parent.parent / "sample_digests"


class L(NamedTuple):
    key: str
    date: str | None
    category: str | None
    number: int | None = None


class Flags:
    def __init__(self) -> None:
        self.read: set[str] = set()
        self.starred: set[str] = set()

    def is_read(self, key: str) -> bool:
        return key in self.read

    def is_starred(self, key: str) -> bool:
        return key in self.starred


def listings() -> list[L]:
    return [
        L("a", "2019-07-09", "cs.CV", 2), L("b", "2019-07-09", "cs.CV", 1),
        L("c", "2019-07-09", "cs.LG", 1), L("a", "2019-07-09", "cs.LG", 2),  # a cross-listed
        L("d", "2019-07-08", "cs.CV", 1), L("a", "2019-07-08", "cs.CV", 2),  # a announced again
        L("s", None, None, 1),  # a search result
    ]


def make(flags: Flags | None = None) -> tuple[Navigator, Flags]:
    flags = flags or Flags()
    return Navigator(listings(), flags.is_read, flags.is_starred), flags


def test_rows_all_starred_searches_then_days_newest_first() -> None:
    nav, _ = make()
    rows = nav.rows(expanded=["2019-07-09"])
    assert [(r.label, r.depth, r.unread, r.total) for r in rows] == [
        ("All", 0, 5, 5), ("Starred", 0, 0, 0), ("Searches", 0, 1, 1), ("History", 0, 0, 0),
        ("2019-07-09", 0, 3, 3), ("cs.CV", 1, 2, 2), ("cs.LG", 1, 2, 2),
        ("2019-07-08", 0, 2, 2),
    ]
    assert rows[4].expandable and rows[4].expanded and not rows[7].expanded
    assert not rows[3].counted and all(r.counted for r in rows if r.label != "History")
    assert [r.label for r in nav.rows()] == ["All", "Starred", "Searches", "History", "2019-07-09", "2019-07-08"]


def test_cross_listed_paper_counts_in_each_digest_and_shares_its_state() -> None:
    nav, flags = make()
    flags.read.add("a")
    assert nav.update("a")
    assert nav.counts(ALL) == (4, 5)
    assert nav.counts(digest_view("2019-07-09", "cs.CV")) == (1, 2)
    assert nav.counts(digest_view("2019-07-09", "cs.LG")) == (1, 2)
    assert nav.counts(digest_view("2019-07-08", "cs.CV")) == (1, 2)
    assert nav.counts(day_view("2019-07-09")) == (2, 3)
    assert nav.unread_by_category() == {"cs.CV": 2, "cs.LG": 1}
    assert not nav.update("a")  # nothing changed since
    flags.read.discard("a")
    nav.update("a")
    assert nav.counts(ALL) == (5, 5)


def test_starred_row_follows_marks() -> None:
    flags = Flags()
    flags.starred.add("d")
    nav, _ = make(flags)
    assert nav.counts(STARRED) == (1, 1)
    flags.read.add("d")
    flags.starred.add("b")
    nav.update_many(["d", "b"])
    assert nav.counts(STARRED) == (1, 2)
    assert nav.keys(STARRED) == ["b", "d"]
    flags.starred.clear()
    nav.update_many(["d", "b"])
    assert nav.counts(STARRED) == (0, 0)


def test_keys_orders() -> None:
    nav, _ = make()
    assert nav.keys(digest_view("2019-07-09", "cs.CV")) == ["b", "a"]  # by number
    assert nav.keys(day_view("2019-07-09")) == ["b", "a", "c"]
    assert nav.keys(ALL) == ["b", "a", "c", "d", "s"]
    assert nav.keys(SEARCHES) == ["s"]
    assert nav.keys("day:1999-01-01") == [] and nav.keys("nonsense") == []


def test_step_moves_through_expanded_rows_and_clamps() -> None:
    nav, _ = make()
    expanded = ["2019-07-09"]
    assert nav.step(day_view("2019-07-09"), 1, expanded) == digest_view("2019-07-09", "cs.CV")
    assert nav.step(digest_view("2019-07-09", "cs.LG"), 1, expanded) == day_view("2019-07-08")
    assert nav.step(day_view("2019-07-08"), 1, expanded) == day_view("2019-07-08")
    assert nav.step(ALL, -1) == ALL
    # History holds events, not papers: `[` and `]` step over it.
    assert nav.step(day_view("2019-07-09"), -1) == SEARCHES and nav.step(SEARCHES, 1) == day_view("2019-07-09")
    assert nav.has(HISTORY) and nav.keys(HISTORY) == [] and nav.label(HISTORY) == "History"


def test_undated_papers_are_never_the_newest_digest() -> None:
    nav, _ = make()
    assert nav.newest == "2019-07-09"
    assert nav.digests()[0] == ("2019-07-09", "cs.CV")


def test_all_order_newest_day_first_then_number() -> None:
    papers = [L("x", "2019-07-08", "cs.CV", 1), L("y", None, None, 1), L("z", "2019-07-09", "cs.CV", 2),
              L("w", "2019-07-09", "cs.CV", 1), L("v", "2020-01-01", "cs.LG", 9)]
    assert [papers[i].key for i in dg.all_order(papers)] == ["v", "w", "z", "x", "y"]


def test_sparkline() -> None:
    assert dg.sparkline([0, 1, 4, 8]) == " ▁▄█"
    assert dg.sparkline([5, 5]) == "██"
    assert dg.sparkline([0, 0]) == "  "
    assert dg.sparkline([]) == ""
    line = dg.sparkline(list(range(1, 401)))
    assert line[0] == "▁" and line[-1] == "█" and set(line) == set(dg.SPARK_BLOCKS)


def test_papers_per_day_counts_back_from_the_newest_digest() -> None:
    nav, _ = make()
    counts = nav.papers_per_day(5)
    assert counts == [0, 0, 0, 2, 3]  # 07-05 .. 07-09: the clock does not matter
    assert len(nav.papers_per_day()) == 60


def test_opening_first_start_picks_newest_digest_with_unread() -> None:
    flags = Flags()
    flags.read.update({"b", "a"})  # 2019-07-09 cs.CV is all read
    nav, _ = make(flags)
    assert op.opening(nav, None, flags.is_read) == op.Opening(digest_view("2019-07-09", "cs.LG"), "c")
    flags.read.add("c")
    nav.update("c")
    # cursor on the first unread paper of the digest, not on its first paper
    flags.read.discard("b")
    flags.read.add("d")
    nav.update_many(["b", "d"])
    assert op.opening(nav, None, flags.is_read).view == digest_view("2019-07-09", "cs.CV")
    assert op.opening(nav, None, flags.is_read).cursor == "b"


def test_opening_everything_read_opens_newest_digest() -> None:
    flags = Flags()
    flags.read.update({"a", "b", "c", "d", "s"})
    nav, _ = make(flags)
    assert op.opening(nav, None, flags.is_read) == op.Opening(digest_view("2019-07-09", "cs.CV"), "b")


def test_opening_restores_last_view_unless_a_newer_digest_arrived() -> None:
    nav, flags = make()
    last = LastView(day_view("2019-07-08"), "ti:x", "d", op.newest_marker(nav))
    assert op.opening(nav, last, flags.is_read) == op.Opening(day_view("2019-07-08"), "d", "ti:x", restored=True)
    gone = LastView("day:2000-01-01", "", None, op.newest_marker(nav))
    assert op.opening(nav, gone, flags.is_read).view == ALL
    older = LastView(ALL, "", None, ("2019-07-08", "cs.CV"))
    assert not op.opening(nav, older, flags.is_read).restored
    same_day_new_category = LastView(ALL, "", None, ("2019-07-09", "cs.CV"))
    assert op.has_newer_digest(nav, same_day_new_category)


def test_last_view_round_trip_and_bad_records(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    assert op.load_last_view([lib]) is None
    record = LastView(digest_view("2019-07-09", "cs.CV"), "is:unread", "1907.03739", ("2019-07-09", "cs.CV"))
    op.save_last_view([lib], record)
    assert op.load_last_view([str(lib)]) == record
    assert op.load_last_view([tmp_path / "other"]) is None  # per library
    assert not [p for p in op.last_view_path([lib]).parent.iterdir() if p.suffix == ".tmp"]
    for junk in ("{", "[]", '{"view": 1, "filter": "", "cursor": null, "newest": []}'):
        op.last_view_path([lib]).write_text(junk, encoding="utf-8")
        assert op.load_last_view([lib]) is None


@pytest.mark.parametrize("view", [ALL, STARRED, SEARCHES, "day:2019-07-09", "digest:2019-07-09:cs.CV"])
def test_view_ids_parse(view: str) -> None:
    kind, date, category = dg.parse_view(view)
    assert kind != "unknown"
    if kind == "digest":
        assert dg.digest_view(date or "", category) == view


def test_seed_library() -> None:
    lib = load([SEED])
    flags = Flags()
    nav = Navigator(lib.papers, flags.is_read, flags.is_starred)
    assert nav.newest == "2019-07-09"
    view = digest_view("2019-07-09", "cs.CV")
    unread, total = nav.counts(view)
    assert unread == total == len(lib.papers)
    flags.read.add(lib.papers[0].key)
    nav.update(lib.papers[0].key)
    assert nav.counts(view) == (total - 1, total)
    assert [lib.papers[i].key for i in dg.all_order(lib.papers)][:3] == nav.keys(view)[:3]


def test_raw_listings_count_a_paper_in_every_digest_it_was_listed_in(tmp_path: Path) -> None:
    cv = tmp_path / "arxiv-cs.CV-2019-07-09.md"
    lg = tmp_path / "arxiv-cs.LG-2019-07-09.md"
    later = tmp_path / "arxiv-cs.RO-2019-07-10.md"
    link = "[ :arrow_down: ](https://arxiv.org/pdf/{}.pdf)\n>  Abstract.\n"
    cv.write_text("# ArXiv cs.CV --Tue, 9 Jul 2019\n### 1.Shared  " + link.format("1907.00001")
                  + "### 2.Only vision  " + link.format("1907.00002"), encoding="utf-8")
    lg.write_text("# ArXiv cs.LG --Tue, 9 Jul 2019\n### 1.Only learning  " + link.format("1907.00003")
                  + "### 2.Shared  " + link.format("1907.00001"), encoding="utf-8")
    later.write_text("# ArXiv cs.RO --Wed, 10 Jul 2019\n### 1.Shared  " + link.format("1907.00001"),
                     encoding="utf-8")
    lib = load([tmp_path])
    assert len(lib.papers) == 3 and len(lib.listings) == 5
    flags = Flags()
    nav = Navigator(lib.listings, flags.is_read, flags.is_starred)
    assert nav.counts(digest_view("2019-07-09", "cs.LG")) == (2, 2)
    assert nav.counts(digest_view("2019-07-09", "cs.CV")) == (2, 2)
    assert nav.counts(digest_view("2019-07-10", "cs.RO")) == (1, 1)
    assert nav.counts(ALL) == (3, 3)
    flags.read.add("1907.00001")
    nav.update("1907.00001")
    assert nav.counts(digest_view("2019-07-09", "cs.LG")) == (1, 2)
    assert nav.counts(digest_view("2019-07-10", "cs.RO")) == (0, 1)
    assert nav.counts(ALL) == (2, 3)
    # merged papers sit at their newest listing: same-day cross-lists of that day are expanded
    merged = list(dg.listings_of(lib.papers, lambda p: p.categories, [(d.date, d.category) for d in lib.digests]))
    assert sorted((p.date, p.category) for p in merged if p.key == "1907.00001") == [("2019-07-10", "cs.RO")]


def test_hidden_papers_leave_every_count_and_come_back() -> None:
    """DECISIONS.md: a hide rule takes its papers out of the navigator's counts; marks made
    while hidden count once the paper shows again."""
    nav, flags = make()
    flags.starred.add("a")
    nav.update("a")
    assert nav.set_hidden({"a", "unknown"})
    assert nav.counts(ALL) == (4, 4) and nav.counts(STARRED) == (0, 0)
    assert nav.counts(day_view("2019-07-09")) == (2, 2) and nav.counts(digest_view("2019-07-08", "cs.CV")) == (1, 1)
    flags.read.add("a")
    assert not nav.update("a")  # hidden: no count moves
    assert nav.counts(ALL) == (4, 4)
    assert nav.set_hidden(set())
    assert nav.counts(ALL) == (4, 5) and nav.counts(STARRED) == (0, 1)
    assert nav.counts(digest_view("2019-07-09", "cs.LG")) == (1, 2)
    assert not nav.set_hidden(set())
