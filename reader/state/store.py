"""The marks store: loading, following other processes, durable batches, compaction.

The files and the protocol are described in the package docstring (`reader.state`).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from collections.abc import Iterable
from contextlib import suppress
from json.encoder import encode_basestring as _json_string  # C-accelerated, keeps non-ASCII
from pathlib import Path

from ..paths import user_dir
from .files import _bulk, _close, _Disk, _FileLock, _fsync_dir, _ident, _move_aside, _read_disk, _read_from, _unlink
from .files import _why, _write_temp
from .fields import NOTE, Value
from .format import (
    _MARK, FIELDS, LOCK_NAME, LOG_NAME, SNAPSHOT_NAME, VERSION, Event, StateError, _bad_unicode, _event_line,
    _extra_lines, _log_header_bytes, _merge_lines, _parse_log, _parse_log_lines, _snapshot_bytes, _Snapshot,
)
from .bulk import _BulkMerge
from .deferred import _Deferred
from .history import NoteIndex, move_to_history
from .keep import _Keep, checked_value
from .view import _View

COMPACT_LOG_EVENTS = 10_000
"""Compact on load when the log holds more events than this."""
COMPACT_MIN_LOG_EVENTS = 1_000
"""... or when it holds more than this and more than the snapshot."""
DEFAULT_LOCK_TIMEOUT = 10.0


def default_state_dir() -> Path:
    """Where marks live: ``$ARXIV_READER_DATA_DIR``, else the platform's user data directory."""
    return user_dir("data")


def _stat_ident(path: Path) -> tuple[int, int] | None:
    try:
        return _ident(os.stat(path))
    except OSError:
        return None


