"""The word indexes of `reader.search.Corpus`: exact answers, with or without them, whole or partial."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reader.search.corpus as rc
import reader.search.index as rq
from reader.model import Paper
from reader.search import Corpus, QueryError, TextTerm, parse
from reader.text import display_text, display_title

from .naive import term_matches


def paper(title: str, abstract: str = "", ident: str | None = "1907.00001") -> Paper:
    return Paper(id=ident, version=None, title=title, abstract=abstract, pdf_url=None, category="cs.CV",
                 date="2019-07-09", number=None, path="x.md", line=1)  # fmt: skip


def build(papers: list[Paper], state: str, segment: int = 3) -> Corpus:
    """A corpus with no index, complete indexes, an abstract index covering only some papers, or
    title indexes for only some papers."""
    old, rc._SEGMENT = rc._SEGMENT, segment
    try:
        c = Corpus.build(papers)
    finally:
        rc._SEGMENT = old
    if state == "none":
        return c
    if state == "full":
        c.prepare()
        return c
    if state == "titles":  # the first start on a new library: some parts have their title index
        end = 0
        for part in c.parts:
            end += len(part)
            if end > len(papers) // 2:
                break
            part.index_titles()
        return c
    c._title_index()
    index_abstracts(c, len(papers) // 2)
    return c


def index_abstracts(c: Corpus, covered: int) -> None:
    """Index the abstracts of the parts (in corpus order) that lie within the first `covered` papers."""
    end = 0
    for part in c.parts:
        end += len(part)
        if end > covered:
            break
        part.index_abstracts()


def naive(papers: list[Paper], text: str) -> list[int]:
    """What one text term matches, straight from the definition (no fuzzy terms are generated)."""
    t = parse(text).clauses[0][0]
    assert isinstance(t, TextTerm) and not t.neg
    return [i for i, p in enumerate(papers)
            if term_matches(t, display_title(p.title or ""), display_text(p.abstract or ""), p.id)]


# Letters that fold in interesting ways, word and non-word characters, spaces and line breaks.
CHARS = list("abcdeisStTxyz019_ -.,'’\n") + ["ß", "ẞ", "İ", "ı", "ﬁ", "ſ", "é", "e\u0301", "K", "Σ", "ς", "α", "$", "\\alpha", "<b>", "&amp;"]  # noqa: E501
TEXT = st.lists(st.sampled_from(CHARS), max_size=30).map("".join)
NEEDLE = st.lists(st.sampled_from(list("abcdeisStxz019_ -.'") + ["ß", "ss", "İ", "i\u0307", "fi", "ﬁ", "é", "α", "σ"]),
                  min_size=1, max_size=5).map("".join)  # fmt: skip


def queries_for(needle: str) -> list[str]:
    """Term spellings of `needle` that never fall back to fuzzy matching."""
    body = " ".join(needle.split())
    if not body:
        return []
    out = [f'"{body}"', f'abs:"{body}"', f'ti:"{body}"', f'^"{body}"', f'"{body}"$', f'abs:^"{body}"']
    if " " not in body and '"' not in body:
        out += [f"'{body}", f"abs:{body}"] if not body.startswith(("'", "^", "!")) and "|" not in body else []
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=9), st.lists(NEEDLE, min_size=1, max_size=4),
       st.sampled_from(["none", "full", "partial", "titles"]))  # fmt: skip
def test_index_answers_match_the_definition(docs, needles, state):
    papers = [paper(t, a, ident=f"1907.{k:05d}") for k, (t, a) in enumerate(docs)]
    c = build(papers, state)
    for needle in needles:
        for text in queries_for(needle):
            try:
                q = parse(text)
            except QueryError:
                continue
            if len(q.clauses) != 1 or len(q.clauses[0]) != 1 or not isinstance(q.clauses[0][0], TextTerm):
                continue
            assert q.run(c).indices == naive(papers, text), (text, state)
            # Through the narrowing path too: the previous result as candidates.
            assert q.run(c, candidates=list(range(len(papers)))).indices == naive(papers, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=12), st.text(alphabet="abcdeistxz019_ßﬁα", min_size=1, max_size=4),
       st.sampled_from([0.0, 3.0, 1e9]))  # fmt: skip
def test_word_masks_walk_or_verify_alike(abstracts, word, cost):
    """Every way `_Segment.mask` can take (OR of bitsets, walking rare words, verifying the rest
    on the text) gives the papers whose casefolded text contains the word."""
    folded = word.casefold()
    if rq._WORD_RE.fullmatch(folded) is None:
        return
    texts = [display_text(a).replace("\n", " ") for a in abstracts]
    expected = [i for i, s in enumerate(texts) if folded in s.casefold()]
    for shift in (0, 2, 30):  # everything a bitset, some, none
        seg = rq._Segment(0, len(texts), map(rq._text_tokens, texts), shift)
        for verify in (None, lambda where: [i for i in where if folded in texts[i].casefold()]):
            mask = seg.mask(rq._utf8(folded), verify, cost)
            got = [] if mask is None else [i for i, b in enumerate(mask) if b]
            assert got == expected, (texts, folded, shift, cost)


def test_tokens_are_the_word_runs_of_the_casefold():
    for text in ["Straße ﬁne İstanbul", "don’t stop—now", "x\u0301y z_1 3-d", "Σας ΣΑΣ", "a\ud800b", ""]:
        expected = {rq._utf8(w) for w in rq._WORD_RE.findall(text.casefold())}
        assert rq._text_tokens(text) == expected
        assert rq._tokens(text.casefold()) == expected


def test_bitsets_round_trip():
    for size in (1, 7, 8, 9, 100, 8192):
        mask = bytearray((k * 7919) % 3 == 0 for k in range(size))
        assert rq._bits_to_mask(rq._mask_to_bits(mask), size) == mask


UNICODE = [
    paper("Straße Netz", "line one\nline two"),
    paper("İstanbul scenes", "x"),
    paper("ﬁne tuning", "uses the ﬁ ligature"),
    paper("Plain", ""),
    paper("", "Groß und KLEIN, 3-D and 3-d, x^2 and $x^2$; point\ncloud"),
]


@pytest.mark.parametrize("state", ["none", "full", "partial", "titles"])
@pytest.mark.parametrize("text", [
    "strasse", "straße", "STRASSE", "'ss", '"one line"', "fine", "ﬁ", "İstanbul", "istanbul", "'i", "gross", "groß",
    "klein", "KLEIN", "Klein", "3-d", "3-D", "x^2", "x²", '"point cloud"', "abs:^groß", "abs:cloud$", "abs:^x", "'n",
    "'e", "e", "'zzzzzzzz", "ti:^plain$", "abs:2",
])  # fmt: skip
def test_unicode_and_punctuation_with_and_without_index(text, state):
    c = build(UNICODE, state, segment=2)
    t = parse(text).clauses[0][0]
    if t.fuzzy_ok:
        assert parse(text).run(c).indices == (naive(UNICODE, text) or parse(text).run(c).indices)
    else:
        assert parse(text).run(c).indices == naive(UNICODE, text)


def common_corpus(n: int = 300) -> list[Paper]:
    words = ["the", "segmentation", "points", "sets", "deep", "voxel", "seg", "a", "learning", "x"]
    return [paper(f"Title {k} " + words[k % 10], " ".join(words[(k * j) % 10] for j in range(k % 7 + 1)),
                  ident=f"1907.{k:05d}") for k in range(n)]  # fmt: skip


@pytest.mark.parametrize("text", ["s", "se", "seg", "e", "the", "t", "'x", "'a", "!s", "s | x", "abs:e", "ti:e"])
def test_short_and_common_terms(text, monkeypatch):
    monkeypatch.setattr(rc, "_SEGMENT", 64)  # several segments, with bitsets and rare words
    papers = common_corpus()
    plain, indexed = Corpus.build(papers), Corpus.build(papers)
    indexed.prepare()
    assert indexed.ready and not plain.ready
    assert len(indexed.parts) == 5
    assert parse(text).run(indexed).indices == parse(text).run(plain).indices
    assert parse(text).run(indexed, rank=True).scores == parse(text).run(plain, rank=True).scores


def test_needles_longer_than_any_word_and_empty_abstracts():
    papers = [paper("a b", ""), paper("", ""), paper("ab", "a b c")]
    c = build(papers, "full")
    for text in ["'abcdefghijklmnop", '"a b c d e f"', "'a", "abs:b", "'ab", "ti:'b"]:
        assert parse(text).run(c).indices == naive(papers, text)


def test_titles_are_reused_and_checked():
    papers = common_corpus(10)
    titles = [display_title(p.title) for p in papers]
    c = Corpus.build(papers, titles=titles)
    assert c._tdisp is titles
    assert parse("title").run(c).indices == list(range(10))
    with pytest.raises(ValueError):
        Corpus.build(papers, titles=titles[:3])


def test_fuzzy_with_a_segmented_title_index(monkeypatch):
    monkeypatch.setattr(rc, "_SEGMENT", 16)
    papers = [paper(f"Paper {k} on segmentation" if k % 9 == 0 else f"Paper {k} on voxels", "x") for k in range(50)]
    c = Corpus.build(papers)
    c.prepare()
    r = parse("segmantation").run(c)
    assert r.fuzzy and r.indices == [k for k in range(50) if k % 9 == 0]
    assert parse("voxles").run(c).indices == [k for k in range(50) if k % 9]


def test_searches_during_a_partial_build_agree_with_the_end(monkeypatch):
    monkeypatch.setattr(rc, "_SEGMENT", 25)
    papers = common_corpus(200)
    c = Corpus.build(papers)
    expected = {text: parse(text).run(c).indices for text in ["seg", "'x", "abs:deep", '"a l"']}
    c._title_index()
    for covered in (0, 50, 130, 200):
        index_abstracts(c, covered)
        c.clear_caches()
        for text, hits in expected.items():
            assert parse(text).run(c).indices == hits, (covered, text)


def test_a_stopped_build_keeps_what_it_built_and_resumes(monkeypatch):
    """Quitting the app stops the abstract index early; searches stay right, a later call goes on."""
    import threading

    monkeypatch.setattr(rc, "_SEGMENT", 256)
    papers = common_corpus(2000)
    c = Corpus.build(papers)
    expected = {text: parse(text).run(c).indices for text in ["seg", "abs:deep", '"a l"']}
    stop = threading.Event()
    stop.set()
    c.prepare(stop)
    assert not c.ready and not all(part.aindex is not None for part in c.parts)
    for text, hits in expected.items():
        assert parse(text).run(c).indices == hits, text
    c.prepare()
    assert c.ready
    for text, hits in expected.items():
        assert parse(text).run(c).indices == hits, text
