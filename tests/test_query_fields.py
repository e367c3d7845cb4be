"""The query words of the fields issues 12 and 18 added: au: co: is:new/cross/replace/seen,
tag: note: watch: and the is: words answered by the marks (tagged, noted, updated, ...)."""

from __future__ import annotations

import pytest

from reader.model import Paper
from reader.search import Corpus, FieldTerm, FlagTerm, Lookups, MarkTerm, QueryError, StateTerm, parse


def paper(n: int, title: str, *, authors: tuple[str, ...] = (), comments: str | None = None,
          announce: str | None = None, date: str = "2019-07-09", first_seen: str | None = None) -> Paper:
    return Paper(f"1907.{n:05d}", "1", title, f"abstract {n}", None, "cs.CV", date, n, "d.md", n,
                 ("cs.CV",), authors, comments, announce, "cs.CV", first_seen or date)


PAPERS = [
    paper(0, "Deep nets", authors=("Jürgen Schmidhuber", "Sepp Hochreiter"), comments="12 pages, ICML 2019",
          announce="new"),
    paper(1, "Faces", authors=("Fernando De la Torre", "Ana Liu"), announce="cross", first_seen="2019-07-01"),
    paper(2, "Robots", authors=("Sergey Levine",), comments="Accepted at CoRL", announce="replace",
          first_seen="2019-06-01"),
    paper(3, "No metadata"),
]
CORPUS = Corpus.build(PAPERS)


def run(text: str, **kw: object) -> list[int]:
    return sorted(parse(text).run(CORPUS, **kw).indices)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("au:schmidhuber", [0]),
    ("au:SCHMIDHUBER", [0]),
    ("au:jurgen", [0]),          # accents ignored
    ("au:Jürgen", [0]),
    ('au:"de la"', [1]),
    ('au:"de   la torre"', [1]),  # spaces collapsed
    ("au:liu", [1]),
    ("!au:liu", [0, 2, 3]),
    ("au:levine | au:liu", [1, 2]),
    ('au:"hochreiter sepp"', []),  # one name at a time, never across two
    ("au:nobody", []),
    ("co:icml", [0]),
    ("co:corl", [2]),
    ("!co:pages", [1, 2, 3]),
    ("is:new", [0]),
    ("is:cross", [1]),
    ("is:replace", [2]),
    ("!is:new", [1, 2, 3]),
    ("is:seen", [1, 2]),
    ("!is:seen", [0, 3]),
    ("is:NEW", [0]),
    ("robots is:replace", [2]),
])
def test_paper_field_terms(text: str, expected: list[int]) -> None:
    assert run(text) == expected


def test_terms_are_what_they_say() -> None:
    assert parse("au:Müller").clauses == ((FieldTerm("au", "muller"),),)
    assert parse("!co:x").clauses == ((FieldTerm("co", "x", True),),)
    assert parse("is:cross").clauses == ((FlagTerm("cross"),),)
    assert parse("tag:ToRead").clauses == ((MarkTerm("tag", "ToRead"),),)  # tag names are exact
    assert parse('note:"Read Again"').clauses == ((MarkTerm("note", "read again"),),)
    assert parse("is:tagged").clauses == ((StateTerm("tagged", True),),)
    assert parse("!is:noted").clauses == ((StateTerm("noted", False),),)


