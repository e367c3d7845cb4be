"""The Markdown digest format::

    # ArXiv cs.CV --Tue, 9 Jul 2019
    ### 1.Point-Voxel CNN for Efficient 3D Deep Learning  [ :arrow_down: ](https://arxiv.org/pdf/1907.03739.pdf)
    >  We present Point-Voxel CNN (PVCNN) for efficient, fast 3D deep learning. ...

The parser is a single pass over the lines, written for speed (a year of digests is
~140 MB) and for forgiveness: it never raises, and every oddity it has to work around
is reported as a `Diagnostic`.
"""

from __future__ import annotations

import datetime as _dt
import os
import re

from ..model import ANNOUNCE_TYPES, NEW_ID_PATTERN, Diagnostic, Digest, Paper, id_from_url, pdf_url as make_pdf_url
from . import ParseResult
from ._common import split_authors

NAME = "markdown"

# The link's text runs from its "](" to the URL without ")" or another "](" (the last "](" before the
# URL is as good as any earlier one): each character is scanned once, so "## ](](](..." is linear.
_SNIFF_RE = re.compile(
    r"^(?:\#[ \t]*arxiv[ \t]+\S+[ \t]*-"
    r"|\#{2,6}[^\n]*?\]\((?:[^\n)\]]|\](?!\())*?arxiv\.org/(?:abs|pdf)/)",
    re.MULTILINE | re.IGNORECASE,
)
_HEADER_RE = re.compile(r"#[ \t]*arxiv[ \t]+([A-Za-z][\w.\-]*)[ \t]*-*[ \t]*(.*)", re.IGNORECASE)
# "### 12.3D Point Clouds" is paper 12, "3D Point Clouds": a leading number is always the number.
_NUMBER_RE = re.compile(r"(\d{1,6})[ \t]*[.)][ \t]*")
# The common case, matched in one go: a numbered heading with a PDF link, then a ">" line.
_FAST_RE = re.compile(
    r"###(?!#)[ \t]*(?:(\d{1,6})[ \t]*\.[ \t]*)?([^\n]*)\[[^\[\]\n]*\]\([ \t]*"
    rf"(https?://(?:www\.|export\.)?arxiv\.org/pdf/({NEW_ID_PATTERN})(?:v(\d+))?(?:\.pdf)?)"
    r"[ \t]*\)[ \t]*\n>"
)
_FILENAME_RE = re.compile(
    r"(?:arxiv[-_])?([a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?)[-_](\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
# Optional field lines between a paper's heading and its abstract (see DECISIONS, "Export and
# the Markdown format"). Tags and notes are recognised so they never become abstract text.
_FIELD_LINE_RE = re.compile(
    r"\*\*(authors|categories|comments|announce|tags|note)(?::\*\*|\*\*[ \t]*:)[ \t]*(.*)", re.IGNORECASE
)
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TEXT_DATE_RE = re.compile(r"(\d{1,2})[ \t]+([A-Za-z]{3})[A-Za-z]*\.?,?[ \t]+(\d{4})")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


_FIRST_LINE_HEADER_RE = re.compile(r"\s*#[ \t]*arxiv[ \t]+\S+[ \t]*-", re.IGNORECASE)


def sniff_first(text: str) -> bool:
    """The seed format's digest header on the first line: decided before any other sniffer runs,
    so the common case costs no scan of the whole text by the others."""
    return _FIRST_LINE_HEADER_RE.match(text, 0, 300) is not None


def sniff(text: str) -> bool:
    return _SNIFF_RE.search(text) is not None


def parse_date(text: str) -> str | None:
    """``Tue, 9 Jul 2019`` or ``2019-07-09`` to ``2019-07-09``; None if there is no valid date."""
    m = _ISO_DATE_RE.search(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _TEXT_DATE_RE.search(text)
        if not m or m.group(2).lower() not in _MONTHS:
            return None
        y, mo, d = int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))
    try:
        return _dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def _from_filename(path: str) -> tuple[str | None, str | None]:
    m = _FILENAME_RE.search(os.path.basename(path))
    if not m:
        return None, None
    return m.group(1), parse_date(m.group(2))


