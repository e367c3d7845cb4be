"""The e-mail parser's fast path against a straightforward reading of the format, and against its own
general path, on generated listings with odd wrapping, CRLF line endings, missing fields,
replacements and cross-lists.

The straightforward reading walks the lines one by one: an entry is a ``\\\\`` line followed by an
``arXiv:`` line, its fields are ``Name: value`` lines (indented lines continue them), its abstract is
the lines between the next ``\\\\`` line and the ``\\\\ (`` line. Author lists are split by
`split_authors`, the one definition of how names are split.
"""

from __future__ import annotations

import random
import re

import pytest

from reader.formats import mail, parse_bytes
from reader.formats._common import split_authors

WORDS = ("we study the graph model quantum of and a for data-driven (new) 3D x^2 G\\\"odel $\\alpha$ "
         "neural spin method: results, show that-is well.known [1] 50% AND").split()
FIRST = ["Ada", "Alan", "Grace", "M. E.", "Jean-Luc", "O'Neil", "Q."]
LAST = ["Lovelace", "Turing", "Hopper", "van der Berg", "Dong-P\\'aez", "Allen", "Hall"]
SEPARATORS = {1: "%-" * 39 + "%", 2: "%%--" * 19 + "%%", 3: "%%%---" * 13}


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def _field(rng: random.Random, name: str, value: str) -> list[str]:
    lines = _wrap(f"{name}: {value}", rng.randint(25, 90)) or [f"{name}:"]
    lines = [lines[0], *("  " + x for x in lines[1:])]
    if rng.random() < 0.1:
        k = rng.randrange(len(lines))
        lines[k] += " "  # a trailing space
    return lines


def _authors(rng: random.Random) -> str:
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 7))]
    style = rng.random()
    if style < 0.6 or len(names) == 1:
        return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    if style < 0.7:
        return ", ".join(names[:-1]) + ", and " + names[-1]
    if style < 0.8:
        return ", ".join(names)
    if style < 0.85:
        return ", ".join(names) + " et al."
    if style < 0.9:
        return " AND ".join(names)
    if style < 0.95:
        return ", ".join(f"{n} ({i})" for i, n in enumerate(names, 1)) + " ((1) Univ. X, (2) Inst. Y)"
    return ",".join(names)


def _abstract(rng: random.Random) -> list[str]:
    """An abstract's lines: hard-wrapped at a random width, a paragraph's first line indented by two
    spaces; now and then a trailing space, a blank line between paragraphs or a line left unindented."""
    lines: list[str] = []
    for k in range(rng.choice((1, 1, 1, 2, 3))):
        para = _wrap(_words(rng, 1, 90), rng.randint(15, 100))
        if k and rng.random() < 0.2:
            lines.append("")
        lines += ["  " + para[0], *para[1:]]
    if rng.random() < 0.1:
        k = rng.randrange(len(lines))
        lines[k] += " "
    return lines


def _entry(rng: random.Random, ident: str, section: int) -> list[str]:
    cross = " (*cross-listing*)" if (section == 1 and rng.random() < 0.7) or rng.random() < 0.03 else ""
    when = "Mon, 13 Mar 2023 10:00:00 GMT   (10kb)"
    lines = ["\\\\", f"arXiv:{ident}{cross}",
             f"replaced with revised version {when}" if section == 2 else f"Date: {when}", ""]
    if rng.random() < 0.97:
        lines += _field(rng, "Title", _words(rng, 0 if rng.random() < 0.03 else 2, 25))
    if rng.random() < 0.95:
        lines += _field(rng, "Authors", _authors(rng))
    if rng.random() < 0.97:
        lines.append("Categories: " + " ".join(rng.sample(["cs.LG", "stat.ML", "math.OC", "cs.CV"], rng.randint(1, 3))))
    if rng.random() < 0.5:
        lines += _field(rng, "Comments", f"{rng.randint(3, 40)} pages, " + _words(rng, 0, 12))
    for name in ("Journal-ref", "MSC-class"):
        if rng.random() < 0.1:
            lines += _field(rng, name, _words(rng, 1, 8))
    if section != 2 or rng.random() < 0.3:
        lines += ["\\\\", *_abstract(rng)] if rng.random() < 0.97 else ["\\\\"]
    return [*lines, f"\\\\ ( https://arxiv.org/abs/{ident.split()[0]} ,  10kb)", "-" * 78]


def listing(rng: random.Random) -> str:
    lines = ["Date: Tue, 14 Mar 23 00:30:00 GMT", "Subject: cs daily 9 new + 2 crosses received", "",
             "-" * 78]
    n = 0
    for section in range(3):
        if section:
            lines.append(SEPARATORS[section])
        for _ in range(rng.randint(0, 12)):
            n += 1
            version = f"v{rng.randint(1, 9)}" if rng.random() < 0.1 else ""
            lines += _entry(rng, f"2303.{n:05d}{version}", section)
    lines.append(SEPARATORS[3])
    return ("\r\n" if rng.random() < 0.3 else "\n").join(lines) + "\n"


# -- the straightforward reading -------------------------------------------------------------

_FIELD = re.compile(r"([A-Za-z][\w-]*):[ \t]*(.*)")


def _paragraphs(lines: list[str]) -> str:
    paras = " ".join(x.strip() if x.strip() else "\n" for x in lines).split("\n")
    return "\n".join(" ".join(p.split()) for p in paras if p.strip())


