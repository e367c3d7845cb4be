"""Rows that arrive while the app runs: a streamed start and live reload, driven through Pilot."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

from reader.config import Config
from reader.devtools.generate import generate
from reader.library import load
from reader.state import StateStore
from reader.ui.app import ReaderApp

from .conftest import SAMPLES, make_app, screen_text, settle, wait_ready

SAMPLE = SAMPLES / "arxiv-cs.CV-2019-07-09.md"


async def until(app: ReaderApp, pilot, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Until `condition` holds (the reload runs in a worker), then let the app settle."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the change never showed"
        await pilot.pause(0.02)
    await settle(app, pilot)


def library(tmp_path: Path) -> Path:
    folder = tmp_path / "lib"
    generate(folder, days=12, per_day=20)
    return folder


async def test_a_filter_typed_while_loading_covers_the_whole_library_in_the_end(tmp_path: Path) -> None:
    folder = library(tmp_path)
    oldest = load(list(folder.glob("*-2019-01-01.md"))).papers[3]
    app = make_app(tmp_path, [folder])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *oldest.id)  # typed at once, before the oldest digest is loaded
        await wait_ready(app, pilot)
        assert len(app.papers) == 240
        # The app opened on the newest digest and the filter applies within it (DECISIONS): the
        # oldest paper shows once "All" is chosen in the navigator, the filter kept.
        await pilot.press("enter", "d", "g", "enter")
        await settle(app, pilot)
        assert [app.papers[i].id for i in app.paper_list.rows] == [oldest.id]
        assert "loading" not in screen_text(app)


async def test_a_filter_matching_nothing_says_so_once_everything_is_loaded(tmp_path: Path) -> None:
    app = make_app(tmp_path, [library(tmp_path)])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"zyzzyva")
        await wait_ready(app, pilot)
        assert len(app.papers) == 240 and not app.paper_list.rows
        text = screen_text(app)
        assert "No papers match the filter." in text and "Loading" not in text


async def test_a_digest_copied_in_appears_with_cursor_filter_and_view_kept(tmp_path: Path) -> None:
    folder = library(tmp_path)
    app = make_app(tmp_path, [folder])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert app.watcher is not None
        await pilot.press("d", "g", "enter")  # the navigator's "All" (the app opened on the newest digest)
        await settle(app, pilot)
        await pilot.press("slash", *"cat:cs", "enter", "j", "j", "j")
        await settle(app, pilot)
        plist, session = app.paper_list, app.session
        before, key = len(app.papers), session.keys[plist.selected]
        line = plist.cursor - round(plist.scroll_y)
        shown = len(plist.rows)

        shutil.copy(SAMPLE, folder / SAMPLE.name)
        app.watcher.poll()
        await until(app, pilot, lambda: len(app.papers) == before + 46)
        assert session.keys[plist.selected] == key  # the same paper under the cursor
        assert plist.cursor - round(plist.scroll_y) == line  # on the same line of the screen
        assert app.filter_bar.value == "cat:cs" and session.filter.text == "cat:cs"
        assert len(plist.rows) > shown  # the filter re-ran over the new papers
        assert any(app.papers[i].id == "1907.03739" for i in plist.rows)  # from the new cs.CV digest
        text = screen_text(app)
        assert "+46 papers: 2019-07-09 cs.CV" in text
        assert f"{before + 46:,} papers" in text


async def test_a_deleted_digest_disappears_and_its_marks_stay(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / SAMPLE.name)
    other = folder / "arxiv-cs.CV-2019-01-02.md"
    generate(tmp_path / "gen", days=2, per_day=20)
    shutil.copy(next((tmp_path / "gen").glob("*-2019-01-02.md")), other)
    app = make_app(tmp_path, [folder])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert len(app.papers) == 66
        index = next(i for i, p in enumerate(app.papers) if p.id == "1907.03739")
        app.paper_list.move_to(app.paper_list.position_of(index))
        await pilot.press("s")
        await settle(app, pilot)
        store = app.session.store
        assert store is not None and store.is_starred("1907.03739")

        (folder / SAMPLE.name).unlink()
        assert app.watcher is not None
        app.watcher.poll()
        await until(app, pilot, lambda: len(app.papers) == 20)
        assert all(p.id != "1907.03739" for p in app.papers)
        assert store.is_starred("1907.03739")
        assert "-46 papers: 2019-07-09 cs.CV" in screen_text(app)


async def test_the_configured_file_patterns_choose_what_the_app_loads_and_reloads(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "x.digest")
    generate(tmp_path / "gen", days=2, per_day=20)
    shutil.copy(next((tmp_path / "gen").glob("*-2019-01-01.md")), folder / "skipped.md")
    store = StateStore(tmp_path / "state")
    store.load()
    config = Config(dwell_seconds=0.0, path=tmp_path / "config.toml", file_patterns=("*.digest",))
    app = ReaderApp([str(folder)], store=store, config=config, cache=None, history_file=tmp_path / "history.txt")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert len(app.papers) == 46
        shutil.copy(next((tmp_path / "gen").glob("*-2019-01-02.md")), folder / "new.md")
        shutil.copy(next((tmp_path / "gen").glob("*-2019-01-02.md")), folder / "new.digest")
        assert app.watcher is not None
        app.watcher.poll()
        await until(app, pilot, lambda: len(app.papers) == 66)
        assert {Path(p.path).name for p in app.papers} == {"x.digest", "new.digest"}