def _split_heading(body: str) -> tuple[int | None, str, str | None]:
    """``7.Title  [ :arrow_down: ](url)`` to (7, "Title", "url")."""
    number = None
    if body[:1].isdigit():
        m = _NUMBER_RE.match(body)
        if m:
            number = int(m.group(1))
            body = body[m.end():]
    url = None
    if body.endswith(")"):
        j = body.rfind("](")
        i = body.rfind("[", 0, j) if j > 0 else -1
        # The link text must be bracket-free, so "[CLS]" in a title is never taken for it.
        if i >= 0 and body.find("]", i + 1, j) < 0:
            url = body[j + 2:-1].strip(" \t<>") or None
            body = body[:i]
    return number, body.strip(), url


class _Parser:
    """State for one file. Headings are found with one regex over the whole text; the
    text between two headings is usually a single ``>`` line (the fast path)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.result = ParseResult()
        self.file_category, self.file_date = _from_filename(path)
        self.category, self.date = self.file_category, self.file_date
        self.seen_header = False
        self.first_seen: dict[str, int] = {}
        self.fields: dict[str, str] = {}

    def diag(self, line: int, message: str) -> None:
        self.result.diagnostics.append(Diagnostic(self.path, line, message))

    def run(self, text: str) -> ParseResult:
        size = len(text)
        find, fast_match = text.find, _FAST_RE.match
        papers = self.result.papers
        pos, lineno = 0, 1
        while pos < size:
            m = fast_match(text, pos)
            if m is not None:
                eol = find("\n", m.end())
                if eol < 0:
                    eol = size
                nxt = eol + 1
                skipped = 0
                while text.startswith("\n", nxt):
                    nxt += 1
                    skipped += 1
                if nxt >= size or text[nxt] == "#":
                    number, title, url, ident, version = m.groups()
                    title = title.strip()
                    abstract = text[m.end():eol].lstrip("> \t").rstrip()
                    if title and abstract and ident not in self.first_seen:
                        self.first_seen[ident] = lineno
                        category = self.category
                        papers.append(Paper(ident, version, title, abstract, url, category, self.date,
                                            int(number) if number else None, self.path, lineno,
                                            (category,) if category else (), (), None, None, category,
                                            self.date))
                    else:
                        self.paper(int(number) if number else None, title, url, abstract, lineno)
                    pos = nxt
                    lineno += 2 + skipped
                    continue
            # Anything else: the block up to the next line that starts with "#".
            nxt = find("\n#", pos)
            nxt = size if nxt < 0 else nxt + 1
            block = text[pos:nxt]
            if block.startswith("#"):
                end = block.find("\n")
                if end < 0:
                    end = len(block)
                self.heading(block[:end], block[end + 1:], lineno)
            else:
                self.body(block, lineno, None)
            lineno += block.count("\n")
            pos = nxt
        if not self.seen_header and papers:
            if self.file_category is None and self.file_date is None:
                self.diag(1, "no digest header; category and date unknown")
            self.result.digests.append(Digest(self.path, self.file_category, self.file_date, 1))
        return self.result

    def heading(self, line: str, body: str, lineno: int) -> None:
        if line.startswith("##"):
            rest = line.lstrip("#")
            number, title, url = _split_heading(rest.strip(" \t"))
            if len(line) - len(rest) != 3 and number is None and url is None:
                # A section heading (## Today, #### Notes), not a paper.
                self.body(body, lineno + 1, None)
                return
            stripped = body.rstrip()
            if stripped[:1] == ">" and "\n" not in stripped:
                abstract = stripped.lstrip("> \t")
            else:
                start = lineno + 1
                if body[:2] == "**":  # field lines between the heading and the abstract
                    body, start = self.leading_fields(body, start)
                abstract = self.body(body, start, title)
            self.paper(number, title, url, abstract, lineno)
            return
        m = _HEADER_RE.fullmatch(line.rstrip())
        if m:
            self.seen_header = True
            self.category = m.group(1)
            self.date = parse_date(m.group(2))
            if self.date is None:
                self.date = self.file_date
                self.diag(lineno, "digest header has no valid date")
            self.result.digests.append(Digest(self.path, self.category, self.date, lineno))
        elif line[1:2] in (" ", "\t"):
            self.diag(lineno, "heading is not an arXiv digest header; ignored")
            self.category, self.date = self.file_category, self.file_date
        else:
            self.diag(lineno, "stray text between papers ignored")
        self.body(body, lineno + 1, None)

    def body(self, text: str, lineno: int, title: str | None) -> str:
        """The lines after a heading: the abstract (as paragraphs), lazy continuation
        lines, blank lines and stray text. `title` is None outside a paper."""
        paragraphs: list[list[str]] = []
        in_quote = False  # the previous line was abstract text: lazy continuation applies
        stray_at = -2
        for n, line in enumerate(text.split("\n"), lineno):
            if line[:1] == ">":
                if title is None:
                    if stray_at != n - 1:
                        self.diag(n, "abstract text outside any paper ignored")
                    stray_at = n
                    continue
                content = line.lstrip("> \t").rstrip()
                if content:
                    if not paragraphs or (not in_quote and paragraphs[-1]):
                        paragraphs.append([content])
                    else:
                        paragraphs[-1].append(content)
                elif paragraphs and paragraphs[-1]:
                    paragraphs.append([])  # a bare ">" separates paragraphs
                in_quote = True
            elif not line.strip():
                in_quote = False
            elif title is not None and (in_quote or not any(paragraphs)):
                # Markdown's lazy continuation, or an abstract written without ">".
                if in_quote and paragraphs:
                    paragraphs[-1].append(line.strip())
                else:
                    paragraphs.append([line.strip()])
                in_quote = True
            else:
                if stray_at != n - 1:
                    self.diag(n, "stray text between papers ignored")
                stray_at = n
        return "\n".join(" ".join(p) for p in paragraphs if p)

    def leading_fields(self, text: str, lineno: int) -> tuple[str, int]:
        """Take the ``**Authors:** ...`` field lines (a field continued on indented lines) that
        open a paper's text into `self.fields`; return the rest of the text and its first line."""
        lines = text.split("\n")
        field: str | None = None
        for k, line in enumerate(lines):
            fm = _FIELD_LINE_RE.match(line) if line[:2] == "**" else None
            if fm:
                field = fm.group(1).lower()
                self.fields[field] = fm.group(2).strip()
            elif field is not None and line[:1] in (" ", "\t") and line.strip():
                self.fields[field] += "\n" + line.strip()
            elif field is None or line.strip():
                return "\n".join(lines[k:]), lineno + k
        return "", lineno + len(lines)

    def paper(self, number: int | None, title: str, url: str | None, abstract: str, line: int) -> None:
        ident = version = None
        pdf = url
        if url:
            found = id_from_url(url)
            if found:
                ident, version = found
                if "/pdf/" not in url:
                    pdf = make_pdf_url(ident + (f"v{version}" if version else ""))
            else:
                self.diag(line, "link is not an arXiv paper link")
        else:
            self.diag(line, "paper heading has no link")
        if not title:
            self.diag(line, "paper heading has no title")
        if not abstract:
            self.diag(line, "paper has no abstract")
        if ident is not None:
            first = self.first_seen.setdefault(ident, line)
            if first != line:
                self.diag(line, f"paper {ident} appears again (first at line {first})")
        category = self.category
        categories: tuple[str, ...] = (category,) if category else ()
        authors: tuple[str, ...] = ()
        comments = announce = primary = None
        if self.fields:
            fields, self.fields = self.fields, {}
            listed = tuple(c for c in re.split(r"[\s,;]+", fields.get("categories", "")) if c)
            categories += tuple(c for c in listed if c not in categories)
            primary = listed[0] if listed else None
            authors = split_authors(fields.get("authors", ""))
            comments = " ".join(fields.get("comments", "").split()) or None
            word = fields.get("announce", "").strip().lower()
            announce = word if word in ANNOUNCE_TYPES else None
        self.result.papers.append(Paper(ident, version, title, abstract, pdf, category, self.date,
                                        number, self.path, line, categories, authors, comments, announce,
                                        primary or category, self.date))


def parse(text: str, path: str) -> ParseResult:
    return _Parser(path).run(text)
