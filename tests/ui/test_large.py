"""The same keys over a generated year of digests: 100,000 papers."""

from __future__ import annotations

import pytest

from reader.ui.app import FilterBar
from reader.ui.paper_list import PaperList

from .conftest import SIZES, list_lines, make_app, pane_text, screen_text, settle, wait_ready

N = 100_000


@pytest.mark.parametrize("size", SIZES)
async def test_a_year_of_digests_keys_and_filter(tmp_path, library_100k, parse_cache_100k, size):
    app = make_app(tmp_path, [library_100k], cache=parse_cache_100k)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot, timeout=180)
        assert len(app.papers) == N
        assert f"{N:,} papers" in screen_text(app)
        newest = max(p.date or "" for p in app.papers)
        assert f"{newest} " in app.status_bar.line.plain  # it opens on the newest digest
        await pilot.press("d", "g", "enter")  # the navigator's first row: All
        await settle(app, pilot)
        plist = app.paper_list
        assert len(plist.rows) == N and app.papers[plist.rows[0]].date == newest  # newest day first
        assert isinstance(app.focused, PaperList) and plist.cursor == 0
        await pilot.press("G")
        assert plist.cursor == N - 1
        await settle(app, pilot)
        assert app.papers[plist.rows[N - 1]].id in list_lines(app)[-1] or size[0] < 100
        await pilot.press("k", "ctrl+u", "pageup", "g", "j", "pagedown")
        assert plist.cursor == 1 + plist.scrollable_content_region.height
        await pilot.press("slash", *"segmentation")
        assert isinstance(app.focused, FilterBar)
        await settle(app, pilot)
        rows = list(plist.rows)
        assert 0 < len(rows) < N
        assert f"{len(rows):,} shown" in screen_text(app)
        for i in rows[:50]:
            assert "segmentation" in (app.session.titles[i] + app.papers[i].abstract).lower()
        await pilot.press("enter", "m")
        await settle(app, pilot)
        assert app.session.store.is_read(app.session.keys[plist.selected])
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(plist.rows) == N
        assert app.papers[plist.selected].title.lower().count("segmentation") or \
            "segmentation" in app.papers[plist.selected].abstract.lower()
        assert app.papers[plist.selected].id in pane_text(app)  # the pane follows the selection
