"""The file side of `reader.sync`: reading other machines' untrusted files, atomic writes. UI-free."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Any

from .state import Event
from .state.bulk import MAX_LINE, Checked, parse_checked

MARK = 64


def _safe_text(text: str, limit: int = 80) -> str:
    """A name from an untrusted file made safe to print: printable, short."""
    return "".join(c if c.isprintable() else "?" for c in text[:limit])


def _ident(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    parts: list[bytes] = []
    offset = 0
    while True:
        chunk = os.pread(fd, max(size - offset, 1 << 16), offset)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        offset += len(chunk)


def _header_end(data: bytes) -> int:
    return data.find(b"\n") + 1


def _events(chunk: Any, skip: set[tuple[str, str, float]] | None = None) -> list[Event]:
    """The chunk's events as Event objects, leaving out those whose (key, field, time) is in `skip`."""
    if chunk.raw:
        if skip:
            return [Event(k, f, v == "true", t) for k, f, v, ts in chunk.events if (k, f, t := float(ts)) not in skip]
        return [Event(k, f, v == "true", float(t)) for k, f, v, t in chunk.events]
    return [Event(*e) for e in chunk.events if not skip or (e[0], e[1], e[3]) not in skip]


def _read_file(path: Path, rec: dict[str, Any] | None,
               budget: int) -> tuple[dict[str, Any], Checked, str, int] | None:
    """Read what was added to another machine's file since `rec`: (new record, events, host
    name from its header, bytes read), or None if it cannot be read (tried again next poll)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        ident = list(_ident(st))
        start, skip = 0, False
        if rec is not None and rec.get("ident") == ident and isinstance(rec.get("offset"), int) \
                and 0 <= rec["offset"] <= st.st_size:
            start, skip = rec["offset"], bool(rec.get("skip"))
            mark = bytes.fromhex(str(rec.get("mark", ""))) if _is_hex(rec.get("mark")) else b""
            if mark and os.pread(fd, len(mark), start - len(mark)) != mark:
                start, skip = 0, False  # rewritten in place: read it again
        if rec is not None and start == st.st_size and start:
            return {**rec, "size": st.st_size}, Checked(), "", 0
        data = os.pread(fd, min(st.st_size - start, budget), start)
    except OSError:
        return None
    finally:
        os.close(fd)
    events, consumed, skip, host = _parse_untrusted(data, skip, start == 0)
    end = start + consumed
    prev_mark = bytes.fromhex(str(rec.get("mark", ""))) if rec and start and _is_hex(rec.get("mark")) else b""
    mark = (prev_mark + data[max(0, consumed - MARK):consumed])[-MARK:]
    new = {"ident": ident, "offset": end, "size": st.st_size, "mark": mark.hex(), "skip": skip}
    return new, events, host, max(len(data), 1)


def _is_hex(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 2 * MARK and re.fullmatch(r"(?:[0-9a-f]{2})*", value) is not None


def _parse_untrusted(data: bytes, skip: bool, at_start: bool) -> tuple[Checked, int, bool, str]:
    """Events in the complete lines of `data`: (events, bytes consumed, still skipping an
    over-long line, host name from a header). Never raises."""
    pos = 0
    host = ""
    if skip:  # the rest of an over-long line
        nl = data.find(b"\n")
        if nl < 0:
            return Checked(), len(data), True, ""
        pos = nl + 1
    last = data.rfind(b"\n")
    if last < pos:
        if len(data) - pos > MAX_LINE:
            return Checked(), len(data), True, ""
        return Checked(), pos, False, ""
    if at_start and pos == 0:
        nl = data.find(b"\n")
        host = _header_host(data[:nl])
        if data.startswith(b'{"format"'):  # a header line: not an event
            pos = nl + 1
    return parse_checked(data, pos, last + 1), last + 1, False, host


def _header_host(line: bytes) -> str:
    if len(line) > 4096:
        return ""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return ""
    if isinstance(obj, dict) and obj.get("kind") == "sync" and isinstance(obj.get("host"), str):
        return _safe_text(obj["host"])
    return ""
