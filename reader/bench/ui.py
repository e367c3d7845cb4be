"""The benchmark cases that run the app headless: startup, filter and cursor, list fill.

The only module outside `reader/ui/` that imports Textual (and rich). Frames are recorded by
`RecordingDriver`, a Textual driver (public API: `Driver.write`/`Driver.flush`, chosen with
`App.get_driver_class`) that tells the app it is not headless, so the app renders each frame
to escape sequences exactly as for a terminal, and keeps when each one was flushed and how many
bytes it was: what an SSH link would carry. Nothing reaches the real terminal.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

# The bytes of a frame depend on the colour system; measure what a truecolor terminal gets.
# Set before Textual is imported (Textual reads it once), and only as a default.
os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "truecolor")

from .. import ui as _ui  # noqa: E402, F401  (sets the app's frame rate before Textual is imported)
from ..model import Paper  # noqa: E402
from .common import FUZZY_QUERY, SUBSTRING_QUERY, Row, corpus, median, pct, peak_rss_mb, until  # noqa: E402

from rich.text import Text  # noqa: E402
from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.driver import Driver  # noqa: E402
from textual.drivers.headless_driver import HeadlessDriver  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widget import Widget  # noqa: E402
from textual.widgets import DataTable, OptionList  # noqa: E402
from textual.worker import WorkerCancelled  # noqa: E402

from ..ui.app import ReaderApp  # noqa: E402


class RecordingDriver(HeadlessDriver):
    """Headless input, but the app renders and writes its frames here, as to a terminal.

    `flush()` ends a frame (Textual flushes once after writing each one); the app, if it has a
    `frame_written(time, size)` method, hears of each.
    """

    def __init__(self, app: App[Any], *, debug: bool = False, mouse: bool = True,
                 size: tuple[int, int] | None = None) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        self.app = app
        self.pending = 0
        self.chunks: list[str] = []

    @property
    def is_headless(self) -> bool:
        return False  # so that the app renders each frame and writes it to us

    def write(self, data: str) -> None:
        self.pending += len(data.encode())
        if getattr(self.app, "frame_texts", None) is not None:
            self.chunks.append(data)

    def flush(self) -> None:
        size, self.pending = self.pending, 0
        texts: list[str] | None = getattr(self.app, "frame_texts", None)
        if texts is not None:  # an app that asks for them keeps the frames' text too
            texts.append("".join(self.chunks))
            self.chunks = []
        frame_written: Callable[[float, int], None] | None = getattr(self.app, "frame_written", None)
        if frame_written is not None:
            frame_written(time.perf_counter(), size)


class BenchApp(ReaderApp):
    """The reader, recording when each frame reaches the terminal and its size in bytes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frames: list[tuple[float, int]] = []
        self.first_paper_frame: float | None = None
        self.filter_applied: tuple[str | None, int] = (None, 0)

    def get_driver_class(self) -> type[Driver]:
        return RecordingDriver

    def frame_written(self, now: float, size: int) -> None:
        self.frames.append((now, size))
        if self.first_paper_frame is None and self.loaded:
            self.first_paper_frame = now

    # ReaderApp's own seam, not Textual's: the frame after this one shows the filter's result.
    # It follows the app (issue 16 moves filtering into the session model; rename it there).
    def _apply_filter(self, query: Any, text: Any, indices: Any, unread: Any) -> None:
        super()._apply_filter(query, text, indices, unread)
        self.filter_applied = (text, len(self.frames))


async def _next_frame(app: BenchApp, after: int, timeout: float = 30.0) -> tuple[float, int]:
    await until(lambda: len(app.frames) > after, timeout)
    return app.frames[after]


async def wait_for_workers(app: App[Any]) -> None:
    """Until no worker runs; a worker cancelled by a newer one (the filter's) is not an error."""
    while True:
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            await asyncio.sleep(0.001)


async def _settle(app: App[Any], pilot: Pilot[Any]) -> None:
    await wait_for_workers(app)
    await pilot.pause(0.1)


