"""arXiv's RSS feeds: RSS 2.0 as published on rss.arxiv.org since 2024, and the legacy
RSS 1.0 / RDF feed.

RSS 2.0 items carry ``<arxiv:announce_type>`` (``new``, ``cross``, ``replace``,
``replace-cross``), ``<dc:creator>`` (names separated by commas), one ``<category>`` per
category (the primary first) and a description ``arXiv:ID vN Announce Type: new Abstract: ...``.
RDF items have a title ``Title. (arXiv:ID vN [math.PR] UPDATED)`` (``CROSS LISTED`` for
cross-lists), an HTML description and ``<dc:creator>`` as HTML links.

The digest's date is the channel's ``pubDate`` (``dc:date`` in RDF), its category the first
word of the channel title (``quant-ph updates on arXiv.org``).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from ..model import Diagnostic, Digest, Paper
from . import ParseResult
from ._common import arxiv_categories, file_date, ident_of, one_line, pdf_for, rfc_date, split_authors, with_listing
from ._xml import child_text, children, item_lines, local, parse_xml, root_re

NAME = "rss"

_ROOT_RE = root_re(r"rss|(?:[\w.-]+:)?RDF")
_DESC_RE = re.compile(
    r"\s*arXiv:(\S+)\s+Announce\s+Type:\s*([\w-]+)\s*(?:Abstract:\s*)?(.*)", re.DOTALL | re.IGNORECASE
)
_RDF_TITLE_RE = re.compile(r"\s*\(arXiv:([^\s\[\])]+)\s*(?:\[([^\]]*)\])?\s*([A-Z ]*)\)\s*$")
_TAG_RE = re.compile(r"<[^>]*>")
_PARA_RE = re.compile(r"</?p\s*/?>", re.IGNORECASE)
_CATEGORY_RE = re.compile(r"[A-Za-z][\w.\-]*")


def sniff(text: str) -> bool:
    return _ROOT_RE.match(text) is not None and "arxiv" in text[:20000].lower()


def announce_of(word: str | None) -> str | None:
    """``replace-cross`` to ``replace``, ``CROSS LISTED`` to ``cross``, ... None if unknown."""
    if not word:
        return None
    w = word.strip().lower()
    if w.startswith(("replace", "updated")):
        return "replace"
    if w.startswith("cross"):
        return "cross"
    if w == "new" or w == "":
        return "new"
    return None


def html_text(raw: str) -> str:
    """An HTML fragment (RDF descriptions, creators) to plain text: paragraphs kept."""
    text = _PARA_RE.sub("\n\n", raw)
    text = html.unescape(_TAG_RE.sub("", text))
    paras = [one_line(p) for p in text.split("\n\n")]
    return "\n".join(p for p in paras if p)


class _Feed:
    def __init__(self, path: str) -> None:
        self.path = path
        self.result = ParseResult()

    def diag(self, line: int, message: str) -> None:
        self.result.diagnostics.append(Diagnostic(self.path, line, message))

    def run(self, text: str) -> ParseResult:
        root, closed, error, error_line = parse_xml(text, "item")
        if error:
            self.diag(error_line, error)
        if root is None:
            return self.result
        channel = next((c for c in root if local(c.tag) == "channel"), None)
        date, category = self.channel_facts(channel)
        line = channel_line = 1
        if channel is not None:
            m = re.search(r"<(?:[\w.-]+:)?channel[\s>]", text)
            channel_line = text.count("\n", 0, m.start()) + 1 if m else 1
        self.result.digests.append(Digest(self.path, category, date, channel_line))
        rdf = local(root.tag) == "RDF"
        items = [c for c in (root if rdf else (channel if channel is not None else root)) if local(c.tag) == "item"]
        lines = item_lines(text, "item")
        for n, elem in enumerate(items, 1):
            line = next(lines, line)
            if id(elem) not in closed:
                continue
            paper = self.rdf_item(elem, line) if rdf else self.rss_item(elem, line)
            self.result.papers.append(paper._replace(
                number=n, category=category, date=date, categories=with_listing(paper.categories, category),
                primary_category=paper.primary_category or category, first_seen=date))
        if not self.result.papers and error is None:
            self.diag(channel_line, "feed has no items")
        return self.result

    def channel_facts(self, channel: ET.Element | None) -> tuple[str | None, str | None]:
        date = category = None
        if channel is not None:
            for name in ("pubDate", "date", "lastBuildDate"):
                value = child_text(channel, name)
                if value and (date := rfc_date(value)):
                    break
            title = one_line(child_text(channel, "title") or "")
            m = _CATEGORY_RE.match(title)
            category = m.group() if m else None
        if date is None:
            date = file_date(self.path)
            if date is None:
                self.diag(1, "feed has no date")
        return date, category

    def rss_item(self, elem: ET.Element, line: int) -> Paper:
        title = one_line(child_text(elem, "title") or "")
        desc = child_text(elem, "description") or ""
        m = _DESC_RE.match(desc)
        ident, version = ident_of(m.group(1)) if m else (None, None)
        if ident is None:
            ident, version = ident_of(child_text(elem, "guid") or "")
        if ident is None:
            ident, version = ident_of(child_text(elem, "link") or "")
        abstract = one_line(m.group(3)) if m else html_text(desc)
        announce = announce_of(child_text(elem, "announce_type") or (m.group(2) if m else None))
        cats = arxiv_categories(["".join(c.itertext()) for c in children(elem, "category")])
        authors = split_authors(child_text(elem, "creator") or "")
        self.check(line, ident, title, abstract)
        return Paper(ident, version, title, abstract, pdf_for(ident, version), None, None, None, self.path, line,
                     cats, authors, None, announce, cats[0] if cats else None, None)

    def rdf_item(self, elem: ET.Element, line: int) -> Paper:
        raw_title = one_line(child_text(elem, "title") or "")
        m = _RDF_TITLE_RE.search(raw_title)
        ident = version = primary = None
        announce = "new"
        if m:
            ident, version = ident_of(m.group(1))
            primary = (m.group(2) or "").strip() or None
            announce = announce_of(m.group(3)) or "new"
            raw_title = raw_title[:m.start()]
        title = raw_title.rstrip()
        if title.endswith("."):
            title = title[:-1].rstrip()
        if ident is None:
            about = elem.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about") or ""
            ident, version = ident_of(child_text(elem, "link") or about)
        abstract = html_text(child_text(elem, "description") or "")
        authors = split_authors(html_text(child_text(elem, "creator") or "").replace("\n", ", "))
        self.check(line, ident, title, abstract)
        cats = (primary,) if primary else ()
        return Paper(ident, version, title, abstract, pdf_for(ident, version), None, None, None, self.path, line,
                     cats, authors, None, announce, primary, None)

    def check(self, line: int, ident: str | None, title: str, abstract: str) -> None:
        if ident is None:
            self.diag(line, "item has no arXiv identifier")
        if not title:
            self.diag(line, "paper has no title")
        if not abstract:
            self.diag(line, "paper has no abstract")


def parse(text: str, path: str) -> ParseResult:
    return _Feed(path).run(text)
