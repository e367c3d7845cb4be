"""Time the navigator model on a large synthetic library: build, one mark, rows.

    python -m reader.devtools.navigator_timing [--days 750] [--categories 3] [--per-digest 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import NamedTuple

from ..digests import Navigator


class _Listing(NamedTuple):
    key: str
    date: str | None
    category: str | None
    number: int | None


def listings(days: int, categories: int, per_digest: int) -> list[_Listing]:
    """Every digest cross-lists a tenth of its papers into the next category."""
    out = []
    start = dt.date(2019, 1, 1)
    for d in range(days):
        date = (start + dt.timedelta(days=d)).isoformat()
        for c in range(categories):
            for n in range(per_digest):
                out.append(_Listing(f"{d}.{c}.{n}", date, f"cat{c}", n + 1))
                if n % 10 == 0 and c + 1 < categories:
                    out.append(_Listing(f"{d}.{c}.{n}", date, f"cat{c + 1}", per_digest + n + 1))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reader.devtools.navigator_timing")
    ap.add_argument("--days", type=int, default=750)
    ap.add_argument("--categories", type=int, default=3)
    ap.add_argument("--per-digest", type=int, default=100)
    args = ap.parse_args(argv)
    items = listings(args.days, args.categories, args.per_digest)
    read: set[str] = set()
    t0 = time.perf_counter()
    nav = Navigator(items, read.__contains__, lambda key: False)
    t1 = time.perf_counter()
    rows = nav.rows(expanded=nav.days[:5])
    t2 = time.perf_counter()
    marks = [items[i].key for i in range(0, len(items), max(1, len(items) // 200))]
    worst = 0.0
    for key in marks:
        s = time.perf_counter()
        read.add(key)
        nav.update(key)
        nav.rows(expanded=nav.days[:5])
        worst = max(worst, time.perf_counter() - s)
    s = time.perf_counter()
    for key in marks:
        read.discard(key)
        nav.update(key)
    update_only = (time.perf_counter() - s) / len(marks)
    print(f"{len(items)} listings, {len(nav.digests())} digests, {len(rows)} rows")
    print(f"build {1000 * (t1 - t0):.0f} ms; rows() {1000 * (t2 - t1):.2f} ms; "
          f"update() {1e6 * update_only:.1f} us; update()+rows() worst of {len(marks)}: {1000 * worst:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
