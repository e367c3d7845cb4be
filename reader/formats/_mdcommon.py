"""Pieces the Markdown layouts share: links, bold field lines, dates in headings."""

from __future__ import annotations

import re

from ..model import Diagnostic, Digest, Paper
from . import ParseResult
from ._common import file_date, valid_date

LINK_RE = re.compile(
    r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"  # [text], one level of [brackets] inside
    r"\(\s*<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?(?:\s+\"[^\"]*\")?\s*\)"  # (url "title")
)
ARXIV_LINK_RE = re.compile(r"https?://(?:www\.|export\.|lanl\.)?arxiv\.org/(?:abs|pdf)/[^\s)\]|>\"']+", re.I)
# **Authors:** x   or   **Authors**: x   (a field line of a generated digest)
FIELD_RE = re.compile(r"\s{0,3}\*\*([A-Za-z][A-Za-z \-]{0,30}?)(?::\*\*|\*\*\s*:)[ \t]*(.*)")
DATE_RE = re.compile(r"(?<!\d)(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
BOLD_RE = re.compile(r"\*\*|__")
TAG_RE = re.compile(r"<[^>\n]*>")


def unlink(text: str) -> str:
    """``[Name](url), [Name](url)`` to ``Name, Name``."""
    return LINK_RE.sub(lambda m: m.group(1), text) if "](" in text else text


def plain(text: str) -> str:
    """A Markdown cell or heading to plain text: links to their text, bold markers and tags gone."""
    text = unlink(text)
    text = BOLD_RE.sub("", text)
    if "<" in text:
        text = TAG_RE.sub(" ", text)
    return " ".join(text.split())


def find_date(text: str) -> str | None:
    m = DATE_RE.search(text)
    return valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def announce_word(text: str) -> str | None:
    w = text.strip().lower()
    if w.startswith(("replace", "updated")):
        return "replace"
    if w.startswith("cross"):
        return "cross"
    return "new" if w == "new" else None


class Collector:
    """Papers, diagnostics and digests of one file; a digest is added per new (date, category)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.result = ParseResult()
        self.file_date = file_date(path)
        self._digests: set[tuple[str | None, str | None]] = set()

    def diag(self, line: int, message: str) -> None:
        self.result.diagnostics.append(Diagnostic(self.path, line, message))

    def add(self, paper: Paper) -> None:
        paper = paper._replace(first_seen=paper.date, primary_category=paper.primary_category or paper.category)
        key = (paper.date, paper.category)
        if key not in self._digests:
            self._digests.add(key)
            self.result.digests.append(Digest(self.path, paper.category, paper.date, paper.line))
        if paper.id is None:
            self.diag(paper.line, "paper has no arXiv link")
        if not paper.title:
            self.diag(paper.line, "paper has no title")
        self.result.papers.append(paper)

    def finish(self) -> ParseResult:
        if not self.result.papers:
            self.diag(1, "no papers found")
        return self.result
