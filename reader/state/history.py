"""The marks history: every event compaction moved out of the live log, by month.

``history/YYYY-MM.jsonl`` in the store's directory (the month of the event's time, UTC) holds
event lines exactly as in ``marks.log``. The files are only ever appended to, under the store's
lock, and fsync'd before the log they came from is replaced; a crash in between can leave an
event in both the history and the log, so readers drop exact duplicates. Loading never reads
them: `journal`, undo and earlier note versions do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from .fields import FIELDS, NOTE, Value, order
from .files import _fsync_dir, _why
from .format import VERSION, Event, StateError, _event_line, _line_event, _parse_log, _Snapshot

HISTORY_DIR = "history"

RawEvent = tuple[str, str, Value, float]


def month_of(t: float) -> str:
    """``YYYY-MM`` of Unix time `t` in UTC (clamped to 1970-01 .. 9999-12)."""
    try:
        return datetime.fromtimestamp(max(t, 0.0), UTC).strftime("%Y-%m")
    except (OverflowError, OSError, ValueError):
        return "9999-12"


def event_lines(events: Iterable[tuple[object, ...]], raw: bool) -> dict[str, list[str]]:
    """Log lines per month for events as parsed from a log (see `_LogChunk.raw`)."""
    out: dict[str, list[str]] = {}
    month_cache: dict[float, str] = {}
    for key, field, value, t in events:
        if raw:
            value = value == "true"
            t = float(str(t))
        assert isinstance(key, str) and isinstance(field, str) and isinstance(t, float)
        assert value is None or isinstance(value, (bool, str))
        month = month_cache.get(t)
        if month is None:
            month = month_cache[t] = month_of(t)
        out.setdefault(month, []).append(_event_line(key, field, value, t))
    return out


def append_history(directory: Path, by_month: dict[str, list[str]]) -> None:
    """Append and fsync the lines to their month files. Raises StateError."""
    if not by_month:
        return
    folder = directory / HISTORY_DIR
    try:
        created = not folder.is_dir()
        if created:
            os.makedirs(folder, exist_ok=True)
            _fsync_dir(directory)
        new_file = False
        for month, lines in sorted(by_month.items()):
            path = folder / f"{month}.jsonl"
            new_file = new_file or not path.exists()
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                size = os.fstat(fd).st_size
                head = b""
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    head = b"\n"  # a torn line from a crash: never glue an event to it
                data = memoryview(head + "".join(lines).encode("utf-8", "surrogatepass"))
                while data:
                    data = data[os.write(fd, data):]
                os.fsync(fd)
            finally:
                os.close(fd)
        if new_file:
            _fsync_dir(folder)
    except OSError as err:
        raise StateError(f"cannot write the marks history in {folder}: {_why(err)}") from None


def history_files(directory: Path, since: float | None = None) -> list[Path]:
    """The month files, oldest first (only months that can hold events at or after `since`)."""
    folder = directory / HISTORY_DIR
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".jsonl") and len(n) == 13)
    except OSError:
        return []
    first = month_of(since) if since is not None else ""
    return [folder / n for n in names if n[:7] >= first]


def read_events(path: Path, only: str | None = None) -> Iterator[RawEvent]:
    """The valid events in one history (or log) file; bad lines are skipped. With `only`, just
    the lines that contain that text (a cheap pre-filter, e.g. ``'"note"'``)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return
    for raw in data.split(b"\n"):
        if not raw or (only is not None and only.encode() not in raw):
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        parsed = _line_event(text)
        if parsed is not None:
            yield parsed


class NoteIndex:
    """Every note version in the history files, per key; rebuilt when a file changed."""

    def __init__(self) -> None:
        self._stamp: tuple[tuple[str, int, int], ...] | None = None
        self._versions: dict[str, set[tuple[float, str | None]]] = {}

    def versions(self, directory: Path) -> dict[str, set[tuple[float, str | None]]]:
        files = history_files(directory)
        stamp = []
        for f in files:
            try:
                st = os.stat(f)
            except OSError:
                continue
            stamp.append((f.name, st.st_size, st.st_mtime_ns))
        key = tuple(stamp)
        if key != self._stamp:
            versions: dict[str, set[tuple[float, str | None]]] = {}
            for f in files:
                for k, field, value, t in read_events(f, only=f'"{NOTE}"'):
                    if field == NOTE and (value is None or isinstance(value, str)):
                        versions.setdefault(k, set()).add((t, value))
            self._versions, self._stamp = versions, key
        return self._versions


def snapshot_events(snap: _Snapshot) -> Iterator[Event]:
    """Every entry a snapshot holds, as events."""
    for field in FIELDS:
        for line in snap.lines[field]:
            skey, code, ts = line.split("\t")
            key = json.loads(skey) if skey[0] == '"' else skey
            yield Event(key, field, code in "RS", float(ts))
    for key, field, (t, value) in snap.extras.items():
        yield Event(key, field, value, t)


def move_to_history(directory: Path, log_path: Path, log_data: bytes, snap: _Snapshot) -> None:
    """Append the events of a live log (its bytes up to the last acknowledged line) to the
    history, and a version 1 snapshot's entries, which have no history yet. Raises StateError."""
    by_month: dict[str, list[str]] = {}
    if log_data:
        chunk = _parse_log(log_data, log_path)
        by_month = event_lines(chunk.events, chunk.raw)
    if snap.version < VERSION and snap.entries:
        old = [(e.key, e.field, e.value, e.time) for e in snapshot_events(snap)]
        for month, lines in event_lines(old, False).items():
            by_month.setdefault(month, []).extend(lines)
    append_history(directory, by_month)


def all_events(directory: Path, log_path: Path, since: float | None = None) -> list[Event]:
    """Every event in the live log and the history (at or after `since`), without duplicates,
    newest first. The log is read before the history, so a compaction in between hides nothing."""
    try:
        with open(log_path, "rb") as fh:
            log_data = fh.read()
    except FileNotFoundError:
        log_data = b""
    except OSError as err:
        raise StateError(f"cannot read marks from {log_path}: {_why(err)}") from None
    seen: set[RawEvent] = set()
    if log_data:
        chunk = _parse_log(log_data, log_path)
        for key, field, value, t in chunk.events:
            if chunk.raw:
                value, t = value == "true", float(t)
            seen.add((key, field, value, t))
    for path in history_files(directory, since):
        seen.update(read_events(path))
    events = [Event(*e) for e in seen if since is None or e[3] >= since]
    events.sort(key=lambda e: (order(e.time, e.value), e.key, e.field), reverse=True)
    return events