def _make_app(paths: list[str], data_dir: Path, cache_dir: Path | None,
              cls: type[BenchApp] = BenchApp) -> BenchApp:
    from ..config import Config
    from ..library import ParseCache
    from ..state import StateStore

    store = StateStore(data_dir)
    store.load()
    return cls(paths, store=store, config=Config(dwell_seconds=0),
                    cache=ParseCache(cache_dir) if cache_dir else None, history_file=data_dir / "history.txt")


def _send_key(app: App[Any], key: str) -> None:
    """A key as the terminal would deliver it, without waiting for it to be handled."""
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app.post_message(event)


async def _filter_latencies(app: BenchApp, pilot: Pilot[Any], query: str) -> tuple[list[float], int]:
    app.filter_bar.focus()
    await pilot.pause()
    latencies = []
    for n in range(1, len(query) + 1):
        typed = query[:n]
        before = len(app.frames)
        t0 = time.perf_counter()
        _send_key(app, query[n - 1])
        await until(lambda typed=typed: app.filter_applied[0] == typed)  # type: ignore[misc]
        frame_time, _ = await _next_frame(app, max(app.filter_applied[1], before))
        latencies.append(frame_time - t0)
    shown = len(app.paper_list.rows)
    app.filter_bar.value = ""
    await until(lambda: app.query_text == "")
    await _settle(app, pilot)
    return latencies, shown


async def _cursor(app: BenchApp, size: int, moves: int) -> Row:
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
    sizes: list[float] = []
    list_sizes: list[float] = []
    for n in range(moves):
        before = len(app.frames)
        _send_key(app, "j" if n % 10 != 9 else "k")
        await _next_frame(app, before)
        list_sizes.append(app.frames[before][1])
        await asyncio.sleep(0.15)
        sizes.append(sum(b for _, b in app.frames[before:]))
    return {"case": "cursor", "size": size, "p50_ms": pct(lat, 50) * 1e3,
            "p95_ms": pct(lat, 95) * 1e3, "list_bytes_median": median(list_sizes),
            "list_bytes_p95": pct(list_sizes, 95), "with_pane_bytes_median": median(sizes), "moves": moves}


def bench_filter_and_cursor(root: Path, size: int, repeat: int) -> list[Row]:
    path = corpus(root, size)

    async def run() -> list[Row]:
        out: list[Row] = []
        with tempfile.TemporaryDirectory() as tmp:
            app = _make_app([str(path)], Path(tmp) / "data", Path(tmp) / "cache")
            async with app.run_test(size=(120, 40), headless=False) as pilot:
                await until(lambda: app.loaded and app.corpus is not None and app.corpus.ready, timeout=300)
                await _settle(app, pilot)
                for kind, query in (("substring", SUBSTRING_QUERY), ("fuzzy", FUZZY_QUERY)):
                    samples: list[float] = []
                    shown = 0
                    for _ in range(repeat):
                        lat, shown = await _filter_latencies(app, pilot, query)
                        samples += lat
                    out.append({"case": f"filter ({kind})", "size": size, "query": query,
                                "p50_ms": pct(samples, 50) * 1e3, "p95_ms": pct(samples, 95) * 1e3,
                                "max_ms": max(samples) * 1e3, "matches": shown, "keystrokes": len(samples)})
                app.screen.set_focus(app.paper_list)
                await _settle(app, pilot)
                assert app.focused is app.paper_list and not app.filter_bar.value, app.focused
                out.append(await _cursor(app, size, 40 * repeat))
        return out

    return asyncio.run(run())


# -- the bytes an SSH link carries for a scripted session (issue 13) ----------------------------

SESSION_SCRIPT: tuple[str, ...] = ("j",) * 30 + ("slash", *SUBSTRING_QUERY, "enter", "m", "s", "escape", "q")
"""DECISIONS.md's SSH script: 30 x `j`, `/`, 10 characters, `Enter`, `m`, `s`, `Esc`, `q`."""

SEED = Path(__file__).resolve().parents[2] / "sample_digests"
"""The bundled seed digests."""

_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_MOVE = re.compile(r"\x1b\[[0-9;]*[HfABCDG]")
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|.)")


