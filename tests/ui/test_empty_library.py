"""An empty library: the list says so and what `R` would fetch; the first digest that arrives
(live reload) replaces the message, and a filter that then matches nothing says that instead."""

from __future__ import annotations

import shutil
from pathlib import Path

from reader.config import Config
from reader.state import StateStore
from reader.ui.app import ReaderApp

from .conftest import SAMPLES, screen_text, settle, wait_ready
from .test_live import until

SAMPLE = SAMPLES / "arxiv-cs.CV-2019-07-09.md"


def empty_app(tmp_path: Path, *, configured: bool) -> tuple[ReaderApp, Path]:
    folder = tmp_path / "library"
    folder.mkdir()
    config = Config(dwell_seconds=0, path=tmp_path / "config.toml", library=folder if configured else None,
                    categories=["cs.CV", "quant-ph"] if configured else [])
    store = StateStore(tmp_path / "state")
    store.load()
    app = ReaderApp([str(folder)], store=store, config=config, cache=None, history_file=tmp_path / "h.txt")
    return app, folder


async def test_an_empty_library_says_what_R_fetches_until_the_first_digest_arrives(tmp_path: Path) -> None:
    app, folder = empty_app(tmp_path, configured=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert "The library is empty. R fetches cs.CV, quant-ph into it." in screen_text(app)
        shutil.copy(SAMPLE, folder / SAMPLE.name)
        assert app.watcher is not None
        app.watcher.poll()
        await until(app, pilot, lambda: len(app.papers) == 46)
        text = screen_text(app)
        assert "The library is empty" not in text and "Linking Art through Human Poses" in text
        await pilot.press("slash", *"zyzzyva")
        await until(app, pilot, lambda: not app.paper_list.rows)
        text = screen_text(app)
        assert "No papers match the filter." in text and "The library is empty" not in text


async def test_an_empty_library_without_fetch_settings_says_how_to_fill_it(tmp_path: Path) -> None:
    app, _ = empty_app(tmp_path, configured=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_ready(app, pilot)
        await settle(app, pilot)
        assert "The library is empty: add digests, or set categories and press R." in screen_text(app)
