"""The arXiv daily listing e-mail (``astro-ph daily 53 new + 4 crosses received``)::

    Date: Fri,  3 Mar 23 01:29:12 GMT
    Subject: astro-ph daily 53 new + 4 crosses received
    ...
    \\\\
    arXiv:2303.00763
    Date: Wed, 1 Mar 2023 19:00:02 GMT   (3197kb,D)

    Title: Census of Gaseous Satellites around Local Spiral Galaxies
    Authors: Jingyao Zhu and Mary E Putman
    Categories: astro-ph.GA
    Comments: 18 pages, 13 figures, accepted by MNRAS
    \\\\
      The abstract, hard-wrapped ...
    \\\\ ( https://arxiv.org/abs/2303.00763 ,  3197kb)
    ------------------------------------------------------------------------------

New submissions come first; a ``%-%-%-...`` line starts the cross-lists, ``%%--%%--...`` the
replacements (``replaced with revised version ...``, usually without abstract) and
``%%%---%%%---...`` ends the listing. Every entry is a paper; `announce` says which section
(an entry marked ``(*cross-listing*)`` is a cross-list even among new submissions).

The digest's date is the mail's ``Date:`` header (UTC), which is the day arXiv announced it;
without one, the ``YYYY-MM-DD`` in the file name. The list's category comes from the
``Subject:`` line. A file may hold several listings (an mbox); ``.eml`` files whose body is
quoted-printable or base64 are decoded first.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import Message

from ..model import Diagnostic, Digest, Paper, parse_arxiv_id
from . import ParseResult
from ._common import file_date, ident_of, one_line, paragraphs, pdf_for, rfc_date, split_authors, with_listing

NAME = "mail"

_ENTRY_HEAD = r"\\\\[ \t]*\n(?:arXiv:|Paper[ \t]*(?:\(\*cross-listing\*\)[ \t]*)?:)"
_SNIFF_RE = re.compile(rf"^{_ENTRY_HEAD}[ \t]*\S+[^\n]*\n(?:[^\n]*\n){{0,6}}?Title:", re.MULTILINE)
_SUBJECT = r"Subject:[ \t]*(?:[\w-]+:[ \t]*)?(?P<cat>[A-Za-z][\w.\-]*)[ \t]+daily\b[^\n]*"
_EVENT_RE = re.compile(
    rf"^(?:(?P<subj>{_SUBJECT})|(?P<sep>%[-%]{{20,}})[ \t]*$|(?P<entry>{_ENTRY_HEAD}))",
    re.MULTILINE,
)
_FIELD_RE = re.compile(r"^([A-Za-z][\w-]*):[ \t]*([^\n]*(?:\n[ \t]+[^\n]*)*)", re.MULTILINE)
_DATE_HEADER_RE = re.compile(r"^Date:[ \t]*([^\n]+)", re.MULTILINE)
_UNSUB_RE = re.compile(r"^To unsubscribe, e-mail To:[ \t]*([A-Za-z][\w.\-]*)@arxiv\.org", re.MULTILINE | re.I)
_ENCODED_RE = re.compile(r"^Content-Transfer-Encoding:[ \t]*(?:quoted-printable|base64)", re.MULTILINE | re.I)
_SUBJECT_IN_BODY = re.compile(rf"^{_SUBJECT}", re.MULTILINE)
_MBOX_SPLIT_RE = re.compile(r"^From [^\n]*\n", re.MULTILINE)
_ABS_END = "\n\\\\ ("
_PDF = "https://arxiv.org/pdf/"
_CONT = r"[^\n]*(?:\n[ \t][^\n]*)*"
# The common entry in one match: identifier, section marks, title, authors, categories, comments,
# any other fields, then either the "\\ (" line (no abstract, most replacements) or the abstract
# between a "\\" line and the closing "\\ (" line. The empty group marks where the abstract starts;
# its text is sliced from a copy of the file with every line break made a space, which is what it
# reads as when every line of it is free of whitespace at both ends (checked here, a line at a time:
# a paragraph's indent, a blank line or a trailing space takes the general path). An abstract line
# never starts with "\\", so a damaged entry cannot swallow the next one.
# A new-style identifier of a real month (April 2007 on; five digits from 2015), as `parse_arxiv_id`
# checks it; anything else takes the general path.
_NEW_ID = (r"(07(?:0[4-9]|1[0-2])\.\d{4}|(?:0[89]|1[0-4])(?:0[1-9]|1[0-2])\.\d{4}"
           r"|(?:1[5-9]|[2-9]\d)(?:0[1-9]|1[0-2])\.\d{5})(?:v(\d+))?")
_ENTRY_START = "\\\\\narXiv:"
_FAST_ENTRY_RE = re.compile(
    rf"\\\\\narXiv:{_NEW_ID}( \(\*cross-listing\*\))?\n(?:Date:|(replaced) with)[^\n]*\n\n"
    rf"Title: ({_CONT})\nAuthors: ({_CONT})\nCategories: ([^\n]*)\n(?:Comments: ({_CONT})\n)?"
    rf"(?:(?!(?i:title|authors|categories|comments):)[A-Za-z][\w-]*: {_CONT}\n)*\\\\"
    r"(?: \(|\n  (?=\S)()[^\n]*+(?:(?<!\s)\n(?!\s|\\\\)[^\n]*+)*+(?<!\s)\n\\\\ \()"
)
# An author list that `split_authors` splits exactly as plain string splits do: plain ASCII letters
# and punctuation, single spaces, ", " and lower-case " and " between names, no "et al" at its end.
_ODD_AUTHOR_CHARS_RE = re.compile(r"[^A-Za-z .,'`\"\\^~-]")
_new_paper = tuple.__new__
"""`Paper` from a tuple of its fields without the generated `Paper.__new__` (a Python call per paper)."""
_EVENT_STARTS = ("\\\\\narXiv:", "\\\\\nPaper", "Subject:", "%-%-%-%-", "%%--%%--", "%%%---%%%")


def _authors(text: str) -> tuple[str, ...]:
    """The listing's ``A, B and C``: the plain case by string splits, anything else by `split_authors`
    (the same names either way)."""
    if "\n" in text:
        text = text.replace("\n  ", " ")
    if (_ODD_AUTHOR_CHARS_RE.search(text) is None and "  " not in text and " ," not in text
            and text.count(",") == text.count(", ") and text[:1] not in (" ", ",") and text[-1:] not in (" ", ",")):
        low = text.lower()  # " AND " splits too; "and and" splits otherwise; "et al" is dropped
        if (low.count(" and") == text.count(" and") and " and and " not in low
                and not low.rstrip(" .").endswith(("et al", "et.al", "et. al"))):
            names = text.replace(", and ", ", ").replace(" and ", ", ").split(", ")
            if all(names):
                return tuple(names)
    return split_authors(text)


def _one_line(text: str) -> str:
    """`one_line` of a field's text: a wrapped field's continuation indent joined at C speed."""
    if "\n" in text:
        text = text.replace("\n  ", " ")
    if "  " in text or text[:1] == " " or text[-1:] == " " or not text.isprintable():
        return one_line(text)
    return text


def _abstract_text(raw: str) -> str:
    """An abstract's hard-wrapped lines to its text: lines joined by spaces, paragraphs (separated
    by lines that are blank or only whitespace) by a line break."""
    lines = raw.strip().split("\n")
    return paragraphs(lines) if any(not x.strip() for x in lines) else one_line(raw)


def _events(text: str) -> list[re.Match[str]]:
    """Every entry, Subject line and section separator, in order. Literal searches find the
    candidates (a regex scan of every line start costs several times more); `_EVENT_RE` checks each."""
    starts: list[int] = []
    for literal in _EVENT_STARTS:
        pos = text.find(literal)
        while pos >= 0:
            starts.append(pos)
            pos = text.find(literal, pos + 1)
    starts.sort()
    match = _EVENT_RE.match
    return [m for m in (match(text, p) for p in starts) if m is not None]
_SECTIONS = ("new", "cross", "replace", "replace")


def sniff(text: str) -> bool:
    """Listing entries in the text, or an arXiv listing mail whose body is encoded."""
    start = text.find("\\\\\n")  # a literal search first: most texts are rejected at C speed
    if start >= 0 and _SNIFF_RE.search(text, max(0, start - 1)) is not None:
        return True
    return _encoded(text) and _SUBJECT_IN_BODY.search(text) is not None


def _encoded(text: str) -> bool:
    """A quoted-printable or base64 body (one literal scan; other spellings in the first headers)."""
    head = text[:65536].lower()
    if "Transfer-Encoding" not in text and "transfer-encoding" not in head:
        return False
    return _ENCODED_RE.search(text) is not None


class _Parser:
    def __init__(self, path: str) -> None:
        self.path = path
        self.result = ParseResult()
        self.fallback_date = file_date(path)
        self.category: str | None = None
        self.date: str | None = self.fallback_date
        self.section = 0
        self.number = 0
        self.started = False

    def diag(self, line: int, message: str) -> None:
        self.result.diagnostics.append(Diagnostic(self.path, line, message))

    def run(self, text: str, first_line: int = 1) -> None:
        """The common entries go through the fast path: a literal search finds each, one regular
        expression reads it, and its abstract is sliced from a copy of the text with every line break
        made a space. The text between two of them (headers, section separators, irregular entries)
        goes through `run_events`. Lines are counted once, as the entries go by."""
        lineno, last, pos = first_line, 0, 0  # `lineno` is the line of offset `last`
        count, find, match = text.count, text.find, _FAST_ENTRY_RE.match
        joined = text.replace("\n", " ")
        start = find(_ENTRY_START)
        while start >= 0:
            m = match(text, start) if not start or text[start - 1] == "\n" else None
            if m is None:  # left in the gap for the general path
                start = find(_ENTRY_START, start + 1)
                continue
            # Anything between two fast entries that `run_events` must read: an entry, a section
            # separator or a listing's Subject line (one-character searches run at memchr speed).
            if start > pos and (find("\\", pos, start) >= 0 or find("%", pos, start) >= 0
                                or find("Subject:", pos, start) >= 0):
                lineno += count("\n", last, pos)
                last = pos
                self.run_events(text[pos:start], lineno)
            lineno += count("\n", last, start)
            last = start
            if not self.started:
                self.start(text, None, None, lineno, 0)
            pos = m.end()
            abs_start = m.start(9)
            abstract = joined[abs_start:pos - 5] if abs_start >= 0 else ""
            if not self.fast_entry(m, abstract, lineno + 1):
                self.entry(text[start:pos], lineno + 1)
            start = find(_ENTRY_START, pos)
        if pos < len(text):
            self.run_events(text[pos:], lineno + count("\n", last, pos))

    def run_events(self, text: str, first_line: int = 1) -> None:
        lineno, last = first_line, 0
        events = _events(text)
        for k, m in enumerate(events):
            lineno += text.count("\n", last, m.start())
            last = m.start()
            if m.group("entry") is not None:
                if not self.started:
                    self.start(text, None, None, lineno, 0)
                end = events[k + 1].start() if k + 1 < len(events) else len(text)
                self.entry(text[last:end], lineno + 1)
            elif m.group("sep") is not None:
                sep = m.group("sep")
                self.section = 3 if sep.startswith("%%%") else 2 if sep.startswith("%%") else 1
            else:
                self.start(text, m, m.group("cat"), lineno, m.start())

    def start(self, text: str, m: re.Match[str] | None, category: str | None, lineno: int, pos: int) -> None:
        """A new listing: its header block (the lines around the Subject) gives date and category."""
        self.started = True
        self.section = 0
        self.number = 0
        block_start = text.rfind("\n\n", 0, pos) + 1
        block_end = text.find("\n\n", pos)
        block = text[block_start:block_end if block_end >= 0 else len(text)]
        date = None
        if m is not None:
            dm = _DATE_HEADER_RE.search(block)
            date = rfc_date(dm.group(1)) if dm else None
            if date is None:
                self.diag(lineno, "listing has no valid Date header; date from the file name"
                          if self.fallback_date else "listing has no valid Date header")
        else:
            um = _UNSUB_RE.search(text, 0, 4000)
            category = um.group(1) if um else None
            dm = _DATE_HEADER_RE.match(text)  # a saved listing that starts with its headers
            date = rfc_date(dm.group(1)) if dm else None
        self.date = date or self.fallback_date
        self.category = category
        self.result.digests.append(Digest(self.path, category, self.date, lineno))

    def fast_entry(self, m: re.Match[str], abstract: str, lineno: int) -> bool:
        """A paper from a `_FAST_ENTRY_RE` match and its abstract's text; False leaves the entry to `entry`."""
        ident, version, cross, replaced, title, authors, cats_text, comments, _ = m.groups()
        announce = "replace" if replaced or self.section >= 2 else "cross" if cross or self.section == 1 else "new"
        if not abstract and announce != "replace":
            return False  # reported by the general path
        if not title or not title.isprintable() or "  " in title or title[:1] == " " or title[-1:] == " ":
            title = _one_line(title)
            if not title:
                return False
        if comments is not None:
            comments = _one_line(comments) or None
        cats = tuple(cats_text.split())
        category = self.category
        listed = cats + (category,) if category and category not in cats else cats
        self.number += 1
        self.result.papers.append(_new_paper(Paper, (
            ident, version, title, abstract, _PDF + ident if version is None else pdf_for(ident, version), category,
            self.date, self.number, self.path, lineno, listed, _authors(authors), comments, announce,
            cats[0] if cats else category, self.date)))
        return True

    def entry(self, block: str, lineno: int) -> None:
        """One ``\\\\`` ... entry; `lineno` is the line of its ``arXiv:`` line."""
        nl = block.find("\n", 3)
        head = block[3:nl] if nl >= 0 else block[3:]
        if nl < 0:
            nl = len(block)
        cross = "(*cross-listing*)" in head
        raw_id = head.split(":", 1)[1].replace("(*cross-listing*)", "").split()
        found = parse_arxiv_id(raw_id[0]) if raw_id else None
        ident, version = found if found is not None else ident_of(raw_id[0]) if raw_id else (None, None)
        meta_end = block.find("\n\\\\", nl)
        if meta_end < 0:
            meta_end = len(block)
        meta = block[nl + 1:meta_end]
        fields: dict[str, str] = {}
        for fm in _FIELD_RE.finditer(meta):
            fields.setdefault(fm.group(1).lower(), fm.group(2))
        abstract = ""
        if block.startswith("\n\\\\\n", meta_end) or block.startswith("\n\\\\ \n", meta_end):
            abs_start = block.find("\n", meta_end + 3) + 1
            abs_end = block.find(_ABS_END, abs_start - 1)
            if abs_end < 0:
                abs_end = block.find("\n\\\\", abs_start - 1)
            raw = block[abs_start:abs_end] if abs_end >= 0 else block[abs_start:]
            abstract = _abstract_text(raw)
        replaced = meta.startswith("replaced with") or "\nreplaced with" in meta[:200]
        announce = "replace" if replaced or self.section >= 2 else "cross" if cross or self.section == 1 else "new"
        title = one_line(fields.get("title", ""))
        if ident is None:
            self.diag(lineno, f"not an arXiv identifier: {one_line(head)[:60]!r}")
        if not title:
            self.diag(lineno, "paper has no title")
        if not abstract and announce != "replace":
            self.diag(lineno, "paper has no abstract")
        cats = tuple(fields.get("categories", "").split())
        comments = one_line(fields["comments"]) if "comments" in fields else None
        self.number += 1
        category = self.category
        self.result.papers.append(Paper(
            ident, version, title, abstract, pdf_for(ident, version), category, self.date, self.number,
            self.path, lineno, with_listing(cats, category), split_authors(fields.get("authors", "")),
            comments or None, announce, cats[0] if cats else category, self.date))


