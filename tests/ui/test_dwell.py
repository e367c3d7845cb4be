"""Read means read: dwell marks only a paper the user moved to and stayed on, in the list or pane.

Dwell is 0.3 s here; every "never" case waits several times that, every "yes" case as long.
"""

from __future__ import annotations

import asyncio

from reader.ui.screens import HelpScreen

from .conftest import make_app, settle, wait_ready
from .test_marks import FIRST, SECOND, THIRD, on_disk

DWELL = 0.3
WAIT = 1.2  # four times the dwell


async def _wait(app, pilot) -> None:
    await asyncio.sleep(WAIT)
    await settle(app, pilot)


async def test_nothing_is_read_at_start_without_a_key(tmp_path):
    app = make_app(tmp_path, dwell=DWELL)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await _wait(app, pilot)
        assert len(on_disk(tmp_path)) == 0


async def test_a_paper_moved_to_with_a_key_is_read(tmp_path):
    app = make_app(tmp_path, dwell=DWELL)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j")
        await _wait(app, pilot)
        disk = on_disk(tmp_path)
        assert disk.is_read(SECOND) and not disk.is_read(FIRST)


async def test_enter_or_tab_into_the_pane_counts_the_paper_under_the_cursor(tmp_path):
    for key in ("enter", "tab"):
        app = make_app(tmp_path / key, dwell=DWELL)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_ready(app, pilot)
            await pilot.press(key)
            await _wait(app, pilot)
            assert app.focused is app.abstract_pane
            assert (tmp_path / key / "state").exists() and on_disk(tmp_path / key).is_read(FIRST), key


async def test_a_click_on_a_row_counts(tmp_path):
    app = make_app(tmp_path, dwell=DWELL)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.click(app.paper_list, offset=(5, 2))
        await _wait(app, pilot)
        assert app.paper_list.selected == 2
        assert on_disk(tmp_path).is_read(THIRD)


async def test_never_while_typing_in_the_filter_bar(tmp_path):
    app = make_app(tmp_path, dwell=DWELL)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "slash", *"segmentation")  # paper 2 was moved to, then the filter
        await _wait(app, pilot)
        assert app.focused is app.filter_bar
        assert len(on_disk(tmp_path)) == 0
        await pilot.press("enter")  # back in the list on the first match: not moved to yet
        await settle(app, pilot)
        assert app.focused is app.paper_list
        await _wait(app, pilot)
        assert len(on_disk(tmp_path)) == 0
        await pilot.press("j")
        await _wait(app, pilot)
        moved_to = app.session.keys[app.paper_list.selected]
        assert on_disk(tmp_path).is_read(moved_to) and len(on_disk(tmp_path)) == 1


async def test_never_behind_the_help_screen(tmp_path):
    app = make_app(tmp_path, dwell=DWELL)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "question_mark")
        await _wait(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        assert len(on_disk(tmp_path)) == 0
        await pilot.press("escape")
        await _wait(app, pilot)  # back in the list, still on the paper: the count starts again
        assert on_disk(tmp_path).is_read(SECOND)


async def test_no_latch_one_key_does_not_arm_later_papers(tmp_path):
    app = make_app(tmp_path, dwell=DWELL)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "m")  # moved to paper 2 and marked it read by hand
        await settle(app, pilot)
        await pilot.press("m")  # ... and unread again: dwell must not read it behind the user's back
        await _wait(app, pilot)
        assert not on_disk(tmp_path).is_read(SECOND)
        await pilot.press("slash", *"3D", "escape", "escape")  # filter set and cleared: the list moved
        await _wait(app, pilot)
        assert not on_disk(tmp_path).is_read(SECOND) and not on_disk(tmp_path).is_read(FIRST)
