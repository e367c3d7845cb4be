"""The session's keeping (`reader.keeping`): hidden rows, the three orders, the pane's facts."""

from __future__ import annotations

import tomllib

from reader.keeping import Keeping
from reader.model import Paper
from reader.rules import RuleIndex, parse_rules
from reader.search import Corpus, parse


def paper(n: int, title: str, date: str = "2019-07-09", first_seen: str | None = None) -> Paper:
    return Paper(f"1907.{n:05d}", "2", title, "abstract", None, "cs.CV", date, n, "a.md", n, ("cs.CV",),
                 (), None, "replace" if first_seen else "new", None, first_seen or date)


PAPERS = [paper(0, "Robot survey"), paper(1, "Robot arms", first_seen="2019-07-01"), paper(2, "Graphs")]
TEXT = '[watch]\nrobot = "robot"\narms = { query = "arms", weight = 3 }\n[hide]\nsurveys = "survey"\n'


def keeping() -> Keeping:
    rules, problems = parse_rules(tomllib.loads(TEXT), TEXT, "c.toml")
    assert not problems
    keep = Keeping(rules=rules)
    keep.matches = RuleIndex(rules).evaluate(Corpus.build(PAPERS))
    return keep


def test_hidden_rows_leave_unless_the_query_asks() -> None:
    keep = keeping()
    assert list(keep.shown(range(3))) == [1, 2] and keep.hidden_in(range(3)) == 1
    hidden = parse("is:hidden")
    assert list(keep.shown([0], hidden)) == [0] and keep.hidden_in([0], hidden) == 0


def test_order_cycles_and_watch_order_sorts_by_score() -> None:
    keep = keeping()
    assert [keep.next_order(), keep.next_order(), keep.next_order()] == ["match", "watch", "digest"]
    keep.order = "watch"
    assert list(keep.shown([2, 1])) == [1, 2]  # arms +3, robot +1 = 4 first


class Store:
    def tags(self, key: str) -> tuple[str, ...]:
        return ("ml",) if key == "1907.00001" else ()

    def note(self, key: str) -> str | None:
        return "look" if key == "1907.00001" else None

    def note_versions(self, key: str) -> list[object]:
        return [1, 2, 3]

    def is_read(self, key: str) -> bool:
        return True

    def is_starred(self, key: str) -> bool:
        return False

    def time_of(self, key: str, field: str) -> float | None:
        return 1561939200.0 + 3600  # 2019-07-01 01:00 UTC


def test_facts_of_a_paper() -> None:
    keep = keeping()
    facts = keep.facts(Store(), PAPERS[1], "1907.00001", 1)
    assert facts.tags == ("ml",) and facts.note == "look" and facts.earlier_notes == 2
    assert [r.name for r in facts.fired] == ["arms", "robot"] and facts.score == 4
    assert facts.seen == "read 2019-07-01; v2 now"
    bare = Keeping().facts(None, PAPERS[2], "1907.00002", 2)
    assert bare.tags == () and bare.fired == () and bare.seen is None
