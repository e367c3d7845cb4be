"""The reader app, key by key, at 120x40 and 80x24."""

from __future__ import annotations

import pytest
from textual import events
from textual.command import CommandPalette

from reader.ui.abstract_pane import AbstractPane
from reader.ui.app import FilterBar
from reader.ui.paper_list import PaperList
from reader.ui.screens import HelpScreen

from .conftest import SAMPLES, SIZES, list_lines, make_app, pane_text, screen_lines, screen_text, settle, wait_ready

SEED_FIRST = "Point-Voxel CNN for Efficient 3D Deep Learning"


@pytest.mark.parametrize("size", SIZES)
async def test_starts_with_list_focused_and_first_paper_selected(tmp_path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        assert isinstance(app.focused, PaperList)
        assert app.paper_list.selected == 0
        lines = list_lines(app)
        assert SEED_FIRST[:30] in lines[0] and "1907.03739" in lines[0] or size[0] < 100
        assert "●" in lines[0]  # unread marker, visible without colour
        assert SEED_FIRST in pane_text(app)
        assert "https://arxiv.org/pdf/1907.03739" in pane_text(app)
        assert "https://arxiv.org/abs/1907.03739" in pane_text(app)
        text = screen_text(app)
        assert "46 papers" in text and "46 shown" in text and "46 unread" in text
        assert "Quit" in text and "Filter" in text  # the footer


async def test_wide_is_side_by_side_and_narrow_is_stacked(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_ready(app, pilot)
        lst, pane = app.paper_list.region, app.abstract_pane.region
        assert pane.x >= lst.right and pane.y == lst.y
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        lst, pane = app.paper_list.region, app.abstract_pane.region
        assert pane.y >= lst.bottom and pane.x == lst.x
        assert lst.height >= 5 and pane.height >= 5


async def test_resizing_keeps_the_selection_and_tiny_terminals_do_not_crash(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        for _ in range(30):
            await pilot.press("j")
        await settle(app, pilot)
        assert app.paper_list.selected == 30
        for size in ((80, 24), (30, 10), (12, 5), (200, 60), (80, 24)):
            await pilot.resize_terminal(*size)
            await settle(app, pilot)
            assert app.paper_list.selected == 30
        await pilot.press("j")
        await settle(app, pilot)
        assert app.paper_list.selected == 31
        # The cursor row is on screen after all that resizing.
        plist = app.paper_list
        assert plist.scroll_offset.y <= plist.cursor < plist.scroll_offset.y + plist.size.height


@pytest.mark.parametrize("size", SIZES)
async def test_movement_keys(tmp_path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        plist = app.paper_list
        page = plist.scrollable_content_region.height
        half = page // 2
        clamp = lambda n: max(0, min(45, n))  # noqa: E731
        steps = [
            ("j", 1), ("down", 2), ("k", 1), ("up", 0), ("up", 0),
            ("G", 45), ("j", 45), ("g", 0), ("end", 45), ("home", 0),
            ("ctrl+d", half), ("ctrl+d", 2 * half), ("ctrl+u", half),
            ("pagedown", clamp(half + page)), ("pageup", clamp(clamp(half + page) - page)), ("pageup", 0),
        ]
        for key, expected in steps:
            await pilot.press(key)
            assert plist.cursor == expected, key
            assert plist.scroll_offset.y <= plist.cursor < plist.scroll_offset.y + page, key
        await settle(app, pilot)
        await pilot.press("G")
        await settle(app, pilot)
        assert "Generative Counterfactual Introspection" in pane_text(app)
        assert plist.scroll_offset.y + plist.size.height > 45  # the last row is on screen


async def test_click_selects_and_wheel_scrolls(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.click(PaperList, offset=(10, 4))
        await settle(app, pilot)
        assert app.paper_list.selected == 4
        plist = app.paper_list
        for _ in range(3):
            plist.post_message(events.MouseScrollDown(plist, 10, 4, 0, 1, 0, False, False, False))
        await settle(app, pilot)
        assert plist.scroll_offset.y > 0
        assert app.paper_list.selected == 4  # the wheel scrolls, it does not move the cursor


@pytest.mark.parametrize("size", SIZES)
async def test_filter_bar_live_enter_and_escape(tmp_path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, FilterBar)
        await pilot.press(*"segmentation")
        await settle(app, pilot)
        rows = app.paper_list.rows
        titles = [app.session.titles[i].lower() for i in rows]
        assert 4 <= len(rows) < 46 and all("segmentation" in t or "segmentation" in
                                          app.papers[i].abstract.lower() for t, i in zip(titles, rows, strict=True))
        assert f"{len(rows)} shown" in screen_text(app)
        await pilot.press("enter")
        assert isinstance(app.focused, PaperList)
        assert app.filter_bar.value == "segmentation" and len(app.paper_list.rows) == len(rows)
        await pilot.press("j", "j")
        await settle(app, pilot)
        chosen = app.paper_list.selected
        await pilot.press("slash", "escape")  # Esc clears the filter...
        await settle(app, pilot)
        assert app.filter_bar.value == "" and len(app.paper_list.rows) == 46
        assert app.paper_list.selected == chosen  # ...and keeps the selected paper
        assert isinstance(app.focused, FilterBar)
        await pilot.press("escape")  # ...and when empty, leaves the bar
        assert isinstance(app.focused, PaperList)


async def test_every_word_must_match_and_typing_never_waits(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash", *"point cloud")
        await settle(app, pilot)
        for i in app.paper_list.rows:
            text = (app.session.titles[i] + " " + app.papers[i].abstract).lower()
            assert "point" in text and "cloud" in text
        assert app.paper_list.rows and 3 in [app.papers[i].number for i in app.paper_list.rows]


async def test_tab_switches_panes_and_movement_keys_scroll_the_pane(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("tab")
        assert isinstance(app.focused, AbstractPane)
        pane = app.abstract_pane
        await pilot.press("j", "j", "down")
        await settle(app, pilot)
        assert pane.scroll_y == 3
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert pane.scroll_y > 3
        await pilot.press("g")
        await settle(app, pilot)
        assert pane.scroll_y == 0
        await pilot.press("G")
        await settle(app, pilot)
        assert pane.scroll_y == pane.max_scroll_y > 0
        assert app.paper_list.selected == 0  # the list did not move
        await pilot.press("tab")
        assert isinstance(app.focused, PaperList)


async def test_open_pdf_and_copy_url(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER", "true")
    app = make_app(tmp_path)
    opened = []
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "o")
        await settle(app, pilot)
        assert opened == ["https://arxiv.org/pdf/1907.03728"]
        await pilot.press("y")
        await settle(app, pilot)
        assert app.clipboard == "https://arxiv.org/abs/1907.03728"
        messages = [n.message for n in app.notices]
        assert any("https://arxiv.org/pdf/1907.03728" in m for m in messages)
        assert any("https://arxiv.org/abs/1907.03728" in m for m in messages)


async def test_open_without_a_browser_shows_the_url(tmp_path, monkeypatch):
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app = make_app(tmp_path)
    opened = []
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert opened == []
        assert any("https://arxiv.org/pdf/1907.03739" in n.message for n in app.notices)


async def test_help_screen_and_command_palette(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for words in ("Move (list)", "Half page down", "Mark read and go to the next unread paper",
                      "Toggle the star"):
            assert words in text
        await pilot.press("G")  # the help scrolls
        await settle(app, pilot)
        text = screen_text(app)
        for words in ("is:unread", "command palette", "Esc, q or ? closes this help."):
            assert words in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"toggle the star")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, CommandPalette)
        assert app.session.store.is_starred("1907.03739")


async def test_q_quits(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_dragging_over_the_abstract_selects_its_text_for_copying(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        pane = app.abstract_pane
        region = pane.region
        lines = [line[region.x : region.right] for line in screen_lines(app)[region.y : region.bottom]]
        row = next(y for y, line in enumerate(lines) if "We present Point-Voxel CNN" in line)
        start = lines[row].index("We present")
        await pilot.mouse_down(pane, offset=(start, row))
        await pilot.hover(pane, offset=(start + len("We present Point-Voxel") - 1, row))
        await pilot.mouse_up(pane, offset=(start + len("We present Point-Voxel") - 1, row))
        await pilot.pause()
        assert app.screen.get_selected_text() == "We present Point-Voxel"
        await pilot.pause()
        shown = [seg for seg in pane.render_line(row) if seg.style and seg.style.bgcolor]
        chosen = [seg.text for seg in shown if seg.style.bgcolor != pane.rich_style.bgcolor]
        assert "".join(chosen) == "We present Point-Voxel"  # the selection is drawn, exactly
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.clipboard == "We present Point-Voxel" and app.is_running

async def test_a_warm_start_takes_the_word_indexes_from_the_cache_unless_a_digest_changed(tmp_path, monkeypatch):
    import shutil

    from reader.library import ParseCache
    from reader.search import Corpus

    library = tmp_path / "digests"
    shutil.copytree(SAMPLES, library)
    built = []
    real_prepare = Corpus.prepare
    monkeypatch.setattr(Corpus, "prepare", lambda self, stop=None: (built.append(1), real_prepare(self, stop)))

    async def start() -> list[int]:
        built.clear()
        app = make_app(tmp_path, [library], cache=ParseCache(tmp_path / "cache"))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_ready(app, pilot)
            assert app.corpus.ready
            await pilot.press("slash", *"voxle")
            await settle(app, pilot)
            assert [app.papers[i].id for i in app.paper_list.rows] == ["1907.03739"]
        return list(built)

    assert await start() == [1]  # cold: built, then saved
    assert await start() == []   # warm: loaded
    seed = next(library.glob("*.md"))
    seed.write_text(seed.read_text().replace("Point-Voxel CNN", "Point-Voxel CNNs"))
    assert await start() == [1]  # changed: built again, never read stale

async def test_garbage_cycles_are_collected_once_typing_pauses(tmp_path):
    """After loading, full collections wait for a pause in the keys (they cost tens of ms);
    they still happen, and the process's own GC settings come back at exit."""
    import gc
    import time
    import weakref

    before = gc.get_threshold()
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        assert gc.get_threshold()[2] > before[2]

        class Node:
            pass

        gc.collect()
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        gc.collect(1)  # while alive, into the old generation
        del a, b
        gc.collect(1)
        assert gone() is not None  # only a full collection frees it
        await pilot.press("j")
        app.idle_gc.tick()
        assert gone() is not None  # a key just came: not now
        app.idle_gc.last_input = time.monotonic() - 5
        app.idle_gc.tick()
        assert gone() is None
        await pilot.press("q")
    assert gc.get_threshold() == before

BRACKETS = """# ArXiv cs.CL --Tue, 9 Jul 2019
### 1.[CLS] token pooling for [MASK] models  [ :arrow_down: ](https://arxiv.org/pdf/1907.00001.pdf)
>  We pool the [CLS] token. [bold]not bold[/bold] and [@click=app.quit]x[/] and [/] stay.
### 2.[@click=app.quit]x[/] and [/]  [ :arrow_down: ](https://arxiv.org/pdf/1907.00002.pdf)
>  Click [@click=app.quit]here[/] to quit? No: [Re] [link=https://evil.example]text[/link].
"""


@pytest.mark.parametrize("size", SIZES)
async def test_bracketed_text_is_shown_literally_and_clicking_it_does_nothing(tmp_path, size):
    digest = tmp_path / "brackets.md"
    digest.write_text(BRACKETS)
    app = make_app(tmp_path, [digest])
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        lines = list_lines(app)
        assert "[CLS] token pooling for [MASK]" in lines[0]
        assert "[@click=app.quit]x[/] and [/]" in lines[1]
        pane = pane_text(app)
        assert "[CLS] token pooling for [MASK] models" in pane
        assert "We pool the [CLS] token. [bold]not bold[/bold] and [@click=app.quit]x[/] and [/] stay." in pane
        await pilot.press("j")
        await settle(app, pilot)
        pane = pane_text(app)
        assert "Click [@click=app.quit]here[/] to quit? No: [Re] [link=https://evil.example]text[/link]." in pane
        text = screen_text(app)
        assert "[@click=app.quit]x[/] and [/]" in text and "[Re]" in text
        # Click on every cell of the screen that shows the text: nothing may quit the app.
        for y, line in enumerate(text.split("\n")):
            for x in (i for i, ch in enumerate(line) if ch in "[@]"):
                await pilot.click(offset=(x, y))
        await settle(app, pilot)
        assert app.is_running and app.return_code is None
        while not isinstance(app.screen.focused, (PaperList, AbstractPane, FilterBar)) and \
                len(app.screen_stack) > 1:
            app.pop_screen()
            await settle(app, pilot)


async def test_textual_query_and_focus_work_on_the_app(tmp_path):
    """`ReaderApp.query` used to be the filter's query, hiding `DOMNode.query()`."""
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert app.query_one("#papers") is app.paper_list
        assert list(app.query("#abstract")) == [app.abstract_pane]
        await app.run_action("focus('abstract')")
        await pilot.pause()
        assert app.focused is app.abstract_pane
        await pilot.press("slash", *"segmentation")
        await settle(app, pilot)
        assert app.active_query is not None and app.query_text == "segmentation"
