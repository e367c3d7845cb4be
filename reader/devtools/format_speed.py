"""Parse speed of the arXiv listing e-mail format against the Markdown digest format, measured
in the same run on the same synthetic papers (the machine may be shared: quote the ratio).

    python -m reader.devtools.format_speed --days 250 --per-day 400     # 100,000 papers

Issue 12 asks the e-mail format to parse at least as fast as the Markdown parser did when the
issue was filed. `--markdown-from DIR` also times that parser, from a checkout of an older commit
(`git worktree add /tmp/v1 927cad6^`), loading the same Markdown files; then every load runs in
a fresh process, interleaved, and the medians are compared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..library import load
from .generate import generate

_TIMED_LOAD = ("import sys, time\nfrom reader.library import load\n"
               "t = time.perf_counter(); lib = load([sys.argv[1]]); s = time.perf_counter() - t\n"
               "print(s, len(lib.papers))\n")


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


def _timed(folder: Path, code_root: Path | None) -> tuple[float, int]:
    """Seconds to load `folder` without a cache in a fresh process (with `code_root`'s reader)."""
    env = dict(os.environ)
    if code_root is not None:
        env["PYTHONPATH"] = str(code_root)
    cwd = code_root if code_root is not None else Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", _TIMED_LOAD, str(folder)], cwd=cwd, env=env,
                          capture_output=True, text=True, check=True)
    seconds, papers = done.stdout.split()
    return float(seconds), int(papers)


def measure_against(days: int, per_day: int, repeat: int, old: Path) -> dict[str, list[float]]:
    """{label: seconds of each run}: the old Markdown parser, today's, and the e-mail format."""
    runs: dict[str, list[float]] = {"markdown (old)": [], "markdown": [], "mail": []}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("markdown", "mail"):
            generate(Path(tmp, fmt), days, per_day, fmt=fmt)
        for _ in range(repeat):
            for label, fmt, root in (("markdown (old)", "markdown", old), ("markdown", "markdown", None),
                                     ("mail", "mail", None)):
                seconds, papers = _timed(Path(tmp, fmt), root)
                if papers != days * per_day:
                    raise SystemExit(f"{label}: {papers} papers, not {days * per_day}")
                runs[label].append(seconds)
    return runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reader.devtools.format_speed", description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=250)
    ap.add_argument("--per-day", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--markdown-from", type=Path, metavar="DIR",
                    help="also time the Markdown parser of this checkout (its reader/ package)")
    args = ap.parse_args(argv)
    if args.markdown_from is not None:
        if not (args.markdown_from / "reader" / "library.py").is_file():
            ap.error(f"{args.markdown_from}: no reader/library.py there")
        runs = measure_against(args.days, args.per_day, args.repeat, args.markdown_from.resolve())
        medians = {label: statistics.median(s) for label, s in runs.items()}
        for label, seconds in medians.items():
            print(f"{label:15s} {args.days * args.per_day} papers  median {seconds:6.2f} s  "
                  f"(runs {', '.join(f'{s:.2f}' for s in runs[label])})")
        print(f"mail / markdown (old): {medians['mail'] / medians['markdown (old)']:.2f}   "
              f"mail / markdown: {medians['mail'] / medians['markdown']:.2f}")
        return 0
    result = measure(args.days, args.per_day, args.repeat)
    for fmt, (seconds, mb) in result.items():
        print(f"{fmt:9s} {args.days * args.per_day} papers  {mb:6.0f} MB  {seconds:6.2f} s  {mb / seconds:5.0f} MB/s")
    print(f"mail / markdown: {result['mail'][0] / result['markdown'][0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
