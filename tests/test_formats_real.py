"""Every real file in tests/data/real/ (see its SOURCES.md): the papers it holds, with titles,
authors and abstracts as the file has them, and the format its content sniffs as.

Expected values are checked against an independent reading of each file (the standard library's
ElementTree for XML, plain regular expressions for the text formats), not against the parser.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from reader.formats import ParseResult, _formats, decode, parse_bytes

REAL = Path(__file__).parent / "data" / "real"

# file: (format, papers, {announce: count}) -- the counts of SOURCES.md
EXPECTED: dict[str, tuple[str, int, dict[str | None, int]]] = {
    "arxiv-mailing-astro-ph-2023-03-02.txt": ("mail", 97, {"new": 53, "cross": 4, "replace": 40}),
    "arxiv-mailing-q-fin-2023-03-16.txt": ("mail", 16, {"new": 13, "replace": 3}),
    "arxiv-api-atom-2026.xml": ("atom", 10, {None: 10}),
    "arxiv-api-atom-2026-b.xml": ("atom", 15, {None: 15}),
    "arxiv-api-atom-legacy-2016.xml": ("atom", 10, {None: 10}),
    "arxiv-api-atom-legacy-2017.xml": ("atom", 10, {None: 10}),
    "md-h2-blockquote-2019-07.md": ("md-h2", 47, {None: 47}),
    "md-numbered-links-2026.md": ("md-numbered", 30, {"new": 30}),
    "md-table-2022-08-29.md": ("md-table", 589, {None: 589}),
    # 40 new + 10 cross + 31 replacements (9 of them replace-cross, which count as replacements)
    "arxiv-rss2-quant-ph-2025-04-28.xml": ("rss", 81, {"new": 40, "cross": 10, "replace": 31}),
    "arxiv-rss1-math-2012-09-12.rdf": ("rss", 126, {"new": 71, "replace": 54, "cross": 1}),
}
ATOM = "{http://www.w3.org/2005/Atom}"


def parsed(name: str) -> ParseResult:
    path = REAL / name
    return parse_bytes(path.read_bytes(), str(path))


def test_every_real_file_is_listed_in_sources_and_expected():
    files = {p.name for p in REAL.iterdir() if p.name != "SOURCES.md"}
    assert files == set(EXPECTED)
    sources = (REAL / "SOURCES.md").read_text()
    assert all(f"| {name} |" in sources for name in files)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_counts_format_and_no_problems(name):
    fmt, count, announce = EXPECTED[name]
    r = parsed(name)
    assert r.format == fmt
    assert len(r.papers) == count
    assert Counter(p.announce for p in r.papers) == announce
    assert r.diagnostics == []  # `check` finds nothing wrong in a well-formed real file
    assert all(p.title and p.id for p in r.papers)
    assert all(p.first_seen == p.date for p in r.papers)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sniffing_picks_exactly_one_format_for_each_real_file(name):
    text, _ = decode((REAL / name).read_bytes(), name)
    accepting = [fmt.NAME for fmt in _formats() if fmt.sniff(text)]
    # The seed Markdown sniffer also accepts numbered link headings; it comes last in the order.
    assert accepting[0] == EXPECTED[name][0]
    assert set(accepting) <= {EXPECTED[name][0], "markdown"}


def _mail_entries(text: str) -> list[dict[str, str]]:
    entries = []
    for block in re.split(r"\n\\\\\n(?=arXiv:)", text)[1:]:
        ident = re.match(r"arXiv:(\S+)", block).group(1)
        title = re.search(r"^Title: (.*(?:\n .*)*)", block, re.M).group(1)
        authors = re.search(r"^Authors: (.*(?:\n .*)*)", block, re.M).group(1)
        parts = block.split("\n\\\\\n")
        abstract = parts[1].split("\n\\\\ (")[0] if len(parts) > 1 and not parts[1].startswith("(") else ""
        entries.append({"id": ident, "title": " ".join(title.split()), "authors": " ".join(authors.split()),
                        "abstract": " ".join(abstract.split())})
    return entries


@pytest.mark.parametrize("name", ["arxiv-mailing-astro-ph-2023-03-02.txt", "arxiv-mailing-q-fin-2023-03-16.txt"])
def test_mail_papers_match_the_file(name):
    text = (REAL / name).read_text()
    entries = _mail_entries(text)
    r = parsed(name)
    assert [p.id for p in r.papers] == [e["id"] for e in entries]
    for p, e in zip(r.papers, entries, strict=True):
        assert p.title == e["title"]
        assert p.abstract == e["abstract"]
        if "(" not in e["authors"]:
            assert ", ".join(p.authors) == re.sub(r",? and ", ", ", e["authors"])
        else:  # affiliations: "A (1), B (2) ((1) Univ, (2) Inst)" -> names only
            assert not any("((" in a or "Univ" in a for a in p.authors)
    first = r.papers[0]
    assert first.authors == ("Jingyao Zhu", "Mary E Putman") or name.startswith("arxiv-mailing-q-fin")
    assert all(p.abstract for p in r.papers if p.announce != "replace")
    cat = "astro-ph" if "astro" in name else "q-fin"
    assert {p.category for p in r.papers} == {cat}
    assert all(cat in p.categories for p in r.papers)


def test_mail_fields_dates_and_cross_lists():
    r = parsed("arxiv-mailing-astro-ph-2023-03-02.txt")
    # The listing is dated by its Date header (Fri, 3 Mar 23 01:29 GMT): the day arXiv announced it.
    assert [(d.category, d.date) for d in r.digests] == [("astro-ph", "2023-03-03")]
    p = next(p for p in r.papers if p.id == "2303.01322")
    assert p.announce == "cross" and p.primary_category == "physics.plasm-ph"
    assert p.categories[:3] == ("physics.plasm-ph", "astro-ph.SR", "physics.space-ph")
    assert p.authors[-1] == 'J\\"org B\\"uchner' and p.comments == "23 pages, 9 figures, submitted"
    q = parsed("arxiv-mailing-q-fin-2023-03-16.txt")
    last = q.papers[-1]
    assert (last.id, last.announce, last.abstract, last.comments) == ("2206.14015", "replace", "", None)
    assert last.title == "Robust utility maximization with nonlinear continuous semimartingales"


@pytest.mark.parametrize("name", [n for n in EXPECTED if EXPECTED[n][0] == "atom"])
def test_atom_papers_match_the_file(name):
    root = ET.parse(REAL / name).getroot()
    entries = root.findall(f"{ATOM}entry")
    r = parsed(name)
    assert [p.id + "v" + p.version for p in r.papers] == [e.findtext(f"{ATOM}id").rsplit("/abs/", 1)[1]
                                                          for e in entries]
    for p, e in zip(r.papers, entries, strict=True):
        assert p.title == " ".join(e.findtext(f"{ATOM}title").split())
        assert p.abstract == " ".join(e.findtext(f"{ATOM}summary").split())
        assert p.authors == tuple(a.findtext(f"{ATOM}name").strip() for a in e.findall(f"{ATOM}author"))
    assert [(d.date, d.category) for d in r.digests] == [(None, None)]  # a search: no announcement
    assert all(p.date is None and p.announce is None for p in r.papers)


def test_atom_fields():
    r = parsed("arxiv-api-atom-2026.xml")
    p = r.papers[0]
    assert (p.id, p.version, p.primary_category, p.categories) == ("2202.12139", "1", "cs.SE", ("cs.SE", "cs.LG"))
    assert p.comments == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    legacy = parsed("arxiv-api-atom-legacy-2017.xml")
    # MSC classes given as category terms in the legacy API are not arXiv categories
    assert all(re.fullmatch(r"[a-z-]+(\.[A-Za-z-]+)?", c) for p in legacy.papers for c in p.categories)


def test_rss2_papers_match_the_file():
    root = ET.parse(REAL / "arxiv-rss2-quant-ph-2025-04-28.xml").getroot()
    items = root.find("channel").findall("item")
    r = parsed("arxiv-rss2-quant-ph-2025-04-28.xml")
    assert [(d.category, d.date) for d in r.digests] == [("quant-ph", "2025-04-28")]
    for p, item in zip(r.papers, items, strict=True):
        assert p.title == " ".join(item.findtext("title").split())
        assert p.abstract == " ".join(item.findtext("description").split("Abstract:", 1)[1].split())
        creators = item.findtext("{http://purl.org/dc/elements/1.1/}creator")
        if "(" not in creators:
            assert ", ".join(p.authors) == " ".join(creators.split())
        assert list(p.categories[:len(item.findall("category"))]) == [c.text for c in item.findall("category")]
    p = next(p for p in r.papers if p.id == "2312.01259")
    assert (p.version, p.announce, p.primary_category) == ("3", "replace", "cond-mat.stat-mech")
    affiliated = next(p for p in r.papers if p.authors and p.authors[0].startswith("M. R. Nirmal"))
    assert affiliated.authors[0].startswith("M. R. Nirmal (Department of Chemistry, Indian Institute")
    assert affiliated.authors[1].startswith("Ankit Khandelwal (")


def test_rdf_papers_match_the_file():
    r = parsed("arxiv-rss1-math-2012-09-12.rdf")
    # built 2012-09-12T20:30:00-05:00, at the evening announcement that arXiv dates the 13th
    assert [(d.category, d.date) for d in r.digests] == [("math", "2012-09-13")]
    first = r.papers[0]
    assert (first.id, first.version, first.primary_category) == ("1209.2411", "1", "math.PR")
    assert first.title == "On the first time that an Ito process hits a barrier"
    assert first.authors == ("Gerardo Hernandez-del-Valle",)
    assert first.abstract.startswith("This work deals with first hitting time densities of Ito processes whose local")
    assert "\n" in first.abstract and "<p>" not in first.abstract  # two paragraphs, no HTML
    last = r.papers[-1]
    assert (last.id, last.announce, last.authors) == ("0901.1155", "cross", ("Itai Benjamini", "Yury Makarychev"))
    text = (REAL / "arxiv-rss1-math-2012-09-12.rdf").read_text()
    titles = re.findall(r"<item rdf:about=[^>]*>\s*<title>(.*?) \(arXiv:", text, re.S)
    assert [p.title for p in r.papers] == [html.unescape(" ".join(t.split())).removesuffix(".") for t in titles]


def test_markdown_h2_layout():
    r = parsed("md-h2-blockquote-2019-07.md")
    text = (REAL / "md-h2-blockquote-2019-07.md").read_text()
    titles = re.findall(r"^Title: \[(.*)\]\(https://arxiv\.org/abs/", text, re.M)
    assert [p.title for p in r.papers] == titles
    # consecutive ">" lines are one paragraph, as Markdown renders them
    quotes = [" ".join(q.strip() for q in re.findall(r"^> (.*)$", block, re.M)) for block in text.split("<h2")[1:]]
    assert [p.abstract for p in r.papers] == quotes
    first = r.papers[0]
    assert (first.id, first.version, first.date, first.number) == ("1907.12664", "1", "2019-07-31", 1)
    assert first.authors == ("Ivana Kvapilíková", "Dominik Macháček", "Ondřej Bojar")
    assert first.categories == ("cs.CL",) and first.comments == "WMT19"
    assert r.papers[-1].date == "2019-07-01"
    assert len({d.date for d in r.digests}) == 17


def test_markdown_numbered_links_layout():
    r = parsed("md-numbered-links-2026.md")
    text = (REAL / "md-numbered-links-2026.md").read_text()
    assert [p.title for p in r.papers] == re.findall(r"^### \d+\. \[(.*)\]\(https://arxiv", text, re.M)
    assert [p.number for p in r.papers] == list(range(1, 31))
    first = r.papers[0]
    assert first.authors[:3] == ("Xinzhang Liu", "Chao Wang", "Zhihao Yang") and len(first.authors) == 54
    assert (first.id, first.version, first.category, first.date) == ("2512.24157", "1", "cs.CL", "2026-01-01")
    assert first.abstract.startswith("TeleChat3-MoE is the latest series") and "**" not in first.abstract
    assert all("**" not in p.abstract and "---" not in p.abstract for p in r.papers)


def test_markdown_table_layout():
    r = parsed("md-table-2022-08-29.md")
    text = (REAL / "md-table-2022-08-29.md").read_text()
    rows = re.findall(r"^\|\*\*(\d{4}-\d\d-\d\d)\*\*\|\*\*(.*?)\*\*\|(.*?)\|\[(\S+?)\]", text, re.M)
    assert [(p.date, p.title, p.id + "v" + p.version) for p in r.papers] == [(d, t, i) for d, t, _, i in rows]
    assert all(p.abstract == "" for p in r.papers)  # no abstracts here: papers without one, no problems
    assert r.papers[0].authors == ("Jianhao Jiao",)  # "Jianhao Jiao et.al.": only the name the row gives
