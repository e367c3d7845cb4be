"""What people paste into the filter, and a slow filter that says it is working (issue 14)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from .conftest import make_app, screen_text, settle, wait_ready
from .test_marks import FIRST


@pytest.mark.parametrize("text", ["arXiv:1907.03739", "1907.03739v2", "https://arxiv.org/abs/1907.03739",
                                  "https://arxiv.org/pdf/1907.03739v2.pdf"])
async def test_a_pasted_identifier_or_url_finds_that_paper(tmp_path, text):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash")
        app.filter_bar.insert_text_at_cursor(text)  # a paste arrives in one piece
        await settle(app, pilot)
        assert [app.session.keys[i] for i in app.paper_list.rows] == [FIRST]
        assert "1 shown" in screen_text(app)


async def test_field_names_and_state_words_in_any_case(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash", *"ti:segmentation")
        await settle(app, pilot)
        lower = list(app.paper_list.rows)
        assert lower
        await pilot.press("escape", *"Ti:segmentation IS:unread")
        await settle(app, pilot)
        assert list(app.paper_list.rows) == lower and "bad filter" not in screen_text(app)


async def test_a_slow_filter_shows_searching_in_the_status_bar(tmp_path, monkeypatch):
    app = make_app(tmp_path)
    release = threading.Event()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        search = app.session.search

        def slow_search(*args, **kwargs):
            release.wait(30)
            return search(*args, **kwargs)

        monkeypatch.setattr(app.session, "search", slow_search)
        await pilot.press("slash", "x")
        for _ in range(300):  # the status says so once the filter runs longer than about 0.2 s
            await pilot.pause(0.02)
            if "searching…" in app.status_bar.line.plain:
                break
        assert "searching…" in app.status_bar.line.plain
        release.set()
        await asyncio.sleep(0.05)
        await settle(app, pilot)
        assert "searching…" not in app.status_bar.line.plain and "filter: x" in app.status_bar.line.plain
