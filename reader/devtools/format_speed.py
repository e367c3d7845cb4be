"""Parse speed of the arXiv listing e-mail format against the Markdown digest format, measured
in the same run on the same synthetic papers (the machine may be shared: quote the ratio).

    python -m reader.devtools.format_speed --days 250 --per-day 400     # 100,000 papers
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ..library import load
from .generate import generate


def measure(days: int, per_day: int, repeat: int = 3) -> dict[str, tuple[float, float]]:
    """{format: (best seconds, megabytes)} for loading the library without a cache."""
    out: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {fmt: generate(Path(tmp, fmt), days, per_day, fmt=fmt) for fmt in ("markdown", "mail")}
        best = {fmt: float("inf") for fmt in paths}
        for _ in range(repeat):
            for fmt in paths:  # interleaved, so that load from other users hits both alike
                started = time.perf_counter()
                lib = load([Path(tmp, fmt)])
                best[fmt] = min(best[fmt], time.perf_counter() - started)
                if len(lib.papers) != days * per_day or lib.diagnostics:
                    raise SystemExit(f"{fmt}: {len(lib.papers)} papers, {len(lib.diagnostics)} problems")
                del lib  # not alive while the other format loads: its objects would slow the collector
        for fmt, files in paths.items():
            out[fmt] = (best[fmt], sum(p.stat().st_size for p in files) / 1e6)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reader.devtools.format_speed", description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=250)
    ap.add_argument("--per-day", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    result = measure(args.days, args.per_day, args.repeat)
    for fmt, (seconds, mb) in result.items():
        print(f"{fmt:9s} {args.days * args.per_day} papers  {mb:6.0f} MB  {seconds:6.2f} s  {mb / seconds:5.0f} MB/s")
    print(f"mail / markdown: {result['mail'][0] / result['markdown'][0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
