"""Small helpers shared by the format modules: author lists, dates, whitespace, identifiers."""

from __future__ import annotations

import datetime as _dt
import email.utils
import os
import re

from ..model import Paper, id_from_url, parse_arxiv_id, pdf_url

_WS_RE = re.compile(r"\s+")
_FILE_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_ISO_RE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})")
_AND_RE = re.compile(r"\s+and\s+|\s*&\s*|\s*;\s*", re.IGNORECASE)
_MARKER_RE = re.compile(r"\s*\((?:\d+|[a-z])(?:\s*,\s*(?:\d+|[a-z]))*\)")  # "(1, 2)" affiliation markers
_SIMPLE_SPLIT_RE = re.compile(r",\s*(?:and\s+)?|\s+and\s+|\s*[&;]\s*", re.IGNORECASE)


def one_line(text: str) -> str:
    """Every run of whitespace (line breaks included) to one space, ends stripped."""
    return " ".join(text.split()) if text else ""


def paragraphs(lines: list[str]) -> str:
    """Hard-wrapped lines to paragraphs: lines joined by spaces, blank lines to one newline."""
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped:
            current.append(stripped)
        elif current:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return "\n".join(out)


def _drop_et_al(text: str) -> str:
    """``A, B et al.`` (or ``et.al.``) to ``A, B``. Plain string tests: a regex searched from
    every comma would be quadratic on hostile input."""
    stripped = text.rstrip(" .")
    low = stripped[-8:].lower()
    for suffix in ("et al", "et.al", "et. al"):
        if low.endswith(suffix) and (len(stripped) == len(suffix) or not stripped[-len(suffix) - 1].isalnum()):
            return stripped[:-len(suffix)].rstrip(" ,")
    return text


def split_authors(text: str) -> tuple[str, ...]:
    """``A, B and C`` (or ``A and B and C``, ``A; B``) to names. Commas inside parentheses
    (affiliations) do not split; a trailing ``et al.`` is dropped."""
    text = " ".join(text.split())
    if "(" not in text and "[" not in text and "{" not in text:  # the common case, in C
        if "et" in text:
            text = _drop_et_al(text)
        return tuple(n for n in (x.strip(" \t,;") for x in _SIMPLE_SPLIT_RE.split(text)) if n)
    text = _drop_et_al(text)
    if text.endswith(")") and "((" in text:  # "A (1), B (2) ((1) Univ. X, (2) Inst. Y)": affiliations
        text = text[:text.rindex("((")].rstrip()
    if "(" in text:
        text = _MARKER_RE.sub("", text)
    names: list[str] = []
    for part in _top_level_commas(text):
        # never split an affiliation on "and"
        for piece in [part] if "(" in part else _AND_RE.split(part):
            name = piece.strip(" \t,;")
            if name.lower().startswith("and "):
                name = name[4:].strip()
            if name:
                names.append(name)
    return tuple(names)


def _top_level_commas(text: str) -> list[str]:
    """Split at the commas outside any brackets."""
    parts: list[str] = []
    depth = start = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def rfc_date(text: str) -> str | None:
    """An announcement's timestamp to its UTC date: ``Fri,  3 Mar 23 01:29:12 GMT`` (RFC 2822,
    two- or four-digit year), ``Mon, 28 Apr 2025 00:00:00 -0400`` or ISO ``2012-09-12T20:30:00-05:00``.
    None if invalid. arXiv announces at 20:00 US Eastern and dates the listing by the next day;
    in UTC the e-mail, the RSS and the RDF feed of one announcement all name that day."""
    text = text.strip()
    parsed: _dt.datetime | None
    try:
        if _ISO_RE.match(text):
            if len(text) <= 10 or text[10:11] not in ("T", " "):
                return valid_date(int(text[:4]), int(text[5:7]), int(text[8:10])) if len(text) >= 10 else None
            parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            parsed = email.utils.parsedate_to_datetime(text)
        if parsed is None:
            return None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(_dt.UTC)
        return parsed.date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        m = _ISO_RE.match(text)
        return valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def valid_date(y: int, m: int, d: int) -> str | None:
    try:
        return _dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def file_date(path: str) -> str | None:
    """The ``YYYY-MM-DD`` in a file's name, if it is a real date."""
    m = _FILE_DATE_RE.search(os.path.basename(path))
    return valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def ident_of(text: str) -> tuple[str | None, str | None]:
    """Identifier and version from a URL, ``oai:arXiv.org:ID``, ``arXiv:ID`` or a bare ID."""
    text = text.strip()
    if not text:
        return None, None
    found = id_from_url(text)
    if found is None:
        tail = text.rsplit("arXiv.org:", 1)[-1] if "arXiv.org:" in text else text
        found = parse_arxiv_id(tail)
    return found if found is not None else (None, None)


def pdf_for(ident: str | None, version: str | None) -> str | None:
    if ident is None:
        return None
    return pdf_url(ident + (f"v{version}" if version else ""))


_CATEGORY_RE = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?")


def arxiv_categories(terms: list[str]) -> tuple[str, ...]:
    """The terms that are arXiv categories (``cs.CL``, ``hep-th``), not MSC or ACM classes."""
    return tuple(dict.fromkeys(t for t in (one_line(x) for x in terms) if _CATEGORY_RE.fullmatch(t)))


def with_listing(categories: tuple[str, ...], listing: str | None) -> tuple[str, ...]:
    """The paper's own categories plus the category of the list it was announced in."""
    if listing and listing not in categories:
        return categories + (listing,)
    return categories


__all__ = ["Paper", "arxiv_categories", "file_date", "ident_of", "one_line", "paragraphs", "pdf_for", "rfc_date",
           "split_authors", "valid_date", "with_listing"]
