"""The filter language: parser, matching on the sample digest, ranking, highlights, refines, fuzz."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reader.model import Paper
from reader.search import (
    ABSTRACT,
    PLAIN_FIELDS,
    TITLE,
    CatTerm,
    Corpus,
    DateTerm,
    IdTerm,
    Query,
    QueryError,
    Result,
    StateTerm,
    TextTerm,
    parse,
)
from reader.text import display_text, display_title

from .naive import term_matches

SAMPLE = Path(__file__).resolve().parent.parent / "sample_digests" / "arxiv-cs.CV-2019-07-09.md"
_HEADING = re.compile(r"### (\d+)\.(.*?)  \[ :arrow_down: \]\(https://arxiv\.org/pdf/(.*?)\.pdf\)$")


def load_sample() -> list[Paper]:
    """A tiny reader for the sample digest, independent of the real parser."""
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    papers = []
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m:
            abstract = lines[i + 1][1:].strip() if i + 1 < len(lines) else ""
            papers.append(
                Paper(id=m[3], version=None, title=m[2], abstract=abstract,
                      pdf_url=f"https://arxiv.org/pdf/{m[3]}.pdf", category="cs.CV", date="2019-07-09",
                      number=int(m[1]), path=str(SAMPLE), line=i + 1)
            )  # fmt: skip
    return papers


PAPERS = load_sample()
CORPUS = Corpus.build(PAPERS)
TITLES = [display_title(p.title) for p in PAPERS]
ABSTRACTS = [display_text(p.abstract) for p in PAPERS]


def run(text: str, **kw) -> Result:
    return parse(text).run(CORPUS, **kw)


def hits(text: str, **kw) -> list[int]:
    return run(text, **kw).indices


def paper(title: str, abstract: str = "", ident: str | None = None, category: str | None = "cs.CV",
          date: str | None = "2019-07-09", categories: tuple[str, ...] = ()) -> Paper:  # fmt: skip
    return Paper(id=ident, version=None, title=title, abstract=abstract, pdf_url=None, category=category,
                 date=date, number=None, path="x.md", line=1, categories=categories)  # fmt: skip


def test_sample_loaded():
    assert len(PAPERS) == 46 and len(CORPUS) == 46
    assert PAPERS[0].title.startswith("Point-Voxel CNN")


# ------------------------------------------------------------------------------------------ parser


def only(text: str):
    q = parse(text)
    assert len(q.clauses) == 1 and len(q.clauses[0]) == 1, q.clauses
    return q.clauses[0][0]


def test_empty_queries():
    for text in ("", "   ", "\t\n"):
        q = parse(text)
        assert q.is_empty and q.text == text
    assert not parse("a").is_empty


def test_and_or_structure():
    assert len(parse("a b").clauses) == 2
    for text in ("a | b", "a|b", "a |b", "a| b"):
        (clause,) = parse(text).clauses
        assert [t.needle for t in clause] == ["a", "b"]
    clauses = parse("a b | c d").clauses
    assert [[t.needle for t in cl] for cl in clauses] == [["a"], ["b", "c"], ["d"]]
    assert [t.needle for t in parse("a | b | c").clauses[0]] == ["a", "b", "c"]


def test_plain_word_and_smart_case():
    t = only("cnn")
    assert isinstance(t, TextTerm)
    assert (t.needle, t.fields, t.case, t.exact, t.neg) == ("cnn", PLAIN_FIELDS, False, False, False)
    assert t.fuzzy_ok is False  # three letters: too short for typos
    assert only("CNN").case is True
    assert only("Voxel").case is True and only("Voxel").folded == "voxel"
    assert only("voxel").fuzzy_ok


def test_negation():
    t = only("!word")
    assert isinstance(t, TextTerm) and t.neg and t.needle == "word" and not t.fuzzy_ok
    t = only("!ti:x")
    assert t.neg and t.fields == TITLE
    t = only('!"a phrase"')
    assert t.neg and t.needle == "a phrase" and t.exact
    assert only("!is:read") == StateTerm("read", False)
    assert only("!is:unread") == StateTerm("read", True)
    assert only("!cat:cs") == CatTerm("cs", True)


def test_exact_anchors_and_phrases():
    t = only("'word")
    assert t.exact and t.needle == "word" and not t.fuzzy_ok
    t = only("^Point")
    assert t.start and not t.end and t.fields == TITLE and t.needle == "Point"
    t = only("Learning$")
    assert t.end and t.needle == "Learning" and t.fields == TITLE
    t = only("^'x$")
    assert t.start and t.end and t.exact and t.needle == "x"
    t = only('"point cloud"')
    assert t.needle == "point cloud" and t.exact and t.fields == PLAIN_FIELDS
    assert only('"point   cloud"').needle == "point cloud"
    t = only('^"deep learning"$')
    assert t.start and t.end and t.needle == "deep learning"
    t = only('ti:"point cloud"')
    assert t.fields == TITLE and t.needle == "point cloud"
    t = only("abs:^We")
    assert t.fields == ABSTRACT and t.start and t.needle == "We"
    # A modifier with nothing after it is just a character.
    for text in ("'", "^", "$"):
        assert only(text).needle == text
    assert [t.needle for t in parse("a|b$").clauses[0]] == ["a", "b"]


def test_fields():
    assert only("cat:cs.CV") == CatTerm("cs.cv")
    assert only("cat:CS") == CatTerm("cs")
    assert only("cat:cs.*") == CatTerm("cs.")
    assert only("id:1907.03") == IdTerm("1907.03")
    assert only("id:arXiv:1907.03739v2") == IdTerm("1907.03739")
    assert only("id:CS/0601001") == IdTerm("cs/0601001")
    assert only('id:"1907.03"') == IdTerm("1907.03")
    assert only("date:2019-07-09") == DateTerm("2019-07-09", "2019-07-09")
    assert only("date:2019-07") == DateTerm("2019-07-01", "2019-07-31")
    assert only("date:2019-02") == DateTerm("2019-02-01", "2019-02-28")
    assert only("date:2020-02") == DateTerm("2020-02-01", "2020-02-29")
    assert only("date:2019") == DateTerm("2019-01-01", "2019-12-31")
    assert only("date:2019-07-01..2019-07-09") == DateTerm("2019-07-01", "2019-07-09")
    assert only("date:2019-06..2019-07") == DateTerm("2019-06-01", "2019-07-31")
    assert only("date:2019-07-01..").hi == "9999-99-99"
    assert only("date:..2019-07-09").lo == "0000-00-00"
    assert only("date:2019-7-9") == DateTerm("2019-07-09", "2019-07-09")
    assert only("is:read") == StateTerm("read", True)
    assert only("is:unread") == StateTerm("read", False)
    assert only("is:starred") == StateTerm("starred", True)
    assert only("IS:STARRED".lower()) == StateTerm("starred", True)
    assert only("is:Unstarred") == StateTerm("starred", False)
    assert only("ti:Voxel").fields == TITLE and only("ti:Voxel").case
    assert only("abs:voxel").fields == ABSTRACT and not only("abs:voxel").fuzzy_ok
    assert only("ti:voxel").fuzzy_ok


@pytest.mark.parametrize("text", ["3:1", "http://x.org/a", "Re:", "e.g.:", "TODO:x", "a:b".upper()])
def test_words_that_are_not_fields(text):
    t = only(text)
    assert isinstance(t, TextTerm) and t.needle == text and t.fields == PLAIN_FIELDS


def test_literal_colon_escapes():
    assert only("'foo:bar").needle == "foo:bar"
    assert only('"foo:bar"').needle == "foo:bar"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"abc', "unclosed quote at column 1"),
        ('point "abc', "unclosed quote at column 7"),
        ('ti:"abc', "unclosed quote at column 4"),
        ('cat:"cs', "unclosed quote at column 5"),
        ('""', "empty quotes at column 1"),
        ("foo:bar", 'unknown field "foo:"'),
        ("a notes:x", 'unknown field "notes:" at column 3'),
        ("!foo:bar", 'unknown field "foo:" at column 2'),
        ("ti:", 'empty value for "ti:"'),
        ("abs: x", 'empty value for "abs:"'),
        ("cat:", 'empty value for "cat:"'),
        ("cat:*", 'empty value for "cat:"'),
        ("id:", 'empty value for "id:"'),
        ("id:arXiv:", 'empty value for "id:"'),
        ("date:", 'empty value for "date:"'),
        ("is:", 'empty value for "is:"'),
        ('ti:""', 'empty quotes'),
        ("date:2019-02-30", 'impossible date "2019-02-30"'),
        ("date:2019-02-29", 'impossible date "2019-02-29"'),
        ("date:2019-13", 'impossible date "2019-13"'),
        ("date:2019-00", 'impossible date "2019-00"'),
        ("date:0000", 'impossible date "0000"'),
        ("date:2019-07-01..2019-13-01", 'impossible date "2019-13-01"'),
        ("date:2019-07-09..2019-07-01", 'reversed date range "2019-07-09..2019-07-01"'),
        ("date:2019-08..2019-07", "reversed date range"),
        ("date:..", "a date range needs at least one end"),
        ("date:yesterday", 'bad date "yesterday"'),
        ("date:2019/07/09", "bad date"),
        ("date:2019-07-09..2019..2020", "bad date"),
        ("is:newish", 'unknown state "is:newish"'),
        ("a |", 'dangling "|" at column 3'),
        ("| a", 'dangling "|" at column 1'),
        ("|", 'dangling "|" at column 1'),
        ("a | | b", 'dangling "|" at column 5'),
        ("a || b", 'dangling "|" at column 4'),
        ("!", 'lone "!" at column 1'),
        ("a ! b", 'lone "!" at column 3'),
        ("!|a", 'lone "!" at column 1'),
        ("!!a", 'double "!" at column 1'),
    ],
)
def test_errors(text, message):
    with pytest.raises(QueryError) as info:
        parse(text)
    err = info.value
    assert isinstance(err, ValueError)
    assert message in str(err)
    assert "\n" not in str(err)


def test_error_messages_stay_one_line():
    with pytest.raises(QueryError) as info:
        parse('date:"2019\n\x1b[31m07"')
    assert "\n" not in str(info.value) and "\x1b" not in str(info.value)
    with pytest.raises(QueryError) as info:
        parse('is:"' + "x" * 500 + '"')
    assert len(str(info.value)) < 200


def test_error_column():
    with pytest.raises(QueryError) as info:
        parse('ab "cd')
    assert info.value.column == 4


# ---------------------------------------------------------------------------------------- matching


def test_fuzzy_voxle_finds_point_voxel():
    r = run("voxle")
    assert r.fuzzy and r.fuzzy_words == ("voxle",)
    assert r.indices == [0]
    assert not run("voxel").fuzzy and hits("voxel")[0] == 0


def test_fuzzy_segmantation_is_tight():
    r = run("segmantation")
    assert r.fuzzy
    titled = [i for i, t in enumerate(TITLES) if "segmentation" in t.casefold()]
    assert r.indices == titled  # every segmentation title, nothing unrelated
    assert len(titled) == 6
    # While typing, the prefix already finds them.
    assert hits("segmantati") == titled


def test_fuzzy_stays_tight_on_other_typos():
    for typo, word in [("adversrial", "adversarial"), ("lerning", "learning"), ("convolutoinal", "convolutional")]:
        r = run(typo)
        assert r.fuzzy, typo
        assert r.indices, typo
        for i in r.indices:
            assert word[:5] in TITLES[i].casefold(), (typo, TITLES[i])


def test_no_fuzzy_for_short_exact_or_field_words():
    for text in ("vxl", "'voxle", '"voxle"', "^voxle", "voxle$", "abs:voxle", "!voxle"):
        r = run(text)
        assert not r.fuzzy, text
    assert hits("'voxle") == []
    assert hits("!voxle") == list(range(46))
    assert run("ti:voxle").fuzzy and hits("ti:voxle") == [0]
    # The fallback ran (so the status bar can say so) and found nothing.
    assert hits("qqqqzzzz") == [] and run("qqqqzzzz").fuzzy


def test_fuzzy_only_for_words_absent_everywhere():
    # "voxels" occurs in an abstract, so it is matched exactly and never fuzzily.
    r = run("voxels")
    assert not r.fuzzy
    assert r.indices == [i for i in range(46) if "voxels" in ABSTRACTS[i].casefold() or "voxels" in TITLES[i].casefold()]  # noqa: E501


def test_fuzzy_decision_ignores_other_terms():
    # `voxel` exists, only not together with `gan`: no fuzzy fallback, no results.
    assert hits("voxel gan") == []
    assert not run("voxel gan").fuzzy
    assert hits("voxle cnn") == [0]


def test_id_prefix():
    assert len(hits("id:1907.03")) == 45
    assert hits("id:1907.03739") == [0]
    assert hits("id:arXiv:1907.03739v1") == [0]
    assert hits("id:1907.02") == [37]
    assert len(hits("!id:1907.03")) == 1
    assert hits("1907.03739") == [0]  # a plain word matches the identifier too


def test_categories():
    assert len(hits("cat:cs.CV")) == 46
    assert len(hits("cat:cs.cv")) == 46
    assert len(hits("cat:cs")) == 46
    assert len(hits("cat:cs.*")) == 46
    assert hits("cat:cs.LG") == []
    assert hits("cat:math") == []
    assert hits("!cat:cs.CV") == []


def test_categories_use_every_listing():
    papers = [
        paper("a", category="cs.CV", categories=("cs.CV", "cs.LG")),
        paper("b", category="cs.LG"),
        paper("c", category="math-ph"),
        paper("d", category=None),
        paper("e", category="math.CO"),
    ]
    c = Corpus.build(papers)
    assert parse("cat:cs.LG").run(c).indices == [0, 1]
    assert parse("cat:cs.CV").run(c).indices == [0]
    assert parse("cat:cs").run(c).indices == [0, 1]
    assert parse("cat:math.").run(c).indices == [4]
    assert parse("cat:math").run(c).indices == [2, 4]
    assert parse("!cat:cs").run(c).indices == [2, 3, 4]


def test_dates():
    assert len(hits("date:2019-07")) == 46
    assert len(hits("date:2019-07-09")) == 46
    assert len(hits("date:2019")) == 46
    assert len(hits("date:2019-07-01..2019-07-09")) == 46
    assert len(hits("date:..2019-07-09")) == 46
    assert hits("date:2019-07-10..") == []
    assert hits("date:2019-07-10") == []
    assert hits("date:2018") == []
    assert hits("!date:2019-07") == []
    papers = [paper("a", date="2019-06-30"), paper("b", date="2019-07-01"), paper("c", date=None),
              paper("d", date="2019-07-31"), paper("e", date="2019-08-01")]  # fmt: skip
    c = Corpus.build(papers)
    assert parse("date:2019-07").run(c).indices == [1, 3]
    assert parse("date:2019-07..").run(c).indices == [1, 3, 4]
    assert parse("date:..2019-07-01").run(c).indices == [0, 1]
    assert parse("!date:2019-07").run(c).indices == [0, 2, 4]


def test_phrase():
    assert hits('"point cloud"') == [2, 14]
    assert hits('ti:"point cloud"') == [2]
    assert hits('abs:"point cloud"') == [2, 14]
    assert hits('!"point cloud"') == [i for i in range(46) if i not in (2, 14)]
    assert hits('"point clouds"') == [i for i in range(46) if "point clouds" in ABSTRACTS[i].casefold()]


def test_negated_word():
    seg = hits("segmentation")
    assert seg == [0, 5, 15, 16, 17, 22, 26, 30, 39, 40]
    assert hits("!segmentation") == [i for i in range(46) if i not in seg]


def test_smart_case():
    assert hits("GAN") == [1, 5, 13]
    assert hits("gan") == [1, 5, 13, 33]
    assert hits("Segmentation") == [5, 15, 17, 30, 40]
    assert set(hits("CNN")) <= set(hits("cnn"))
    assert hits("ti:GAN") == [13]


def test_smart_case_uses_display_text():
    # The raw title says FC$^2$N; people see, and search for, FC²N.
    assert hits("FC²N") == [23]
    assert hits("fc²n") == [23]
    assert hits("Part-A²") == [2]
    assert hits("'$^2$") == []


def test_anchors():
    assert hits("^Point") == [0]
    assert hits("^point") == [0]
    assert hits("^Voxel") == []
    expected = [i for i, t in enumerate(TITLES) if t.endswith("Learning")]
    assert hits("Learning$") == expected and len(expected) == 6
    assert hits("^Point-Voxel CNN for Efficient 3D Deep Learning$".replace(" ", "")) == []
    assert hits('^"point-voxel cnn for efficient 3d deep learning"$') == [0]
    assert hits("abs:^We") == [i for i, a in enumerate(ABSTRACTS) if a.startswith("We")]


def test_or():
    assert hits("voxel | GAN") == sorted(set(hits("voxel")) | set(hits("GAN")))
    assert hits("voxel|GAN") == hits("voxel | GAN")
    assert hits("segmentation medical | brain") == sorted(
        set(hits("segmentation")) & (set(hits("medical")) | set(hits("brain")))
    )
    assert hits("voxle | gan") == sorted({0} | set(hits("gan")))


def test_state_terms():
    read = {0, 1, 2}
    starred = {2, 5}
    kw = {"is_read": read.__contains__, "is_starred": starred.__contains__}
    assert hits("is:read", **kw) == [0, 1, 2]
    assert hits("is:unread", **kw) == list(range(3, 46))
    assert hits("!is:read", **kw) == list(range(3, 46))
    assert hits("is:starred", **kw) == [2, 5]
    assert hits("is:unstarred is:read", **kw) == [0, 1]
    assert hits("is:read | is:starred", **kw) == [0, 1, 2, 5]
    # Without state callbacks nothing is read or starred.
    assert hits("is:read") == [] and len(hits("is:unread")) == 46


def test_empty_query_and_candidates():
    assert hits("") == list(range(46))
    assert hits("", candidates=[5, 3, 3, 99, -1]) == [3, 5]
    assert hits("segmentation", candidates=[40, 0, 1]) == [0, 40]
    assert hits("segmentation", candidates=[]) == []


def test_cancelled():
    r = run("segmentation", cancelled=lambda: True)
    assert r.complete is False
    r = run("segmentation", cancelled=lambda: False)
    assert r.complete and len(r.indices) == 10


def test_abstract_and_title_fields():
    assert hits("ti:voxel") == [0]
    assert hits("abs:PVCNN") == [0]
    assert hits("ti:PVCNN") == []
    assert hits("abs:Voxel") == [0]


def test_unicode_and_line_breaks():
    papers = [
        paper("Straße Netz", "line one\nline two"),
        paper("İstanbul scenes", "x"),
        paper("ﬁne tuning", "uses the ﬁ ligature"),
    ]
    c = Corpus.build(papers)
    assert parse("strasse").run(c).indices == [0]
    assert parse("straße").run(c).indices == [0]
    assert parse('"one line"').run(c).indices == [0]  # a line break is a space
    assert parse("fine").run(c).indices == [2]
    assert parse("İstanbul").run(c).indices == [1]


# ----------------------------------------------------------------------------------------- ranking


def test_digest_order_by_default_and_scores_parallel():
    r = run("segmentation")
    assert r.indices == sorted(r.indices)
    assert len(r.scores) == len(r.indices)
    assert all(0.55 < s <= 1.0 for s in r.scores)


def test_rank_title_above_abstract():
    r = run("segmentation", rank=True)
    title_hits = [i for i in r.indices if "segmentation" in TITLES[i].casefold()]
    assert r.indices[: len(title_hits)] == title_hits
    assert r.scores == sorted(r.scores, reverse=True)
    assert sorted(r.indices) == hits("segmentation")
    # Ties keep digest order.
    pairs = list(zip(r.indices, r.scores, strict=True))
    for (a, sa), (b, sb) in zip(pairs, pairs[1:], strict=False):
        if sa == sb:
            assert a < b


def test_rank_scores_equal_lazy_scores():
    ranked = run("deep image", rank=True)
    plain = run("deep image")
    assert dict(zip(ranked.indices, ranked.scores, strict=True)) == dict(zip(plain.indices, plain.scores, strict=True))


def test_exact_ranks_above_fuzzy():
    r = run("voxle | gan", rank=True)
    exact = hits("gan")
    assert set(r.indices) == set(exact) | {0}
    assert r.indices[-1] == 0  # the fuzzy-only match comes last
    assert r.scores[-1] <= 0.5 < min(r.scores[:-1])
    fz = run("segmantation", rank=True)
    assert all(s <= 0.5 for s in fz.scores)
    assert all(s > 0.55 for s in run("segmentation", rank=True).scores)


def test_filters_only_score_one():
    assert set(run("cat:cs.CV", rank=True).scores) == {1.0}


# -------------------------------------------------------------------------------------- highlights


def spans_text(text: str, spans):
    return [text[a:b] for a, b in spans]


def test_highlights_exact():
    t = TITLES[0]  # Point-Voxel CNN for Efficient 3D Deep Learning
    assert spans_text(t, parse("voxel").highlights(t, "title")) == ["Voxel"]
    assert spans_text(t, parse("voxel deep").highlights(t, "title")) == ["Voxel", "Deep"]
    assert spans_text(t, parse("e").highlights(t, "title")) == ["e", "E", "e", "ee", "e"]  # adjacent spans merge
    assert parse("cnn").highlights(t, "title") == [(12, 15)]
    assert parse("Cnn").highlights(t, "title") == []  # smart case
    assert spans_text(t, parse("^point").highlights(t, "title")) == ["Point"]
    assert parse("^voxel").highlights(t, "title") == []
    assert spans_text(t, parse("learning$").highlights(t, "title")) == ["Learning"]
    assert spans_text(t, parse('"deep learning"').highlights(t, "title")) == ["Deep Learning"]
    assert parse("!voxel").highlights(t, "title") == []
    assert parse("abs:voxel").highlights(t, "title") == []
    assert parse("cat:cs voxel").highlights(t, "title") == [(6, 11)]
    assert parse("").highlights(t, "title") == []
    assert parse("voxel").highlights(t, "nonsense") == []


def test_highlights_merge_overlaps():
    t = "segmentation"
    assert parse("segment mentation").highlights(t, "title") == [(0, 12)]
    assert parse("seg | segm").highlights(t, "title") == [(0, 4)]


def test_highlights_abstract_and_id():
    a = ABSTRACTS[0]
    spans = parse("pvcnn").highlights(a, "abstract")
    assert spans and all(a[x:y].casefold() == "pvcnn" for x, y in spans)
    assert parse("ti:pvcnn").highlights(a, "abstract") == []
    assert parse("id:1907.03").highlights("1907.03739", "id") == [(0, 7)]
    assert parse("0373").highlights("1907.03739", "id") == [(5, 9)]


def test_highlights_fuzzy():
    q = parse("voxle")
    t = TITLES[0]
    q.run(CORPUS)
    assert spans_text(t, q.highlights(t, "title")) == ["Voxel"]
    assert all(ABSTRACTS[0][x:y].casefold() == "voxel" for x, y in q.highlights(ABSTRACTS[0], "abstract"))
    q = parse("segmantati")
    q.run(CORPUS)
    t = TITLES[5]
    assert spans_text(t, q.highlights(t, "title")) == ["Segmentati"]
    # Before a run nothing is known to be fuzzy, so nothing fuzzy is highlighted.
    assert parse("voxle").highlights(TITLES[0], "title") == []


def test_highlights_case_folding_that_changes_length():
    t = "Über Straße ﬁne"
    assert spans_text(t, parse("strasse").highlights(t, "title")) == ["Straße"]
    assert spans_text(t, parse("ße").highlights(t, "title")) == ["ße"]
    assert spans_text(t, parse("fine").highlights(t, "title")) == ["ﬁne"]
    assert spans_text(t, parse("über").highlights(t, "title")) == ["Über"]


# ----------------------------------------------------------------------------------------- refines


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("", "anything", True),
        ("point", "point c", True),
        ("point", "point cloud", True),
        ("poi", "poin", False),  # "poin" might fall back to fuzzy and find more
        ("po", "poi", True),  # three letters never fall back
        ("a", "a b", True),
        ("a b", "a", False),
        ("a | b", "a", True),
        ("a", "a | b", False),
        ("a | b", "a | bc", True),
        ("'seg", "'segm", True),
        ("seg", "'segm", True),
        ("!seg", "!segm", False),
        ("!segm", "!seg", True),
        ("cat:cs", "cat:cs.CV", True),
        ("cat:cs.CV", "cat:cs", False),
        ("!cat:cs.CV", "!cat:cs", True),
        ("id:1907", "id:1907.03", True),
        ("date:2019", "date:2019-07", True),
        ("date:2019-07", "date:2019", False),
        ("date:2019-07-01..", "date:2019-07-05..2019-07-09", True),
        ("is:read", "is:read x", True),
        ("is:read", "is:starred", False),
        ("ti:xyz", "xyz", False),
        ("xyz", "ti:xyz", True),
        ("Seg", "seg", False),
        ("seg", "Seg", True),
        ("^Poi", "^Point", True),
        ("^poi", "poi", False),
        ("ne$", "one$", True),
        ('"point c"', '"point cl"', True),
    ],
)
def test_refines_examples(before, after, expected):
    assert parse(after).refines(parse(before)) is expected


def test_refines_after_fuzzy():
    before = parse("segmanta")
    assert before.run(CORPUS).fuzzy
    after = parse("segmantat")
    assert after.refines(before)  # both fall back, with the same typo budget
    assert not parse("segmant").refines(parse("segman"))  # never ran: unknown
    short = parse("segmant")  # 7 letters: one typo; 8 letters: two
    short.run(CORPUS)
    assert not parse("segmanta").refines(short)


QUERY_WORDS = st.sampled_from(
    "seg segm segmentation segmantation segmantati voxel voxle vox cnn CNN GAN gan deep Deep image "
    "net Net learning lerning point cloud 3d adversarial e a ti:seg ti:voxle abs:net 'seg ^point ^Point "
    "learning$ Learning$ cat:cs cat:cs.CV cat:cs.LG id:1907.03 id:1907.036 date:2019-07 date:2018 "
    "is:read is:unread is:starred pvcnn PVCNN".split() + ['"point cloud"', '"deep learning"', 'ti:"point cloud"']
)


@st.composite
def queries(draw):
    clauses = []
    for _ in range(draw(st.integers(1, 3))):
        alts = [("!" if draw(st.booleans()) and draw(st.booleans()) else "") + draw(QUERY_WORDS)
                for _ in range(draw(st.integers(1, 2)))]  # fmt: skip
        clauses.append(" | ".join(alts))
    return " ".join(clauses)


STATE = {"is_read": lambda i: i % 3 == 0, "is_starred": lambda i: i % 5 == 0}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries(), queries(), st.text(alphabet="abcdeglmnost'|! ", max_size=3))
def test_refines_is_sound(q1_text, extra, suffix):
    q1 = parse(q1_text)
    r1 = q1.run(CORPUS, **STATE)
    for text in (q1_text + suffix, q1_text + " " + extra, extra, q1_text[:-1]):
        try:
            q2 = parse(text)
        except QueryError:
            continue
        if q2.refines(q1):
            narrowed = q2.run(CORPUS, candidates=r1.indices, **STATE)
            assert narrowed.indices == q2.run(CORPUS, **STATE).indices, (q1_text, text)


def naive(text: str, read=frozenset(), starred=frozenset()) -> list[int] | None:
    """A slow reference for exact-only queries (None when the query may fall back to fuzzy)."""
    q = parse(text)
    out = []
    for i, p in enumerate(PAPERS):
        ok = True
        for clause in q.clauses:
            any_ok = False
            for t in clause:
                if isinstance(t, TextTerm):
                    if t.fuzzy_ok and not any(_naive_text(t, k) for k in range(len(PAPERS))):
                        return None
                    m = _naive_text(t, i)
                elif isinstance(t, CatTerm):
                    m = any(c.casefold().startswith(t.prefix) for c in (p.categories or (p.category,)))
                elif isinstance(t, IdTerm):
                    m = (p.id or "").casefold().startswith(t.prefix)
                elif isinstance(t, DateTerm):
                    m = p.date is not None and t.lo <= p.date <= t.hi
                else:
                    m = (i in (read if t.kind == "read" else starred)) == t.want
                    any_ok = any_ok or m
                    continue
                any_ok = any_ok or (m != t.neg)
            ok = ok and any_ok
        if ok:
            out.append(i)
    return out


def _naive_text(t: TextTerm, i: int) -> bool:
    return term_matches(t, TITLES[i], ABSTRACTS[i], PAPERS[i].id)


@settings(max_examples=300, deadline=None)
@given(queries())
def test_matches_naive_reference(text):
    expected = naive(text, read={i for i in range(46) if i % 3 == 0}, starred={i for i in range(46) if i % 5 == 0})
    assume(expected is not None)
    assert parse(text).run(CORPUS, **STATE).indices == expected


QUERY_CHARS_PLAIN = st.sampled_from(list("abcegilmnorstuvxPCNV'^$!|\" -.") + ["ti:", "abs:", "seg", "voxle", "segmantation", "cnn"])  # noqa: E501
INDEXED = Corpus.build(PAPERS, titles=TITLES)
INDEXED.prepare()  # the word indexes the app builds in a worker


@settings(max_examples=300, deadline=None)
@given(queries())
def test_indexed_corpus_matches_naive_reference(text):
    expected = naive(text, read={i for i in range(46) if i % 3 == 0}, starred={i for i in range(46) if i % 5 == 0})
    assume(expected is not None)
    assert parse(text).run(INDEXED, **STATE).indices == expected


@settings(max_examples=500, deadline=None)
@given(st.lists(QUERY_CHARS_PLAIN, max_size=12).map("".join))
def test_indexed_and_plain_corpus_agree_fuzzy_included(text):
    try:
        q = parse(text)
    except QueryError:
        return
    a, b = q.run(CORPUS, rank=True, **STATE), parse(text).run(INDEXED, rank=True, **STATE)
    assert (a.indices, a.scores, a.fuzzy_words) == (b.indices, b.scores, b.fuzzy_words)


# -------------------------------------------------------------------------------------------- fuzz


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses_or_raises_query_error(text):
    try:
        q = parse(text)
    except QueryError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert isinstance(q, Query)
    r = q.run(CORPUS, is_read=lambda i: i % 2 == 0, is_starred=lambda i: False, rank=True)
    assert r.complete
    assert sorted(r.indices) == q.run(CORPUS, is_read=lambda i: i % 2 == 0).indices
    assert all(0.0 <= s <= 1.0 for s in r.scores)
    for t in (TITLES[0], ABSTRACTS[2], text):
        for a, b in q.highlights(t, "title") + q.highlights(t, "abstract"):
            assert 0 <= a < b <= len(t)


QUERY_CHARS = st.sampled_from(list('abcgilnoestvxPCN:"\'^$!|- .*') + ["ti:", "abs:", "cat:", "id:", "date:",
                                                                     "is:", "2019", "-07", "..", "read"])  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(QUERY_CHARS, max_size=12).map("".join))
def test_query_shaped_text_never_raises_anything_else(text):
    try:
        q = parse(text)
    except QueryError:
        return
    q.run(CORPUS, rank=True)
    q.run(CORPUS, candidates=[3, 1, 2])
    q.highlights(TITLES[1], "title")


def test_weird_papers_never_break_build_or_run():
    papers = [
        paper("", "", ident=None, category=None, date=None),
        paper("\x1b[31mred\x1b[0m title", "<b>bold</b> &amp; $\\alpha$ \ud800 surrogate"),
        paper("Title", "a" * 10_000),
    ]
    c = Corpus.build(papers)
    for text in ("red", "alpha", "α", "bold", "&", "surrogate", "\ud800", "aaaa", "zzzzz", "id:1", "cat:cs"):
        parse(text).run(c, rank=True)
    assert parse("α").run(c).indices == [1]
    assert parse("red").run(c).indices == [1]


# ----------------------------------------------------------------------------- corpus edge cases


def test_titles_only_corpus_and_identifier_shortcut():
    papers = [
        paper("Deep voxel nets", "", ident="1907.00001"),
        paper("Old style", "", ident="cs/0601001"),
        paper("Another title", "", ident=None),
    ]
    c = Corpus.build(papers)
    assert parse("voxel").run(c).indices == [0]
    assert parse("abs:voxel").run(c).indices == []
    assert parse("cs/06").run(c).indices == [1]  # letters that do occur in an identifier
    assert parse("1907").run(c).indices == [0]
    assert parse("title").run(c).indices == [2]
    assert parse("voxle").run(c).indices == [0]


def test_threads_share_a_corpus():
    import threading

    corpus = Corpus.build(PAPERS)
    texts = ["segmentation", "voxle", "gan | cnn", "deep image", "segmantation", "!learning", "point"]
    expected = {t: parse(t).run(CORPUS).indices for t in texts}
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for k in range(20):
                text = texts[(k + offset) % len(texts)]
                assert parse(text).run(corpus, rank=k % 2 == 0).indices.__len__() == len(expected[text])
                assert sorted(parse(text).run(corpus).indices) == expected[text]
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_waiting_for_the_fuzzy_index_can_be_cancelled():
    import threading
    import time

    corpus = Corpus.build(PAPERS)
    corpus._build_lock.acquire()  # as if another thread were building it
    deadline = time.monotonic() + 0.3  # late enough to reach the wait, not at the first poll
    got: list[Result] = []
    worker = threading.Thread(target=lambda: got.append(parse("voxle").run(corpus, cancelled=lambda: time.monotonic() > deadline)))  # noqa: E501
    try:
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive(), "the run did not give up waiting"
        assert got[0].complete is False
    finally:
        corpus._build_lock.release()
    assert parse("voxle").run(corpus).indices == [0]


def test_narrowing_helper():
    before = parse("segmentation")
    result = before.run(CORPUS)
    after = parse("segmentation medical")
    assert after.narrowing(before, result, CORPUS) == result.indices
    assert after.narrowing(None, None, CORPUS) is None
    assert parse("medical").narrowing(before, result, CORPUS) is None  # does not refine
    everything = parse("").run(CORPUS)
    assert parse("e").narrowing(parse(""), everything, CORPUS) is None  # narrows too little
    assert parse("x").narrowing(before, Result([], [], complete=False), CORPUS) is None
    # Results come back as sorted indices, accepted as candidates without re-checking.
    narrowed = after.run(CORPUS, candidates=result.indices)
    assert narrowed.indices == after.run(CORPUS).indices


def test_many_candidates_are_still_honoured():
    cands = [i for i in range(46) if i != 5]  # more than half the corpus
    assert hits("segmentation", candidates=cands) == [i for i in hits("segmentation") if i != 5]
    assert hits("cat:cs", candidates=cands) == cands


def test_a_result_repr_stays_short_and_does_not_score():
    """Textual's @work describes a worker by the repr of its arguments, on the event loop: a
    repr listing 100,000 indices cost ~100 ms a keystroke."""
    from reader.search import Result

    calls = []
    r = Result(list(range(100_000)), scorer=lambda: calls.append(1) or [1.0] * 100_000)
    assert len(repr(r)) < 120 and "100,000" in repr(r)
    assert not calls


# -- what people paste (issue 14, DECISIONS "Query words") ------------------------------------

@pytest.mark.parametrize("text", ["arXiv:1907.03739", "arxiv:1907.03739v2", "1907.03739", "1907.03739v2",
                                  "https://arxiv.org/abs/1907.03739", "https://arxiv.org/pdf/1907.03739v2.pdf",
                                  "http://arxiv.org/abs/1907.03739v1"])
def test_pasted_identifiers_and_urls_are_that_paper(text):
    assert only(text) == IdTerm("1907.03739")
    assert only("!" + text) == IdTerm("1907.03739", neg=True)


@pytest.mark.parametrize(("text", "same"), [("Ti:gan", "ti:gan"), ("TI:gan", "ti:gan"), ("IS:read", "is:read"),
                                            ("Is:Unread", "is:unread"), ("CAT:cs.CV", "cat:cs.CV")])
def test_field_names_and_state_words_in_any_case(text, same):
    assert only(text) == only(same)


def test_an_unknown_lower_case_field_is_still_an_error_and_other_words_with_a_colon_are_words():
    with pytest.raises(QueryError):
        parse("foo:bar")
    assert isinstance(only("Remark:"), TextTerm)
