"""arXiv API responses (Atom 1.0), current and legacy, and arXiv's Atom announcement feed.

An API entry has ``<id>http://arxiv.org/abs/ID vN</id>``, ``<title>``, ``<summary>`` (the
abstract), one ``<author><name>`` per author, ``<category term=...>`` per category,
``<arxiv:primary_category term=...>`` and ``<arxiv:comment>``. A search result is no
announcement: its digest has no date and no category (it shows under "Searches").

Entries that say how they were announced (``<arxiv:announce_type>``, or a summary starting
``arXiv:ID Announce Type: new Abstract:``, as in rss.arxiv.org's Atom feeds) make the file an
announcement, dated by the feed's ``<updated>``/``<published>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..model import Diagnostic, Digest, Paper
from . import ParseResult
from ._common import (
    arxiv_categories,
    file_date,
    ident_of,
    one_line,
    paragraphs,
    pdf_for,
    rfc_date,
    split_authors,
    with_listing,
)
from ._xml import child_text, children, item_lines, local, parse_xml, root_re
from .rss import _DESC_RE, announce_of

NAME = "atom"

_ROOT_RE = root_re(r"(?:[\w.-]+:)?feed")
_CATEGORY_RE = re.compile(r"[A-Za-z][\w.\-]*")


def sniff(text: str) -> bool:
    return _ROOT_RE.match(text) is not None and "arxiv" in text[:20000].lower()


def _authors(elem: ET.Element) -> tuple[str, ...]:
    names = [one_line(child_text(a, "name") or "") for a in children(elem, "author")]
    return tuple(n for n in names if n) or split_authors(child_text(elem, "creator") or "")


def _categories(elem: ET.Element) -> tuple[tuple[str, ...], str]:
    """(every arXiv category, the primary one or "")."""
    cats = arxiv_categories([c.get("term", "") for c in children(elem, "category")])
    primary_elem = next((c for c in elem if local(c.tag) == "primary_category"), None)
    primary = one_line(primary_elem.get("term", "")) if primary_elem is not None else ""
    if primary and primary not in cats:
        cats = (primary,) + cats
    return cats, primary


def _entry(elem: ET.Element, path: str, line: int, diags: list[Diagnostic]) -> Paper | None:
    raw_id = one_line(child_text(elem, "id") or "")
    title = one_line(child_text(elem, "title") or "")
    summary = child_text(elem, "summary") or ""
    if "/api/errors" in raw_id:
        diags.append(Diagnostic(path, line, f"the arXiv API returned an error: {one_line(summary)[:120]}"))
        return None
    ident, version = ident_of(raw_id)
    if ident is None:
        for link in children(elem, "link"):
            ident, version = ident_of(link.get("href", ""))
            if ident is not None:
                break
    announce = announce_of(child_text(elem, "announce_type"))
    m = _DESC_RE.match(summary)
    if m:
        announce = announce or announce_of(m.group(2))
        abstract = one_line(m.group(3))
    else:
        abstract = paragraphs(summary.strip().split("\n")) if "\n\n" in summary.strip() else one_line(summary)
    authors = _authors(elem)
    cats, primary = _categories(elem)
    comment = one_line(child_text(elem, "comment") or "") or None
    if ident is None:
        diags.append(Diagnostic(path, line, "entry has no arXiv identifier"))
    if not title:
        diags.append(Diagnostic(path, line, "paper has no title"))
    if not abstract:
        diags.append(Diagnostic(path, line, "paper has no abstract"))
    return Paper(ident, version, title, abstract, pdf_for(ident, version), None, None, None, path, line,
                 cats, authors, comment, announce, primary or (cats[0] if cats else None), None)


def parse(text: str, path: str) -> ParseResult:
    result = ParseResult()
    root, closed, error, error_line = parse_xml(text, "entry")
    if error:
        result.diagnostics.append(Diagnostic(path, error_line, error))
    if root is None:
        return result
    lines = item_lines(text, "entry")
    line = 1
    papers: list[Paper] = []
    for elem in root:
        if local(elem.tag) != "entry":
            continue
        line = next(lines, line)
        if id(elem) not in closed:
            continue
        paper = _entry(elem, path, line, result.diagnostics)
        if paper is not None:
            papers.append(paper)
    date = category = None
    if any(p.announce for p in papers):  # an announcement feed, not a search
        for name in ("updated", "published"):
            value = child_text(root, name)
            if value and (date := rfc_date(value)):
                break
        date = date or file_date(path)
        m = _CATEGORY_RE.match(one_line(child_text(root, "title") or ""))
        category = m.group() if m else None
    result.digests.append(Digest(path, category, date, 1))
    for n, p in enumerate(papers, 1):
        result.papers.append(p._replace(number=n, date=date, category=category, first_seen=date,
                                        categories=with_listing(p.categories, category),
                                        primary_category=p.primary_category or category))
    if not result.papers and error is None and not result.diagnostics:
        result.diagnostics.append(Diagnostic(path, 1, "feed has no entries"))
    return result
