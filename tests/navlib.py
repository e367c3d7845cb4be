"""A small multi-day, multi-category library for the navigator's tests (hand-made Markdown digests)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

DAYS = ("2019-07-05", "2019-07-08", "2019-07-09")
LATER = ("2019-07-10", "2019-07-11")
"""Days a test may add later."""
CATEGORIES = ("cs.CL", "cs.CV")
PER_DIGEST = 4
CROSS = "1907.09999"
"""Listed in both categories on the newest day."""


def ident(day: str, cat: str, n: int) -> str:
    d = (DAYS + LATER).index(day)
    c = CATEGORIES.index(cat)
    return f"1907.{d}{c}{n:03d}"


def write_library(directory: Path, days: tuple[str, ...] = DAYS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for day in days:
        date = dt.date.fromisoformat(day)
        for cat in CATEGORIES:
            lines = [f"# ArXiv {cat} --{date.strftime('%a')}, {date.day} {date.strftime('%b %Y')}"]
            # Numbers written out of order: a digest view shows them by number.
            numbers = list(range(PER_DIGEST, 0, -1))
            for n in numbers:
                lines.append(f"### {n}.Paper {n} of {cat} on {day}  [ :arrow_down: ]"
                             f"(https://arxiv.org/pdf/{ident(day, cat, n)}.pdf)")
                lines.append(f">  Abstract {n} of {cat} on {day}. ")
            if day == days[-1]:
                lines.append(f"### {PER_DIGEST + 1}.Cross-listed paper  [ :arrow_down: ]"
                             f"(https://arxiv.org/pdf/{CROSS}.pdf)")
                lines.append(">  Listed in both. ")
            (directory / f"arxiv-{cat}-{day}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory
