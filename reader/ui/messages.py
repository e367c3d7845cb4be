"""Messages the workers and the mark writer post to the app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..loader import Opened
    from ..marks import WriteReport
    from ..search import Corpus
    from ..session import SearchOutcome


@dataclass
class Loaded(Message):
    """The library is parsed and its rows prepared: the list can show it."""

    opened: Opened


@dataclass
class Progress(Message):
    """Files parsed so far while loading."""

    done: int
    total: int


@dataclass
class CorpusReady(Message):
    """The search corpus is built: filtering works from now on."""

    corpus: Corpus


@dataclass
class MarksSaved(Message):
    """The mark writer finished one submission (on disk, or failed: `report.error`)."""

    report: WriteReport


@dataclass
class FilterDone(Message):
    """A search finished (or its query did not parse)."""

    outcome: SearchOutcome


@dataclass
class RowsArrived(Message):
    """More rows to show: the next batch of a streamed start, or a live reload (`Session.swap_rows`)."""

    opened: Opened


@dataclass
class LibraryChanged(Message):
    """The library watcher saw digest files appear, change (`changed`) or go (`deleted`)."""

    changed: list[Path]
    deleted: list[Path]
