"""Markdown with HTML ``<h2>`` paper headings, ``Title:`` links and ``>`` abstracts (the
"Daily arXiv" collections copied from arxiv.org's abstract pages)::

    # 2019-07-31
    <h2 id="2019-07-31-1">1. CUNI Systems for the Unsupervised News Translation Task</h2>
    Title: [CUNI Systems for ...](https://arxiv.org/abs/1907.12664)
    Authors: [Ivana Kvapilíková](https://arxiv.org/search/...), [Ondřej Bojar](...)
    *(Submitted on 29 Jul 2019)*
    > In this paper we describe ...
    | Comments: | 6 pages |
    | Subjects: | **Computation and Language (cs.CL)**; Machine Learning (cs.LG) |
    | Cite as:  | **arXiv:1907.12664 [cs.CL]** |
    |           | (or **arXiv:1907.12664v1 [cs.CL]** for this version) |

Each ``# YYYY-MM-DD`` heading starts a day; papers before any take the file name's date.
"""

from __future__ import annotations

import re

from ..model import Paper
from . import ParseResult
from ._common import ident_of, one_line, paragraphs, pdf_for, split_authors
from ._mdcommon import LINK_RE, Collector, find_date, plain

NAME = "md-h2"

_H2_RE = re.compile(r"[ \t]*<h[1-6][^>]*>[ \t]*(?:(\d{1,5})[ \t]*[.)][ \t]*)?(.*?)</h[1-6]>", re.IGNORECASE)
_SNIFF_RE = re.compile(r"^[ \t]*<h[1-6][^>\n]*>[^\n]*</h[1-6]>[ \t]*\n(?:[ \t]*\n)*Title:[ \t]*\[[^\n]*arxiv\.org/",
                       re.MULTILINE | re.IGNORECASE)
_DAY_RE = re.compile(r"#{1,3}[ \t]+(\d{4}-\d{2}-\d{2})[ \t]*")
_FIELD_RE = re.compile(r"(Title|Authors?|Comments?|Subjects?|Categories):[ \t]*(.*)", re.IGNORECASE)
_ROW_RE = re.compile(r"\|\s*([A-Za-z\- ]*?):?\s*\|(.*)\|\s*")
_CAT_RE = re.compile(r"\(([a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?)\)")
_VERSION_RE = re.compile(r"arXiv:(\S+?v\d+)")


def sniff(text: str) -> bool:
    return _SNIFF_RE.search(text) is not None


class _Paper:
    def __init__(self, line: int, number: int | None, heading: str) -> None:
        self.line, self.number, self.heading = line, number, heading
        self.fields: dict[str, str] = {}
        self.abstract: list[str] = []
        self.last_row = ""
        self.version: str | None = None

    def take(self, line: str) -> None:
        stripped = line.strip()
        if stripped.startswith(">"):
            self.abstract.append(stripped.lstrip("> \t") or "")
            if not stripped.lstrip("> \t"):
                self.abstract.append("")
            return
        fm = _FIELD_RE.fullmatch(stripped)
        if fm and not self.abstract:
            key = fm.group(1).lower().rstrip("s")
            self.fields.setdefault(key if key != "categorie" else "subject", fm.group(2))
            return
        rm = _ROW_RE.fullmatch(stripped)
        if rm:
            key = rm.group(1).strip().lower().rstrip("s") or self.last_row
            self.last_row = key
            if key == "cite a":
                vm = _VERSION_RE.search(rm.group(2))
                if vm:
                    self.version = ident_of(vm.group(1))[1]
            elif key in ("comment", "subject"):
                self.fields.setdefault(key, rm.group(2))

    def build(self, path: str, date: str | None) -> Paper:
        title_field = self.fields.get("title", "")
        link = LINK_RE.search(title_field)
        title = plain(link.group(1) if link else title_field) or plain(self.heading)
        ident, version = ident_of(link.group(2)) if link else (None, None)
        version = version or self.version
        cats = tuple(dict.fromkeys(_CAT_RE.findall(self.fields.get("subject", ""))))
        comments = plain(self.fields.get("comment", "")) or None
        authors = split_authors(plain(self.fields.get("author", "")))
        return Paper(ident, version, title, paragraphs(self.abstract), pdf_for(ident, version), None, date,
                     self.number, path, self.line, cats, authors, comments, None, cats[0] if cats else None, None)


def parse(text: str, path: str) -> ParseResult:
    col = Collector(path)
    date = col.file_date
    current: _Paper | None = None
    for n, line in enumerate(text.split("\n"), 1):
        if line[:1] == "#":
            dm = _DAY_RE.fullmatch(line)
            if dm:
                if current is not None:
                    col.add(current.build(path, date))
                    current = None
                date = find_date(dm.group(1)) or col.file_date
            continue
        hm = _H2_RE.fullmatch(line) if "<h" in line[:8].lower() else None
        if hm:
            if current is not None:
                col.add(current.build(path, date))
            current = _Paper(n, int(hm.group(1)) if hm.group(1) else None, one_line(hm.group(2)))
        elif current is not None:
            current.take(line)
    if current is not None:
        col.add(current.build(path, date))
    return col.finish()
