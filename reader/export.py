"""Export papers as BibTeX, as Markdown digests (the seed's format) or as JSON Lines.

No Textual, no I/O: every function returns text (or yields lines) for the caller to write.

BibTeX
    ``@misc`` entries keyed ``arxiv:ID`` (``arxiv:1907.03739``, ``arxiv:hep-th/9901001``); a paper
    without an identifier is keyed ``noid:`` plus the first three words of its title, with
    ``a``, ``b``, ... added where two would clash. Text is exported literally: the characters
    TeX treats specially are escaped (braces as ``\\textbraceleft{}``/``\\textbraceright{}`` so
    every field keeps balanced braces, which BibTeX requires), and each word with a capital
    letter is wrapped in braces so that bibliography styles keep its case.
Markdown
    One digest per (date, category), newest first, papers in digest order and renumbered from 1,
    in the format the Markdown reader reads back (same identifiers, titles and abstracts).
    Optional field lines (``**Authors:** ...``, ``**Tags:** ...``, ``**Note:** ...``) go between
    a heading and its abstract, only for fields a paper has beyond its heading; a multi-line
    note's further lines are indented by two spaces.
JSON
    The `list --json` contract: one object per line (`paper_record`, `json_line`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .model import Paper, abs_url, pdf_url
from .text import sanitize

FORMATS = ("bibtex", "markdown", "json")
SUFFIXES = {"bibtex": ".bib", "markdown": ".md", "json": ".json"}

# -- JSON -------------------------------------------------------------------------------------

# Characters JSON leaves raw that a terminal may act on: DEL, C1 controls, bidi controls,
# line/paragraph separators. Escaping them keeps `--json` output safe to print.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_line(obj: object) -> str:
    text = json.dumps(obj, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def paper_record(p: Paper, read: bool, starred: bool) -> dict[str, Any]:
    """One paper as `list --json` prints it: every key always present (null or [] when absent)."""
    return {
        "id": p.id, "version": p.version, "title": p.title, "abstract": p.abstract,
        "pdf_url": p.pdf_url, "category": p.category, "date": p.date, "number": p.number,
        "source": p.source, "read": read, "starred": starred, "categories": list(p.categories),
        "authors": list(p.authors), "comments": p.comments, "announce": p.announce,
        "primary_category": p.primary_category, "first_seen": p.first_seen,
    }


TagsOf = Callable[[str], Sequence[str]]
NoteOf = Callable[[str], "str | None"]


def add_kept(record: dict[str, Any], key: str, tags: TagsOf | None = None,
             note: NoteOf | None = None) -> dict[str, Any]:
    """`record` with the paper's ``tags`` (a sorted list, [] when none) and ``note`` (text or
    null), as `list --json` prints them; without lookups, [] and null."""
    record["tags"] = sorted(tags(key)) if tags is not None else []
    record["note"] = note(key) if note is not None else None
    return record


def json_lines(papers: Iterable[Paper], is_read: Callable[[str], bool],
               is_starred: Callable[[str], bool], tags: TagsOf | None = None,
               note: NoteOf | None = None) -> Iterator[str]:
    for p in papers:
        key = p.key
        yield json_line(add_kept(paper_record(p, is_read(key), is_starred(key)), key, tags, note)) + "\n"


# -- BibTeX -----------------------------------------------------------------------------------

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "%": r"\%", "&": r"\&", "#": r"\#", "_": r"\_", "$": r"\$", "^": r"\^{}", "~": r"\~{}",
}
_TEX_RE = re.compile(r"[\\{}%&#_$^~]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_WORD_JUNK = re.compile(r"[^a-z0-9]+")


def tex_escape(text: str) -> str:
    """Text as literal TeX: specials escaped, controls and line breaks turned into spaces."""
    text = " ".join(_CONTROL_RE.sub(" ", text).split())
    return _TEX_RE.sub(lambda m: _TEX_SPECIAL[m.group()], text)


def bibtex_title(title: str) -> str:
    """The escaped title with every word that holds a capital letter in braces: ``{CNN}``."""
    words = []
    for word in " ".join(_CONTROL_RE.sub(" ", title).split()).split(" "):
        escaped = tex_escape(word)
        words.append(f"{{{escaped}}}" if any(ch.isupper() for ch in word) else escaped)
    return " ".join(words)


def bibtex_author(names: Iterable[str]) -> str:
    """``A and B``; a name that itself holds the word "and" is braced so it stays one name."""
    out = []
    for name in names:
        escaped = tex_escape(name)
        if not escaped:
            continue
        out.append(f"{{{escaped}}}" if re.search(r"(?i)(?:^|\s)and(?:\s|$)", escaped) else escaped)
    return " and ".join(out)


def url_field(url: str) -> str:
    """A URL for a verbatim ``url`` field: braces, backslashes, quotes, spaces and controls
    percent-encoded (the rest, ``%`` ``#`` ``_`` ``&`` included, is read verbatim by biber)."""
    return re.sub(r'[{}\\"\s\x00-\x1f\x7f]', lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url)


def year_of(p: Paper) -> str | None:
    """The year from the identifier (``1907.03739`` is 2019, ``hep-th/9901001`` 1999), else
    from the digest date."""
    if p.id:
        digits = p.id.rsplit("/", 1)[-1]
        if digits[:2].isdigit():
            yy = int(digits[:2])
            return str(1900 + yy if yy >= 91 else 2000 + yy)
    if p.date and p.date[:4].isdigit():
        return p.date[:4]
    return None


def _title_words(title: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return _WORD_JUNK.sub(" ", folded).split()


def _suffixes() -> Iterator[str]:
    """a, b, ..., z, aa, ab, ..."""
    n = 0
    while True:
        n += 1
        s, k = "", n
        while k:
            k, r = divmod(k - 1, 26)
            s = chr(97 + r) + s
        yield s


def bibtex_keys(papers: Sequence[Paper]) -> list[str]:
    """One unique key per paper, in order (a repeated identifier gets its key once more: the
    caller exports each identifier once)."""
    used: set[str] = {f"arxiv:{p.id}" for p in papers if p.id}
    keys = []
    for p in papers:
        if p.id:
            keys.append(f"arxiv:{p.id}")
            continue
        base = "noid:" + ("-".join(_title_words(p.title)[:3]) or "untitled")
        key = base
        if key in used:
            key = next(base + s for s in _suffixes() if base + s not in used)
        used.add(key)
        keys.append(key)
    return keys


def _unique_papers(papers: Iterable[Paper]) -> list[Paper]:
    seen: set[str] = set()
    out = []
    for p in papers:
        if p.id is not None:
            if p.id in seen:
                continue
            seen.add(p.id)
        out.append(p)
    return out


def bibtex_entry(p: Paper, key: str, tags: Sequence[str] = (), note: str | None = None) -> str:
    fields: list[tuple[str, str]] = [("title", bibtex_title(p.title))]
    authors = bibtex_author(getattr(p, "authors", ()) or ())
    if authors:
        fields.append(("author", authors))
    year = year_of(p)
    if year:
        fields.append(("year", year))
    if p.id:
        fields += [("eprint", p.id), ("archivePrefix", "arXiv")]
    primary = getattr(p, "primary_category", None) or p.category
    if primary:
        fields.append(("primaryClass", tex_escape(primary)))
    url = abs_url(p.id) if p.id else p.pdf_url
    if url:
        fields.append(("url", url_field(url)))
    keywords = tex_escape(sanitize(", ".join(t for t in tags if t)))  # untrusted text: no escapes
    if keywords:
        fields.append(("keywords", keywords))
    if note and note.strip():
        fields.append(("note", tex_escape(sanitize(note))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def bibtex(papers: Iterable[Paper], tags: TagsOf | None = None, note: NoteOf | None = None) -> str:
    """The papers as a BibTeX file (each identifier once); with lookups, each paper's tags as
    ``keywords`` and its note as ``note``."""
    unique = _unique_papers(papers)
    return "\n".join(bibtex_entry(p, k, tags(p.key) if tags else (), note(p.key) if note else None)
                     for p, k in zip(unique, bibtex_keys(unique), strict=True))


# -- Markdown ---------------------------------------------------------------------------------

_FIELD_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """Line breaks and controls become spaces; other spacing is kept (the reader keeps it)."""
    return _FIELD_CONTROL.sub(" ", text.replace("\n", " ").replace("\t", " ")).strip()


def digest_header(date: str, category: str) -> str:
    """``# ArXiv cs.CV --Tue, 9 Jul 2019`` (the seed's header)."""
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        return f"# ArXiv {category} --{date}"
    return f"# ArXiv {category} --{day.strftime('%a')}, {day.day} {day.strftime('%b %Y')}"


def kept_lines(tags: Sequence[str] = (), note: str | None = None) -> list[str]:
    """``**Tags:** a, b`` and ``**Note:** ...`` (a multi-line note's further lines indented by
    two spaces), for what a paper has."""
    lines = []
    names = [_one_line(sanitize(t)) for t in tags if _one_line(sanitize(t))]
    if names:
        lines.append("**Tags:** " + ", ".join(names))
    note = sanitize(note) if note else None  # untrusted text: no escape sequences, no bidi controls
    if note and note.strip():
        parts = [_FIELD_CONTROL.sub(" ", part.replace("\t", " ")).rstrip() for part in note.strip("\n").split("\n")]
        lines.append("**Note:** " + parts[0].strip())
        lines += [f"  {part}" if part.strip() else "  " for part in parts[1:]]
    return lines


def field_lines(p: Paper) -> list[str]:
    """``**Authors:** ...``, ``**Categories:** ...``, ``**Comments:** ...``, ``**Announce:** ...``
    for the fields the paper has beyond its heading (Categories only for a cross-list)."""
    lines = []
    authors = [a for a in (getattr(p, "authors", ()) or ()) if a.strip()]
    if authors:
        lines.append("**Authors:** " + _one_line(", ".join(authors)))
    if any(c != p.category for c in p.categories):
        lines.append("**Categories:** " + _one_line(" ".join(p.categories)))
    for label, name in (("Comments", "comments"), ("Announce", "announce")):
        value = getattr(p, name, None)
        if isinstance(value, str) and value.strip():
            lines.append(f"**{label}:** " + _one_line(value))
    return lines


def _paper_markdown(p: Paper, number: int, kept: list[str] | None = None) -> list[str]:
    title = _one_line(p.title)
    if p.id:
        link = pdf_url(p.id + (f"v{p.version}" if p.version else "")) + ".pdf"
        heading = f"### {number}.{title}  [ :arrow_down: ]({link})"
    elif p.pdf_url and not re.search(r"[\s()]", p.pdf_url):
        heading = f"### {number}.{title}  [ :arrow_down: ]({p.pdf_url})"
    else:
        heading = f"### {number}.{title}"
    lines = [heading, *field_lines(p), *(kept or [])]
    paragraphs = [_one_line(par) for par in p.abstract.split("\n")]
    paragraphs = [par for par in paragraphs if par]
    for i, par in enumerate(paragraphs):
        if i:
            lines.append(">")
        lines.append(f">  {par} ")
    return lines


def _digest_order(p: Paper, i: int) -> tuple[int, str, str, float, int]:
    number = p.number if p.number is not None else float("inf")
    if p.date and p.category:
        # newest date first: compare the date's characters inverted
        return (1, p.date.translate(_INVERT), p.category, number, i)
    return (0, "", "", number, i)


_INVERT = str.maketrans("0123456789", "9876543210")


def markdown(papers: Iterable[Paper], tags: TagsOf | None = None, note: NoteOf | None = None) -> str:
    """The papers as Markdown digests: one digest per (date, category), newest first. Papers
    without a date or category come first, before any header (the reader takes their date and
    category from the file name, if any)."""
    unique = _unique_papers(papers)
    order = sorted(range(len(unique)), key=lambda i: _digest_order(unique[i], i))
    out: list[str] = []
    current: tuple[str, str] | None = None
    number = 0
    for i in order:
        p = unique[i]
        digest = (p.date, p.category) if p.date and p.category else None
        if digest is not None and digest != current:
            current = digest
            number = 0
            out.append(digest_header(*digest))
        number += 1
        kept = kept_lines(tags(p.key) if tags else (), note(p.key) if note else None)
        out += _paper_markdown(p, number, kept)
    return "\n".join(out) + "\n" if out else ""


def proposed_path(fmt: str, export_dir: Path | None, now: dt.datetime | None = None) -> Path:
    """Where `E` proposes to write: ``export_dir/arxiv-YYYY-MM-DD-HHMM.bib`` (or .md, .json);
    the current directory when `export_dir` is None."""
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d-%H%M")
    return (export_dir or Path(".")) / f"arxiv-{stamp}{SUFFIXES[fmt]}"


def export_text(fmt: str, papers: Sequence[Paper], is_read: Callable[[str], bool],
                is_starred: Callable[[str], bool], tags: TagsOf | None = None,
                note: NoteOf | None = None) -> str:
    """The whole export in one format (one of `FORMATS`); `tags` and `note` look up a paper's
    tags and note by its key (without them, none are written)."""
    if fmt == "bibtex":
        return bibtex(papers, tags, note)
    if fmt == "markdown":
        return markdown(papers, tags, note)
    if fmt == "json":
        return "".join(json_lines(papers, is_read, is_starred, tags, note))
    raise ValueError(f"unknown export format: {fmt}")