def _decoded_bodies(text: str) -> list[tuple[str, int]]:
    """(plain-text body, line of its message) for each message of an mbox or .eml file."""
    bodies: list[tuple[str, int]] = []
    starts = [m.start() for m in _MBOX_SPLIT_RE.finditer(text)] or [0]
    if starts[0] != 0:
        starts.insert(0, 0)
    for i, start in enumerate(starts):
        chunk = text[start:starts[i + 1] if i + 1 < len(starts) else len(text)]
        line = text.count("\n", 0, start) + 1
        try:
            msg = email.message_from_string(chunk, policy=email.policy.compat32)
            parts = [p for p in msg.walk() if p.get_content_maintype() == "text" and not p.is_multipart()]
            plain = [p for p in parts if p.get_content_subtype() == "plain"]
            for part in (plain or parts)[:1]:  # the plain-text body; an HTML copy would list it twice
                bodies.append((_payload_text(part), line))
        except Exception:  # a broken message: read it as it stands
            bodies.append((chunk, line))
    return bodies


def _payload_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace").replace("\r\n", "\n")
    except LookupError:
        return payload.decode("utf-8", errors="replace").replace("\r\n", "\n")


def parse(text: str, path: str) -> ParseResult:
    parser = _Parser(path)
    if _encoded(text):
        for body, line in _decoded_bodies(text):
            parser.run(body if _SUBJECT_IN_BODY.search(body) else _headers_of(text, line) + body, line)
    else:
        parser.run(text)
    if not parser.result.papers:
        parser.diag(1, "listing e-mail holds no papers")
    return parser.result



def _headers_of(text: str, line: int) -> str:
    """The Date and Subject headers of the message at `line`, as text to put before its body."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
    end = text.find("\n\n", start)
    block = text[start:end if end >= 0 else len(text)]
    keep = [h for h in block.split("\n") if h.startswith(("Date:", "Subject:"))]
    return "\n".join(keep) + "\n\n" if keep else ""
