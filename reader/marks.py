"""Read and star flags of the loaded papers, and marking them: pending writes, settling, undo.

No UI here. Marks are written by one writer thread, in order; a mark counts as done (and is
shown as done) only once it is on disk. Until then it is *pending*: toggles and "next unread"
already see it (`Marks.effective`), the list and the pane do not (`Marks.confirmed`). The
writer reports each write through a plain callback; the app passes one that posts a message.
"""

from __future__ import annotations

import atexit
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, cast

Change = tuple[str, str, "bool | str | None"]
"""(paper key, field, new value): "read"/"starred"/"tag:NAME" with a bool, "note" with text (None deletes)."""

FIELDS = ("read", "starred")


class MarkEvent(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def field(self) -> str: ...
    @property
    def value(self) -> bool | str | None: ...


class MarkStore(Protocol):
    """What marking needs of `reader.state.StateStore`."""

    def apply(self, changes: Sequence[Change]) -> object: ...
    def events(self) -> Iterator[MarkEvent]: ...
    def is_read(self, key: str) -> bool: ...
    def is_starred(self, key: str) -> bool: ...
    def __len__(self) -> int: ...
    def refresh(self) -> bool: ...
    def take_warnings(self) -> list[str]: ...


class Applier(Protocol):
    """What the writer applies a submission to: the store, or a stand-in (reader.recent.UndoOne)."""

    def apply(self, changes: list[Change]) -> object: ...


@dataclass(frozen=True)
class UndoStep:
    """The changes that take one marking back, and what that marking did ("46 papers marked read")."""

    changes: list[Change]
    description: str


@dataclass(frozen=True)
class WriteReport:
    """What the writer did with one submission; `error` is None when it reached the disk."""

    changes: list[Change]
    undo: UndoStep | None
    error: str | None
    ticket: int


def describe(changes: Sequence[Change]) -> str:
    """'46 papers marked read', '1 paper starred', '3 marks changed' (mixed changes)."""
    count = len(changes)
    noun = "paper" if count == 1 else "papers"
    kinds = {(field, value) for _, field, value in changes}
    if len(kinds) != 1:
        return f"{count} marks changed"
    field, value = kinds.pop()
    if field.startswith("tag:"):
        return f"{count} {noun} {'tagged' if value else 'untagged'} {field[4:]}"
    if field == "note":
        return f"note {'saved' if value else 'deleted'}" if count == 1 else f"{count} notes changed"
    if field == "read":
        return f"{count} {noun} marked {'read' if value else 'unread'}"
    return f"{count} {noun} {'starred' if value else 'unstarred'}"


class KeyIndex:
    """Paper key to row indices (a cross-listed paper may sit in several rows of a view)."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = keys
        where: dict[str, int] = {}
        more: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            first = where.setdefault(key, i)
            if first != i:
                more.setdefault(key, [first]).append(i)
        self._where, self._more = where, more

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def first(self) -> dict[str, int]:
        """Each key's first row (read only: shared, not copied)."""
        return self._where

    def indices(self, key: str) -> Sequence[int]:
        more = self._more.get(key)
        if more is not None:
            return more
        i = self._where.get(key)
        return () if i is None else (i,)

    def flags(self, store: MarkStore | None) -> tuple[bytearray, bytearray]:
        """Read and star flags for every row, from the store (0.1 s at 100k: run it in a thread)."""
        n = len(self.keys)
        read, starred = bytearray(n), bytearray(n)
        if store is None:
            return read, starred
        if len(store) < n:
            # Fewer marks than papers (the usual case): walk the marks, not the papers.
            for event in store.events():
                if event.value is True and event.field in ("read", "starred"):  # not tags or notes
                    flags = read if event.field == "read" else starred
                    for i in self.indices(event.key):
                        flags[i] = 1
            return read, starred
        return bytearray(map(store.is_read, self.keys)), bytearray(map(store.is_starred, self.keys))


class MarkWriter:
    """One thread that applies submissions in order and reports each through `report`.

    After `close` nothing more is accepted: `submit` returns False (keys typed after quit).
    """

    def __init__(self, report: Callable[[WriteReport], object]) -> None:
        self._report = report
        self._queue: queue.SimpleQueue[tuple[Applier, list[Change], UndoStep | None, int] | None] = \
            queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread: threading.Thread | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, store: Applier, changes: list[Change], undo: UndoStep | None, ticket: int) -> bool:
        with self._lock:
            if self._closed:
                return False
            if self._thread is None:
                # A daemon, so a writer nobody closed cannot hold the process at exit; the atexit
                # hook still lets it finish what it accepted.
                self._thread = threading.Thread(target=self._run, name="marks", daemon=True)
                self._thread.start()
                atexit.register(self.close)
            self._queue.put((store, changes, undo, ticket))
            return True

    def close(self) -> None:
        """Refuse new marks and wait until every accepted one is on disk (or failed)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            self._queue.put(None)
        atexit.unregister(self.close)
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            store, changes, undo, ticket = job
            error = None
            try:
                store.apply(changes)
            except Exception as err:  # StateError, or anything unexpected: never lose silently
                error = str(err) or err.__class__.__name__
            self._report(WriteReport(changes, undo, error, ticket))


class Marks:
    """The flags of the loaded rows, what is being written, and the undo stack.

    `read` and `starred` are updated in place (a widget may hold `is_read`/`is_starred`).
    `version` grows whenever a flag changes: a search result older than that may not narrow
    an `is:unread` search.
    """

    def __init__(self, report: Callable[[WriteReport], object]) -> None:
        self.index = KeyIndex(())
        self.read = bytearray()
        self.starred = bytearray()
        self.version = 0
        self.store: MarkStore | None = None
        self.writer = MarkWriter(report)
        self._pending: dict[tuple[str, str], tuple[int, bool | str | None]] = {}
        self._ticket = 0
        self._undo: list[UndoStep] = []

    # -- flags ------------------------------------------------------------------------------

    def reset(self, index: KeyIndex, read: bytearray, starred: bytearray) -> None:
        """New rows (a load, later a reload); pending marks stay pending, they are keyed by paper."""
        self.index = index
        self.replace_flags(read, starred)

    def replace_flags(self, read: bytearray, starred: bytearray) -> bool:
        """Flags re-read from the store (marks by another process); False if the rows changed since."""
        if len(read) != len(self.index) or len(starred) != len(self.index):
            return False
        self.version += 1
        self.read[:] = read
        self.starred[:] = starred
        return True

    @property
    def is_read(self) -> Callable[[int], bool]:
        """Row index -> read on disk; the bytearray's own (fast) lookup, valid across updates."""
        return cast(Callable[[int], bool], self.read.__getitem__)

    @property
    def is_starred(self) -> Callable[[int], bool]:
        return cast(Callable[[int], bool], self.starred.__getitem__)

    def _flags(self, field: str) -> bytearray:
        return self.read if field == "read" else self.starred

    def confirmed(self, key: str, field: str) -> bool:
        """The mark as it is on disk."""
        indices = self.index.indices(key)
        return bool(indices) and bool(self._flags(field)[indices[0]])

    def effective(self, key: str, field: str) -> bool:
        """The mark including those still being written (for toggles and navigation)."""
        pending = self._pending.get((key, field))
        return bool(pending[1]) if pending is not None else self.confirmed(key, field)

    @property
    def unread_total(self) -> int:
        return len(self.read) - self.read.count(1)

    @property
    def starred_total(self) -> int:
        return self.starred.count(1)

    def count_unread(self, rows: Sequence[int]) -> int:
        if len(rows) == len(self.read):
            return self.unread_total
        return len(rows) - sum(map(self.read.__getitem__, rows))

    # -- writing ----------------------------------------------------------------------------

    @property
    def writing(self) -> bool:
        """Some marks are not on disk yet."""
        return bool(self._pending)

    def submit(self, changes: list[Change], *, undoable: bool = True, before: list[Change] | None = None,
               via: Applier | None = None) -> str | None:
        """Queue `changes` for the writer; returns why not, or None.

        With `undoable`, once written the changes can be taken back by `undo`. Tags and notes
        have no row flags: their undo needs `before` (the values to restore), else there is none.
        `via` applies them instead of the store (it may replace `changes` by what it wrote).
        """
        if not changes or self.writer.closed:
            return "closed" if changes else None
        if self.store is None:
            return "the library is still loading"
        if before is None and undoable and all(f in FIELDS for _, f, _ in changes):
            before = [(k, f, self.effective(k, f)) for k, f, _ in changes]
        undo = UndoStep(before, describe(changes)) if undoable and before is not None else None
        self._ticket += 1
        ticket = self._ticket
        if not self.writer.submit(via or self.store, changes, undo, ticket):
            return "closed"
        for key, field, value in changes:
            self._pending[(key, field)] = (ticket, value)
        return None

    def settle(self, report: WriteReport) -> set[str]:
        """Take a writer's report in (on the thread that owns the flags); returns the keys touched."""
        for key, field, _ in report.changes:
            pending = self._pending.get((key, field))
            if pending is not None and pending[0] == report.ticket:
                del self._pending[(key, field)]
        if report.error is None:
            self.version += 1
            for key, field, value in report.changes:
                if field not in FIELDS:
                    continue  # tags and notes: the store holds them, there are no row flags
                flags = self._flags(field)
                for i in self.index.indices(key):
                    flags[i] = bool(value)
            if report.undo is not None:
                self._undo.append(report.undo)
        return {key for key, _, _ in report.changes}

    def undo(self) -> str | None:
        """Take the last marking back; returns what it had done, or None when there is nothing."""
        if not self._undo:
            return None
        step = self._undo.pop()
        if self.submit(step.changes, undoable=False) is not None:
            self._undo.append(step)
            return None
        return step.description

    def close(self) -> None:
        """At quit: nothing more is written, and what was accepted is on disk when this returns."""
        self.writer.close()
