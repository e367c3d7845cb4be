"""Fuzzing the untrusted-input paths: the digest parser (through `parse_bytes`, as files arrive),
the display-text functions and the query parser.

The property tests take their example count from the Hypothesis profile (tests/conftest.py): under
"ci" the nine here generate 1,500 inputs each, 13,500 in all. The fixed pathological inputs
(10 MB lines, markup repeated 100,000 times, every control character, invalid UTF-8, UTF-16) run
once each, and the complexity checks compare 10x larger inputs (the DECISIONS rule: each run at
least 50 ms, minimum of 3 runs, ratio under 40; linear is 10, quadratic 100).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.formats import parse_bytes
from reader.library import ParseCache, load_file
from reader.model import NEW_ID_PATTERN
from reader.search import QueryError, parse as parse_query
from reader.state import read_events_jsonl
from reader.text import display_text, display_title, sanitize

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sample_digests" / "arxiv-cs.CV-2019-07-09.md"
SEED_BYTES = SEED.read_bytes()
REAL = sorted((ROOT / "tests" / "data" / "real").glob("*.md")) if (ROOT / "tests" / "data" / "real").is_dir() else []
REAL_BYTES = [SEED_BYTES] + [p.read_bytes() for p in REAL]

# What a terminal would act on, written out independently of reader.text.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ID_RE = re.compile(rf"{NEW_ID_PATTERN}|[a-z\-]+(\.[A-Z]{{2}})?/\d{{7}}")
LONG_RUN = os.environ.get("HYPOTHESIS_PROFILE") in ("dev", "long")

CONTROLS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]] + [
    "\u061c", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2028", "\u2029", "\u202a", "\u202b",
    "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff", "\ufffd", "\U000e0001"]
LINE_CONTROLS = [c for c in CONTROLS if c not in "\x00\n\r"]  # NUL makes a file binary
MARKUP = [
    "<a href=", "<a href='javascript:x'>", "</a>", "<b>", "<br>", "<", ">", "&", "&amp;", "&#x1b;", "&#13;",
    "&#x9b;", "&rlm;", "&#x202e;", "&#", "$", "$$", "\\", "\\frac{", "\\textbf{", "\\sqrt[", "\\'", "^", "_",
    "^{", "{", "}", "[", "]", "(", ")", "](", "[@click=app.quit]", "[/]", "[bold red]", "\x1b[2J", "\x1b[31m",
    "\x1b]52;c;aGk=\x07", "\x1b]8;;https://evil/\x1b\\", "\x1b]0;pwned\x07", "\x1bP1$r\x1b\\", "\x1b_apc\x1b\\",
    "\x9b31m", "\x9d0;t\x9c", "\x1b", "\x07", "###", "## ", "#", "# ArXiv cs.CV --Tue, 9 Jul 2019",
    "### 1.", " [ :arrow_down: ](https://arxiv.org/pdf/1907.03739.pdf)", "(https://arxiv.org/abs/1907.03739v2)",
    "\n", "\n>", "\n> ", "\n\n", "\r\n", "\r", "\t", "  ", "e\u0301", "\u4e2d\u6587", "\U0001f600", "\u200d",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(MARKUP), st.sampled_from(CONTROLS), st.text(max_size=8)), max_size=40
).map("".join)


# ------------------------------------------------------------------------------- property tests

def check_result(data: bytes, name: str = "fuzz.md") -> None:
    """What must hold for any input: no exception, positions inside the file, sane identifiers."""
    result = parse_bytes(data, name)
    lines = data.count(b"\n") + 1
    for d in result.diagnostics:
        assert d.path == name and 0 <= d.line <= lines and d.message and "\n" not in d.message
    for p in result.papers:
        assert p.path == name and 1 <= p.line <= lines
        assert p.id is None or ID_RE.fullmatch(p.id), p.id
        assert isinstance(p.title, str) and isinstance(p.abstract, str)
        assert UNSAFE.search(display_text(p.abstract)) is None
        assert UNSAFE.search(display_title(p.title)) is None and "\n" not in display_title(p.title)
    if result.papers:
        assert result.format is not None  # "markdown" today; other formats are coming


@given(st.binary(max_size=2000))
def test_random_bytes_never_break_the_parser(data):
    check_result(data)


@given(hostile_text)
def test_hostile_markdown_never_breaks_the_parser(text):
    check_result(("# ArXiv cs.CV --Tue, 9 Jul 2019\n" + text).encode("utf-8", "surrogatepass"))


@st.composite
def mutated_digest(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(REAL_BYTES)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "splice"]))
        payload = draw(st.one_of(st.binary(max_size=12),
                                 st.sampled_from(MARKUP + CONTROLS).map(lambda s: s.encode("utf-8", "surrogatepass"))))
        if op == "insert":
            data[at:at] = payload
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 200))]
        elif op == "replace":
            data[at:at + len(payload)] = payload
        else:  # a piece of the digest somewhere else: repeated papers, cut headings
            start = draw(st.integers(0, len(data)))
            data[at:at] = data[start:start + draw(st.integers(1, 400))]
    return bytes(data)


@given(mutated_digest())
def test_mutated_real_digests_never_break_the_parser(data):
    check_result(data, "arxiv-cs.CV-2019-07-09.md")


# Any character but NUL (a binary file), brackets and line breaks (Python's wider idea of one too).
TITLE_CHARS = st.characters(codec="utf-8", exclude_characters="\x00()[]#>",
                            categories=("L", "M", "N", "P", "S", "Zs", "Cc", "Cf", "Co")).filter(
    lambda c: c in " \t" or not c.isspace())


@given(st.lists(st.tuples(st.text(TITLE_CHARS, min_size=1, max_size=60).map(str.strip).filter(bool),
                          st.text(TITLE_CHARS, min_size=1, max_size=200).map(lambda s: s.strip(" \t>")).filter(bool)),
                min_size=1, max_size=12))
def test_any_well_formed_digest_reads_back_exactly(entries):
    """Whatever the text of titles and abstracts, a digest in the seed's layout gives back every paper."""
    lines = ["# ArXiv cs.CV --Tue, 9 Jul 2019"]
    for n, (title, abstract) in enumerate(entries, 1):
        lines += [f"### {n}.{title}  [ :arrow_down: ](https://arxiv.org/pdf/1907.{n:05}.pdf)", f">  {abstract}"]
    text = "\n".join(lines) + "\n"
    result = parse_bytes(text.encode(), "d.md")
    got = [(p.number, p.id, p.title, p.abstract) for p in result.papers]
    assert got == [(n, f"1907.{n:05}", t.strip(), a.strip()) for n, (t, a) in enumerate(entries, 1)]


