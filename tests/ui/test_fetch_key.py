"""`R` and `fetch_on_start`: the app fetches the configured categories into the configured library,
against a real HTTP server on 127.0.0.1 (tests/test_fetch.py's), with progress in the status bar."""

from __future__ import annotations

import asyncio

from reader.config import Config
from reader.state import StateStore
from reader.ui.app import ReaderApp
from tests.test_fetch import RSS, Reply, Server, empty_day

from .conftest import SAMPLES, screen_text, settle, wait_ready


def fetch_app(tmp_path, server: Server, *, on_start: bool = False, library: bool = True,
              shows_library: bool = False) -> ReaderApp:
    folder = tmp_path / "library"
    folder.mkdir(exist_ok=True)
    config = Config(dwell_seconds=0, path=tmp_path / "config.toml", library=folder if library else None,
                    categories=["quant-ph", "cs.CV"], fetch_url=f"{server.url}/rss/{{category}}",
                    fetch_interval_s=0, fetch_timeout_s=10, fetch_on_start=on_start)
    store = StateStore(tmp_path / "state")
    store.load()
    return ReaderApp([str(folder if shows_library else SAMPLES)], store=store, config=config, cache=None,
                     history_file=tmp_path / "h.txt")


async def until(condition, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_R_fetches_with_progress_and_reports_each_failure(tmp_path):
    server = Server()
    server.route("/rss/quant-ph", Reply(body=RSS))
    server.route("/rss/cs.CV", Reply(hang=True))
    app = fetch_app(tmp_path, server)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_ready(app, pilot)
            await pilot.press("R")
            await until(lambda: "fetching 1/2…" in app.status_bar.line.plain)
            assert (tmp_path / "library" / "2025-04-28-quant-ph.xml").read_bytes() == RSS
            await pilot.press("R")
            await pilot.pause()
            assert "A fetch is already running." in [n.message for n in app.notices]
            server.release.set()  # the hung category's connection closes: a failure
            await until(lambda: "fetching" not in app.status_bar.line.plain)
            await settle(app, pilot)
            messages = [n.message for n in app.notices]
            assert messages[-1] == "Fetch done: 1 failed, 1 saved."
            assert any(m.startswith("cs.CV: ") and server.url in m for m in messages)
            assert sorted(p.name for p in (tmp_path / "library").iterdir()) == ["2025-04-28-quant-ph.xml"]
    finally:
        server.close()


async def test_fetch_on_start_fetches_when_the_app_opens(tmp_path):
    server = Server()
    server.route("/rss/quant-ph", Reply(body=RSS))
    server.route("/rss/cs.CV", Reply(body=empty_day()))
    app = fetch_app(tmp_path, server, on_start=True)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_ready(app, pilot)
            await until(lambda: any(n.message.startswith("Fetch done") for n in app.notices))
            assert [n.message for n in app.notices if n.message.startswith("Fetch")] == \
                ["Fetch done: 1 empty, 1 saved."]
            assert sorted(p.name for p in (tmp_path / "library").iterdir()) == ["2025-04-28-quant-ph.xml"]
            assert sorted(server.paths()) == ["/rss/cs.CV", "/rss/quant-ph"]
    finally:
        server.close()


async def test_R_without_a_library_says_what_to_set_and_fetches_nothing(tmp_path):
    server = Server()
    app = fetch_app(tmp_path, server, library=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_ready(app, pilot)
            await pilot.press("R")
            await settle(app, pilot)
            assert app.notices[-1].message.startswith("R fetches into the configured library: set library in ")
            assert server.requests == []
    finally:
        server.close()


async def test_R_into_a_library_this_window_does_not_show_says_where_the_digests_went(tmp_path):
    server = Server()
    server.route("/rss/quant-ph", Reply(body=RSS))
    server.route("/rss/cs.CV", Reply(body=empty_day()))
    app = fetch_app(tmp_path, server)  # shows the samples; the library is another folder
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_ready(app, pilot)
            await pilot.press("R")
            await until(lambda: any(n.message.startswith("Fetch done") for n in app.notices))
            messages = [n.message for n in app.notices]
            library = tmp_path / "library"
            assert messages[-2:] == [f"R fetched into {library}, which this window does not show; "
                                     "arxiv-reader with no PATH opens it.", "Fetch done: 1 empty, 1 saved."]
            assert len(app.papers) == 46  # the samples, unchanged
    finally:
        server.close()


async def test_R_in_the_library_shows_the_new_digest_and_says_nothing_more(tmp_path):
    server = Server()
    server.route("/rss/quant-ph", Reply(body=RSS))
    server.route("/rss/cs.CV", Reply(body=empty_day()))
    app = fetch_app(tmp_path, server, shows_library=True)  # as `arxiv-reader LIBRARY` starts it
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_ready(app, pilot)
            assert len(app.papers) == 0
            await pilot.press("R")
            await until(lambda: any(n.message.startswith("Fetch done") for n in app.notices))
            await until(lambda: len(app.papers) == 81)  # live reload; nothing to do for the user
            await settle(app, pilot)
            assert [n.message for n in app.notices] == ["Fetch done: 1 empty, 1 saved.",
                                                        "+81 papers: 2025-04-28 quant-ph"]
            assert "Self-Adjoint Time Operator" in screen_text(app)
    finally:
        server.close()


async def test_R_without_categories_says_what_to_set_and_fetches_nothing(tmp_path):
    server = Server()
    app = fetch_app(tmp_path, server, shows_library=True)
    app.config.categories = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_ready(app, pilot)
            assert "The library is empty: add digests, or set categories and press R." in screen_text(app)
            await pilot.press("R")
            await settle(app, pilot)
            assert app.notices[-1].message == ("R fetches into the configured library: set categories in "
                                               f"{tmp_path / 'config.toml'}")
            assert server.requests == [] and list((tmp_path / "library").iterdir()) == []
    finally:
        server.close()
