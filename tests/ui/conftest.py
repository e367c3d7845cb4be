"""Helpers for driving the reader with Textual's Pilot."""

from __future__ import annotations

import asyncio
import html
import re
from collections import defaultdict
from pathlib import Path

import pytest
from rich.cells import cell_len

from reader.config import Config
from reader.devtools.generate import generate
from reader.library import ParseCache
from reader.state import StateStore
from reader.ui.app import ReaderApp

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_digests"
SIZES = [(120, 40), (80, 24)]


def make_app(tmp_path: Path, paths=None, *, dwell: float = 0.0, store=None, queries=None,
             cache: ParseCache | None = None) -> ReaderApp:
    if store is None:
        store = StateStore(tmp_path / "state")
        store.load()
    config = Config(dwell_seconds=dwell, queries=dict(queries or {}), path=tmp_path / "config.toml")
    return ReaderApp([str(p) for p in (paths or [SAMPLES])], store=store, config=config,
                     cache=cache, history_file=tmp_path / "history.txt")


async def wait_ready(app: ReaderApp, pilot, timeout: float = 60.0) -> None:
    """Until the library is shown and the search corpus is built."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (app.loaded and app.corpus is not None):
        assert loop.time() < deadline, "the library did not load"
        await asyncio.sleep(0.01)
    await settle(app, pilot)


async def settle(app: ReaderApp, pilot) -> None:
    """Let workers, the mark writer and timers finish, then repaint."""
    for _ in range(3):
        await wait_for_workers(app)
        await pilot.pause(0.05)
        while app.session.marks.writing:  # marks still being written
            await asyncio.sleep(0.01)
        await wait_for_workers(app)
        await pilot.pause()


async def wait_for_workers(app: ReaderApp) -> None:
    """Until no worker runs; a worker cancelled by a newer one (the filter's) is not an error."""
    from textual.worker import WorkerCancelled

    while True:
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            await asyncio.sleep(0.001)


_SVG_TEXT = re.compile(r'<text [^>]*?x="([^"]+)"[^>]*?clip-path="url\(#[^)]*?-line-(\d+)\)">(.*?)</text>')
_CHAR_WIDTH = 20 * 0.61  # Rich's SVG export: 20 px font, cells 0.61 of it wide


def screen_lines(app: ReaderApp) -> list[str]:
    """The screen as the user sees it, one string a line, from the app's own (SVG) screenshot."""
    lines: dict[int, dict[int, str]] = defaultdict(dict)
    for x, y, text in _SVG_TEXT.findall(app.export_screenshot()):
        lines[int(y)][round(float(x) / _CHAR_WIDTH)] = html.unescape(text).replace("\xa0", " ")
    width, height = app.size
    out = []
    for y in range(height):
        row = [" "] * width
        for x, text in sorted(lines[y].items()):
            for ch in text:
                if x < width:
                    row[x] = ch
                if cell_len(ch) == 2 and x + 1 < width:
                    row[x + 1] = ""  # the right half of a wide character
                x += cell_len(ch)
        out.append("".join(row).rstrip())
    return out


def screen_text(app: ReaderApp) -> str:
    return "\n".join(screen_lines(app))


def list_lines(app: ReaderApp) -> list[str]:
    plist = app.paper_list
    return [plist.render_line(y).text for y in range(plist.size.height)]


def pane_text(app: ReaderApp) -> str:
    return app.abstract_pane.content.plain


@pytest.fixture(scope="session")
def library_100k(tmp_path_factory) -> Path:
    """100,000 generated papers (250 digests of 400), made once per test session."""
    path = tmp_path_factory.mktemp("digests-100k")
    generate(path, days=250, per_day=400)
    return path


@pytest.fixture(scope="session")
def parse_cache_100k(tmp_path_factory) -> ParseCache:
    return ParseCache(tmp_path_factory.mktemp("cache-100k"))