@given(mutated_digest() | hostile_text.map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_the_parse_cache_gives_back_exactly_what_was_parsed(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "arxiv-cs.CV-2019-07-09.md")
        path.write_bytes(data)
        cache = ParseCache(Path(tmp, "cache"))
        parsed = load_file(path, cache)
        assert any(f.is_file() for f in Path(tmp, "cache").rglob("*")), "nothing was cached"
        cached = load_file(path, cache)
        assert (cached.papers, cached.diagnostics, cached.digests, cached.format) == (
            parsed.papers, parsed.diagnostics, parsed.digests, parsed.format)


@given(hostile_text)
def test_display_text_never_passes_terminal_controls(raw):
    text = display_text(raw)
    assert UNSAFE.search(text) is None
    title = display_title(raw)
    assert UNSAFE.search(title) is None and "\n" not in title


@given(st.text(st.characters(codec="utf-8")) | hostile_text)
def test_sanitize_only_removes_and_is_idempotent(raw):
    clean = sanitize(raw)
    assert UNSAFE.search(clean) is None
    assert sanitize(clean) == clean
    chars = iter(raw)
    assert all(c in chars for c in clean), "sanitize must only remove characters"


@given(hostile_text | st.text())
def test_query_parser_raises_only_its_own_error(text):
    try:
        parse_query(text)
    except QueryError as err:
        message = str(err)
        assert "\n" not in message and UNSAFE.search(sanitize(message)) is None


_FIELD_WORDS = st.sampled_from(["au:", "co:", "tag:", "note:", "watch:", "is:", "!au:", "!tag:", "!is:", "ti:", ""])
_STATE_WORDS = st.sampled_from(["new", "cross", "replace", "seen", "updated", "tagged", "noted", "watched",
                                "hidden", "read", "NEW", "Hidden"])
_term_values = hostile_text | st.text(max_size=12) | _STATE_WORDS | st.text(max_size=8).map(lambda t: f'"{t}"')
_rule_queries = st.lists(st.tuples(_FIELD_WORDS, _term_values).map("".join), max_size=5).map(" ".join)


@given(_rule_queries)
def test_field_and_state_words_parse_or_fail_cleanly_and_run(text):
    """au: co: tag: note: watch: is:... (rule queries and note/tag text are untrusted): one-line
    errors only, and a parsed query runs over papers with hostile authors, notes and tags."""
    from reader.model import Paper
    from reader.search import Corpus, Lookups

    try:
        query = parse_query(text)
    except QueryError as err:
        assert "\n" not in str(err) and UNSAFE.search(sanitize(str(err))) is None
        return
    papers = [Paper("1907.00001", "1", "t", "a", None, "cs.CV", "2019-07-09", 1, "x.md", 1, ("cs.CV",),
                    ("J\u00fcrgen \x1b[31m", "[b]x[/b]"), "c\x00o", "new", None, "2019-07-01")]
    lookups = Lookups(tags=lambda i: ("[red]t", "\x1b"), note=lambda i: "n\x1b]52;c;x\x07 [b]",
                      is_updated=lambda i: True, watches=lambda i: ("w",), is_hidden=lambda i: False)
    result = query.run(Corpus.build(papers), lookups=lookups)
    assert set(result.indices) <= {0}


@given(hostile_text | st.text(max_size=30), hostile_text | st.text(max_size=30))
def test_rule_tables_with_hostile_names_and_queries_never_raise(name, query):
    """A [watch]/[hide] rule from config.toml: parsed or reported in one clean line, never raised."""
    from reader.rules import parse_rules

    rules, problems = parse_rules({"watch": {name: {"query": query, "color": name}}, "hide": {name: query}},
                                  "", "config.toml")
    for problem in problems:
        assert "\n" not in problem and UNSAFE.search(problem) is None
    assert len(rules.rules) + len(problems) >= 2 or not query.strip()


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                       max_size=4), max_leaves=12)
mark_lines = st.one_of(
    st.fixed_dictionaries({"id": st.sampled_from(["1907.03739", "cs/0601001", "x", ""]) | st.text(max_size=12),
                           "field": st.sampled_from(["read", "starred", "note", "tag:x", "tag:"]) | json_values,
                           "value": json_values, "time": st.floats() | json_values}).map(json.dumps),
    json_values.map(json.dumps), hostile_text, st.binary(max_size=40).map(lambda b: b.decode("utf-8", "replace")))


