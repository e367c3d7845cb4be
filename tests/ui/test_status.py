"""Status bar and footer (issue 14): position, starred count, toasts above the bar, the
footer's hints by focus, undo says what it undid."""

from __future__ import annotations

import pytest

from .conftest import SIZES, make_app, screen_lines, settle, wait_ready


@pytest.mark.parametrize("size", SIZES)
async def test_position_and_starred_count(tmp_path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        assert "1/46" in app.status_bar.line.plain and "0 starred" in app.status_bar.line.plain
        await pilot.press("j", "j", "s")
        await settle(app, pilot)
        status = screen_lines(app)[-2]
        assert "3/46" in status and "1 starred" in status
        await pilot.press("G")
        await settle(app, pilot)
        assert "46/46" in app.status_bar.line.plain


async def test_toasts_never_cover_the_status_bar(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("y", "u", "p")  # three toasts
        await settle(app, pilot)
        lines = screen_lines(app)
        assert "OSC 52" in "\n".join(lines)  # the toasts are on screen...
        assert lines[-2].lstrip().startswith("46 papers · 46 shown")  # ...and the status bar (narrow: no source)
        assert "Quit" in lines[-1]
        toasts = [t.region for t in app.screen.query("Toast")]
        assert len(toasts) == 3
        assert all(t.bottom <= app.status_bar.region.y for t in toasts)


async def test_the_footer_shows_the_keys_of_the_focused_widget(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        footer = screen_lines(app)[-1]
        assert "Quit" in footer and "Star" in footer
        await pilot.press("slash", "x")
        await settle(app, pilot)
        footer = screen_lines(app)[-1]
        assert "Keep filter" in footer and "Clear filter" in footer
        assert "Quit" not in footer and "Star" not in footer  # q and s type into the filter
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Quit" in screen_lines(app)[-1]


async def test_undo_says_what_it_undid(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
        assert app.notices[-1].message == "undone: 1 paper marked read"


@pytest.mark.parametrize("width", [160, 120, 80, 60, 40])
async def test_the_footer_drops_whole_hints_never_cuts_one(tmp_path, width):
    from reader.ui.footer import FittingFooter

    app = make_app(tmp_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await wait_ready(app, pilot)
        await settle(app, pilot)
        footer = app.query_one(FittingFooter)
        line = screen_lines(app)[-1]
        shown = footer.shown_hints
        assert shown and shown[0] == "Quit"  # the most important stays
        for hint in shown:
            assert hint in line, (hint, line)
        words = {w for hint in shown for w in hint.split()} | {"q", "?", "/", "space", "m", "s", "n", "o", "y", "d",
                                                                "^p", "palette", "▏"}
        assert set(line.replace("▏", " ▏ ").split()) <= words, line
        if width >= 160:
            assert "palette" in line