def frame_anatomy(text: str) -> dict[str, int]:
    """Where a frame's bytes go: colours and styles (SGR), cursor moves, other escape
    sequences, and the text between them (of which spaces: padding and blank cells)."""
    sgr = sum(len(m.group().encode()) for m in _SGR.finditer(text))
    moves = sum(len(m.group().encode()) for m in _MOVE.finditer(text))
    escapes = sum(len(m.group().encode()) for m in _ESCAPE.finditer(text))
    plain = _ESCAPE.sub("", text)
    return {"bytes": len(text.encode()), "sgr": sgr, "moves": moves, "other_escapes": escapes - sgr - moves,
            "text": len(plain.encode()), "spaces": plain.count(" "), "sgr_count": len(_SGR.findall(text))}


class SessionApp(BenchApp):
    """`BenchApp` that also keeps each frame's text, for `frame_anatomy`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frame_texts: list[str] = []


def _key_event(app: App[Any], key: str) -> None:
    """A key by its Textual name ("slash", "enter", "j"), as the terminal would deliver it."""
    character = {"slash": "/", "enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)
    event = events.Key(key, character)
    event.set_sender(app)
    app.post_message(event)


async def _quiet(app: BenchApp, quiet: float = 0.2, timeout: float = 60.0) -> None:
    """Until the app's workers are done and no frame has been written for `quiet` seconds."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        await wait_for_workers(app)
        seen = len(app.frames)
        await asyncio.sleep(quiet)
        if len(app.frames) == seen:
            return


async def _session(app: SessionApp) -> list[tuple[str, int]]:
    """Play the script from the paper list; each key's frames, as (key, first frame index)."""
    app.screen.set_focus(app.paper_list)
    await _quiet(app)
    starts: list[tuple[str, int]] = []
    for key in SESSION_SCRIPT:
        starts.append((key, len(app.frames)))
        _key_event(app, key)
        if key == "q":
            await until(lambda: app.return_code is not None, timeout=60)
        else:
            await _quiet(app)
    return starts


