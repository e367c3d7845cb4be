"""The digest parser: the seed digest, every messy case, and random input."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.formats import parse_bytes
from reader.model import id_from_url, parse_arxiv_id, paper_key

SEED = Path(__file__).resolve().parent.parent / "sample_digests" / "arxiv-cs.CV-2019-07-09.md"


def parse(text: str | bytes, path: str = "digest.md"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_bytes(data, path)


HEADER = "# ArXiv cs.CV --Tue, 9 Jul 2019\n"


def entry(n, title, ident, abstract):
    return f"### {n}.{title}  [ :arrow_down: ](https://arxiv.org/pdf/{ident}.pdf)\n>  {abstract} \n"


def test_seed_digest_every_paper_matches_the_file():
    lines = SEED.read_text(encoding="utf-8").split("\n")
    expected = []
    for i, line in enumerate(lines):
        m = re.match(r"### (\d+)\.(.*?)  \[ :arrow_down: \]\(https://arxiv.org/pdf/(.*?)\.pdf\)$", line)
        if m:
            expected.append((int(m.group(1)), m.group(2), m.group(3), lines[i + 1][1:].strip(), i + 1))
    assert len(expected) == 46
    result = parse_bytes(SEED.read_bytes(), str(SEED))
    assert result.diagnostics == []
    got = [(p.number, p.title, p.id, p.abstract, p.line) for p in result.papers]
    assert got == expected
    first = result.papers[0]
    assert (first.category, first.date, first.version) == ("cs.CV", "2019-07-09", None)
    assert first.pdf_url == "https://arxiv.org/pdf/1907.03739.pdf"
    assert first.source == f"{SEED}:2"


def test_header_gives_category_and_iso_date():
    r = parse("# ArXiv stat.ML --Mon, 1 Feb 2021\n" + entry(1, "T", "2102.00001", "A"))
    assert (r.papers[0].category, r.papers[0].date) == ("stat.ML", "2021-02-01")
    r = parse("# ArXiv eess.IV --2020-03-04\n" + entry(1, "T", "2003.00001", "A"))
    assert (r.papers[0].category, r.papers[0].date) == ("eess.IV", "2020-03-04")


def test_impossible_header_date_is_reported_not_raised():
    r = parse("# ArXiv cs.CL --Mon, 31 Feb 2021\n" + entry(1, "T", "2102.00001", "A"))
    assert r.papers[0].date is None
    assert any("no valid date" in d.message for d in r.diagnostics)


def test_missing_header_falls_back_to_the_file_name():
    r = parse(entry(1, "T", "1907.03739", "A"), "arxiv-cs.CL-2019-07-10.md")
    assert (r.papers[0].category, r.papers[0].date) == ("cs.CL", "2019-07-10")
    assert r.diagnostics == []


def test_identifiers_from_every_kind_of_link():
    assert id_from_url("https://arxiv.org/pdf/1907.03739.pdf") == ("1907.03739", None)
    assert id_from_url("https://arxiv.org/pdf/1907.03739v2.pdf") == ("1907.03739", "2")
    assert id_from_url("https://arxiv.org/abs/1907.03739v12") == ("1907.03739", "12")
    assert id_from_url("http://arxiv.org/abs/cs/0601001") == ("cs/0601001", None)
    assert id_from_url("https://arxiv.org/pdf/math.AG/0601001v1") == ("math.AG/0601001", "1")
    assert id_from_url("https://export.arxiv.org/abs/2101.12345") == ("2101.12345", None)
    assert id_from_url("https://example.org/pdf/1907.03739.pdf") is None
    assert parse_arxiv_id("arXiv:1907.03739v3") == ("1907.03739", "3")
    assert parse_arxiv_id("CS/0601001") == ("cs/0601001", None)
    assert parse_arxiv_id("hep-th/9901001v2") == ("hep-th/9901001", "2")
    assert parse_arxiv_id("1907.0373") is None
    assert parse_arxiv_id("not-an-id") is None


def test_versioned_old_style_and_abs_links_in_headings():
    text = HEADER + (
        "### 1.A  [ :arrow_down: ](https://arxiv.org/pdf/1907.03739v2.pdf)\n> x\n"
        "### 2.B  [ :arrow_down: ](https://arxiv.org/abs/cs/0601001v1)\n> y\n"
        "### 3.C  [ :arrow_down: ](https://arxiv.org/abs/1907.03740)\n> z\n"
    )
    p1, p2, p3 = parse(text).papers
    assert (p1.id, p1.version, p1.pdf_url) == ("1907.03739", "2", "https://arxiv.org/pdf/1907.03739v2.pdf")
    assert (p2.id, p2.version, p2.pdf_url) == ("cs/0601001", "1", "https://arxiv.org/pdf/cs/0601001v1")
    assert (p3.id, p3.pdf_url) == ("1907.03740", "https://arxiv.org/pdf/1907.03740")


def test_crlf_and_bom():
    text = HEADER + entry(1, "Title one", "1907.00001", "Abstract one") + entry(2, "Two", "1907.00002", "B")
    r = parse(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert [(p.title, p.abstract, p.category) for p in r.papers] == [
        ("Title one", "Abstract one", "cs.CV"), ("Two", "B", "cs.CV")]
    assert r.diagnostics == []


def test_bytes_that_are_not_utf8_are_replaced_and_reported():
    data = (HEADER + entry(1, "Caf\udcff", "1907.00001", "ok")).encode("utf-8", "surrogateescape")
    data = data.replace(b"\xff", b"\xe9")  # Latin-1 é
    r = parse(data)
    assert r.papers[0].title == "Caf\ufffd"
    [d] = r.diagnostics
    assert d.line == 2 and "UTF-8" in d.message
    assert str(d).startswith("digest.md:2: ")


def test_abstract_wrapped_over_several_quote_lines_and_lazy_continuation():
    text = HEADER + (
        "### 1.Wrapped  [ :arrow_down: ](https://arxiv.org/pdf/1907.00001.pdf)\n"
        ">  First line\n> second line\n"
        "third line without a marker\n"
        ">\n> New paragraph.\n"
        "### 2.Next  [ :arrow_down: ](https://arxiv.org/pdf/1907.00002.pdf)\n> b\n"
    )
    p1, p2 = parse(text).papers
    assert p1.abstract == "First line second line third line without a marker\nNew paragraph."
    assert p2.abstract == "b"


def test_blank_lines_between_entries_and_stray_text():
    text = HEADER + "\n\n" + entry(1, "A", "1907.00001", "a") + "\n\nSome stray words\n\n" + \
        entry(2, "B", "1907.00002", "b") + "\n\n"
    r = parse(text)
    assert [(p.title, p.abstract, p.line) for p in r.papers] == [("A", "a", 4), ("B", "b", 10)]
    [d] = r.diagnostics
    assert (d.line, d.message) == (8, "stray text between papers ignored")


def test_headings_without_number_space_or_link():
    text = HEADER + (
        "### Unnumbered title  [ :arrow_down: ](https://arxiv.org/pdf/1907.00001.pdf)\n> a\n"
        "###7.No space  [ :arrow_down: ](https://arxiv.org/pdf/1907.00002.pdf)\n> b\n"
        "### 8.No link at all\n> c\n"
        "### 9.12.3D worlds  [ :arrow_down: ](https://arxiv.org/pdf/1907.00004.pdf)\n> d\n"
    )
    r = parse(text)
    assert [(p.number, p.title, p.id) for p in r.papers] == [
        (None, "Unnumbered title", "1907.00001"), (7, "No space", "1907.00002"),
        (8, "No link at all", None), (9, "12.3D worlds", "1907.00004")]
    assert [(d.line, d.message) for d in r.diagnostics] == [(6, "paper heading has no link")]
    assert r.papers[2].key.startswith("title:") and r.papers[2].key == paper_key(None, "no link at ALL")


def test_heading_with_no_abstract_keeps_the_paper():
    text = HEADER + "### 1.Lonely  [ :arrow_down: ](https://arxiv.org/pdf/1907.00001.pdf)\n" + \
        entry(2, "B", "1907.00002", "b")
    r = parse(text)
    assert [(p.title, p.abstract) for p in r.papers] == [("Lonely", ""), ("B", "b")]
    assert [(d.line, d.message) for d in r.diagnostics] == [(2, "paper has no abstract")]


def test_abstract_without_quote_marker_is_kept():
    text = HEADER + "### 1.T  [ :arrow_down: ](https://arxiv.org/pdf/1907.00001.pdf)\n\nPlain abstract.\n"
    assert parse(text).papers[0].abstract == "Plain abstract."


def test_same_identifier_twice_in_one_file_is_kept_and_reported():
    text = HEADER + entry(1, "A", "1907.00001", "a") + entry(2, "A again", "1907.00001", "a")
    r = parse(text)
    assert [p.title for p in r.papers] == ["A", "A again"]
    assert [(d.line, d.message) for d in r.diagnostics] == [(4, "paper 1907.00001 appears again (first at line 2)")]


def test_several_digests_concatenated():
    text = HEADER + entry(1, "A", "1907.00001", "a") + \
        "# ArXiv cs.CL --Wed, 10 Jul 2019\n" + entry(1, "B", "1907.00002", "b")
    r = parse(text)
    assert [(p.category, p.date, p.number) for p in r.papers] == [
        ("cs.CV", "2019-07-09", 1), ("cs.CL", "2019-07-10", 1)]
    assert [(d.category, d.line) for d in r.digests] == [("cs.CV", 1), ("cs.CL", 4)]


def test_brackets_in_titles_are_not_taken_for_the_link():
    text = HEADER + "### 1.[CLS] tokens and [MASK]  [ :arrow_down: ](https://arxiv.org/pdf/1907.00001.pdf)\n> a\n"
    p = parse(text).papers[0]
    assert (p.title, p.id) == ("[CLS] tokens and [MASK]", "1907.00001")


def test_section_headings_are_not_papers():
    text = HEADER + "## Today\n" + entry(1, "A", "1907.00001", "a")
    r = parse(text)
    assert [p.title for p in r.papers] == ["A"] and r.diagnostics == []


def test_files_that_are_not_digests_are_a_diagnostic():
    for data in (b"\x00\x01\x02binary\xff" * 50, b"just some notes\nnothing here\n", b""):
        r = parse(data)
        assert r.papers == []
        [d] = r.diagnostics
        assert d.message.startswith("not a digest")


line_parts = st.sampled_from([
    "# ArXiv cs.CV --Tue, 9 Jul 2019", "# ArXiv", "#", "###", "### 1.", "###7.T",
    "### 2.T  [ :arrow_down: ](https://arxiv.org/pdf/1907.03739v2.pdf)",
    "### [x](https://arxiv.org/abs/cs/0601001)", ">", ">  text", ">>", "", " ", "stray",
    "\r", "\x1b[31m", "[CLS]", "$x^2$", "<br>", "](", "\ufeff", "####", "## 9)",
])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(line_parts, st.text(max_size=30)), max_size=30), st.binary(max_size=40))
def test_random_input_never_raises(lines, noise):
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + noise
    result = parse_bytes(data, "fuzz.md")
    for p in result.papers:
        assert p.line >= 1 and isinstance(p.title, str) and isinstance(p.abstract, str)
    for d in result.diagnostics:
        assert d.path == "fuzz.md"


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data):
    parse_bytes(data, "fuzz.md")
