"""The benchmark suite: ``python -m reader.bench [--quick] [--large] [--json]``.

It generates its own corpora with the synthetic generator, runs every case several times
and reports medians (and p50/p95 for per-event latencies), with Textual's stock DataTable
and OptionList measured in the same run as the baseline. Timings are printed, never
asserted.

Frames are timed where the app hands them to the terminal (`App._display`); in headless
mode nothing is written, so the bytes a frame would send are computed by rendering it
with a truecolor console, which is what an SSH link would carry.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import ui as _ui  # noqa: F401  (sets the app's frame rate before anything imports Textual)

SIZES = (1_000, 100_000)
LARGE = 1_000_000
PER_DAY = 400
SUBSTRING_QUERY = "segmentati"
FUZZY_QUERY = "uncertanty"  # "uncertainty" with a letter missing: only the fuzzy fallback finds it


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def _pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _corpus(root: Path, size: int) -> Path:
    from .devtools.generate import generate

    path = root / f"digests-{size}"
    if not path.exists():
        days = max(1, round(size / PER_DAY))
        generate(path, days=days, per_day=size // days)
    return path


def _mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*.md")) / 1e6


# -- parse ---------------------------------------------------------------------------------


def bench_parse(root: Path, size: int, repeat: int) -> dict:
    from .library import load

    path = _corpus(root, size)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        lib = load([path], cache=None)
        times.append(time.perf_counter() - t)
        assert len(lib.papers) == size, len(lib.papers)
    mb = _mb(path)
    return {"case": "parse", "size": size, "seconds": _median(times), "mb": mb,
            "mb_per_s": mb / _median(times), "runs": len(times)}


# -- the app, headless ---------------------------------------------------------------------


def _bench_app_class():
    from rich.console import Console

    from .ui.app import ReaderApp

    class BenchApp(ReaderApp):
        """The reader, recording when each frame reaches the terminal and its size in bytes."""

        count_bytes = False

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.frames: list[tuple[float, int]] = []
            self.first_paper_frame: float | None = None
            self.filter_applied: tuple[str | None, int] = (None, 0)
            self._console = Console(color_system="truecolor", force_terminal=True, width=200,
                                    file=open(os.devnull, "w"))

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is None:
                return
            now = time.perf_counter()
            size = len(renderable.render_segments(self._console).encode()) if self.count_bytes else 0
            self.frames.append((now, size))
            if self.first_paper_frame is None and self.loaded:
                self.first_paper_frame = now

        def _apply_filter(self, query, text, indices, unread) -> None:
            super()._apply_filter(query, text, indices, unread)
            self.filter_applied = (text, len(self.frames))  # the next frame shows this result

    return BenchApp


async def _until(predicate: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark condition never became true")
        await asyncio.sleep(0.0005)


async def _next_frame(app, after: int, timeout: float = 30.0) -> tuple[float, int]:
    await _until(lambda: len(app.frames) > after, timeout)
    return app.frames[after]


async def _settle(app, pilot) -> None:
    await wait_for_workers(app)
    await pilot.pause(0.1)


async def wait_for_workers(app) -> None:
    """Until no worker runs; a worker cancelled by a newer one (the filter's) is not an error."""
    from textual.worker import WorkerCancelled

    while True:
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            await asyncio.sleep(0.001)


def _make_app(paths: list[str], data_dir: Path, cache_dir: Path | None):
    from .config import Config
    from .library import ParseCache
    from .state import StateStore

    store = StateStore(data_dir)
    store.load()
    return _bench_app_class()(paths, store=store, config=Config(dwell_seconds=0),
                              cache=ParseCache(cache_dir) if cache_dir else None,
                              history_file=data_dir / "history.txt")


def _send_key(app, key: str) -> None:
    from textual import events

    char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


async def _filter_latencies(app, pilot, query: str) -> tuple[list[float], int]:
    app.filter_bar.focus()
    await pilot.pause()
    latencies = []
    for n in range(1, len(query) + 1):
        typed = query[:n]
        before = len(app.frames)
        t0 = time.perf_counter()
        _send_key(app, query[n - 1])
        await _until(lambda: app.filter_applied[0] == typed)
        frame_time, _ = await _next_frame(app, max(app.filter_applied[1], before))
        latencies.append(frame_time - t0)
    shown = len(app.paper_list.rows)
    app.filter_bar.value = ""
    await _until(lambda: app.query_text == "")
    await _settle(app, pilot)
    return latencies, shown


def bench_filter_and_cursor(root: Path, size: int, repeat: int) -> list[dict]:
    path = _corpus(root, size)

    async def run() -> list[dict]:
        out = []
        with tempfile.TemporaryDirectory() as tmp:
            app = _make_app([str(path)], Path(tmp) / "data", Path(tmp) / "cache")
            async with app.run_test(size=(120, 40)) as pilot:
                await _until(lambda: app.loaded and app.corpus is not None and app.corpus.ready, timeout=300)
                await _settle(app, pilot)
                for kind, query in (("substring", SUBSTRING_QUERY), ("fuzzy", FUZZY_QUERY)):
                    samples: list[float] = []
                    shown = 0
                    for _ in range(repeat):
                        lat, shown = await _filter_latencies(app, pilot, query)
                        samples += lat
                    out.append({"case": f"filter ({kind})", "size": size, "query": query,
                                "p50_ms": _pct(samples, 50) * 1e3, "p95_ms": _pct(samples, 95) * 1e3,
                                "max_ms": max(samples) * 1e3, "matches": shown, "keystrokes": len(samples)})
                app.screen.set_focus(app.paper_list)
                await _settle(app, pilot)
                assert app.focused is app.paper_list and not app.filter_bar.value, app.focused
                moves = 40 * repeat
                # Latency: key event to the frame with the moved cursor (nothing else measured).
                lat = []
                for n in range(moves):
                    before = len(app.frames)
                    t0 = time.perf_counter()
                    _send_key(app, "j" if n % 10 != 9 else "k")
                    frame_time, _ = await _next_frame(app, before)
                    lat.append(frame_time - t0)
                    await asyncio.sleep(0.15)  # the abstract pane follows; let it settle
                # Bytes: everything one move sends, the list rows and then the abstract pane.
                app.count_bytes = True
                sizes, list_sizes = [], []
                for n in range(moves):
                    before = len(app.frames)
                    _send_key(app, "j" if n % 10 != 9 else "k")
                    await _next_frame(app, before)
                    list_sizes.append(app.frames[before][1])
                    await asyncio.sleep(0.15)
                    sizes.append(sum(b for _, b in app.frames[before:]))
                app.count_bytes = False
                out.append({"case": "cursor", "size": size, "p50_ms": _pct(lat, 50) * 1e3,
                            "p95_ms": _pct(lat, 95) * 1e3, "list_bytes_median": _median(list_sizes),
                            "list_bytes_p95": _pct(list_sizes, 95), "with_pane_bytes_median": _median(sizes),
                            "moves": moves})
        return out

    return asyncio.run(run())


# -- startup and memory (a fresh process each time) ------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec; ru_maxrss does
    not (a child forked from a parent holding 400 MB would report 400 MB)."""
    from .devtools.memory import status_mb

    peak = status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _startup_child(path: str, data_dir: str, cache_dir: str, t_spawn: float) -> None:
    """Runs in the child: start the reader headless and report when its frames appeared."""

    async def run() -> dict:
        app = _make_app([path], Path(data_dir), Path(cache_dir))
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(lambda: bool(app.frames))
            first_frame = app.frames[0][0]
            await _until(lambda: app.first_paper_frame is not None, timeout=300)
            papers_frame = app.first_paper_frame
            await _until(lambda: app.corpus is not None, timeout=300)
            ready = time.perf_counter()
            await _until(lambda: app.corpus.ready, timeout=300)  # the word indexes, built last
            indexed = time.perf_counter()
            papers = len(app.papers)
            await wait_for_workers(app)  # the indexes written to the cache, on a cold start
            rss = peak_rss_mb()
            await pilot.press("q")
        wall0 = time.time() - time.perf_counter()  # perf_counter -> wall clock
        return {"first_frame": wall0 + first_frame - t_spawn, "papers_frame": wall0 + papers_frame - t_spawn,
                "filter_ready": wall0 + ready - t_spawn, "indexed": wall0 + indexed - t_spawn,
                "rss_mb": rss, "papers": papers}

    print(json.dumps(asyncio.run(run())))


def _run_startup(path: Path, data: Path, cache: Path) -> dict:
    t_spawn = time.time()
    proc = subprocess.run([sys.executable, "-m", "reader.bench", "--child-startup", str(path), str(data),
                           str(cache), repr(t_spawn)], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"startup child failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_startup(root: Path, size: int, repeat: int) -> list[dict]:
    path = _corpus(root, size)
    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            data, cache = Path(tmp) / "data", Path(tmp) / "cache"
            cold.append(_run_startup(path, data, cache))   # empty parse cache
            warm.append(_run_startup(path, data, cache))   # the cache the cold start wrote
    out = []
    for kind, runs in (("cold", cold), ("warm", warm)):
        out.append({"case": f"startup ({kind})", "size": size,
                    "first_frame_s": _median([r["first_frame"] for r in runs]),
                    "papers_shown_s": _median([r["papers_frame"] for r in runs]),
                    "filter_ready_s": _median([r["filter_ready"] for r in runs]),
                    "indexed_s": _median([r["indexed"] for r in runs]), "runs": len(runs)})
    out.append({"case": "memory", "size": size, "peak_rss_mb": _median([r["rss_mb"] for r in cold]),
                "peak_rss_warm_mb": _median([r["rss_mb"] for r in warm])})
    return out


# -- state ----------------------------------------------------------------------------------


def bench_state(marks: int, repeat: int) -> dict:
    from .state import StateStore

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
    return {"case": "state", "marks": marks, "load_s": _median(loads),
            "mark_p50_ms": _pct(latencies, 50) * 1e3, "mark_p95_ms": _pct(latencies, 95) * 1e3}


# -- the baseline: Textual's stock list widgets, with the same rows ---------------------------


def bench_lists(root: Path | None, size: int, *, stock: bool = True, papers=None) -> list[dict]:
    """Fill a list with `size` papers and repaint; then swap in a filtered subset."""
    from rich.text import Text
    from textual.app import App
    from textual.widgets import DataTable, OptionList

    from .text import display_title
    from .ui.paper_list import PaperList

    if papers is None:
        from .library import load

        papers = load([_corpus(root, size)], cache=None).papers
    titles = [display_title(p.title) for p in papers]
    subset = [i for i, t in enumerate(titles) if "segmentation" in t.lower()]

    class ListApp(App):
        def __init__(self, widget) -> None:
            super().__init__()
            self.widget = widget
            self.frames: list[float] = []

        def compose(self):
            yield self.widget

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                self.frames.append(time.perf_counter())

    async def timed(widget, fill, refill) -> tuple[float, float]:
        app = ListApp(widget)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.1)
            before = len(app.frames)
            t = time.perf_counter()
            fill()
            await _until(lambda: len(app.frames) > before, timeout=600)
            await pilot.pause()
            fill_s = app.frames[before] - t if app.frames[before] > t else time.perf_counter() - t
            before = len(app.frames)
            t = time.perf_counter()
            refill()
            await _until(lambda: len(app.frames) > before, timeout=600)
            refill_s = app.frames[before] - t
        return fill_s, refill_s

    async def run() -> list[dict]:
        out = []
        plist = PaperList()
        fill, refill = await timed(plist, lambda: plist.set_papers(papers, titles),
                                   lambda: plist.set_rows(subset))
        out.append({"case": "list fill (PaperList)", "size": size, "fill_s": fill, "refill_s": refill})
        if stock:
            table = DataTable()

            def table_fill(rows):
                table.clear(columns=not table.columns)
                if not table.columns:
                    table.add_columns("", "#", "title", "id")
                table.add_rows([("●", str(papers[i].number), Text(titles[i]), papers[i].id or "") for i in rows])

            fill, refill = await timed(table, lambda: table_fill(range(len(papers))), lambda: table_fill(subset))
            out.append({"case": "list fill (DataTable)", "size": size, "fill_s": fill, "refill_s": refill})
            options = OptionList()

            def options_fill(rows):
                options.clear_options()
                options.add_options([Text(f"● {papers[i].number} {titles[i]}  {papers[i].id}") for i in rows])

            fill, refill = await timed(options, lambda: options_fill(range(len(papers))),
                                       lambda: options_fill(subset))
            out.append({"case": "list fill (OptionList)", "size": size, "fill_s": fill, "refill_s": refill})
        return out

    return asyncio.run(run())


def bench_query_large(size: int) -> dict:
    """The filter over a million titles (no abstracts), typed one character at a time."""
    from .model import Paper
    from .query import Corpus, parse

    papers = _large_papers(size)
    t = time.perf_counter()
    corpus = Corpus.build(papers)
    build = time.perf_counter() - t
    t = time.perf_counter()
    corpus.prepare()  # as the app does in the background after loading
    fuzzy_index = time.perf_counter() - t
    results = {}
    for kind, query in (("substring", SUBSTRING_QUERY), ("fuzzy", FUZZY_QUERY)):
        lat, prev, rows = [], None, None
        for n in range(1, len(query) + 1):
            q = parse(query[:n])
            t = time.perf_counter()
            candidates = rows if prev is not None and q.refines(prev) else None
            rows = q.run(corpus, candidates=candidates).indices
            lat.append(time.perf_counter() - t)
            prev = q
        results[kind] = (_pct(lat, 50) * 1e3, _pct(lat, 95) * 1e3, len(rows))
    del Paper
    return {"case": "filter, titles only", "size": size, "build_s": build, "fuzzy_index_s": fuzzy_index,
            "substring_p50_ms": results["substring"][0], "substring_p95_ms": results["substring"][1],
            "fuzzy_p50_ms": results["fuzzy"][0], "fuzzy_p95_ms": results["fuzzy"][1]}


def _large_papers(size: int):
    from .devtools.generate import papers

    return papers(size)


# -- report ---------------------------------------------------------------------------------


def machine() -> dict:
    import rapidfuzz
    import textual

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "textual": textual.__version__,
            "rapidfuzz": rapidfuzz.__version__, "platform": platform.platform(), "machine": platform.machine()}


def _fmt(row: dict) -> str:
    skip = {"case", "size", "runs"}
    parts = []
    for key, value in row.items():
        if key in skip:
            continue
        if isinstance(value, float):
            value = f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
        parts.append(f"{key}={value}")
    return "  ".join(parts)


def print_table(report: dict) -> None:
    m = report["machine"]
    print(f"machine: {m['cpus']} cores, Python {m['python']}, Textual {m['textual']}, "
          f"rapidfuzz {m['rapidfuzz']}, {m['platform']}")
    for row in report["cases"]:
        size = row.get("size", row.get("marks", ""))
        print(f"{row['case']:<26} {size:>9,}  {_fmt(row)}")
    for line in report.get("ratios", []):
        print(line)


def ratios(cases: list[dict]) -> list[str]:
    out = []
    by = {(c["case"], c.get("size")): c for c in cases}
    for size in sorted({c.get("size") for c in cases if c["case"].startswith("list fill")} - {None}):
        ours = by.get(("list fill (PaperList)", size))
        if not ours:
            continue
        for stock in ("DataTable", "OptionList"):
            other = by.get((f"list fill ({stock})", size))
            if other:
                out.append(f"at {size:,} rows: {stock} takes {other['fill_s'] / ours['fill_s']:,.0f}x as long to fill "
                           f"and {other['refill_s'] / ours['refill_s']:,.0f}x as long to re-filter as PaperList")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-startup"]:
        _startup_child(argv[1], argv[2], argv[3], float(argv[4]))
        return 0
    ap = argparse.ArgumentParser(prog="python -m reader.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (under a minute)")
    ap.add_argument("--large", action="store_true", help="also run the list-only cases at 1,000,000")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--repeat", type=int, default=None, help="runs per case (default 3, 1 with --quick)")
    ap.add_argument("--only", metavar="CASES", default=None,
                    help="comma-separated subset of: parse,startup,filter,lists,state,large")
    args = ap.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    sizes = SIZES[:1] if args.quick else SIZES
    root = Path(tempfile.mkdtemp(prefix="arxiv-reader-bench-"))
    cases: list[dict] = []

    wanted = set(args.only.split(",")) if args.only else None
    names = {bench_parse: "parse", bench_startup: "startup", bench_filter_and_cursor: "filter",
             bench_lists: "lists", bench_state: "state", bench_query_large: "large"}

    def step(fn, *a, **kw):
        if wanted is not None and names[fn] not in wanted and not (args.large and a[:1] == (None,)):
            return
        result = fn(*a, **kw)
        rows = result if isinstance(result, list) else [result]
        cases.extend(rows)
        if not args.json:
            for row in rows:
                size = row.get("size", row.get("marks", ""))
                print(f"{row['case']:<26} {size:>9,}  {_fmt(row)}", flush=True)

    try:
        if not args.json:
            m = machine()
            print(f"machine: {m['cpus']} cores, Python {m['python']}, Textual {m['textual']}", flush=True)
        for size in sizes:
            step(bench_parse, root, size, max(repeat, 3) if size <= 1000 else repeat)
            step(bench_startup, root, size, repeat)
            step(bench_filter_and_cursor, root, size, repeat)
            step(bench_lists, root, size)
        step(bench_state, 10_000 if args.quick else 1_000_000, repeat)
        if args.large and (wanted is None or "large" in wanted):
            papers = _large_papers(LARGE)
            step(bench_lists, None, LARGE, stock=False, papers=papers)
            del papers
            step(bench_query_large, LARGE)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report = {"machine": machine(), "cases": cases, "ratios": ratios(cases)}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for line in report["ratios"]:
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
