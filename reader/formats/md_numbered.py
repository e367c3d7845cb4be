"""Markdown with numbered link headings and bold field lines (arxiv_rss_bot and the like)::

    ### 1. [Training Report of TeleChat3-MoE](https://arxiv.org/abs/2512.24157)

    **Authors**: Xinzhang Liu, Chao Wang, ...
    **Category**: cs.CL
    **Published**: 2026-01-01
    **Type**: new
    **ArXiv ID**: 2512.24157v1

    #### Abstract
    TeleChat3-MoE is the latest series of ...

    ---

A paper ends at the next heading of its level or above, or at a ``---`` rule. Other headings
and text (a README around the list) are not papers and are passed over silently. The date is
the paper's ``Published`` field, else a date in the page (``Last Updated``), else the file name's.
"""

from __future__ import annotations

import re

from ..model import Paper
from . import ParseResult
from ._common import ident_of, paragraphs, pdf_for, split_authors
from ._mdcommon import ARXIV_LINK_RE, FIELD_RE, Collector, announce_word, find_date, plain

NAME = "md-numbered"

_HEADING = r"(#{2,4})[ \t]*(\d{1,5})[ \t]*[.)][ \t]*\[((?:[^\[\]\n]|\[[^\[\]\n]*\])+)\]\([ \t]*<?([^)\s>]*)>?[ \t]*\)"
_HEAD_RE = re.compile(_HEADING + r"[ \t]*$")
_SNIFF_RE = re.compile(r"^" + _HEADING.replace("([^)\\s>]*)", r"(https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/[^)\s>]*)"),
                       re.MULTILINE)
_SEED_RE = re.compile(r"^#[ \t]*arxiv[ \t]+\S+[ \t]*-", re.MULTILINE | re.IGNORECASE)
_ABSTRACT_HEAD_RE = re.compile(r"#{2,6}[ \t]*(?:abstract|summary)\b.*", re.IGNORECASE)
_RULE_RE = re.compile(r"[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*")


def sniff(text: str) -> bool:
    return _SNIFF_RE.search(text) is not None and _SEED_RE.search(text) is None


def _categories(value: str) -> tuple[str, ...]:
    return tuple(c for c in re.split(r"[\s,;]+", plain(value)) if c)


def _build(col: Collector, lineno: int, m: re.Match[str], body: list[str], page_date: str | None) -> None:
    fields: dict[str, str] = {}
    abstract_lines: list[str] = []
    for line in body:
        fm = FIELD_RE.fullmatch(line.rstrip())
        if fm and not any(x.strip() for x in abstract_lines):
            fields.setdefault(fm.group(1).strip().lower(), fm.group(2).strip())
        elif _ABSTRACT_HEAD_RE.fullmatch(line.strip()):
            continue
        else:
            abstract_lines.append(line.lstrip("> \t") if line.lstrip().startswith(">") else line)
    url = m.group(4)
    ident, version = ident_of(fields.get("arxiv id", "") or url)
    if ident is None:
        ident, version = ident_of(url)
    elif version is None:
        version = ident_of(url)[1]
    cats = _categories(fields.get("categories", fields.get("category", "")))
    date = find_date(fields.get("published", fields.get("date", ""))) or page_date or col.file_date
    announce = announce_word(plain(fields.get("type", fields.get("announce", ""))))
    comments = plain(fields.get("comments", "")) or None
    link = ARXIV_LINK_RE.search(url)
    pdf = url if link and "/pdf/" in url else pdf_for(ident, version)
    col.add(Paper(ident, version, plain(m.group(3)), paragraphs(abstract_lines), pdf, cats[0] if cats else None,
                  date, int(m.group(2)), col.path, lineno, cats, split_authors(plain(fields.get("authors", ""))),
                  comments, announce, cats[0] if cats else None, None))


def parse(text: str, path: str) -> ParseResult:
    col = Collector(path)
    lines = text.split("\n")
    page_date = None
    current: tuple[int, re.Match[str], list[str]] | None = None
    for n, line in enumerate(lines, 1):
        m = _HEAD_RE.match(line) if line.startswith("#") else None
        if m is None and current is not None:
            level = len(current[1].group(1))
            ends = _RULE_RE.fullmatch(line) is not None
            if line.startswith("#") and not _ABSTRACT_HEAD_RE.fullmatch(line.strip()):
                ends = len(line) - len(line.lstrip("#")) <= level
            if not ends:
                current[2].append(line)
                continue
        if current is not None:
            _build(col, current[0], current[1], current[2], page_date)
            current = None
        if m is not None:
            current = (n, m, [])
        elif page_date is None and ("updated" in line.lower() or line.startswith("#")):
            page_date = find_date(line)
    if current is not None:
        _build(col, current[0], current[1], current[2], page_date)
    return col.finish()
