"""Seen before and updated (`reader.seen`): what a paper listed again says about earlier marks."""

from __future__ import annotations

import calendar

from reader.model import Paper
from reader.seen import listed_again, seen_note, updated


def paper(version: str, date: str, first_seen: str, announce: str | None = None) -> Paper:
    return Paper("1907.00001", version, "T", "A", None, "cs.CV", date, 1, "d.md", 1,
                 announce=announce, first_seen=first_seen)


def ts(day: str) -> float:
    y, m, d = map(int, day.split("-"))
    return float(calendar.timegm((y, m, d, 12, 0, 0)))


class Store:
    def __init__(self, read: str | None = None, starred: str | None = None) -> None:
        self.t = {"read": read, "starred": starred}

    def is_read(self, key: str) -> bool:
        return self.t["read"] is not None

    def is_starred(self, key: str) -> bool:
        return self.t["starred"] is not None

    def time_of(self, key: str, field: str) -> float | None:
        day = self.t[field]
        return None if day is None else ts(day)


V3 = paper("3", "2019-07-20", "2019-07-01", "replace")
FIRST = paper("1", "2019-07-01", "2019-07-01", "new")


def test_a_replacement_of_a_read_paper_is_updated_and_says_so() -> None:
    store = Store(read="2019-07-09")
    assert listed_again(V3) and updated(store, V3)
    assert seen_note(store, V3) == "read 2019-07-09; v3 now"


def test_starred_and_read_after_the_new_version() -> None:
    assert seen_note(Store(starred="2019-07-02"), V3) == "starred; v3 now"
    late = Store(read="2019-07-21")
    assert not updated(late, V3)
    assert seen_note(late, V3) == "read 2019-07-21"


def test_first_listing_and_unmarked_papers() -> None:
    assert seen_note(Store(read="2019-07-01"), FIRST) is None and not updated(Store(read="2019-06-01"), FIRST)
    assert seen_note(Store(), V3) == "listed 2019-07-01"
    assert not updated(Store(), V3)
