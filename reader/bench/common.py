"""What every benchmark case shares: sizes, statistics, corpora, waiting. No Textual here."""

from __future__ import annotations

import asyncio
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Row = dict[str, Any]
"""One line of the report: ``case``, ``size`` (or ``marks``) and the case's figures."""

SIZES = (1_000, 100_000)
LARGE = 1_000_000
PER_DAY = 400
SUBSTRING_QUERY = "segmentati"
FUZZY_QUERY = "uncertanty"  # "uncertainty" with a letter missing: only the fuzzy fallback finds it


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def corpus(root: Path, size: int, fmt: str = "markdown") -> Path:
    """A folder of `size` generated papers under `root`, made on first use: Markdown digests, or
    (`fmt="mail"`) the same papers as arXiv listing e-mails."""
    from ..devtools.generate import generate

    path = root / (f"digests-{size}" if fmt == "markdown" else f"digests-{size}-{fmt}")
    if not path.exists():
        days = max(1, round(size / PER_DAY))
        generate(path, days=days, per_day=size // days, fmt=fmt)
    return path


def megabytes(path: Path, pattern: str = "*.md") -> float:
    return sum(f.stat().st_size for f in path.rglob(pattern)) / 1e6


async def until(predicate: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark condition never became true")
        await asyncio.sleep(0.0005)


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec; ru_maxrss does
    not (a child forked from a parent holding 400 MB would report 400 MB)."""
    from ..devtools.memory import status_mb

    peak = status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