def reference(text: str) -> list[dict[str, object]]:
    lines = text.replace("\r\n", "\n").split("\n")
    papers: list[dict[str, object]] = []
    section = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        for k, sep in SEPARATORS.items():
            if line == sep:
                section = k
        if line != "\\\\" or not lines[i + 1].startswith("arXiv:"):
            i += 1
            continue
        head, number = lines[i + 1], i + 2
        fields: dict[str, str] = {}
        name = None
        j = i + 2
        while not lines[j].startswith("\\\\"):
            m = _FIELD.fullmatch(lines[j])
            if lines[j][:1] in (" ", "\t") and name is not None:
                fields[name] += " " + lines[j]
            elif m and m.group(1).lower() not in fields:
                name = m.group(1).lower()
                fields[name] = m.group(2)
            else:
                name = None
            j += 1
        abstract: list[str] = []
        if lines[j] == "\\\\":
            j += 1
            while not lines[j].startswith("\\\\ ("):
                abstract.append(lines[j])
                j += 1
        ident = head.split(":", 1)[1].split()[0]
        replaced = lines[i + 2].startswith("replaced with")
        cats = tuple(fields.get("categories", "").split())
        papers.append({
            "id": ident.split("v")[0], "version": ident.split("v")[1] if "v" in ident else None,
            "title": " ".join(fields.get("title", "").split()),
            "authors": split_authors(fields.get("authors", "")),
            "abstract": _paragraphs(abstract),
            "comments": " ".join(fields["comments"].split()) or None if "comments" in fields else None,
            "categories": cats + ("cs",), "primary_category": cats[0] if cats else "cs",
            "announce": "replace" if replaced or section >= 2 else
                        "cross" if "(*cross-listing*)" in head or section == 1 else "new",
            "line": number,
        })
        i = j
    return papers


def _fields(p) -> dict[str, object]:
    return {k: getattr(p, k) for k in ("id", "version", "title", "authors", "abstract", "comments", "categories",
                                       "primary_category", "announce", "line")}


@pytest.mark.parametrize("seed", range(40))
def test_fast_path_agrees_with_a_straightforward_reading(seed):
    rng = random.Random(seed)
    for n in range(10):
        text = listing(rng)
        r = parse_bytes(text.encode(), "2023-03-13.txt")
        assert r.format == "mail"
        expected = reference(text)
        assert [_fields(p) for p in r.papers] == expected, f"seed {seed}, listing {n}"
        problems = [(d.line, d.message) for d in r.diagnostics]
        no_abstract = [e for e in expected if not e["abstract"] and e["announce"] != "replace"]
        expected_problems = sorted([(e["line"], "paper has no title") for e in expected if not e["title"]]
                                   + [(e["line"], "paper has no abstract") for e in no_abstract])
        assert sorted(problems) == expected_problems


@pytest.mark.parametrize("seed", range(40))
def test_fast_path_gives_what_the_general_path_gives(seed, monkeypatch):
    rng = random.Random(1000 + seed)
    texts = [listing(rng) for _ in range(10)]
    fast = [parse_bytes(t.encode(), "2023-03-13.txt") for t in texts]
    monkeypatch.setattr(mail, "_ENTRY_START", "\0 no entry starts so \0")  # every entry by the general path
    general = [parse_bytes(t.encode(), "2023-03-13.txt") for t in texts]
    for f, g in zip(fast, general, strict=True):
        assert f.papers == g.papers
        assert f.diagnostics == g.diagnostics
        assert f.digests == g.digests


def test_the_fast_path_reads_most_generated_entries(monkeypatch):
    """The comparison above means something only if the fast path took most entries."""
    taken = []
    original = mail._Parser.fast_entry

    def spy(self, m, abstract, lineno):
        ok = original(self, m, abstract, lineno)
        taken.append(ok)
        return ok

    monkeypatch.setattr(mail._Parser, "fast_entry", spy)
    rng = random.Random(7)
    total = sum(len(parse_bytes(listing(rng).encode(), "x.txt").papers) for _ in range(20))
    assert sum(taken) > total / 2


AUTHOR_CASES = ["A, B and C", "A and B", "A", "A, B, and C", "A AND B", "A And B", "A,B", "A , B", "A,  B", "A, , B",
                "A, B,", " A", "A ", "A et al.", "A, B et al", "A; B", "A & B", "A (X), B", "Peter Bennett and Hall",
                "A and and B", "and A", "A and", "A, and", "A.,B", "G\\\"odel, K.", "A-B C'D, E", "A\tB",
                "A. Et Al", "Foo etal", "A, B\n  and C", "A\n B", "Zo\u00eb Li and B", "A AND and andB", ", and and C",
                "A, and and B", "Ferdinand and Anders"]


def test_plain_author_lists_split_as_split_authors_splits_them():
    rng = random.Random(3)
    alphabet = "Ab ,.-andetAND;&()\t\n"
    randoms = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(20000)]
    tokens = ["A", "Cd", "and", "AND", "And", ",", " ", ", ", " and ", "et", "al", ".", ";", "Et"]
    randoms += ["".join(rng.choice(tokens) for _ in range(rng.randint(0, 10))) for _ in range(50000)]
    for text in AUTHOR_CASES + randoms:
        assert mail._authors(text) == split_authors(text), repr(text)
