"""Marks shared through a synced folder (``sync_dir`` in config.toml). UI-free.

Each machine (each data directory) appends its own marks events to its own file in the synced
folder, ``marks.<host-id>.log`` (past 64 MB: ``marks.<host-id>.2.log``, ``.3.log``, ...), and
merges every other ``marks.*`` file there into its local store with the store's own conflict
rule (`StateStore.merge_checked`: parsed once, one append, the span it wrote skipped by the
push cursor), so the result does not depend on the order files arrive in.

* The local store stays the source of truth. The synced file is a second, append-only copy of
  this machine's events, written after the local ``fsync``. A failure to write it never loses
  or blocks a local mark: the "exported up to" cursor (the local log's generation and offset,
  in ``DATA_DIR/sync/state.json``) stays behind and the next push catches up from the local
  log (or, after a compaction this process did not follow, from the history).
* Other machines' files (conflict copies included) are only ever read: per file, the bytes
  merged so far, its identity (device, inode) and the 64 bytes before that offset are kept in
  ``state.json``; only the bytes added since are read, at most `POLL_BUDGET` bytes per poll. A
  last line without its newline is left for later; a file that shrank, was replaced or was
  rewritten is read again from the start (merging is idempotent).
* The files are untrusted: a line longer than `MAX_LINE`, not UTF-8, not JSON, or not an event
  is skipped. Nothing here writes outside the data directory except this machine's own file.

Own files start with a header line that `state import` also accepts::

    {"format": "arxiv-reader-marks", "version": 2, "kind": "sync", "host_id": "<16 hex>",
     "host": "<host name>", "part": 1, "created": 1764620000.0}

and then hold event lines exactly as `state export` writes them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .state import Event, StateError, StateStore
from .state.bulk import MAX_LINE, Checked, KeySet, MergeResult
from .state.files import _bulk
from .state.events import _event_line
from .state.format import _parse_log_lines
from .sync_files import _events, _header_end, _ident, _read_all, _read_file, _safe_text, _write_atomic

ROTATE_BYTES = 64 * 1024 * 1024
"""Own file size after which a new numbered file is started (DECISIONS.md)."""
POLL_BUDGET = 32 * 1024 * 1024
"""At most this many bytes of other machines' files are read by one `SyncFolder.poll`."""
MAX_FILES = 1000
"""At most this many files of the synced folder are looked at."""
CATCH_UP_MARGIN = 300.0
"""Seconds of history re-exported when the local log was compacted behind the cursor."""
STATE_DIR = "sync"
_OWN = re.compile(r"marks\.([0-9a-f]{16})(?:\.([0-9]{1,6}))?\.log")
_MACHINE = re.compile(r"marks\.([0-9a-f]{16})")
_HOST_ID = re.compile(r"[0-9a-f]{16}")


class SyncError(Exception):
    """The synced folder cannot be used; the message is one line for the user."""


@dataclass
class FileStatus:
    """One other machine's file as `SyncFolder.status` reports it."""

    name: str
    host_id: str
    host: str
    size: int
    merged: int
    last_event: float | None


@dataclass
class _Seen:
    host: str = ""
    last: float | None = None


@dataclass
class _Batch:
    events: Checked = field(default_factory=Checked)
    offsets: dict[str, dict[str, Any]] = field(default_factory=dict)
    more: bool = False


def _hostname() -> str:
    try:
        return _safe_text(socket.gethostname()) or "unknown"
    except OSError:
        return "unknown"


