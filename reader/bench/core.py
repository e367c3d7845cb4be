"""The benchmark's driver and its terminal-free cases: parsing, marks, the filter at scale.

The cases that run the app (startup, filter and cursor, list fill) live in `reader.bench.ui`,
imported only when one of them runs, so this module never imports Textual.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __doc__ as _package_doc
from .common import FUZZY_QUERY, LARGE, SIZES, SUBSTRING_QUERY, Row, corpus, megabytes, median, pct

if TYPE_CHECKING:
    from ..model import Paper

LARGE_LIBRARY = 300_000
"""`--large` also starts the app on a library this size."""
CASES = ("parse", "startup", "daily", "early", "filter", "lists", "state", "keep", "navigator", "views", "rules",
         "sync", "large", "session_bytes")
SESSION_LIBRARY = 40_000
"""`session_bytes` plays the SSH script on the seed and (without `--quick`) on a library this size."""


# -- parse ---------------------------------------------------------------------------------


PARSE_MAIL = "parse, e-mail format"


def bench_parse(root: Path, size: int, repeat: int) -> list[Row]:
    """The library loaded without a cache: the Markdown digests, and the same papers as arXiv
    listing e-mails, the two runs interleaved so that load from others slows both alike."""
    from ..library import load

    paths = {"markdown": corpus(root, size), "mail": corpus(root, size, "mail")}
    times: dict[str, list[float]] = {fmt: [] for fmt in paths}
    for _ in range(repeat):
        for fmt, path in paths.items():
            t = time.perf_counter()
            lib = load([path], cache=None)
            times[fmt].append(time.perf_counter() - t)
            assert len(lib.papers) == size and not lib.diagnostics, (fmt, len(lib.papers), lib.diagnostics[:3])
            del lib  # not alive while the other format loads: its objects would slow the collector
    rows: list[Row] = []
    for fmt, path in paths.items():
        mb = megabytes(path, "*.md" if fmt == "markdown" else "*.txt")
        rows.append({"case": "parse" if fmt == "markdown" else PARSE_MAIL, "size": size, "seconds": median(times[fmt]),
                     "mb": mb, "mb_per_s": mb / median(times[fmt]), "runs": repeat})
    rows[1]["vs_markdown"] = rows[1]["seconds"] / rows[0]["seconds"]
    return rows


# -- startup and memory (a fresh process each time) ------------------------------------------


def _run_startup(path: Path, data: Path, cache: Path) -> dict[str, float]:
    t_spawn = time.time()
    proc = subprocess.run([sys.executable, "-m", "reader.bench", "--child-startup", str(path), str(data),
                           str(cache), repr(t_spawn)], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"startup child failed: {proc.stderr.strip()[-2000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def bench_startup(root: Path, size: int, repeat: int) -> list[Row]:
    path = corpus(root, size)
    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            data, cache = Path(tmp) / "data", Path(tmp) / "cache"
            cold.append(_run_startup(path, data, cache))   # empty parse cache
            warm.append(_run_startup(path, data, cache))   # the cache the cold start wrote
    out: list[Row] = []
    for kind, runs in (("cold", cold), ("warm", warm)):
        out.append({"case": f"startup ({kind})", "size": size,
                    "first_frame_s": median([r["first_frame"] for r in runs]),
                    "papers_shown_s": median([r["papers_frame"] for r in runs]),
                    "filter_ready_s": median([r["filter_ready"] for r in runs]),
                    "indexed_s": median([r["indexed"] for r in runs]), "runs": len(runs)})
    out.append({"case": "memory", "size": size, "peak_rss_mb": median([r["rss_mb"] for r in cold]),
                "peak_rss_warm_mb": median([r["rss_mb"] for r in warm])})
    return out


# -- daily: the morning case (warm caches, one new digest) -----------------------------------


def bench_daily(root: Path, size: int, repeat: int) -> list[Row]:
    """A `size`-paper library started once (caches warm), then one new 400-paper digest copied
    in: papers on screen, and the time from the first key to the frame listing a title from the
    middle of the library, and one from the new digest (searchable at once)."""
    from ..devtools.generate import digests
    from ..library import load

    path = corpus(root, size)
    files = sorted(path.glob("*.md"))
    middle = load([files[len(files) // 2]]).papers[size // len(files) // 2].title
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            data, cache = Path(tmp) / "data", Path(tmp) / "cache"
            _run_startup(path, data, cache)  # yesterday: the caches written
            name, text = _next_digest(digests, len(files), size // len(files))
            new = path / name
            new.write_text(text, encoding="utf-8")
            try:
                newest = load([new]).papers[size // len(files) // 2].title
                runs.append(_run_child("--child-daily", path, data, cache, middle, newest))
            finally:
                new.unlink()
    return [{"case": "daily (warm, +1 digest)", "size": size,
             "papers_shown_s": median([r["papers_frame"] for r in runs]),
             "old_title_found_s": median([r["found"][0] for r in runs]),
             "new_title_found_s": median([r["found"][1] for r in runs]),
             "all_loaded_s": median([r["all_loaded"] for r in runs]),
             "peak_rss_mb": median([r["rss_mb"] for r in runs]), "runs": len(runs)}]


def bench_early(root: Path, size: int, repeat: int) -> list[Row]:
    """Keystrokes from the first screen on (warm caches): filter latency while the library is
    still streaming in, and once it is all loaded (`ui.EARLY_QUERIES`, typed in turn)."""
    path = corpus(root, size)
    loading: list[float] = []
    after: list[float] = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            data, cache = Path(tmp) / "data", Path(tmp) / "cache"
            _run_startup(path, data, cache)  # the caches written
            r = _run_child("--child-early", path, data, cache)
            loading += r["loading"]
            after += r["after"]
    row: Row = {"case": "filter from launch", "size": size, "runs": repeat}
    for name, lat in (("loading", loading), ("loaded", after)):
        row[f"{name}_keys"] = len(lat)
        if lat:
            row.update({f"{name}_p50_ms": pct(lat, 50) * 1e3, f"{name}_p95_ms": pct(lat, 95) * 1e3,
                        f"{name}_max_ms": max(lat) * 1e3})
    return [row]


def _next_digest(digests: Callable[[int, int], Any], days: int, per_day: int) -> tuple[str, str]:
    """The digest the generator writes for the day after a `days`-day library."""
    last: deque[tuple[str, str]] = deque(digests(days + 1, per_day), maxlen=1)
    return last[0]


def _run_child(mode: str, path: Path, data: Path, cache: Path, *args: str) -> dict[str, Any]:
    t_spawn = time.time()
    proc = subprocess.run([sys.executable, "-m", "reader.bench", mode, str(path), str(data), str(cache),
                           repr(t_spawn), *args], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} child failed: {proc.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- state ----------------------------------------------------------------------------------


def bench_state(marks: int, repeat: int) -> Row:
    from ..state import StateStore

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "state"
        store = StateStore(directory)
        store.load()
        batch = 100_000
        for start in range(0, marks, batch):
            store.apply([(f"{2000 + i // 100000:04d}.{i % 100000:05d}", "read", True)
                         for i in range(start, min(start + batch, marks))])
        store.compact()
        loads = []
        for _ in range(repeat):
            fresh = StateStore(directory)
            t = time.perf_counter()
            fresh.load()
            loads.append(time.perf_counter() - t)
            assert len(fresh) == marks
        latencies = []
        for i in range(50):
            t = time.perf_counter()
            store.apply([(f"2999.{i:05d}", "starred", True)])
            latencies.append(time.perf_counter() - t)
    return {"case": "state", "marks": marks, "load_s": median(loads),
            "mark_p50_ms": pct(latencies, 50) * 1e3, "mark_p95_ms": pct(latencies, 95) * 1e3}


def bench_keep(events: int, repeat: int) -> Row:
    """Tags and notes: a store holding `events` tag and note events (half each, over
    `events / 2` papers), loaded from its snapshot and, before that, from its log."""
    from ..state import StateStore

    tags = ("ml", "to-read", "theory", "later", "cv")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "state"
        store = StateStore(directory)
        store.load()
        changes: list[tuple[str, str, bool | str | None]] = []
        for i in range(events // 2):
            key = f"{2000 + i // 100000:04d}.{i % 100000:05d}"
            changes.append((key, f"tag:{tags[i % len(tags)]}", True))
            changes.append((key, "note", f"note {i}: see section 3 \"proof\"\nand the appendix"))
        store.apply(changes)
        store.close()
        fresh = StateStore(directory)
        t = time.perf_counter()
        fresh.load()  # reads the log (its compaction follows on a worker thread; `close` finishes it)
        first = time.perf_counter() - t
        fresh.close()
        loads = []
        for _ in range(repeat):
            fresh = StateStore(directory)
            t = time.perf_counter()
            fresh.load()
            loads.append(time.perf_counter() - t)
            assert fresh.note("2000.00000") is not None and len(fresh.all_tags()) == len(tags)
            fresh.close()
        store = StateStore(directory)
        store.load()
        latencies = []
        for i in range(50):
            t = time.perf_counter()
            store.set_tag(f"2999.{i:05d}", "bench")
            latencies.append(time.perf_counter() - t)
        store.close()
    return {"case": "keep (tags, notes)", "marks": events, "load_s": median(loads),
            "first_load_compact_s": first, "tag_p50_ms": pct(latencies, 50) * 1e3}


# -- the digest navigator -------------------------------------------------------------------


def bench_navigator(days: int, categories: int, per_digest: int, marks: int = 200) -> Row:
    """The navigator's counts after a mark, as the app does it: one paper's flags change,
    `Navigator.update` adjusts its groups, and the panel re-reads its rows (a day expanded)."""
    from ..devtools.navigator_timing import listings
    from ..digests import Navigator

    items = listings(days, categories, per_digest)
    read: set[str] = set()
    t = time.perf_counter()
    nav = Navigator(items, read.__contains__, lambda key: False)
    build = time.perf_counter() - t
    expanded = nav.days[:1]
    keys = [items[i].key for i in range(0, len(items), max(1, len(items) // marks))]
    latencies: list[float] = []
    for key in keys:
        read.add(key)
        t = time.perf_counter()
        nav.update(key)
        nav.rows(expanded)
        latencies.append(time.perf_counter() - t)
    return {"case": "navigator counts after a mark", "size": len(items), "digests": days * categories,
            "build_s": build, "update_p50_ms": pct(latencies, 50) * 1e3, "update_p95_ms": pct(latencies, 95) * 1e3}


def _views_case(size: int) -> Row:
    from .views import bench_views  # 50 smart views and 200 tags (reader/bench/views.py)

    return bench_views(size)


# -- watch and hide rules -----------------------------------------------------------------------

_RULE_WORDS = ("diffusion", "segmentation", "point cloud", "graph", "robot", "transformer", "survey", "3d",
               "video", "language")


def bench_rules(size: int, repeat: int) -> Row:
    """20 watch/hide rules (authors, title and abstract words, phrases, categories) over `size`
    papers in 400-paper digests whose word indexes and author columns are there (as from the
    segment cache, in merged groups of files): at load, then for one new 400-paper digest."""
    import random

    from ..devtools.generate import papers as generated
    from ..rules import RuleIndex, parse_rules
    from ..search import Corpus
    from ..search.segments import Part
    from ..search.store import GROUP

    rng = random.Random(7)
    last = ("Liu", "Levine", "Smith", "Wang", "Garcia", "Kim", "Schmidt", "Müller", "Nguyen", "Rossi")
    ps = [p._replace(authors=tuple(f"{rng.choice('ABCDJK')}. {rng.choice(last)}{rng.randint(0, 500)}"
                                   for _ in range(rng.randint(1, 6))), path=f"d{k // 400}.md")
          for k, p in enumerate(generated(size + 400, abstracts=True))]  # fmt: skip
    old, new = ps[:size], ps[size:]

    def part(rows: Sequence[Paper]) -> Part:
        pt = Part.build(rows)
        pt.index_titles()
        pt.index_abstracts()
        pt.authors_folded()
        return pt

    files = [part(old[a : a + 400]) for a in range(0, size, 400)]
    # As the segment store keeps them: runs of about 16 files merged into one part.
    parts = [Part.merged(files[g : g + GROUP]) for g in range(0, len(files), GROUP)]
    watch: dict[str, object] = {}
    hide: dict[str, object] = {}
    for k, word in enumerate(_RULE_WORDS):
        watch[f"au{k}"] = {"query": f"au:{last[k].lower()}{k * 7}", "weight": k + 1}
        if k < 4:
            watch[f"w{k}"] = f'ti:"{word}"' if k % 2 else f'"{word}" cat:cs.CV'
        else:
            hide[f"h{k}"] = f"abs:{word} !cat:cs.CV" if k % 2 else f"ti:{word} au:{last[k].lower()}"
    rules, problems = parse_rules({"watch": watch, "hide": hide}, "", "bench")
    assert not problems and len(rules.rules) == 20, problems
    loads, news = [], []
    watched = 0
    for _ in range(repeat):
        corpus = Corpus.from_parts(old, parts)  # fresh caches each time
        index = RuleIndex(rules)
        t = time.perf_counter()
        matches = index.evaluate(corpus)
        loads.append(time.perf_counter() - t)
        watched = sum(matches.watched)
        grown = Corpus.from_parts(old + new, [*parts, part(new)])
        t = time.perf_counter()
        index.evaluate(grown)
        news.append(time.perf_counter() - t)
    return {"case": "rules (14 watch, 6 hide)", "size": size, "load_ms": median(loads) * 1e3,
            "new_digest_ms": median(news) * 1e3, "watched": watched}


def bench_sync(events: int, repeat: int) -> Row:
    """The synced folder: `events` events from 3 other machines merged at start, then 100 new
    events from one of them picked up by one poll."""
    from ..state import StateStore
    from ..sync import SyncFolder

    def write(path: Path, start: int, n: int, t0: float) -> None:
        with path.open("a") as fh:
            fh.writelines(f'{{"id": "{2000 + i // 100000:04d}.{i % 100000:05d}", "field": "read", '
                          f'"value": true, "time": {t0 + i * 1e-3!r}}}\n' for i in range(start, start + n))

    with tempfile.TemporaryDirectory() as tmp:
        shared = Path(tmp) / "Sync"
        shared.mkdir()
        names = [f"marks.{m:016x}.log" for m in (0xA, 0xB, 0xC)]
        for m, name in enumerate(names):
            write(shared / name, m * (events // 3), events // 3, 1.7e9)
        starts = []
        for r in range(repeat):
            store = StateStore(Path(tmp) / f"data{r}")
            store.load()
            folder = SyncFolder(store, shared)
            t = time.perf_counter()
            folder.catch_up()
            starts.append(time.perf_counter() - t)
            assert len(store) == events // 3 * 3
            if r < repeat - 1:
                folder.close()
                store.close()
        polls = []
        for r in range(5):
            write(shared / names[0], events + r * 100, 100, 1.8e9)
            t = time.perf_counter()
            changed = folder.poll()
            polls.append(time.perf_counter() - t)
            assert len(changed) == 100
    return {"case": "sync", "marks": events // 3 * 3, "start_merge_s": median(starts),
            "poll_100_ms": median(polls) * 1e3}


# -- the filter over a million titles -------------------------------------------------------


def bench_query_large(size: int) -> Row:
    """The filter over a million titles (no abstracts), typed one character at a time."""
    from ..search import Corpus, parse

    papers = large_papers(size)
    t = time.perf_counter()
    built = Corpus.build(papers)
    build = time.perf_counter() - t
    t = time.perf_counter()
    built.prepare()  # as the app does in the background after loading
    fuzzy_index = time.perf_counter() - t
    results = {}
    for kind, query in (("substring", SUBSTRING_QUERY), ("fuzzy", FUZZY_QUERY)):
        lat: list[float] = []
        prev: Any = None
        rows: Any = None
        for n in range(1, len(query) + 1):
            q = parse(query[:n])
            t = time.perf_counter()
            candidates = rows if prev is not None and q.refines(prev) else None
            rows = q.run(built, candidates=candidates).indices
            lat.append(time.perf_counter() - t)
            prev = q
        results[kind] = (pct(lat, 50) * 1e3, pct(lat, 95) * 1e3, len(rows))
    return {"case": "filter, titles only", "size": size, "build_s": build, "fuzzy_index_s": fuzzy_index,
            "substring_p50_ms": results["substring"][0], "substring_p95_ms": results["substring"][1],
            "fuzzy_p50_ms": results["fuzzy"][0], "fuzzy_p95_ms": results["fuzzy"][1]}


def large_papers(size: int) -> Sequence[Paper]:
    from ..devtools.generate import papers

    return papers(size)


# -- report ---------------------------------------------------------------------------------


def _version(package: str) -> str:
    """An installed package's version, read without importing it (Textual stays unloaded)."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "textual": _version("textual"),
            "rapidfuzz": _version("rapidfuzz"), "platform": platform.platform(), "machine": platform.machine()}