def _session_row(app: SessionApp, label: str, papers: int, starts: list[tuple[str, int]]) -> Row:
    bounds = [i for _, i in starts] + [len(app.frames)]
    per_key = [sum(b for _, b in app.frames[a:z]) for a, z in zip(bounds, bounds[1:], strict=False)]
    moves = [(a, z) for (key, a), z in zip(starts, bounds[1:], strict=False) if key == "j" and z > a]
    cursor = [float(app.frames[a][1]) for a, _ in moves]  # the first frame: the list's rows
    pane = [float(sum(b for _, b in app.frames[a + 1:z])) for a, z in moves]  # then the abstract
    a, z = moves[len(moves) // 2]
    anatomy = frame_anatomy("".join(app.frame_texts[a + 1:z]))
    session = app.frames[bounds[0]:]
    return {"case": f"session bytes ({label})", "size": papers, "keys": len(starts), "frames": len(session),
            "total_bytes": sum(per_key), "bytes_per_key": sum(per_key) / len(starts),
            "largest_frame": max(b for _, b in session), "cursor_bytes_median": median(cursor),
            "cursor_bytes_max": max(cursor), "abstract_bytes_median": median(pane), "abstract_bytes_max": max(pane),
            "filter_bytes": sum(per_key[31:41]),
            **{f"abstract_{k}": v for k, v in anatomy.items()}}


def bench_session_bytes(path: Path, label: str) -> Row:
    """The bytes the app writes to the terminal for DECISIONS.md's SSH script on `path`."""

    async def run() -> Row:
        with tempfile.TemporaryDirectory() as tmp:
            app = _make_app([str(path)], Path(tmp) / "data", Path(tmp) / "cache", cls=SessionApp)
            assert isinstance(app, SessionApp)
            async with app.run_test(size=(120, 40), headless=False) as pilot:
                await until(lambda: _all_loaded(app) and app.corpus is not None and app.corpus.ready, timeout=300)
                await _settle(app, pilot)
                starts = await _session(app)
                papers = len(app.papers)
            return _session_row(app, label, papers, starts)

    return asyncio.run(run())


# -- startup, in a fresh process (started by core.bench_startup) ------------------------------


def startup_child(path: str, data_dir: str, cache_dir: str, t_spawn: float) -> None:
    """Runs in the child: start the reader headless and report when its frames appeared."""

    async def run() -> dict[str, float]:
        app = _make_app([path], Path(data_dir), Path(cache_dir))
        async with app.run_test(size=(120, 40), headless=False) as pilot:
            await until(lambda: bool(app.frames))
            first_frame = app.frames[0][0]
            await until(lambda: app.first_paper_frame is not None, timeout=300)
            papers_frame = app.first_paper_frame or 0.0
            # Streamed newest first: the whole library loaded, and a corpus over all of it.
            await until(lambda: _all_loaded(app), timeout=300)
            ready = time.perf_counter()
            # the word indexes, built last
            await until(lambda: app.corpus is not None and app.corpus.ready, timeout=300)
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


def _all_loaded(app: BenchApp) -> bool:
    """Every digest's rows shown and a search corpus over exactly them."""
    return (app.loaded and not app.live.loading and app.corpus is not None
            and app.corpus.papers is app.session.papers)


def daily_child(path: str, data_dir: str, cache_dir: str, t_spawn: float, titles: list[str]) -> None:
    """Runs in the child: start the reader on a library with warm caches and one new digest; as
    soon as papers are on screen, type each title (one key event after another, as a fast typist
    or a paste sends them) and time from the first key to the frame that lists its paper."""

    async def run() -> dict[str, Any]:
        app = _make_app([path], Path(data_dir), Path(cache_dir))
        async with app.run_test(size=(120, 40), headless=False) as pilot:
            await until(lambda: app.first_paper_frame is not None, timeout=300)
            papers_frame = app.first_paper_frame or 0.0
            # The app opens on the newest digest and a filter applies within the shown view: the
            # whole library is searched from "All" (a user presses d, g, Enter).
            app.show_view("all")
            await pilot.pause()
            found: list[float] = []
            for title in titles:
                text = f'"{title}"'
                app.filter_bar.focus()
                await pilot.pause()
                t0 = time.perf_counter()
                for ch in text:
                    _send_key(app, ch)

                def shown(title: str = title, text: str = text) -> bool:
                    rows = app.paper_list.rows
                    return (app.filter_applied[0] == text and 0 < len(rows) < 50
                            and any(app.papers[i].title == title for i in rows))

                await until(shown, timeout=300)
                before = len(app.frames)
                await until(lambda before=before: len(app.frames) > before, timeout=60)  # type: ignore[misc]
                found.append(app.frames[before][0] - t0)
                app.filter_bar.value = ""
                await _settle(app, pilot)
            await until(lambda: _all_loaded(app), timeout=300)
            loaded = time.perf_counter()
            rss = peak_rss_mb()
            await pilot.press("q")
        wall0 = time.time() - time.perf_counter()
        return {"papers_frame": wall0 + papers_frame - t_spawn, "found": found,
                "all_loaded": wall0 + loaded - t_spawn, "rss_mb": rss}

    print(json.dumps(asyncio.run(run())))


EARLY_QUERIES = ("segmentati", "uncertanty", "graph neural", "diffusion", "learning", "robust")
"""Typed in turn from the first screen on, while the library streams in, and two more after."""


def early_child(path: str, data_dir: str, cache_dir: str, t_spawn: float) -> None:
    """Runs in the child: as soon as papers are on screen (warm caches), type the queries of
    `EARLY_QUERIES` a key at a time in "All", each key once the last one's frame is out; each
    key's latency (key to the frame with its result) and whether the library was still loading.
    No `pilot.pause()` here: it waits for the process to idle, and the loading never does."""

    async def run() -> dict[str, Any]:
        app = _make_app([path], Path(data_dir), Path(cache_dir))
        async with app.run_test(size=(120, 40), headless=False):
            await until(lambda: app.first_paper_frame is not None, timeout=300)
            app.show_view("all")  # it opens on the newest digest; the filter applies within the view
            app.screen.set_focus(app.filter_bar)
            loading: list[float] = []
            after: list[float] = []
            keys: list[tuple[float, float]] = []  # (sent, latency), perf_counter
            # Round the queries until the library is all loaded, then two more.
            left_after = 2
            for n_query in range(10 * len(EARLY_QUERIES)):
                query = EARLY_QUERIES[n_query % len(EARLY_QUERIES)]
                if _all_loaded(app):
                    if not left_after:
                        break
                    left_after -= 1
                app.filter_bar.value = ""
                await until(lambda: app.query_text == "" and not app.filter_bar.value)
                for n in range(1, len(query) + 1):
                    typed, before, was_loading = query[:n], len(app.frames), not _all_loaded(app)
                    t0 = time.perf_counter()
                    _send_key(app, query[n - 1])
                    await until(lambda typed=typed: app.filter_applied[0] == typed)  # type: ignore[misc]
                    frame_time, _ = await _next_frame(app, max(app.filter_applied[1], before))
                    (loading if was_loading else after).append(frame_time - t0)
                    keys.append((t0, frame_time - t0))
            rss = peak_rss_mb()
            app.exit()
        wall0 = time.time() - time.perf_counter()
        return {"loading": loading, "after": after, "rss_mb": rss,
                "keys": [(wall0 + t - t_spawn, lat) for t, lat in keys]}

    print(json.dumps(asyncio.run(run())))


# -- the baseline: Textual's stock list widgets, with the same rows ---------------------------


class ListApp(App[None]):
    """One list widget, full screen, recording its frames like `BenchApp`."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.frames: list[float] = []

    def get_driver_class(self) -> type[Driver]:
        return RecordingDriver

    def compose(self) -> ComposeResult:
        yield self.widget

    def frame_written(self, now: float, size: int) -> None:
        self.frames.append(now)


async def _timed(widget: Widget, fill: Callable[[], object], refill: Callable[[], object]) -> tuple[float, float]:
    app = ListApp(widget)
    async with app.run_test(size=(120, 40), headless=False) as pilot:
        await pilot.pause(0.1)
        before = len(app.frames)
        t = time.perf_counter()
        fill()
        await until(lambda: len(app.frames) > before, timeout=600)
        await pilot.pause()
        fill_s = app.frames[before] - t if app.frames[before] > t else time.perf_counter() - t
        before = len(app.frames)
        t = time.perf_counter()
        refill()
        await until(lambda: len(app.frames) > before, timeout=600)
        refill_s = app.frames[before] - t
    return fill_s, refill_s


def bench_lists(root: Path | None, size: int, *, stock: bool = True, papers: Sequence[Paper] | None = None
                ) -> list[Row]:
    """Fill a list with `size` papers and repaint; then swap in a filtered subset."""
    from ..text import display_title
    from ..ui.paper_list import PaperList

    if papers is None:
        from ..library import load

        assert root is not None
        papers = load([corpus(root, size)], cache=None).papers
    titles = [display_title(p.title) for p in papers]
    subset = [i for i, t in enumerate(titles) if "segmentation" in t.lower()]
    rows = papers

    async def run() -> list[Row]:
        out: list[Row] = []
        plist = PaperList()
        fill, refill = await _timed(plist, lambda: plist.set_papers(rows, titles), lambda: plist.set_rows(subset))
        out.append({"case": "list fill (PaperList)", "size": size, "fill_s": fill, "refill_s": refill})
        if stock:
            table: DataTable[Any] = DataTable()

            def table_fill(indices: Iterable[int]) -> None:
                table.clear(columns=not table.columns)
                if not table.columns:
                    table.add_columns("", "#", "title", "id")
                table.add_rows([("●", str(rows[i].number), Text(titles[i]), rows[i].id or "") for i in indices])

            fill, refill = await _timed(table, lambda: table_fill(range(len(rows))), lambda: table_fill(subset))
            out.append({"case": "list fill (DataTable)", "size": size, "fill_s": fill, "refill_s": refill})
            options = OptionList()

            def options_fill(indices: Iterable[int]) -> None:
                options.clear_options()
                options.add_options([Text(f"● {rows[i].number} {titles[i]}  {rows[i].id}") for i in indices])

            fill, refill = await _timed(options, lambda: options_fill(range(len(rows))), lambda: options_fill(subset))
            out.append({"case": "list fill (OptionList)", "size": size, "fill_s": fill, "refill_s": refill})
        return out

    return asyncio.run(run())