class SyncFolder:
    """This machine's side of the synced folder for `store` (whose directory is the data dir).

    `push_new_local_events` copies this machine's new events to its own file; `poll` merges
    what other machines added and returns the keys whose marks changed. Both are cheap when
    nothing changed (a ``stat`` or a directory listing) and safe to call from a worker thread
    every 2 s; several processes of one machine coordinate through a lock file.
    """

    def __init__(self, store: StateStore, sync_dir: Path | str):
        self.store = store
        self.sync_dir = Path(sync_dir).expanduser()
        self.state_dir = store.directory / STATE_DIR
        data, shared = store.directory.resolve(), self.sync_dir.resolve()
        if shared == data or data in shared.parents or shared in data.parents:
            raise SyncError(f"sync_dir {shared} must be a folder of its own, not the data directory {data} "
                            "or a folder holding it")
        self._old_fd: int | None = None  # the local log we last read, kept to finish it after a compaction
        self._old_ident: tuple[int, int] | None = None
        self._more = False
        self.host_id = self._host_id()

    # -- identity and state -----------------------------------------------------------------

    def _host_id(self) -> str:
        path = self.state_dir / "host-id"
        with contextlib.suppress(OSError):
            text = path.read_text("ascii").strip()
            if _HOST_ID.fullmatch(text):
                return text
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".host-id.tmp-{os.getpid()}-{secrets.token_hex(4)}")
            _write_atomic(tmp, (secrets.token_hex(8) + "\n").encode())
            try:
                os.link(tmp, path)  # only the first process of this data directory makes it
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
            return path.read_text("ascii").strip()
        except OSError as err:
            raise SyncError(f"cannot write {path}: {err.strerror or err}") from None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        """The sync state (``state.json``) under this machine's sync lock; saved if changed."""
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.state_dir / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as err:
            raise SyncError(f"cannot use {self.state_dir}: {err.strerror or err}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            state = self._load_state()
            before = json.dumps(state, sort_keys=True)
            yield state
            if json.dumps(state, sort_keys=True) != before:
                try:
                    _write_atomic(self.state_dir / "state.json", json.dumps(state).encode())
                except OSError as err:
                    raise SyncError(f"cannot write {self.state_dir / 'state.json'}: {err.strerror or err}") from None
        finally:
            os.close(fd)

    def _load_state(self) -> dict[str, Any]:
        try:
            data = json.loads((self.state_dir / "state.json").read_bytes())
        except (OSError, ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            data = {}
        for key in ("files", "seen"):
            if not isinstance(data.get(key), dict):
                data[key] = {}
        return data

    # -- pushing this machine's events ------------------------------------------------------

    def push(self, events: Iterable[Event]) -> int:
        """Append `events` (already in the local store) to this machine's file; returns how
        many were written. Raises SyncError (the local marks are safe either way)."""
        lines = [_event_line(e.key, e.field, e.value, e.time) for e in events]
        if lines:
            self._append_own("".join(lines).encode("utf-8", "surrogatepass"))
        return len(lines)

    def push_new_local_events(self) -> int:
        """Copy this machine's events that the synced file does not have yet (read from the
        local log since the cursor; events this object merged from others are left out).
        Returns how many were written; raises SyncError when the synced folder cannot be
        written (call again later: nothing is skipped)."""
        with self._locked() as state:
            return self._push_locked(state, set())

    def _push_locked(self, state: dict[str, Any], merged: set[tuple[str, str, float]]) -> int:
        cursor = state.get("push")
        try:
            events, new_cursor = self._local_since(cursor if isinstance(cursor, dict) else None, merged)
        except OSError as err:
            raise SyncError(f"cannot read {self.store.log_path}: {err.strerror or err}") from None
        mine = [e for e in events if (e.key, e.field, e.time) not in merged]
        self.push(mine)
        state["push"] = new_cursor
        return len(mine)

    def _only_header_before(self, ident: tuple[int, int], start: int) -> bool:
        """Whether the local log (still `ident`) holds nothing but its header before `start`."""
        try:
            with open(self.store.log_path, "rb") as fh:
                head = fh.read(start) if _ident(os.fstat(fh.fileno())) == ident and start <= 4096 else b""
        except OSError:
            return False
        return len(head) == start and head.startswith(b'{"format"') and head.count(b"\n") == 1 \
            and head.endswith(b"\n")

    def _local_since(self, cursor: dict[str, Any] | None,
                     skip: set[tuple[str, str, float]]) -> tuple[list[Event], dict[str, Any]]:
        """The local events after `cursor`, and the cursor at the end of what was read."""
        log = self.store.log_path
        try:
            fd = os.open(log, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return (self._all_local() if cursor is None else []), {"ident": None, "offset": 0, "wall": time.time()}
        try:
            st = os.fstat(fd)
            ident = _ident(st)
            c_ident = tuple(cursor["ident"]) if cursor and isinstance(cursor.get("ident"), list) else None
            offset = cursor.get("offset") if cursor else None
            if not isinstance(offset, int) or offset < 0:
                offset = 0
            if cursor is not None and c_ident == ident and offset == st.st_size:
                os.close(fd)
                return [], cursor
            wall = time.time()
            if cursor is not None and c_ident == ident and offset <= st.st_size:
                data = os.pread(fd, st.st_size - offset, offset)
                events = _events(_parse_log_lines(data, 0 if offset else _header_end(data)), skip)
                end = offset + data.rfind(b"\n") + 1
            else:
                data = _read_all(fd)
                end = data.rfind(b"\n") + 1
                events = self._before_log(cursor, c_ident, offset)
                if cursor is not None:  # (the first time, `_all_local` holds the log's events)
                    events += _events(_parse_log_lines(data, _header_end(data)), skip)
        except BaseException:
            os.close(fd)
            raise
        if self._old_fd is not None and self._old_fd != fd:
            os.close(self._old_fd)
        self._old_fd, self._old_ident = fd, ident
        return events, {"ident": list(ident), "offset": end, "wall": wall}

    def _before_log(self, cursor: dict[str, Any] | None, c_ident: tuple[int, ...] | None,
                    offset: int) -> list[Event]:
        """The events not exported yet from before the current local log: all of them the first
        time, else the rest of the log we were reading when it was replaced by a compaction."""
        if cursor is None:
            return self._all_local()
        if cursor.get("ident") is None:  # there was no log: everything before it was exported
            return []
        if self._old_fd is not None and self._old_ident == c_ident:
            old = _read_all(self._old_fd)
            if offset <= len(old):
                return _events(_parse_log_lines(old, max(offset, _header_end(old))))
        # compacted while no process of ours followed it: re-export a margin of the history
        wall = cursor.get("wall")
        since = (float(wall) if isinstance(wall, (int, float)) else 0.0) - CATCH_UP_MARGIN
        events = [e for e in self.store.history(since) if e.time >= since]
        events.reverse()
        return events

    def _all_local(self) -> list[Event]:
        """Everything this machine holds (the first push after sync is turned on)."""
        self.store.refresh()
        return list(self.store.export_events())

    def _own_path(self) -> Path:
        """This machine's current file (the highest part number)."""
        parts = [1]
        with contextlib.suppress(OSError):
            for name in os.listdir(self.sync_dir):
                m = _OWN.fullmatch(name)
                if m and m.group(1) == self.host_id and m.group(2):
                    parts.append(int(m.group(2)))
        return self.sync_dir / _own_name(self.host_id, max(parts))

    def _append_own(self, data: bytes) -> None:
        try:
            self.sync_dir.mkdir(parents=True, exist_ok=True)
            path = self._own_path()
            with contextlib.suppress(FileNotFoundError):
                if os.stat(path).st_size + len(data) > ROTATE_BYTES and os.stat(path).st_size > 0:
                    m = _OWN.fullmatch(path.name)
                    part = int(m.group(2) or 1) + 1 if m else 2
                    path = self.sync_dir / _own_name(self.host_id, part)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                size = os.fstat(fd).st_size
                if size == 0:
                    data = self._header(path) + data
                else:  # a torn last line (a crash mid-append) must not swallow our first event
                    with open(path, "rb") as fh:
                        fh.seek(size - 1)
                        if fh.read(1) != b"\n":
                            data = b"\n" + data
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as err:
            raise SyncError(f"cannot write to the synced folder {self.sync_dir}: {err.strerror or err}") from None

    def _header(self, path: Path) -> bytes:
        m = _OWN.fullmatch(path.name)
        header = {"format": "arxiv-reader-marks", "version": 2, "kind": "sync", "host_id": self.host_id,
                  "host": _hostname(), "part": int(m.group(2) or 1) if m else 1, "created": time.time()}
        return (json.dumps(header, ensure_ascii=False) + "\n").encode()

    # -- merging other machines' events -----------------------------------------------------

    def poll(self, budget: int = POLL_BUDGET) -> KeySet:
        """Merge what other machines added to their files since the last poll (at most
        `budget` bytes); returns the keys whose marks changed. Raises StateError when the
        local store cannot be written (nothing is marked as merged then)."""
        with self._locked() as state, _bulk(1 << 30):  # (no collection while building the batch)
            batch = self._read_others(state, budget)
            if batch.events:  # our own events first: then what the merge appends is alone after the cursor
                with contextlib.suppress(SyncError):
                    self._push_locked(state, set())
            result = self.store.merge_checked(batch.events)
            state["files"] = batch.offsets
            self._more = batch.more
            if result.span is not None:  # move the cursor past the merged events (they are the others', not ours)
                with contextlib.suppress(SyncError):
                    self._skip_merged(state, result, batch.events)
            return result.keys

    def catch_up(self) -> KeySet:
        """`poll` until everything the other machines wrote so far is merged (at start)."""
        changed = self.poll()
        while self._more:
            changed = changed | self.poll()
        return changed

    def _skip_merged(self, state: dict[str, Any], result: MergeResult, merged: Checked) -> None:
        """After a merge appended `result.span` to the local log: push what is ours around it
        and move the cursor past it, without reading the span back."""
        ident, start, end = result.span or (None, 0, 0)
        cursor = state.get("push")
        if (isinstance(cursor, dict) and ident is not None and cursor.get("ident") is None
                and self._only_header_before(ident, start)):  # the merge created the log
            cursor = {**cursor, "ident": list(ident), "offset": start}
        if (isinstance(cursor, dict) and ident is not None and cursor.get("ident") == list(ident)
                and cursor.get("offset") == start):
            state["push"] = {**cursor, "offset": end}  # nothing of ours in between (the usual case)
            self._push_locked(state, set())  # (and anything written after it)
        else:  # someone else wrote in between, or the log was replaced: leave the merged events out
            self._push_locked(state, set(zip(merged.keys, merged.fields, merged.times, strict=True)))

    def _others(self) -> list[os.DirEntry[str]]:
        """The other machines' files (and every conflict copy) in the synced folder, by name."""
        try:
            with os.scandir(self.sync_dir) as it:
                entries = []
                for entry in it:
                    name = entry.name
                    if not name.startswith("marks.") or name.endswith((".tmp", ".part")):
                        continue
                    m = _OWN.fullmatch(name)
                    if m and m.group(1) == self.host_id:
                        continue  # our own (only conflict copies of it are read)
                    entries.append(entry)
                    if len(entries) >= MAX_FILES:
                        break
        except OSError:
            return []
        return sorted(entries, key=lambda e: e.name)

    def _read_others(self, state: dict[str, Any], budget: int) -> _Batch:
        batch = _Batch()
        old: dict[str, Any] = state["files"]
        seen: dict[str, Any] = state["seen"]
        for entry in self._others():
            rec = old.get(entry.name)
            if budget <= 0:
                batch.more = True
                if isinstance(rec, dict):
                    batch.offsets[entry.name] = rec
                continue
            got = _read_file(Path(entry.path), rec if isinstance(rec, dict) else None, budget)
            if got is None:
                continue
            new_rec, events, host, used = got
            if used >= budget and new_rec["offset"] < new_rec["size"]:
                batch.more = True  # cut short by the budget (not a torn last line: that waits)
            budget -= used
            batch.offsets[entry.name] = new_rec
            batch.events.extend(events)
            machine = _machine_id(entry.name)
            info = seen.get(machine) if isinstance(seen.get(machine), dict) else {}
            assert isinstance(info, dict)
            if host:
                info["host"] = host
            if events:
                last = max(events.times)
                prev = info.get("last")
                info["last"] = last if not isinstance(prev, (int, float)) else max(prev, last)
            seen[machine] = info
        return batch

    # -- status -----------------------------------------------------------------------------

    def status(self) -> list[FileStatus]:
        """Every other machine's file seen in the synced folder, with how far it is merged."""
        with self._locked() as state:
            files = state["files"]
            seen = state["seen"]
            out = []
            for entry in self._others():
                rec = files.get(entry.name)
                machine = _machine_id(entry.name)
                info = seen.get(machine) if isinstance(seen.get(machine), dict) else {}
                try:
                    size = entry.stat().st_size
                except OSError:
                    continue
                merged = rec.get("offset", 0) if isinstance(rec, dict) else 0
                last = info.get("last") if isinstance(info, dict) else None
                host = info.get("host") if isinstance(info, dict) else None
                out.append(FileStatus(entry.name, machine, _safe_text(str(host or "?")), size,
                                      int(merged) if isinstance(merged, int) else 0,
                                      float(last) if isinstance(last, (int, float)) else None))
            return out

    def close(self) -> None:
        if self._old_fd is not None:
            os.close(self._old_fd)
            self._old_fd = None


# -- helpers ----------------------------------------------------------------------------------


def _own_name(host_id: str, part: int) -> str:
    return f"marks.{host_id}.log" if part <= 1 else f"marks.{host_id}.{part}.log"


def _machine_id(name: str) -> str:
    m = _MACHINE.match(name)
    return m.group(1) if m else _safe_text(name, 40)


def status_lines(folder: SyncFolder) -> list[str]:
    """`arxiv-reader sync status`: this machine, then one line per other machine's file."""
    lines = [f"sync_dir {_safe_text(str(folder.sync_dir), 400)}; this machine {folder.host_id}"]
    rows = folder.status()
    if not rows:
        lines.append("no other machine seen yet")
    for r in rows:
        last = "-" if r.last_event is None else _utc(r.last_event)
        lines.append(f"{r.host_id}  {r.host}  last event {last}  merged {r.merged}/{r.size} bytes  "
                     f"{_safe_text(r.name)}")
    return lines


def _utc(t: float) -> str:
    try:
        return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        return "?"


def start(store: StateStore, sync_dir: Path, warn: Callable[[str], None]) -> SyncFolder | None:
    """For a command that uses marks: copy this machine's new marks to its synced file and
    merge the other machines'. A synced folder that cannot be used is a warning (`warn`): the
    local marks work without it."""
    try:
        folder = SyncFolder(store, sync_dir)
        folder.push_new_local_events()
        folder.catch_up()
    except (SyncError, StateError) as err:
        warn(f"sync: {err}")
        return None
    return folder


def push_after_write(folder: SyncFolder | None, warn: Callable[[str], None]) -> None:
    """After a command wrote marks: append them to this machine's synced file (or warn)."""
    if folder is not None:
        try:
            folder.push_new_local_events()
        except SyncError as err:
            warn(f"sync: {err} (caught up later)")


__all__ = ["MAX_LINE", "POLL_BUDGET", "ROTATE_BYTES", "FileStatus", "StateError", "SyncError", "SyncFolder",
           "push_after_write", "start", "status_lines"]