def _fmt(row: Row) -> str:
    skip = {"case", "size", "runs"}
    parts = []
    for key, value in row.items():
        if key in skip:
            continue
        if isinstance(value, float):
            value = f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
        parts.append(f"{key}={value}")
    return "  ".join(parts)


def _line(row: Row) -> str:
    size = row.get("size", row.get("marks", ""))
    return f"{row['case']:<26} {size:>9,}  {_fmt(row)}"


def print_table(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(f"machine: {m['cpus']} cores, Python {m['python']}, Textual {m['textual']}, "
          f"rapidfuzz {m['rapidfuzz']}, {m['platform']}")
    for row in report["cases"]:
        print(_line(row))
    for line in report.get("ratios", []):
        print(line)


def ratios(cases: list[Row]) -> list[str]:
    out = []
    by = {(c["case"], c.get("size")): c for c in cases}
    for c in cases:
        if c["case"] == PARSE_MAIL:
            out.append(f"at {c['size']:,} papers: the e-mail format takes {c['vs_markdown']:.2f}x as long to parse "
                       "as Markdown (same run)")
    sizes: set[int] = {c["size"] for c in cases if c["case"].startswith("list fill") and c.get("size") is not None}
    for size in sorted(sizes):
        ours = by.get(("list fill (PaperList)", size))
        if not ours:
            continue
        for stock in ("DataTable", "OptionList"):
            other = by.get((f"list fill ({stock})", size))
            if other:
                out.append(f"at {size:,} rows: {stock} takes {other['fill_s'] / ours['fill_s']:,.0f}x as long to fill "
                           f"and {other['refill_s'] / ours['refill_s']:,.0f}x as long to re-filter as PaperList")
    return out


def _arguments(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m reader.bench", description=(_package_doc or "").split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (under a minute)")
    ap.add_argument("--large", action="store_true",
                    help="also run the list-only cases at 1,000,000 and startup at 300,000 papers")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--repeat", type=int, default=None, help="runs per case (default 3, 1 with --quick)")
    ap.add_argument("--only", metavar="CASES", default=None,
                    help="comma-separated subset of: " + ",".join(CASES))
    return ap.parse_args(argv)


def _run_cases(args: argparse.Namespace, root: Path, cases: list[Row]) -> None:
    repeat = args.repeat or (1 if args.quick else 3)
    sizes = SIZES[:1] if args.quick else SIZES
    wanted = set(args.only.split(",")) if args.only else set(CASES)

    def step(name: str, run: Callable[[], Row | list[Row]]) -> None:
        if name not in wanted:
            return
        result = run()
        rows = result if isinstance(result, list) else [result]
        cases.extend(rows)
        if not args.json:
            for row in rows:
                print(_line(row), flush=True)

    def filter_case(n: int) -> list[Row]:
        from .ui import bench_filter_and_cursor  # Textual, only for the cases that run the app

        return bench_filter_and_cursor(root, n, repeat)

    def lists_case(n: int, **kw: Any) -> list[Row]:
        from .ui import bench_lists

        return bench_lists(root if n != LARGE else None, n, **kw)

    def session_case(n: int | None) -> Row:
        from .ui import SEED, bench_session_bytes

        return bench_session_bytes(SEED, "seed") if n is None else bench_session_bytes(corpus(root, n), "generated")

    for size in sizes:
        step("parse", partial(bench_parse, root, size, max(repeat, 3) if size <= 1000 else repeat))
        step("startup", partial(bench_startup, root, size, repeat))
        step("daily", partial(bench_daily, root, size, repeat))
        step("early", partial(bench_early, root, size, repeat))
        step("filter", partial(filter_case, size))
        step("lists", partial(lists_case, size))
    step("state", lambda: bench_state(10_000 if args.quick else 1_000_000, repeat))
    step("keep", lambda: bench_keep(10_000 if args.quick else 100_000, repeat))
    step("navigator", lambda: bench_navigator(750, 3, 20 if args.quick else 100))
    step("views", lambda: _views_case(10_000 if args.quick else 100_000))
    step("rules", lambda: bench_rules(10_000 if args.quick else 100_000, max(repeat, 3)))
    if args.large:  # startup at 300,000 papers (750 digests): minutes to generate and run
        step("startup", partial(bench_startup, root, LARGE_LIBRARY, repeat))
    step("sync", lambda: bench_sync(30_000 if args.quick else 1_000_000, repeat))
    step("session_bytes", partial(session_case, None))
    if not args.quick:
        step("session_bytes", partial(session_case, SESSION_LIBRARY))
    if args.large and "large" in wanted:
        papers = large_papers(LARGE)
        step("large", partial(lists_case, LARGE, stock=False, papers=papers))
        del papers
        step("large", partial(bench_query_large, LARGE))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-startup"]:
        from .ui import startup_child

        startup_child(argv[1], argv[2], argv[3], float(argv[4]))
        return 0
    if argv[:1] == ["--child-early"]:
        from .ui import early_child

        early_child(argv[1], argv[2], argv[3], float(argv[4]))
        return 0
    if argv[:1] == ["--child-daily"]:
        from .ui import daily_child

        daily_child(argv[1], argv[2], argv[3], float(argv[4]), argv[5:])
        return 0
    args = _arguments(argv)
    root = Path(tempfile.mkdtemp(prefix="arxiv-reader-bench-"))
    cases: list[Row] = []
    try:
        if not args.json:
            m = machine()
            print(f"machine: {m['cpus']} cores, Python {m['python']}, Textual {m['textual']}", flush=True)
        _run_cases(args, root, cases)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report = {"machine": machine(), "cases": cases, "ratios": ratios(cases)}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for line in report["ratios"]:
            print(line)
    return 0