@given(st.lists(mark_lines, max_size=20).map("\n".join))
def test_a_marks_file_to_import_is_read_line_by_line_never_raising(text):
    """`state import` input: each line is an event or one problem naming its line, never an exception."""
    events, problems = read_events_jsonl(io.StringIO(text), "in.jsonl")
    for event in events:
        if event.field == "note":  # a note's text, or None for a deleted note
            assert event.value is None or isinstance(event.value, str)
        else:  # read, starred, or a tag (tag:NAME with a non-empty name): a flag
            assert event.field in ("read", "starred") or (event.field.startswith("tag:") and len(event.field) > 4)
            assert isinstance(event.value, bool)
    for problem in problems:
        assert problem.startswith("in.jsonl:") and "\n" not in problem
    assert len(events) + len(problems) <= len([line for line in text.splitlines() if line.strip()]) + 1


# --------------------------------------------------------------------- fixed pathological inputs

def _digest(title: str = "Title", abstract: str = "Abstract.") -> bytes:
    return ("# ArXiv cs.CV --Tue, 9 Jul 2019\n"
            f"### 1.{title}  [ :arrow_down: ](https://arxiv.org/pdf/1907.03739.pdf)\n"
            f">  {abstract}\n").encode("utf-8", "surrogatepass")


REPEATED = ["<a href=", "$", "[", "]", "](", "\\", "{", "^{", "&#", "\x1b]", "\x1b[", "\\frac{", "<", "## ]("]
PATHOLOGICAL: dict[str, bytes] = {
    "10 MB line": b"a" * 10_000_000,
    "10 MB title": _digest(title="x " * 5_000_000),
    "10 MB abstract": _digest(abstract="word " * 2_000_000),
    "10 MB heading of brackets": b"### " + b"[" * 10_000_000,
    "every control character": _digest("t" + "".join(LINE_CONTROLS) + "t", "a" + "".join(LINE_CONTROLS) * 100 + "a"),
    "NUL": _digest("t\x00t"),
    "invalid UTF-8": _digest().replace(b"Title", b"Ti\xff\xfe\xc3tle") + b"\xed\xa0\x80\xf8\x88\x80\x80\x80\n",
    "UTF-16": _digest().decode().encode("utf-16"),
    "UTF-16 without BOM": _digest().decode().encode("utf-16-le"),
    "a million blank lines": _digest() + b"\n" * 1_000_000,
    "100,000 headings": b"### 1.\n" * 100_000,
    "100,000 papers": _digest()[:32] + b"".join(
        b"### %d.t  [ :arrow_down: ](https://arxiv.org/pdf/1907.%05d.pdf)\n>  a\n" % (i, i) for i in range(100_000)),
}
for _p in REPEATED:
    PATHOLOGICAL[f"{_p!r} x 100,000 in a title"] = _digest(title=_p * 100_000)
    PATHOLOGICAL[f"{_p!r} x 100,000 in an abstract"] = _digest(abstract=_p * 100_000)
    PATHOLOGICAL[f"{_p!r} x 100,000 on a line"] = (_p * 100_000).encode()


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_inputs_are_handled(name, record_property):
    data = PATHOLOGICAL[name]
    start = time.perf_counter()
    check_result(data, "p.md")
    result = parse_bytes(data, "p.md")
    for p in result.papers[:3]:
        display_text(p.abstract)
        display_title(p.title)
    text = data[:1_000_000].decode("utf-8", "replace")
    assert UNSAFE.search(display_text(text)) is None
    with contextlib.suppress(QueryError):
        parse_query(text)
    elapsed = time.perf_counter() - start
    print(f"\n[{name}] {len(data) / 1e6:.1f} MB: {elapsed:.2f} s (shared machine)")
    record_property("seconds", round(elapsed, 3))


