"""Hand-made and hostile variants of every format, and property tests: nothing raises on any
input, and every problem is a diagnostic with a path and a line."""

from __future__ import annotations

import base64
import quopri
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.formats import parse_bytes
from reader.text import display_text, display_title

REAL = Path(__file__).parent / "data" / "real"
REAL_FILES = sorted(p.name for p in REAL.iterdir() if p.name != "SOURCES.md")
QFIN = REAL / "arxiv-mailing-q-fin-2023-03-16.txt"


def _check(result, path):
    for d in result.diagnostics:
        assert d.path == path and d.line >= 0 and d.message
    for p in result.papers:
        assert isinstance(p.title, str) and isinstance(p.abstract, str) and isinstance(p.authors, tuple)
        display_title(p.title), display_text(p.abstract)  # display text never raises either


# ------------------------------------------------------------------------------ e-mail listings

MAIL = """Date: Tue, 14 Mar 23 00:30:00 GMT
Subject: cs daily 2 new + 1 cross received

\\\\
arXiv:2303.00001
Date: Mon, 13 Mar 2023 10:00:00 GMT   (10kb)

Title: A first title that wraps
  onto a second line
Authors: Ada Lovelace, Alan Turing and Grace Hopper
Categories: cs.LG stat.ML
Comments: 9 pages
\\\\
  First paragraph of the abstract
that wraps.
\\\\ ( https://arxiv.org/abs/2303.00001 ,  10kb)
------------------------------------------------------------------------------
\\\\
arXiv:2303.00002
Date: Mon, 13 Mar 2023 11:00:00 GMT   (10kb)

Title: No abstract here
Authors: Someone
Categories: cs.AI
\\\\ ( https://arxiv.org/abs/2303.00002 ,  10kb)
%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-%-
\\\\
arXiv:2303.00003
Date: Mon, 13 Mar 2023 12:00:00 GMT   (10kb)

Title: A cross-list
Authors: X. Y. Zed
Categories: math.OC cs.LG
\\\\
  Crossing over.
\\\\ ( https://arxiv.org/abs/2303.00003 ,  10kb)
%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%--%%
\\\\
arXiv:2101.00004 (*cross-listing*)
replaced with revised version Mon, 13 Mar 2023 13:00:00 GMT   (10kb)

Title: A replaced cross-list
Authors: Q. Person
Categories: math.OC cs.LG
\\\\ ( https://arxiv.org/abs/2101.00004 ,  10kb)
%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---%%%---
"""


def test_hand_made_listing_sections_fields_and_problems():
    r = parse_bytes(MAIL.encode(), "2023-03-13.txt")
    assert r.format == "mail"
    assert [(p.id, p.announce) for p in r.papers] == [
        ("2303.00001", "new"), ("2303.00002", "new"), ("2303.00003", "cross"), ("2101.00004", "replace")]
    p = r.papers[0]
    assert p.title == "A first title that wraps onto a second line"
    assert p.authors == ("Ada Lovelace", "Alan Turing", "Grace Hopper")
    assert p.abstract == "First paragraph of the abstract that wraps."
    assert (p.category, p.date, p.primary_category, p.comments) == ("cs", "2023-03-14", "cs.LG", "9 pages")
    assert p.categories == ("cs.LG", "stat.ML", "cs") and p.line == 5
    # a new submission without abstract is a problem; a replacement without one is not
    assert [(d.line, d.message) for d in r.diagnostics] == [(19, "paper has no abstract")]


def test_listing_without_headers_takes_the_date_from_the_file_name():
    body = MAIL.split("\n\n", 1)[1]
    r = parse_bytes(body.encode(), "mail/2023-03-13.txt")
    assert r.format == "mail" and {p.date for p in r.papers} == {"2023-03-13"}
    assert len(r.papers) == 4


def test_eml_quoted_printable_and_base64_and_mbox():
    data = QFIN.read_bytes()
    headers, body = data.split(b"\n\n", 1)
    mime = b"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    qp = b"From: arxiv\n" + headers + b"\n" + mime + b"Content-Transfer-Encoding: quoted-printable\n\n" \
        + quopri.encodestring(body)
    b64 = b"From: arxiv\n" + headers + b"\n" + mime + b"Content-Transfer-Encoding: base64\n\n" \
        + base64.encodebytes(body)
    for data_ in (qp, b64):
        r = parse_bytes(data_, "digest.eml")
        assert r.format == "mail" and len(r.papers) == 16 and r.diagnostics == []
        assert r.papers[0].title == "A Bayesian derivation of the square root law of market impact"
        assert {(d.category, d.date) for d in r.digests} == {("q-fin", "2023-03-17")}
    mbox = b"From arxiv Fri Mar 17 00:31:14 2023\n" + data + b"\nFrom arxiv Fri Mar 3 01:29:12 2023\n" \
        + (REAL / "arxiv-mailing-astro-ph-2023-03-02.txt").read_bytes()
    r = parse_bytes(mbox, "inbox.mbox")
    assert len(r.papers) == 113 and r.diagnostics == []
    assert [(d.category, d.date) for d in r.digests] == [("q-fin", "2023-03-17"), ("astro-ph", "2023-03-03")]


