"""Handing papers off to the machine the user sits at (`Y`): BibTeX through OSC 52, or a file.

No UI here. `plan_bibtex` builds the BibTeX (the same keys as `E` and `export`) and decides,
against `osc52_max_kb`, whether it goes to the terminal's clipboard or into a file in the data
directory (terminals drop or truncate large OSC 52 payloads; a file is never lost).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .export import NoteOf, TagsOf, bibtex
from .model import Paper


@dataclass(frozen=True)
class Handoff:
    """What `Y` produced: the BibTeX text, its entry count, and whether it fits in OSC 52."""

    text: str
    entries: int
    fits: bool

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))

    def describe(self) -> str:
        """'3 BibTeX entries, 2.1 KB' (KB of 1024 bytes, one decimal)."""
        noun = "entry" if self.entries == 1 else "entries"
        return f"{self.entries} BibTeX {noun}, {size_text(self.size)}"


def size_text(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def plan_bibtex(papers: Sequence[Paper], max_kb: float, tags: TagsOf | None = None,
                note: NoteOf | None = None) -> Handoff:
    text = bibtex(papers, tags, note)
    ids = [p.id for p in papers if p.id is not None]
    entries = len(set(ids)) + sum(1 for p in papers if p.id is None)  # bibtex() writes each id once
    return Handoff(text, entries, len(text.encode("utf-8")) <= max_kb * 1024)


def write_file(text: str, directory: Path, now: dt.datetime | None = None) -> Path:
    """Write `text` atomically to ``directory/handoff/arxiv-YYYY-MM-DD-HHMMSS.bib`` (a new name
    when that exists); returns the path. Raises OSError."""
    folder = directory / "handoff"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d-%H%M%S")
    path = folder / f"arxiv-{stamp}.bib"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"arxiv-{stamp}-{n}.bib"
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".handoff-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