def test_utf16_files_are_one_clear_diagnostic():
    for data in (PATHOLOGICAL["UTF-16"], PATHOLOGICAL["UTF-16 without BOM"]):
        result = parse_bytes(data, "u.md")
        assert not result.papers and len(result.diagnostics) == 1


def test_invalid_utf8_keeps_the_paper_and_says_so():
    result = parse_bytes(PATHOLOGICAL["invalid UTF-8"], "b.md")
    assert [p.id for p in result.papers] == ["1907.03739"]
    assert any("not UTF-8" in d.message for d in result.diagnostics)


def test_a_nul_byte_makes_a_file_binary():
    assert [d.message for d in parse_bytes(PATHOLOGICAL["NUL"], "n.md").diagnostics] == ["not a digest: binary file"]


def test_control_characters_never_reach_the_display():
    result = parse_bytes(PATHOLOGICAL["every control character"], "c.md")
    (paper,) = result.papers
    title, abstract = display_title(paper.title), display_text(paper.abstract)
    assert title.startswith("t") and title.endswith("t") and UNSAFE.search(title) is None
    assert abstract.startswith("a") and abstract.endswith("a") and UNSAFE.search(abstract) is None


# ------------------------------------------------------------------------------ complexity checks

def _min_time(fn: Callable[[str], object], arg: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - start)
    return best


def _query(text: str) -> None:
    with contextlib.suppress(QueryError):
        parse_query(text)


TARGETS: dict[str, Callable[[str], object]] = {
    "markdown line": lambda s: parse_bytes(s.encode(), "x.md"),
    "markdown title": lambda s: parse_bytes(_digest(title=s), "x.md"),
    "markdown abstract": lambda s: parse_bytes(_digest(abstract=s), "x.md"),
    "display_text": display_text,
    "display_title": display_title,
    "query": _query,
}
# CI checks the patterns that once were, or could plausibly be, super-linear; the dev profile
# checks every pattern against every target.
CI_CASES = [("## ](", "markdown line"), ("\n#", "markdown line"), ("\n>", "markdown abstract"),
            ("<a href=", "display_text"), ("$", "display_text"), ("\\frac{", "display_title"),
            ("\x1b]", "display_text"), ("[", "query"), ("^{", "display_text")]
CASES = [(p, t) for p in REPEATED + ["x ", "\n#", "\n>", "e\u0301"] for t in TARGETS] if LONG_RUN else CI_CASES


@pytest.mark.parametrize(("pattern", "target"), CASES)
def test_pathological_input_takes_linear_time(pattern, target, record_property):
    fn = TARGETS[target]
    n = 1000
    while _min_time(fn, pattern * n, runs=1) < 0.05:
        if len(pattern) * n * 20 > 60_000_000:
            pytest.skip(f"{pattern!r} x {n} takes under 50 ms: too fast to time within 60 MB")
        n *= 2
    small = _min_time(fn, pattern * n)
    large = _min_time(fn, pattern * (10 * n))
    ratio = large / small
    print(f"\n[{pattern!r} -> {target}] n={n}: {small * 1000:.0f} ms, 10n: {large * 1000:.0f} ms, "
          f"ratio {ratio:.1f} (linear 10, quadratic 100; shared machine)")
    record_property("ratio", round(ratio, 1))
    assert ratio < 40, f"{pattern!r} x {10 * n} takes {ratio:.0f} times as long as x {n}: super-linear"
