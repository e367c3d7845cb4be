"""File-level helpers of the marks store: reading the directory, temporary files, the lock.

Everything here works on paths and file descriptors; the store (`store.py`) decides when.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import stat
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

from .format import StateError, _bad, _Damage, _LogChunk, _parse_log, _parse_snapshot, _Snapshot

@dataclass
class _Disk:
    """Everything read from the directory in one go."""

    snap: _Snapshot
    snap_damage: _Damage | None
    log_fd: int | None
    log_ident: tuple[int, int] | None
    log_header: dict[str, Any] | None
    log: _LogChunk | None
    log_damage: _Damage | None
    snap_ident: tuple[int, int] | None

    @property
    def damage(self) -> list[_Damage]:
        return [d for d in (self.snap_damage, self.log_damage) if d is not None]


def _ident(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _why(err: OSError) -> str:
    return err.strerror or str(err)


def _read_disk(directory: Path, log_path: Path, snapshot_path: Path) -> _Disk:
    """Open the log, then the snapshot (see the package docstring for why in that order)."""
    log_fd = None
    try:
        log_fd = _open_log(log_path)
        snap, snap_damage, snap_ident = _Snapshot.empty(), None, None
        try:
            # O_NONBLOCK and regular files only: a FIFO or a link to /dev/zero reads as empty.
            with open(os.open(snapshot_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as fh:
                st = os.fstat(fh.fileno())
                snap_ident = _ident(st)
                data = fh.read() if stat.S_ISREG(st.st_mode) else b""
        except FileNotFoundError:
            pass
        else:
            snap, snap_damage = _parse_snapshot(data, snapshot_path)
        log_ident = chunk = log_damage = header = None
        if log_fd is not None:
            log_ident = _ident(os.fstat(log_fd))
            chunk = _parse_log(_read_from(log_fd, 0), log_path)
            header = chunk.header
            problems = [p for p in [chunk.header_problem] if p]
            if chunk.bad:
                problems.append(_bad(chunk.bad))
            if problems:
                log_damage = _Damage(log_path, ", ".join(problems), chunk.bad)
        return _Disk(snap, snap_damage, log_fd, log_ident, header, chunk, log_damage, snap_ident)
    except OSError as err:
        _close(log_fd)
        path = getattr(err, "filename", None) or directory
        raise StateError(f"cannot read marks from {path}: {_why(err)}") from None
    except BaseException:
        _close(log_fd)
        raise


def _open_log(log_path: Path) -> int | None:
    """The log for appending, else read-only (a read-only store still loads), else None."""
    try:
        return os.open(log_path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as err:
        if err.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        return os.open(log_path, os.O_RDONLY | os.O_CLOEXEC)


def _write_temp(directory: Path, name: str, data: bytes, append: bool = False) -> tuple[int, Path]:
    """A new file in `directory` holding `data`, fsync'd; returns (fd, path)."""
    tmp = directory / f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | (os.O_APPEND if append else 0)
    fd = os.open(tmp, flags, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink(tmp)
        raise
    return fd, tmp


def _move_aside(directory: Path, path: Path) -> Path:
    """Keep the damaged file under a new name (its original name is replaced later)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        aside = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{n}" if n else ""))
        try:
            os.link(path, aside)
            return aside
        except FileExistsError:
            continue
        except OSError as err:
            if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                                 errno.EMLINK):
                raise
            if aside.exists():
                continue
            with open(path, "rb") as fh:
                data = fh.read()
            fd, tmp = _write_temp(directory, path.name, data)
            os.close(fd)
            os.rename(tmp, aside)
            return aside
    raise StateError(f"cannot find a free name to move {path} aside")


class _FileLock:
    """An exclusive `flock` on `path`, waiting at most `timeout` seconds. Re-entrant.

    Not thread-safe by itself: the store holds its mutex around it.
    """

    def __init__(self, path: Path, directory: Path, timeout: float) -> None:
        self.path = path
        self.directory = directory
        self.timeout = timeout
        self.fd: int | None = None
        self.depth = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def acquire(self) -> None:
        if self.depth:
            self.depth += 1
            return
        fd = self.fd if self.fd is not None else self._open()
        deadline = time.monotonic() + self.timeout
        delay = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StateError(f"marks are locked by another process ({self.path});"
                                     f" gave up after {self.timeout:g} s") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.005)
            except OSError as err:
                raise StateError(f"cannot lock {self.path}: {_why(err)}") from None
        self.depth = 1

    def release(self) -> None:
        self.depth -= 1
        if self.depth == 0 and self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        _close(self.fd)
        self.fd = None

    def _open(self) -> int:
        try:
            _make_dirs(self.directory)
            # O_NOFOLLOW: a link planted as marks.lock never creates a file outside the directory.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except OSError as err:
            try:
                fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
            except OSError:
                raise StateError(f"cannot write marks to {self.directory}: {_why(err)}") from None
        self.fd = fd
        return fd


@contextmanager
def _bulk(size: int) -> Iterator[None]:
    """Pause the cyclic garbage collector while building `size` objects that are all kept.

    Otherwise every few thousand allocations trigger a collection that walks everything
    allocated so far, which makes loading a million marks several times slower.
    """
    if size < 20_000 or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _read_from(fd: int, offset: int) -> bytes:
    size = os.fstat(fd).st_size
    parts = []
    while offset < size:
        chunk = os.pread(fd, min(size - offset, 1 << 30), offset)
        if not chunk:
            break
        parts.append(chunk)
        offset += len(chunk)
    return b"".join(parts)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """mkdir -p, fsyncing each parent that gained an entry."""
    if path.is_dir():
        return
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    os.makedirs(path, exist_ok=True)
    for d in reversed(missing):
        _fsync_dir(d.parent)


def _close(fd: int | None) -> None:
    if fd is not None:
        with suppress(OSError):
            os.close(fd)


def _unlink(path: Path) -> None:
    with suppress(OSError):
        os.unlink(path)