class StateStore(_Keep, _BulkMerge, _Deferred):
    """Marks (read, starred, tags, notes) in `directory` (default: `default_state_dir()`).

    Call `load` first (queries made before it load implicitly; their warnings are returned by
    the next `load` or `take_warnings`). Queries (`get`, `is_read`, `tags`, `note`, ...) never
    touch the disk; `note_versions`, `history` and `undo` read the history files (`keep.py`).
    `apply`, `merge`, `refresh`, `compact` and `load` may be called from any thread.
    """

    def __init__(self, directory: Path | str | None = None, *,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        self.directory = Path(directory) if directory is not None else default_state_dir()
        self.log_path = self.directory / LOG_NAME
        self.snapshot_path = self.directory / SNAPSHOT_NAME
        self.lock_path = self.directory / LOCK_NAME
        self._lock = _FileLock(self.lock_path, self.directory, lock_timeout)
        self._mutex = threading.RLock()
        self._view = _View(_Snapshot.empty())
        self._loaded = False
        self._warnings: list[str] = []
        self._log_fd: int | None = None
        self._log_ident: tuple[int, int] | None = None
        self._log_gen: str | None = None
        self._snap_gen: str | None = None
        self._snap_ident: tuple[int, int] | None = None
        self._offset = 0
        self._tail_mark = b""  # the log's bytes just before _offset, to notice rewrites
        self._log_events = 0
        self._notes = NoteIndex()
        self._old_format = False  # a version 1 snapshot or log: upgraded by the next write or load

    @property
    def lock_timeout(self) -> float:
        """How long a write waits for another process's lock before giving up (seconds)."""
        return self._lock.timeout

    @lock_timeout.setter
    def lock_timeout(self, seconds: float) -> None:
        self._lock.timeout = seconds

    # -- queries ----------------------------------------------------------------------------

    def get(self, key: str, field: str) -> bool:
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}")
        if not self._loaded:
            self._implicit_load()
        r = self._view.current(key, field)
        return r is not None and r[1]

    def is_read(self, key: str) -> bool:
        return self.get(key, "read")

    def is_starred(self, key: str) -> bool:
        return self.get(key, "starred")

    def time_of(self, key: str, field: str) -> float | None:
        """When `key`'s `field` was last set, or None if never."""
        if not self._loaded:
            self._implicit_load()
        r = self._view.current(key, field)
        return None if r is None else r[0]

    def __len__(self) -> int:
        """Number of keys that are read or starred."""
        if not self._loaded:
            self._implicit_load()
        return len(self._view)

    def needs_compaction(self) -> bool:
        n = self._log_events
        return n > COMPACT_LOG_EVENTS or (
            n > COMPACT_MIN_LOG_EVENTS and n > self._view.snap.entries)

    def take_warnings(self) -> list[str]:
        """Warnings found since the last `load`/`take_warnings` (e.g. by `refresh`), once."""
        with self._mutex:
            out, self._warnings = self._warnings, []
            return out

    # -- loading ----------------------------------------------------------------------------

    def load(self) -> list[str]:
        """(Re)read everything from disk. Returns warnings to show the user once.

        Raises StateError when the store exists but cannot be read (e.g. permission denied)
        or was written by a newer version. Upgrades a version 1 store, and has a long log
        compacted soon after it returns (`deferred.py`; errors there are ignored).
        """
        with self._mutex:
            warnings = self._warnings + self._reload()
            self._warnings, self._loaded = [], True
            if self._old_format:
                with suppress(StateError):
                    self.compact_if_needed()
            elif self.needs_compaction():
                self._compact_later()
            return warnings

    def _implicit_load(self) -> None:
        with self._mutex:
            if not self._loaded:
                self._warnings += self._reload()
                self._loaded = True

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._implicit_load()

    def _install(self, disk: _Disk) -> None:
        view = _View(disk.snap)
        log_events = 0
        if disk.log is not None:
            view.replay(disk.log.events, disk.log.raw)
            log_events = len(disk.log.events)
        self._view = view
        old = self._log_fd
        self._log_fd = disk.log_fd
        if old is not None and old != disk.log_fd:
            os.close(old)
        self._log_ident = disk.log_ident
        self._log_gen = disk.log_header.get("generation") if disk.log_header else None
        self._snap_gen = disk.snap.generation
        self._snap_ident = disk.snap_ident
        self._offset = disk.log.end if disk.log is not None else 0
        self._tail_mark = disk.log.tail if disk.log is not None else b""
        self._log_events = log_events
        log_version = disk.log_header.get("version") if disk.log_header else VERSION
        self._old_format = (disk.snap_ident is not None and disk.snap.version < VERSION) or (
            disk.log_fd is not None and log_version != VERSION)

    def _reload(self) -> list[str]:
        """Read the disk into memory, repairing damage. Returns warnings."""
        with _bulk(1 << 30):
            return self._reload_now()

    def _reload_now(self) -> list[str]:
        disk = _read_disk(self.directory, self.log_path, self.snapshot_path)
        if not disk.damage:
            self._install(disk)
            return []
        try:
            self._lock.acquire()
        except StateError as err:
            self._install(disk)
            return [self._damage_message(disk, f"but could not repair it: {err}")]
        try:
            _close(disk.log_fd)
            # again, now that no one else can be repairing it
            disk = _read_disk(self.directory, self.log_path, self.snapshot_path)
            if not disk.damage:
                self._install(disk)
                return []
            return [self._repair_locked(disk)]
        finally:
            self._lock.release()

    def _damage_message(self, disk: _Disk, outcome: str) -> str:
        names = " and ".join(f"{d.path.name} ({d.what})" for d in disk.damage)
        kept = self._view.records()
        return f"marks file {names} was damaged: kept {kept} marks, {outcome}"

    def _repair_locked(self, disk: _Disk) -> str:
        self._install(disk)
        asides = []
        try:
            for damage in disk.damage:
                asides.append(_move_aside(self.directory, damage.path))
            _fsync_dir(self.directory)
            self._compact_locked()
        except (OSError, StateError) as err:
            why = _why(err) if isinstance(err, OSError) else str(err)
            return self._damage_message(disk, f"but could not repair it: {why}")
        return self._damage_message(disk, "moved the original to " + " and ".join(map(str, asides)))

    # -- refresh ----------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Pick up changes made by other processes since the last load/refresh.

        Cheap when nothing changed (one ``stat``). Returns True if the state changed (after a
        full reload, caused by another process's compaction we cannot follow, always True).
        Warnings (damage found and repaired) are kept for `take_warnings`.
        """
        with self._mutex:
            if not self._loaded:
                self._implicit_load()
                return True
            return self._sync() > 0

    def _sync(self) -> int:
        """Bring memory up to date with the disk. Returns how many events updated it."""
        try:
            st = os.stat(self.log_path)
        except FileNotFoundError:
            st = None
        except OSError as err:
            raise StateError(f"cannot read marks from {self.log_path}: {_why(err)}") from None
        ident = _ident(st) if st is not None else None
        if ident is not None and ident == self._log_ident:
            return abs(self._tail())
        if ident is None and self._log_ident is None:
            if _stat_ident(self.snapshot_path) == self._snap_ident:
                return 0
            return self._full_reload()
        # The log was replaced (compaction, repair) or created or removed.
        updated = self._tail() if self._log_fd is not None else 0
        if updated < 0:
            return 1
        if ident is None:
            return self._full_reload()
        return self._follow_new_log(updated)

    def _follow_new_log(self, updated: int) -> int:
        """Switch to a log that replaced ours, replaying it if it follows what we have read."""
        try:
            fd = os.open(self.log_path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
        except OSError:
            return self._full_reload()
        try:
            chunk = _parse_log(_read_from(fd, 0), self.log_path)
        except OSError:
            os.close(fd)
            return self._full_reload()
        header = chunk.header
        follows = header.get("follows") if header else None
        if (header is None or chunk.header_problem or chunk.bad or not isinstance(follows, dict)
                or follows.get("snapshot") != self._snap_gen or follows.get("log") != self._log_gen):
            os.close(fd)
            return self._full_reload()
        updated += self._view.replay(chunk.events, chunk.raw)
        _close(self._log_fd)
        self._log_fd = fd
        self._log_ident = _ident(os.fstat(fd))
        self._log_gen = header.get("generation")
        self._snap_gen = header.get("snapshot")
        self._snap_ident = _stat_ident(self.snapshot_path)
        self._offset = chunk.end
        self._tail_mark = chunk.tail
        self._log_events = len(chunk.events)
        return updated

    def _tail(self) -> int:
        """Read what was appended to our log since `_offset`. -1 if that needed a full reload."""
        fd = self._log_fd
        if fd is None:
            return 0
        try:
            size = os.fstat(fd).st_size
            mark = self._tail_mark
            if size < self._offset or (
                    mark and os.pread(fd, len(mark), self._offset - len(mark)) != mark):
                # Rewritten behind our back (a failed append rolled back after we read it).
                self._full_reload()
                return -1
            if size == self._offset:
                return 0
            data = _read_from(fd, self._offset)
        except OSError as err:
            raise StateError(f"cannot read marks from {self.log_path}: {_why(err)}") from None
        chunk = _parse_log_lines(data, 0)
        if chunk.bad:
            self._full_reload()
            return -1
        if chunk.end:
            self._offset += chunk.end
            self._tail_mark = (mark + data[:chunk.end])[-_MARK:]
        self._log_events += len(chunk.events)
        return self._view.replay(chunk.events, chunk.raw)

    def _full_reload(self) -> int:
        self._warnings += self._reload()
        return 1

    # -- writing ----------------------------------------------------------------------------

    def apply(self, changes: Iterable[tuple[str, str, Value]], *,
              skip_unchanged: bool = False) -> list[Event]:
        """Record changes durably, as one batch; returns the events written.

        A change is (key, field, value): ``read``/``starred``/``tag:NAME`` with a bool, ``note``
        with the text (None or "" deletes the note). When this returns the events are on disk
        (written and fsync'd). On any failure it raises StateError (ValueError for a bad change)
        and memory is unchanged. Every change is written, even one that sets the current value
        (it refreshes the time, which matters for merging); pass ``skip_unchanged=True`` to
        leave those out.
        """
        items = changes if isinstance(changes, list) else list(changes)
        if not items:
            return []
        checked = [(key, field, checked_value(key, field, value)) for key, field, value in items]
        with self._mutex, _bulk(len(items)):
            self._ensure_loaded()
            with self._lock.held():
                self._sync()
                self._upgrade_locked()
                view = self._view
                now = round(time.time(), 6)
                batch: dict[str, dict[str, tuple[float, Value]]] = {f: {} for f in FIELDS}
                events: list[Event] = []
                lines: list[str] = []
                now_text = repr(now)
                for key, field, value in checked:
                    fb = batch.get(field)
                    if fb is None:
                        fb = batch[field] = {}
                    prev = fb.get(key) or view.current(key, field, remember=False)
                    if skip_unchanged and (prev[1] if prev else None if field == NOTE else False) == value:
                        continue
                    t = now
                    if prev is not None and now <= prev[0]:
                        t = round(prev[0] + 1e-6, 6)
                        while t <= prev[0]:
                            t = round(t + 1e-6, 6)
                    fb[key] = (t, value)
                    events.append(Event(key, field, value, t))
                    if field in FIELDS:
                        lines.append(f'{{"id": {_json_string(key)}, "field": "{field}", '
                                     f'"value": {"true" if value else "false"}, '
                                     f'"time": {now_text if t == now else repr(t)}}}\n')
                    else:
                        lines.append(_event_line(key, field, value, t))
                if events:
                    self._append_locked(events, lines, batch)
        return events

    def _append_locked(self, events: list[Event], lines: list[str] | None = None,
                       batch: dict[str, dict[str, tuple[float, Value]]] | None = None) -> None:
        if lines is None:
            lines = [_event_line(e.key, e.field, e.value, e.time) for e in events]
        try:
            data = "".join(lines).encode()
        except UnicodeEncodeError:
            bad = next(e.key for e in events if _bad_unicode(e.key))
            raise ValueError(f"bad key {bad!r}: not valid Unicode") from None
        self._write_locked(data, len(events))
        self._remember(events, batch)

    def _write_locked(self, data: bytes | list[bytes | memoryview], count: int) -> int:
        """Append `data` (`count` events; a list: its concatenation, not made) and `fsync`; returns
        the offset it starts at. On failure nothing of it stays and StateError is raised."""
        chunks = [data] if isinstance(data, bytes) else data
        fd = self._writable_log_locked()
        start = self._offset
        try:
            if os.fstat(fd).st_size > start:
                # After catching up, only a torn line (a write never acknowledged) can be there.
                os.ftruncate(fd, start)
            views = [memoryview(c) for c in chunks if c]
            while views:
                done = os.write(fd, views[0]) if len(views) == 1 else os.writev(fd, views[:512])
                while done:
                    if done < len(views[0]):
                        views[0], done = views[0][done:], 0
                    else:
                        done -= len(views.pop(0))
            os.fsync(fd)
        except OSError as err:
            with suppress(OSError):  # leave no trace of a batch we report as failed
                os.ftruncate(fd, start)
            raise StateError(f"cannot write marks to {self.log_path}: {_why(err)}") from None
        for chunk in chunks:
            self._offset += len(chunk)
            self._tail_mark = (self._tail_mark + chunk[-_MARK:])[-_MARK:]
        self._log_events += count
        return start

    def _remember(self, events: list[Event], batch: dict[str, dict[str, tuple[float, Value]]] | None) -> None:
        """Memory after a successful append."""
        current = self._view
        overlay = current.overlay
        if batch is not None:
            for field, entries in batch.items():
                if field in overlay:
                    overlay[field].update(entries)  # type: ignore[arg-type]
                else:
                    for key, (t, value) in entries.items():
                        current.offer_extra(key, field, t, value)
            for e in events:  # a note set twice in one batch: both are versions
                if e.field == NOTE:
                    current.note_log.setdefault(e.key, set()).add((e.time, e.value))  # type: ignore[arg-type]
        else:
            for e in events:
                if e.field in overlay:
                    overlay[e.field][e.key] = (e.time, bool(e.value))
                else:
                    current.offer_extra(e.key, e.field, e.time, e.value)
        current.length = None

    def _upgrade_locked(self) -> None:
        """A version 1 store gets a version 2 snapshot and log before anything new is written
        (a version 1 reader would take a tag or note line for damage)."""
        if self._old_format:
            self._compact_locked()

    def _writable_log_locked(self) -> int:
        """Our log fd, opened for appending; creates the log (atomically) if there is none."""
        if self._log_fd is not None:
            if fcntl.fcntl(self._log_fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDWR:
                return self._log_fd
            try:
                fd = os.open(self.log_path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
            except OSError as err:
                raise StateError(f"cannot write marks to {self.log_path}: {_why(err)}") from None
            if _ident(os.fstat(fd)) != self._log_ident:  # cannot happen after _sync under lock
                os.close(fd)
                raise StateError(f"cannot write marks to {self.log_path}: it changed")
            os.close(self._log_fd)
            self._log_fd = fd
            return fd
        generation = uuid.uuid4().hex
        data = _log_header_bytes(generation, self._snap_gen, self._snap_gen, None)
        try:
            fd, tmp = _write_temp(self.directory, LOG_NAME, data, append=True)
            try:
                os.rename(tmp, self.log_path)
                _fsync_dir(self.directory)
            except OSError:
                os.close(fd)
                _unlink(tmp)
                raise
        except OSError as err:
            raise StateError(f"cannot write marks to {self.log_path}: {_why(err)}") from None
        self._log_fd = fd
        self._log_ident = _ident(os.fstat(fd))
        self._log_gen = generation
        self._offset = len(data)
        self._tail_mark = data[-_MARK:]
        self._log_events = 0
        return fd

    # -- compaction -------------------------------------------------------------------------

    def compact(self) -> None:
        """Write everything into a new snapshot and start an empty log (atomically)."""
        with self._mutex:
            self._ensure_loaded()
            with self._lock.held():
                self._sync()
                self._compact_locked()

    def compact_if_needed(self) -> bool:
        """Compact if the log has grown long (see `needs_compaction`); True if it did.

        Cheap to call after every batch, e.g. from the worker that called `apply`.
        """
        with self._mutex:
            self._ensure_loaded()
            if not (self.needs_compaction() or self._old_format):
                return False
            with self._lock.held():
                self._sync()
                if not (self.needs_compaction() or self._old_format):
                    return False
                self._compact_locked()
                return True

    def _compact_locked(self) -> None:
        with _bulk(1 << 30):
            self._compact_now()

    def _compact_now(self) -> None:
        view = self._view
        self._move_to_history()
        lines = {f: _merge_lines(view.snap, view.overlay[f], f) for f in FIELDS}
        marked = len(view)
        generation = uuid.uuid4().hex
        extras = _extra_lines(view.snap, view.extras)
        snapshot = _snapshot_bytes(generation, lines, marked, extras.lines)
        log_data = _log_header_bytes(generation, generation, self._snap_gen, self._log_gen)
        log_fd = None
        try:
            self._remove_stale_temps()
            fd, tmp = _write_temp(self.directory, SNAPSHOT_NAME, snapshot)
            os.close(fd)
            try:
                os.rename(tmp, self.snapshot_path)
            except OSError:
                _unlink(tmp)
                raise
            _fsync_dir(self.directory)
            log_fd, tmp = _write_temp(self.directory, LOG_NAME, log_data, append=True)
            try:
                os.rename(tmp, self.log_path)
            except OSError:
                _unlink(tmp)
                raise
            _fsync_dir(self.directory)
            snap_ident = _ident(os.stat(self.snapshot_path))
        except OSError as err:
            _close(log_fd)
            raise StateError(f"cannot compact marks in {self.directory}: {_why(err)}") from None
        new_view = _View(_Snapshot(generation, lines, marked, extras))
        self._view = new_view
        _close(self._log_fd)
        self._log_fd = log_fd
        self._log_ident = _ident(os.fstat(log_fd))
        self._log_gen = generation
        self._snap_gen = generation
        self._snap_ident = snap_ident
        self._offset = len(log_data)
        self._tail_mark = log_data[-_MARK:]
        self._log_events = 0
        self._old_format = False

    def _move_to_history(self) -> None:
        """Append the live log's events (and, when upgrading a version 1 store, the state its
        snapshot holds, which has no history yet) to the monthly history files, fsync'd."""
        data = b""
        if self._log_fd is not None and self._offset:
            try:
                data = _read_from(self._log_fd, 0)[:self._offset]
            except OSError as err:
                raise StateError(f"cannot read marks from {self.log_path}: {_why(err)}") from None
        move_to_history(self.directory, self.log_path, data, self._view.snap)

    def _remove_stale_temps(self) -> None:
        """Temporary files are only written under the lock, so any we see now are leftovers."""
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        for name in names:
            if name.startswith((f".{LOG_NAME}.tmp-", f".{SNAPSHOT_NAME}.tmp-")):
                _unlink(self.directory / name)

    # -- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Finish a deferred compaction, release file descriptors. The store can be loaded again afterwards."""
        self.finish_compaction()
        with self._mutex:
            _close(self._log_fd)
            self._lock.close()
            self._log_fd = None
            self._log_ident = None
            self._loaded = False

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            _close(self._log_fd)
            self._lock.close()
        except Exception:
            pass