@pytest.mark.parametrize(("text", "message"), [
    ("au:", 'empty value for "au:"'),
    ('au:""', 'empty value for "au:"'),
    ("co:", 'empty value for "co:"'),
    ("tag:", 'empty value for "tag:"'),
    ("note:", 'empty value for "note:"'),
    ("watch:", 'empty value for "watch:"'),
    ("is:newest", 'unknown state "is:newest"'),
])
def test_errors(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(text)


TAGS = {0: ("ml", "toread"), 2: ("robots",)}
NOTES = {1: "Ask Ana about the DATASET", 2: "Café discussion"}
WATCH = {0: ("levine",), 2: ("levine", "robots")}
LOOKUPS = Lookups(tags=lambda i: TAGS.get(i, ()), note=lambda i: NOTES.get(i),
                  is_updated=lambda i: i == 2, watches=lambda i: WATCH.get(i, ()), is_hidden=lambda i: i == 3)


@pytest.mark.parametrize(("text", "expected"), [
    ("tag:ml", [0]),
    ("tag:toread | tag:robots", [0, 2]),
    ("!tag:ml", [1, 2, 3]),
    ("tag:ML", []),
    ("is:tagged", [0, 2]),
    ("!is:tagged", [1, 3]),
    ("is:noted", [1, 2]),
    ("note:dataset", [1]),
    ("note:cafe", [2]),          # accents and case ignored, like au:
    ('note:"ana about"', [1]),
    ("!note:dataset", [0, 2, 3]),
    ("is:updated", [2]),
    ("is:watched", [0, 2]),
    ("watch:robots", [2]),
    ("watch:LEVINE", [0, 2]),
    ("is:hidden", [3]),
    ("!is:hidden", [0, 1, 2]),
    ("is:tagged is:watched !is:updated", [0]),
])
def test_mark_terms(text: str, expected: list[int]) -> None:
    assert run(text, lookups=LOOKUPS) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("tag:ml", []), ("!tag:ml", [0, 1, 2, 3]), ("is:tagged", []), ("!is:tagged", [0, 1, 2, 3]),
    ("note:x", []), ("is:updated", []), ("is:hidden", []), ("!is:hidden", [0, 1, 2, 3]),
])
def test_without_marks_nothing_has_them(text: str, expected: list[int]) -> None:
    assert run(text) == expected


def test_ranked_and_restricted_runs_agree() -> None:
    q = parse("au:liu | is:replace")
    assert sorted(q.run(CORPUS, rank=True).indices) == [1, 2]
    assert q.run(CORPUS, candidates=[2, 3]).indices == [2]


# -- the same words in `list --query` and `export --query`, as a user runs them

def _ids(*args: str) -> list[str]:
    from .test_cli import run as cli_run

    proc = cli_run("list", *args)
    assert proc.returncode == 0, proc.stderr
    return [line.split("\t")[0] for line in proc.stdout.splitlines()]


def test_cli_author_comment_and_announce_words() -> None:
    from pathlib import Path

    mail = str(Path(__file__).parent / "data" / "real" / "arxiv-mailing-q-fin-2023-03-16.txt")
    assert _ids("--query", 'au:"VAN STADEN"', mail) == ["2303.08968"]
    replaced = _ids("--query", "is:replace", mail)
    assert replaced and "2303.08968" not in replaced
    assert set(_ids("--query", "!is:replace", mail)).isdisjoint(replaced)


def test_cli_tag_and_note_words() -> None:
    from .test_cli import SEED
    from .test_cli import run as cli_run

    assert cli_run("tag", "1907.03739", "ml").returncode == 0
    assert cli_run("note", "1907.03728", "Compare with PointNet").returncode == 0
    assert _ids("--query", "tag:ml", str(SEED)) == ["1907.03739"]
    assert _ids("--query", "note:pointnet", str(SEED)) == ["1907.03728"]
    assert sorted(_ids("--query", "is:tagged | is:noted", str(SEED))) == ["1907.03728", "1907.03739"]
    proc = cli_run("export", "--format", "json", "--query", "tag:ml", str(SEED))
    assert proc.returncode == 0, proc.stderr
    assert "1907.03739" in proc.stdout and "1907.03728" not in proc.stdout


def test_tex_accents_and_entities_in_names_fold_like_the_display() -> None:
    papers = [paper(0, "A", authors=('Kurt G\\"odel', 'Erwin Schr\\"{o}dinger')),
              paper(1, "B", authors=("Ann &amp; Co",))]
    corpus = Corpus.build(papers)
    for text, expected in (("au:godel", [0]), ("au:gödel", [0]), ('au:g\\"odel', [0]), ("au:schrodinger", [0]),
                           ('au:"ann & co"', [1])):
        assert parse(text).run(corpus).indices == expected, text
