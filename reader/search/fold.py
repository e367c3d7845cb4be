"""Casefolding and substring tests shared by the index, the engine and the highlighter."""

from __future__ import annotations

from typing import AnyStr


def _fold_search(text: str) -> str:
    """Casefolded, with line breaks as spaces (same length), for substring search."""
    if "\n" in text:
        text = text.replace("\n", " ")
    return text.casefold()


def _utf8(text: str) -> bytes:
    # A substring test gives the same answer on UTF-8 bytes as on the text (UTF-8 is
    # self-synchronising), and the index keeps its words as UTF-8.
    return text.encode("utf-8", "surrogatepass")


def _has_folded(text: str, folded: str, folded_ascii: bool) -> bool:
    """``folded in text.casefold()``, cheaply: casefolding is per character and idempotent, so a
    literal occurrence in `text` is one in its casefold, and an ASCII text folds like lower()."""
    if folded in text:
        return True
    if text.isascii():
        return folded_ascii and folded in text.lower()
    return folded in text.casefold()


def _fold_contains(text: str, folded: str, start: bool, end: bool) -> bool:
    """`_contains` on ``text.casefold()``, with the same shortcuts as `_has_folded`."""
    if not start and not end:
        return _has_folded(text, folded, folded.isascii())
    if _contains(text, folded, start, end):
        return True
    return _contains(text.lower() if text.isascii() else text.casefold(), folded, start, end)


def _or(a: bytes | bytearray, b: bytes | bytearray) -> bytes:
    """Two masks of one byte (0 or 1) a paper, OR-ed."""
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(len(a), "little")


def _and(a: bytes | bytearray, b: bytes | bytearray) -> bytearray:
    return bytearray((int.from_bytes(a, "little") & int.from_bytes(b, "little")).to_bytes(len(a), "little"))


def _contains(s: AnyStr, n: AnyStr, start: bool, end: bool) -> bool:
    if start and end:
        return s == n
    if start:
        return s.startswith(n)
    if end:
        return s.endswith(n)
    return n in s


def _find(s: str, n: str, start: bool, end: bool) -> int:
    if start:
        return 0 if _contains(s, n, start, end) else -1
    if end:
        return len(s) - len(n) if s.endswith(n) else -1
    return s.find(n)

