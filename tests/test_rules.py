"""Watch and hide rules (`reader.rules`): parsing config.toml's [watch] and [hide], evaluating
them per digest part, and what `list`, `export` and `config check` do with them."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from reader.model import Paper
from reader.rules import RuleIndex, RuleSet, load_rules, parse_rules
from reader.search import Corpus
from reader.search.segments import Part

from .test_config_cli import SEED, run

CONFIG = """\
library = "x"

[watch]
levine = { query = "au:levine", weight = 5, color = "#ff8800" }
diffusion = "ti:diffusion"
broken = 'ti:"unclosed'
odd = { query = "robot", weight = "heavy", color = "not a colour!" }
loop = "is:watched robot"

[hide]
surveys = "survey"
"""


def rules_of(text: str) -> tuple[RuleSet, list[str]]:
    return parse_rules(tomllib.loads(text), text, "config.toml")


def test_short_and_long_forms_weights_and_colours() -> None:
    rules, _ = rules_of(CONFIG)
    by_name = {r.name: r for r in rules.rules}
    assert [r.name for r in rules.watch] == ["levine", "diffusion", "odd"]
    assert [r.name for r in rules.hide] == ["surveys"]
    assert (by_name["levine"].weight, by_name["levine"].color) == (5.0, "#ff8800")
    assert (by_name["diffusion"].weight, by_name["diffusion"].color) == (1.0, None)
    assert (by_name["odd"].weight, by_name["odd"].color) == (1.0, None)  # bad values: defaults


def test_problems_name_file_line_and_key_and_bad_rules_are_skipped() -> None:
    _, problems = rules_of(CONFIG)
    assert problems[0].startswith("config.toml:6: watch.broken: bad query: unclosed quote")
    assert problems[1].startswith("config.toml:7: watch.odd: weight must be a number")
    assert problems[2].startswith("config.toml:7: watch.odd: color must be")
    assert problems[3].startswith("config.toml:8: watch.loop: a rule cannot use is:watched")
    assert len(problems) == 4 and all("\n" not in p for p in problems)


def test_bad_tables_and_escape_sequences_in_names() -> None:
    text = 'watch = "x"\n[hide]\n"\\u001b[31mred" = 3\n'
    rules, problems = rules_of(text)
    assert not rules
    assert problems[0].startswith("config.toml:1: watch: must be a table")
    assert "\x1b" not in problems[1] and "hide." in problems[1] and "needs a query" in problems[1]


def test_missing_or_broken_file_gives_no_rules(tmp_path: Path) -> None:
    assert load_rules(tmp_path / "none.toml") == (RuleSet(), [])
    (tmp_path / "bad.toml").write_bytes(b"[watch\n\xff")
    assert load_rules(tmp_path / "bad.toml") == (RuleSet(), [])  # the config loader reports it


def paper(n: int, title: str, authors: tuple[str, ...] = (), path: str = "a.md") -> Paper:
    return Paper(f"1907.{n:05d}", "1", title, f"abstract {n}", None, "cs.CV", "2019-07-09", n, path, n,
                 ("cs.CV",), authors)


DAY1 = [paper(1, "Diffusion models", ("Sergey Levine",)), paper(2, "A survey of robots"),
        paper(3, "Robot diffusion", ("Lévine Jr",))]
DAY2 = [paper(4, "Robot survey", ("S. Levine",), "b.md"), paper(5, "Nothing here", path="b.md")]


def test_watch_scores_why_and_hidden() -> None:
    rules, _ = rules_of(CONFIG)
    m = RuleIndex(rules).evaluate(Corpus.build(DAY1))
    assert [m.score(i) for i in range(3)] == [6.0, 1.0, 7.0]  # "odd" (robot, weight 1) fires on 1 and 2
    assert [r.name for r in m.fired(2)] == ["levine", "diffusion", "odd"]  # heaviest first
    assert m.names(0) == ("levine", "diffusion")
    assert bytes(m.hidden) == b"\x00\x01\x00" and m.hidden_count(range(3)) == 1
    assert m.visible([0, 1, 2]) == [0, 2]
    assert m.by_score([0, 1, 2]) == [2, 0, 1]


def test_a_new_digest_is_evaluated_alone_and_agrees_with_a_fresh_evaluation() -> None:
    rules, _ = rules_of(CONFIG)
    index = RuleIndex(rules)
    p1, p2 = Part.build(DAY1), Part.build(DAY2)
    index.evaluate(Corpus.from_parts(DAY1, [p1]))
    ran: list[int] = []
    original = Corpus.from_parts

    def counting(papers, parts):  # the part-alone corpora `RuleIndex` makes for new parts
        ran.append(len(papers))
        return original(papers, parts)

    Corpus.from_parts = counting  # type: ignore[method-assign]
    try:
        grown = original(DAY1 + DAY2, [p1, p2])
        got = index.evaluate(grown)
    finally:
        Corpus.from_parts = original  # type: ignore[method-assign]
    assert ran == [len(DAY2)]  # only the new digest's papers were searched
    fresh = RuleIndex(rules).evaluate(grown)
    assert [got.names(i) for i in range(5)] == [fresh.names(i) for i in range(5)]
    assert bytes(got.hidden) == bytes(fresh.hidden) == b"\x00\x01\x00\x01\x00"


def test_rules_about_marks_follow_the_marks() -> None:
    rules, _ = rules_of('[hide]\nold = "is:read"\n[watch]\nstar = "is:starred robot"\n')
    index = RuleIndex(rules)
    corpus = Corpus.build(DAY1)
    m = index.evaluate(corpus, is_read=lambda i: i == 0, is_starred=lambda i: True)
    assert bytes(m.hidden) == b"\x01\x00\x00" and m.names(2) == ("star",)
    m = index.evaluate(corpus, is_read=lambda i: i == 1, is_starred=lambda i: False)
    assert bytes(m.hidden) == b"\x00\x01\x00" and m.names(2) == ()


def test_rule_words_never_go_fuzzy() -> None:
    rules, _ = rules_of('[watch]\nt = "robto"\n')
    assert RuleIndex(rules).evaluate(Corpus.build(DAY1)).names(2) == ()


# -- the CLI

def write_config(text: str) -> None:
    path = Path(os.environ["ARXIV_READER_CONFIG_DIR"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def ids(*args: str) -> list[str]:
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    return [line.split("\t")[0] for line in proc.stdout.splitlines()]


def test_list_and_export_drop_hidden_papers_unless_asked() -> None:
    write_config('[hide]\nsurveys = "survey"\n[watch]\npoint = "ti:point"\n')
    everything = ids("list", "--all", str(SEED))
    shown = ids("list", str(SEED))
    hidden = ids("list", "--query", "is:hidden", str(SEED))
    assert hidden == ["1907.03069"] and len(everything) == len(shown) + 1 and "1907.03069" not in shown
    assert set(ids("list", "--query", "!is:hidden", str(SEED))) == set(shown)
    watched = ids("list", "--query", "is:watched", str(SEED))
    assert watched and set(watched) == set(ids("list", "--query", "watch:POINT", str(SEED)))
    proc = run("export", "--format", "json", str(SEED))
    assert proc.returncode == 0 and "1907.03069" not in proc.stdout and shown[0] in proc.stdout


def test_config_check_previews_each_rule_and_reports_bad_ones() -> None:
    write_config(f'library = "{SEED.parent}"\n[watch]\npoint = "ti:point"\nbad = "date:2019-13"\n'
                 '[hide]\nsurveys = "survey"\n')
    proc = run("config", "check")
    assert proc.returncode == 1
    assert "point: 2 of 46 in 2019-07-09 cs.CV\n" in proc.stdout
    assert "surveys: 1 of 46 in 2019-07-09 cs.CV (hide)\n" in proc.stdout
    assert proc.stderr.strip().endswith('config.toml:4: watch.bad: bad query: impossible date "2019-13"; rule skipped')
    # The other rules keep working in every command.
    assert "1907.03069" not in ids("list", str(SEED))