def test_hostile_listing_fields_never_raise_and_stay_raw():
    evil = MAIL.replace("A first title", "\x1b]52;c;ZXZpbA==\x07A first title").replace(
        "arXiv:2303.00002", "arXiv:not-an-id").replace("Categories: cs.AI", "Categories:")
    r = parse_bytes(evil.encode(), "x.txt")
    assert "\x1b" not in display_title(r.papers[0].title)
    assert any("not an arXiv identifier" in d.message for d in r.diagnostics)
    assert r.papers[1].id is None and r.papers[1].categories == ("cs",)


# ------------------------------------------------------------------------------------ XML feeds

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv Query</title>
<entry><id>http://arxiv.org/abs/1201.4869v1</id><title>&lol3;</title><summary>x</summary></entry></feed>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>cs updates on arXiv.org</title>
<item><title>&xxe;</title><link>https://arxiv.org/abs/2504.17830</link></item></channel></rss>
"""


@pytest.mark.parametrize("doc", [BOMB, EXTERNAL])
def test_entity_expansion_and_external_entities_are_refused(doc):
    r = parse_bytes(doc.encode(), "feed.xml")
    assert r.papers == [] and "passwd" not in repr(r)
    assert [d.message for d in r.diagnostics] == ["XML declares entities or external references; refused for safety"]


def test_truncated_feed_keeps_the_complete_items():
    text = (REAL / "arxiv-rss2-quant-ph-2025-04-28.xml").read_text()
    cut = text[: text.index("<item>", text.index("2504.17837")) + 40]
    r = parse_bytes(cut.encode(), "feed.xml")
    assert r.format == "rss" and [p.id for p in r.papers] == ["2504.17830", "2504.17837"]
    assert len(r.diagnostics) == 1 and "not well-formed" in r.diagnostics[0].message


def test_atom_error_entry_and_empty_search():
    err = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv Query</title>
<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id><title>Error</title>
<summary>incorrect id format for 1234</summary></entry></feed>"""
    r = parse_bytes(err.encode(), "q.atom")
    assert r.format == "atom" and r.papers == []
    assert r.diagnostics[0].message == "the arXiv API returned an error: incorrect id format for 1234"


def test_rss_item_fields_from_the_description_when_tags_are_missing():
    doc = """<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>cs.LG updates on arXiv.org</title><pubDate>Tue, 01 Apr 2025 00:00:00 -0400</pubDate>
<item><title>T &amp; U</title><link>https://arxiv.org/abs/2504.00001</link>
<description>arXiv:2504.00001v2 Announce Type: replace-cross
Abstract: An &lt;b&gt;abstract&lt;/b&gt;.</description>
<dc:creator>A. One, B. Two and C. Three</dc:creator><category>math.OC</category></item></channel></rss>"""
    r = parse_bytes(doc.encode(), "feed.rss")
    [p] = r.papers
    assert (p.id, p.version, p.title, p.announce, p.date, p.category) == (
        "2504.00001", "2", "T & U", "replace", "2025-04-01", "cs.LG")
    assert p.authors == ("A. One", "B. Two", "C. Three") and p.categories == ("math.OC", "cs.LG")
    assert display_text(p.abstract) == "An abstract."


# ------------------------------------------------------------------------------ Markdown layouts

def test_table_with_details_abstracts_and_rows_without():
    md = """## Updated on 2024.05.02
| Date | Title | Authors | Abstract | PDF |
|:---|:---|:---|:---|:---|
| 2024-05-01 | **Paper A** | Ann Author, Bo Author | <details><summary>Show</summary>The abstract of A.</details> \
| [2405.00001v1](http://arxiv.org/abs/2405.00001v1) |
| 2024-05-02 | Paper B | Cy Author | | [pdf](https://arxiv.org/pdf/2405.00002) |
| 2024-05-02 | Paper \\| C | Di Author et al. | none | no link |
"""
    r = parse_bytes(md.encode(), "t.md")
    assert r.format == "md-table"
    assert [(p.id, p.title, p.abstract, p.date) for p in r.papers] == [
        ("2405.00001", "Paper A", "The abstract of A.", "2024-05-01"),
        ("2405.00002", "Paper B", "", "2024-05-02"),
        (None, "Paper | C", "none", "2024-05-02"),
    ]
    assert r.papers[0].authors == ("Ann Author", "Bo Author") and r.papers[2].authors == ("Di Author",)
    assert [(d.line, d.message) for d in r.diagnostics] == [(6, "paper has no arXiv link")]
    assert sorted({d.date for d in r.digests}) == ["2024-05-01", "2024-05-02"]


