"""Read/unread and star keys in the app, and what reaches the disk."""

from __future__ import annotations

import asyncio

import pytest
from textual import events

from reader.state import StateError, StateStore
from reader.ui.screens import ConfirmScreen

from .conftest import SIZES, list_lines, make_app, pane_text, screen_text, settle, wait_ready

FIRST, SECOND, THIRD = "1907.03739", "1907.03728", "1907.03670"


def on_disk(tmp_path) -> StateStore:
    """A second, independent view of the store, as another process would see it."""
    store = StateStore(tmp_path / "state")
    store.load()
    return store


@pytest.mark.parametrize("size", SIZES)
async def test_m_toggles_read_and_s_toggles_the_star(tmp_path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        assert list_lines(app)[0].startswith("● ")
        await pilot.press("m")
        await settle(app, pilot)
        assert on_disk(tmp_path).is_read(FIRST)
        assert list_lines(app)[0].startswith("  ")  # the read marker, without colour
        assert "45 unread" in screen_text(app)
        assert "read" in pane_text(app) and "unread" not in pane_text(app).split("\n")[2]
        await pilot.press("s")
        await settle(app, pilot)
        assert on_disk(tmp_path).is_starred(FIRST)
        assert list_lines(app)[0].startswith(" ★")
        assert "★ starred" in pane_text(app)
        await pilot.press("m", "s")
        await settle(app, pilot)
        disk = on_disk(tmp_path)
        assert not disk.is_read(FIRST) and not disk.is_starred(FIRST)
        assert list_lines(app)[0].startswith("● ")


async def test_moving_the_cursor_never_marks_anything(tmp_path):
    app = make_app(tmp_path, dwell=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press(*"jjjjjkkG")
        await settle(app, pilot)
        await asyncio.sleep(0.3)
        await settle(app, pilot)
        assert len(on_disk(tmp_path)) == 0


async def test_dwell_marks_the_paper_read_after_it_stays_in_the_pane(tmp_path):
    app = make_app(tmp_path, dwell=1.5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "j")  # passing papers 1 and 2 quickly
        await pilot.pause(0.05)
        assert not on_disk(tmp_path).is_read(SECOND)
        await asyncio.sleep(2.0)
        await settle(app, pilot)
        disk = on_disk(tmp_path)
        assert disk.is_read(THIRD)
        assert not disk.is_read(FIRST) and not disk.is_read(SECOND)


async def test_space_marks_read_and_moves_to_the_next_unread(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "m", "k")  # paper 2 read
        await settle(app, pilot)
        await pilot.press("space")
        await settle(app, pilot)
        assert app.paper_list.selected == 2  # skipped the read paper 2
        disk = on_disk(tmp_path)
        assert disk.is_read(FIRST) and disk.is_read(SECOND) and not disk.is_read(THIRD)


async def test_n_and_p_jump_between_unread_papers(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "m", "j", "m")  # papers 2 and 3 read
        await settle(app, pilot)
        await pilot.press("g", "n")
        assert app.paper_list.selected == 3
        await pilot.press("p")
        assert app.paper_list.selected == 0
        await pilot.press("p")
        await settle(app, pilot)
        assert app.paper_list.selected == 0
        assert any("No more unread" in n.message for n in app.notices)


async def test_mark_all_asks_first_and_undo_restores_everything(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "m")  # one paper already read before the mark-all
        await settle(app, pilot)
        await pilot.press("slash", *"segmentation", "enter")
        await settle(app, pilot)
        shown = [app.session.keys[i] for i in app.paper_list.rows]
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(app, pilot)
        assert not any(on_disk(tmp_path).is_read(k) for k in shown)
        await pilot.press("A")
        await settle(app, pilot)
        assert f"Mark {len(shown)} shown papers as read?" in screen_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        disk = on_disk(tmp_path)
        assert all(disk.is_read(k) for k in shown)
        assert sum(disk.is_read(k) for k in app.session.keys) == len(shown) + 1
        assert "0 unread" in screen_text(app)
        await pilot.press("u")
        await settle(app, pilot)
        disk = on_disk(tmp_path)
        assert not any(disk.is_read(k) for k in shown)
        assert disk.is_read(SECOND)  # the earlier mark is not part of that undo
        await pilot.press("u")
        await settle(app, pilot)
        assert not on_disk(tmp_path).is_read(SECOND)
        await pilot.press("u")
        await settle(app, pilot)
        assert any("Nothing to undo" in n.message for n in app.notices)


class FailingStore(StateStore):
    def apply(self, changes):
        raise StateError("cannot write marks to /x/marks.log: No space left on device")


async def test_a_failed_write_is_reported_and_not_shown_as_done(tmp_path):
    store = FailingStore(tmp_path / "state")
    store.load()
    app = make_app(tmp_path, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("m", "s")
        await settle(app, pilot)
        assert list_lines(app)[0].startswith("● ")
        assert "46 unread" in screen_text(app)
        errors = [n for n in app.notices if n.severity == "error"]
        assert errors and "No space left on device" in errors[0].message


async def test_marks_from_another_process_show_up(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        other = on_disk(tmp_path)
        other.apply([(FIRST, "read", True), (SECOND, "starred", True)])
        app.refresh_marks()
        await settle(app, pilot)
        lines = list_lines(app)
        assert lines[0].startswith("  ") and lines[1].startswith("●★")
        assert "45 unread" in screen_text(app)


async def test_quitting_right_after_a_mark_keeps_it(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("m", "q")
        await pilot.pause()
    assert on_disk(tmp_path).is_read(FIRST)



@pytest.mark.parametrize("keys", ["qm", "qs", "qu", "question", "qmsumsu"])
async def test_keys_typed_during_and_after_quit_never_reach_the_writer(tmp_path, keys):
    """Issue 14: `q` then a marking key printed `cannot schedule new futures after shutdown`."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "m")
        await settle(app, pilot)
        # As a fast typist or a paste sends them: the keys after `q` arrive while the app
        # shuts down, and the last ones after it has stopped.
        for key in keys:
            app.post_message(events.Key(key, key))
        await pilot.press("m", "s", "u")
    assert app.return_code == 0  # run_test re-raises any error a handler raised
    disk = on_disk(tmp_path)
    assert disk.is_read(SECOND)  # the mark made before `q` is on disk
    assert not disk.is_read(FIRST) and not disk.is_starred(FIRST) and not disk.is_starred(SECOND)
