"""Markdown tables with one paper a row (cv-arxiv-daily, daily-arxiv and the like)::

    ## SLAM
    |Publish Date|Title|Authors|PDF|Code|
    |---|---|---|---|---|
    |**2022-08-25**|**FusionPortable: ...**|Jianhao Jiao et.al.|[2208.11865v1](http://arxiv.org/abs/2208.11865v1)|null|

Columns are found by their header (``date``, ``title``, ``author``, ``abstract``/``summary``,
``comment``, ``categor``); the identifier comes from any arXiv link in the row. An abstract may
sit in a ``<details>`` block of any cell (its ``<summary>`` is the title when the title column
holds it). A row without an abstract is a paper without one. Each row is dated by its own date
cell (a table spanning days puts each row on its own day), else by a date in the page's
headings (``## Updated on 2022.08.29``), else by the file name. ``et al.`` is dropped from
author cells: only the names the row gives are kept.
"""

from __future__ import annotations

import re

from ..model import Paper
from . import ParseResult
from ._common import ident_of, one_line, pdf_for, split_authors
from ._mdcommon import ARXIV_LINK_RE, LINK_RE, Collector, find_date, plain

NAME = "md-table"

_SNIFF_RE = re.compile(r"^([^\n|]*\|[^\n]*)\n[ \t]*\|?[ \t]*:?-{2,}[ \t]*:?[ \t]*\|", re.MULTILINE)
_SEPARATOR_RE = re.compile(r"[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*(?::?-+:?[ \t]*)?")
_DETAILS_RE = re.compile(r"<details[^>]*>(.*?)(?:</details>|$)", re.IGNORECASE | re.DOTALL)
_SUMMARY_RE = re.compile(r"<summary[^>]*>(.*?)</summary>", re.IGNORECASE | re.DOTALL)
_BR_RE = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)
_ROLES = (("abstract", "abstract"), ("summary", "abstract"), ("tl;dr", "abstract"), ("date", "date"),
          ("title", "title"), ("paper", "title"), ("author", "authors"), ("comment", "comments"),
          ("categor", "categories"), ("subject", "categories"), ("pdf", "link"), ("link", "link"),
          ("arxiv", "link"), ("url", "link"))


def sniff(text: str) -> bool:
    """A table whose header names a title column, in a page that links to arXiv."""
    if ARXIV_LINK_RE.search(text) is None:
        return False
    for n, m in enumerate(_SNIFF_RE.finditer(text)):
        if _is_header(_roles(split_row(m.group(1)))):
            return True
        if n >= 50:
            break
    return False


def split_row(line: str) -> list[str]:
    """``|a|b\\|c|`` to ``["a", "b|c"]``: pipes escaped with a backslash stay in their cell."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return [c.replace("\\|", "|").strip() for c in cells]


def _is_header(roles: dict[str, int]) -> bool:
    """A paper table names a title column and one more: a date, authors, abstract or link."""
    return "title" in roles and any(r in roles for r in ("date", "authors", "abstract", "link"))


def _roles(header: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = plain(cell).lower()
        if len(name) > 30 or name.endswith(":"):  # a header names its column: this is a key-value row
            continue
        for word, role in _ROLES:
            if word in name and role not in roles:
                roles[role] = i
                break
    return roles


def _row(col: Collector, cells: list[str], roles: dict[str, int], line: int, page_date: str | None) -> None:
    def cell(role: str) -> str:
        i = roles.get(role)
        return cells[i] if i is not None and i < len(cells) else ""

    title_cell = cell("title")
    abstract = ""
    title = ""
    for i, raw in enumerate(cells):
        dm = _DETAILS_RE.search(raw)
        if dm:
            inner = dm.group(1)
            sm = _SUMMARY_RE.search(inner)
            if sm and i == roles.get("title"):
                title = plain(sm.group(1))
            body = _SUMMARY_RE.sub("", inner) if sm else inner
            abstract = abstract or one_line(plain(_BR_RE.sub(" ", body)))
    if not abstract and "abstract" in roles:
        abstract = one_line(plain(cell("abstract")))
    if not title:
        tl = LINK_RE.search(title_cell)
        title = plain(tl.group(1) if tl and not tl.group(1).lower().startswith("http") else title_cell)
    link = ARXIV_LINK_RE.search(" ".join(cells))
    ident, version = ident_of(link.group()) if link else (None, None)
    if link is None and not title:
        return  # a row of something else (a separator inside a cell, a note): not a paper
    date = find_date(plain(cell("date"))) or page_date or col.file_date
    cats = tuple(c for c in re.split(r"[\s,;]+", plain(cell("categories"))) if c)
    authors = split_authors(plain(cell("authors")).replace("et.al.", "et al."))
    pdf = link.group() if link is not None and "/pdf/" in link.group() else pdf_for(ident, version)
    col.add(Paper(ident, version, title, abstract, pdf, cats[0] if cats else None, date, None, col.path, line,
                  cats, authors, plain(cell("comments")) or None, None, cats[0] if cats else None, None))


def parse(text: str, path: str) -> ParseResult:
    col = Collector(path)
    lines = text.split("\n")
    page_date: str | None = None
    roles: dict[str, int] | None = None
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped.startswith("|") and stripped.count("|") < 2:
            roles = None
            if stripped.startswith("#"):
                page_date = find_date(stripped) or page_date
            continue
        if roles is None:
            nxt = lines[n] if n < len(lines) else ""
            if _SEPARATOR_RE.fullmatch(nxt):
                found = _roles(split_row(line))
                roles = found if _is_header(found) else None
            continue
        if _SEPARATOR_RE.fullmatch(line):
            continue
        _row(col, split_row(line), roles, n, page_date)
    return col.finish()