def test_numbered_layout_ignores_readme_sections_and_takes_bold_fields():
    md = """# My bot
## Papers
### 1. [A title [with brackets]](https://arxiv.org/abs/2401.00001v3)
**Authors:** Ann One, Bob Two
**Categories**: cs.CL, cs.AI
**Comments:** 5 pages
> The abstract.

---
### Keywords
- not a paper
"""
    r = parse_bytes(md.encode(), "r.md")
    assert r.format == "md-numbered" and r.diagnostics == []
    [p] = r.papers
    assert (p.title, p.version, p.authors, p.categories, p.comments, p.abstract) == (
        "A title [with brackets]", "3", ("Ann One", "Bob Two"), ("cs.CL", "cs.AI"), "5 pages", "The abstract.")


def test_seed_markdown_field_lines_are_fields_never_abstract():
    md = """# ArXiv cs.CV --Tue, 9 Jul 2019
### 1.Point-Voxel CNN  [ :arrow_down: ](https://arxiv.org/pdf/1907.03739v2.pdf)
**Authors:** Zhijian Liu, Haotian Tang and Song Han
**Categories:** cs.CV, cs.LG
**Comments:** NeurIPS 2019
**Announce:** replace
**Tags:** 3d, fast
**Note:** a note
  on two lines
> We present Point-Voxel CNN.
"""
    r = parse_bytes(md.encode(), "x.md")
    assert r.format == "markdown" and r.diagnostics == []
    [p] = r.papers
    assert p.abstract == "We present Point-Voxel CNN."
    assert p.authors == ("Zhijian Liu", "Haotian Tang", "Song Han")
    assert (p.categories, p.primary_category, p.comments, p.announce) == (
        ("cs.CV", "cs.LG"), "cs.CV", "NeurIPS 2019", "replace")


def test_sniffing_is_by_content_not_by_file_name():
    data = QFIN.read_bytes()
    for name in ("feed.xml", "x.md", "noext", "2020-01-01.rdf"):
        assert parse_bytes(data, name).format == "mail"
    rss = (REAL / "arxiv-rss2-quant-ph-2025-04-28.xml").read_bytes()
    assert parse_bytes(rss, "listing.txt").format == "rss"


# ------------------------------------------------------------------------------ property tests

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data):
    _check(parse_bytes(data, "r.bin"), "r.bin")


def _mutations(data: bytes, rng: random.Random, n: int) -> bytes:
    buf = bytearray(data)
    for _ in range(n):
        op = rng.randrange(4)
        i = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            del buf[i:i + rng.randrange(1, 200)]
        elif op == 1:
            buf[i:i] = rng.choice([b"<", b"</item>", b"\\\\\n", b"&amp;", b"|", b"**", b"\n", b"\x00", b"\xff",
                                   b"\x1b[31m", b"<![CDATA[", b"arXiv:", b"%%--%%--%%--%%--%%--%%--"])
        elif op == 2 and buf:
            j = rng.randrange(len(buf))
            buf[i:i] = buf[j:j + rng.randrange(1, 300)]
        elif buf:
            buf[min(i, len(buf) - 1)] = rng.randrange(256)
    return bytes(buf)


@pytest.mark.parametrize("name", REAL_FILES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12))
def test_mutated_real_files_never_raise(name, seed, n):
    data = (REAL / name).read_bytes()
    rng = random.Random(seed)
    if len(data) > 40000:  # a window keeps the test quick; mutations land all over it
        start = rng.randrange(len(data) - 40000)
        data = data[:2000] + data[start:start + 38000]
    _check(parse_bytes(_mutations(data, rng, n), name), name)


OLD_MAIL = """Date: Mon, 4 Jan 1999 21:04:02 -0600 (CST)
Subject: hep-th daily 1 new + 1 cross received

------------------------------------------------------------------------------
\\\\
Paper: hep-th/9901001
From: A. Physicist <a@example.org>
Date: Fri, 1 Jan 1999 12:00:00 GMT   (10kb)

Title: Strings before the new identifiers
Authors: A. Physicist, B. Physicist
Comments: 10 pages, LaTeX
Report-no: XYZ-99-1
\\\\
  An abstract from the last century.
\\\\ ( http://arXiv.org/abs/hep-th/9901001 ,  10kb)
------------------------------------------------------------------------------
\\\\
Paper (*cross-listing*): gr-qc/9901002
From: C. Person <c@example.org>
Date: Fri, 1 Jan 1999 13:00:00 GMT   (12kb)

Title: A cross-list
Authors: C. Person
\\\\
  Another abstract.
\\\\ ( http://arXiv.org/abs/gr-qc/9901002 ,  12kb)
"""


def test_old_style_listing_with_paper_lines():
    r = parse_bytes(OLD_MAIL.encode(), "old.txt")
    assert r.format == "mail" and r.diagnostics == []
    assert [(p.id, p.announce, p.title) for p in r.papers] == [
        ("hep-th/9901001", "new", "Strings before the new identifiers"), ("gr-qc/9901002", "cross", "A cross-list")]
    assert r.papers[0].authors == ("A. Physicist", "B. Physicist") and r.papers[0].comments == "10 pages, LaTeX"
    assert [(d.category, d.date) for d in r.digests] == [("hep-th", "1999-01-05")]  # 21:04 CST is 03:04 UTC
