"""Digest formats behind one small interface.

Each format module exposes ``NAME``, ``sniff(text) -> bool`` and
``parse(text, path) -> ParseResult``. `parse_bytes` decodes a file's bytes, picks the
first format whose sniffer accepts the text, and never raises on bad input: every
problem becomes a `Diagnostic`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

from ..model import Diagnostic, Digest, Paper


NO_FORMAT = "not a digest: no known format"
"""The message of a file that no format's sniffer accepts (the library counts these)."""


@dataclass(slots=True)
class ParseResult:
    papers: list[Paper] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    digests: list[Digest] = field(default_factory=list)
    format: str | None = None


def _formats() -> list[ModuleType]:
    """Every format, most specific sniffer first: the seed Markdown reader comes last because
    its sniffer also accepts headings that link to arXiv, which other layouts have too."""
    from . import atom, mail, markdown, md_h2, md_numbered, md_table, rss

    return [mail, rss, atom, md_numbered, md_h2, md_table, markdown]


def decode(data: bytes, path: str) -> tuple[str, list[Diagnostic]]:
    """Bytes to text: UTF-8 (BOM dropped), undecodable bytes replaced and reported, CRLF to LF."""
    diagnostics: list[Diagnostic] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        text = data.decode("utf-8", errors="replace")
        bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
        diagnostics.append(
            Diagnostic(path, line, f"bytes that are not UTF-8 were replaced ({bad} in the file)")
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text, diagnostics


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" in head


def parse_bytes(data: bytes, path: str) -> ParseResult:
    """Parse one file's content. Never raises for any input."""
    if _looks_binary(data):
        return ParseResult(diagnostics=[Diagnostic(path, 1, "not a digest: binary file")])
    text, diagnostics = decode(data, path)
    from . import markdown

    for fmt in [markdown] if markdown.sniff_first(text) else _formats():
        if fmt.sniff(text):
            result: ParseResult = fmt.parse(text, path)
            result.diagnostics[:0] = diagnostics
            result.diagnostics.sort(key=lambda d: d.line)  # stable: file order within a line
            result.format = fmt.NAME
            return result
    diagnostics.append(Diagnostic(path, 1, NO_FORMAT))
    return ParseResult(diagnostics=diagnostics)
