"""Export: BibTeX checked with a real BibTeX parser (pybtex), Markdown read back by our reader, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pybtex import errors as pybtex_errors
from pybtex.database import BibliographyData, parse_string

from reader import export
from reader.devtools.generate import generate
from reader.formats.markdown import parse as parse_markdown
from reader.library import load
from reader.model import Paper

SEED = Path(__file__).resolve().parent.parent / "sample_digests"


def paper(ident: str | None, title: str, *, abstract: str = "An abstract.", date: str | None = "2019-07-09",
          category: str | None = "cs.CV", number: int | None = 1, categories: tuple[str, ...] | None = None,
          pdf: str | None = None) -> Paper:
    if categories is None:
        categories = (category,) if category else ()
    return Paper(ident, None, title, abstract, pdf or (f"https://arxiv.org/pdf/{ident}" if ident else None),
                 category, date, number, "test.md", 1, categories)


class WithAuthors(Paper):
    """Until `Paper` has `authors`: export reads it with getattr."""

    @property
    def authors(self) -> tuple[str, ...]:
        return ("Ada Lovelace", "Smith and Sons", "Grace {Hopper}_%")


def parse_bib(text: str) -> BibliographyData:
    pybtex_errors.set_strict_mode(True)  # duplicate keys and syntax problems raise
    return parse_string(text, "bibtex")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Paper]:
    directory = tmp_path_factory.mktemp("generated")
    generate(directory, days=25, per_day=400)
    papers = load([directory]).papers
    assert len(papers) == 10_000
    return papers


def check_bibtex(papers: list[Paper]) -> BibliographyData:
    text = export.bibtex(papers)
    bib = parse_bib(text)
    assert len(bib.entries) == len({p.id for p in papers if p.id}) + sum(p.id is None for p in papers)
    for entry in bib.entries.values():
        assert entry.type == "misc"
        for value in entry.fields.values():
            depth = 0
            for ch in value:  # BibTeX needs balanced braces in every field
                depth += {"{": 1, "}": -1}.get(ch, 0)
                assert depth >= 0
            assert depth == 0
    return bib


def test_seed_bibtex_parses_with_expected_fields() -> None:
    papers = load([SEED]).papers
    bib = check_bibtex(papers)
    entry = bib.entries["arxiv:1907.03739"]
    assert entry.fields["eprint"] == "1907.03739"
    assert entry.fields["archivePrefix"] == "arXiv"
    assert entry.fields["primaryClass"] == "cs.CV"
    assert entry.fields["year"] == "2019"
    assert entry.fields["url"] == "https://arxiv.org/abs/1907.03739"
    assert entry.fields["title"].startswith("{Point-Voxel} {CNN} for {Efficient} {3D} {Deep} {Learning}")


def test_generated_library_bibtex_parses_with_unique_keys(generated: list[Paper]) -> None:
    bib = check_bibtex(generated)
    assert len(bib.entries) == 10_000
    spiced = [p for p in generated if "$\\ell_1$" in p.title]
    assert spiced, "the generated library has LaTeX in some titles"
    assert r"\$\textbackslash{}ell\_1\$" in bib.entries[f"arxiv:{spiced[0].id}"].fields["title"]


def test_special_characters_are_escaped() -> None:
    title = "50% of {braces} & #tags_under \\cite{x} cost $5 ~ A^2"
    bib = check_bibtex([paper("1907.00001", title)])
    value = bib.entries["arxiv:1907.00001"].fields["title"]
    assert value == (r"50\% of \textbraceleft{}braces\textbraceright{} \& \#tags\_under "
                     r"\textbackslash{}cite\textbraceleft{}x\textbraceright{} cost \$5 \~{} {A\^{}2}")


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=5))
def test_any_title_gives_bibtex_that_parses(titles: list[str]) -> None:
    papers = [paper(None if i % 2 else f"1907.{i:05d}", title, number=i) for i, title in enumerate(titles)]
    bib = check_bibtex(papers)
    assert len(bib.entries) == len(papers)


def test_keys_old_style_no_id_and_clashes() -> None:
    papers = [
        paper("hep-th/9901001", "Old style"),
        paper(None, "Point-Voxel CNN for Efficient 3D", pdf="https://example.org/a b{c}.pdf"),
        paper(None, "Point voxel CNN, again"),
        paper(None, "POINT VOXEL cnn thrice"),
        paper(None, "!!!"),
        paper("1907.03739", "Dup"), paper("1907.03739", "Dup again"),
    ]
    assert export.bibtex_keys(papers[:5]) == [
        "arxiv:hep-th/9901001", "noid:point-voxel-cnn", "noid:point-voxel-cnna", "noid:point-voxel-cnnb",
        "noid:untitled"]
    bib = check_bibtex(papers)
    assert list(bib.entries) == ["arxiv:hep-th/9901001", "noid:point-voxel-cnn", "noid:point-voxel-cnna",
                                 "noid:point-voxel-cnnb", "noid:untitled", "arxiv:1907.03739"]
    assert bib.entries["arxiv:hep-th/9901001"].fields["year"] == "1999"
    assert bib.entries["noid:point-voxel-cnn"].fields["year"] == "2019"  # from the digest date
    assert bib.entries["noid:point-voxel-cnn"].fields["url"] == "https://example.org/a%20b%7Bc%7D.pdf"
    assert "eprint" not in bib.entries["noid:untitled"].fields


def test_authors() -> None:
    p = WithAuthors(*paper("1907.00002", "T"))
    bib = check_bibtex([p])
    persons = bib.entries["arxiv:1907.00002"].persons["author"]
    assert len(persons) == 3
    assert str(persons[0]) == "Lovelace, Ada"
    assert "author" not in parse_bib(export.bibtex([paper("1907.00003", "T")])).entries["arxiv:1907.00003"].fields


def round_trip(papers: list[Paper], tmp_path: Path) -> list[Paper]:
    out = tmp_path / "export.md"
    out.write_text(export.markdown(papers), encoding="utf-8")
    return load([out]).papers


def triples(papers: list[Paper]) -> set[tuple[str | None, str, str]]:
    return {(p.id, p.title, p.abstract) for p in papers}


def test_markdown_round_trip_seed(tmp_path: Path) -> None:
    papers = load([SEED]).papers
    back = round_trip(papers, tmp_path)
    assert [(p.id, p.title, p.abstract) for p in back] == [(p.id, p.title, p.abstract) for p in papers]
    assert {(p.date, p.category) for p in back} == {("2019-07-09", "cs.CV")}
    # the seed's own format, to the byte
    assert export.markdown(papers) == (SEED / "arxiv-cs.CV-2019-07-09.md").read_text(encoding="utf-8")


def test_markdown_round_trip_generated(generated: list[Paper], tmp_path: Path) -> None:
    back = round_trip(generated, tmp_path)
    assert len(back) == len(generated)
    assert triples(back) == triples(generated)
    assert {(p.id, p.date, p.category, p.version) for p in back} == {
        (p.id, p.date, p.category, p.version) for p in generated}


def test_markdown_digests_newest_first_and_edge_cases(tmp_path: Path) -> None:
    papers = [
        paper("1907.00001", "Older", date="2019-07-08", number=1),
        paper("1907.00002", "Newer second", number=2),
        paper("1907.00003", "Newer first", number=1, abstract="First paragraph.\nSecond paragraph."),
        paper("1907.00004", "12 Monkeys [CLS] and ](odd) title", category="cs.LG", number=1),
        paper(None, "No identifier", date=None, category=None, number=None),
    ]
    text = export.markdown(papers)
    headers = [line for line in text.splitlines() if line.startswith("# ")]
    assert headers == ["# ArXiv cs.CV --Tue, 9 Jul 2019", "# ArXiv cs.LG --Tue, 9 Jul 2019",
                       "# ArXiv cs.CV --Mon, 8 Jul 2019"]
    back = round_trip(papers, tmp_path)
    assert [p.title for p in back] == ["No identifier", "Newer first", "Newer second",
                                       "12 Monkeys [CLS] and ](odd) title", "Older"]
    assert triples(back) == triples(papers)


_CHARS = st.sampled_from(list("abcXYZ019 []()#>*_\\{}%&$:!.-`<|é"))
_TEXT = st.text(_CHARS, min_size=1, max_size=30).map(str.strip).filter(bool)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(_TEXT, st.lists(_TEXT.filter(lambda t: not t.startswith(">")), min_size=1, max_size=3)),
                min_size=1, max_size=4))
def test_markdown_round_trip_of_markdown_like_titles_and_abstracts(items: list[tuple[str, list[str]]]) -> None:
    # Known limit: an abstract paragraph that starts with ">" loses it (the reader strips quote marks).
    papers = [paper(f"1907.{i:05d}", title, abstract="\n".join(paragraphs), number=i + 1)
              for i, (title, paragraphs) in enumerate(items)]
    back = parse_markdown(export.markdown(papers), "export.md").papers
    assert [(p.id, p.title, p.abstract) for p in back] == [(p.id, p.title, p.abstract) for p in papers]


def test_markdown_field_lines() -> None:
    p = WithAuthors(*paper("1907.00002", "T", categories=("cs.CV", "cs.LG")))
    lines = export.markdown([p]).splitlines()
    assert lines[1].startswith("### 1.T  [")
    assert lines[2] == "**Authors:** Ada Lovelace, Smith and Sons, Grace {Hopper}_%"
    assert lines[3] == "**Categories:** cs.CV cs.LG"
    assert lines[4] == ">  An abstract. "
    assert export.field_lines(paper("1907.00002", "T")) == []


def test_json_is_the_list_contract() -> None:
    p = paper("1907.00001", "T\u202e")
    (line,) = export.json_lines([p], lambda k: True, lambda k: False)
    assert "\u202e" not in line and "\\u202e" in line
    record = json.loads(line)
    assert record == {"id": "1907.00001", "version": None, "title": "T\u202e", "abstract": "An abstract.",
                      "pdf_url": "https://arxiv.org/pdf/1907.00001", "category": "cs.CV", "date": "2019-07-09",
                      "number": 1, "source": "test.md:1", "read": True, "starred": False,
                      "categories": ["cs.CV"], "authors": [], "comments": None, "announce": None,
                      "primary_category": None, "first_seen": None, "tags": [], "note": None}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reader", *args], capture_output=True, text=True, timeout=120)


def test_cli_export_formats_to_stdout() -> None:
    bib = run("export", "--format", "bibtex", str(SEED))
    assert bib.returncode == 0 and bib.stderr == ""
    assert len(parse_bib(bib.stdout).entries) == 46
    md = run("export", "-f", "markdown", str(SEED))
    assert md.stdout == export.markdown(load([SEED]).papers)
    js = run("export", "-f", "json", "--query", "ti:point", str(SEED))
    records = [json.loads(line) for line in js.stdout.splitlines()]
    listed = [json.loads(line) for line in run("list", "--json", "--query", "ti:point", str(SEED)).stdout.splitlines()]
    assert records == listed and records


def test_cli_export_to_file_with_state_filters(tmp_path: Path) -> None:
    assert run("mark", "star", "1907.03739", "1907.03728").returncode == 0
    assert run("mark", "read", "1907.03728").returncode == 0
    out = tmp_path / "starred.bib"
    proc = run("export", "--starred", "-o", str(out), str(SEED))  # format from the suffix
    assert proc.returncode == 0 and proc.stdout == ""
    assert proc.stderr == f"exported 2 papers to {out}\n"
    assert set(parse_bib(out.read_text(encoding="utf-8")).entries) == {"arxiv:1907.03739", "arxiv:1907.03728"}
    proc = run("export", "--starred", "--unread", "-f", "bibtex", str(SEED))
    assert list(parse_bib(proc.stdout).entries) == ["arxiv:1907.03739"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_cli_export_errors_are_one_line(tmp_path: Path) -> None:
    for args in (["export", str(SEED)], ["export", "-f", "pdf", str(SEED)],
                 ["export", "-f", "json", "-q", "a |", str(SEED)],
                 ["export", "-f", "json", "-o", str(tmp_path / "no" / "such" / "dir.json"), str(SEED)]):
        proc = run(*args)
        assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr, proc
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("arxiv-reader: error: ")


def test_proposed_path() -> None:
    import datetime as dt

    now = dt.datetime(2019, 7, 9, 8, 5)
    assert export.proposed_path("bibtex", Path("/papers"), now) == Path("/papers/arxiv-2019-07-09-0805.bib")
    assert export.proposed_path("markdown", None, now) == Path("arxiv-2019-07-09-0805.md")
    assert export.proposed_path("json", None, now).suffix == ".json"
