"""Keys people expect (issue 14): Enter, O, Esc by focus, ctrl+z, ctrl+l, space in the pane, y."""

from __future__ import annotations

import string

from reader.ui.paper_list import PaperList

from .conftest import make_app, screen_text, settle, wait_ready
from .test_marks import FIRST, SECOND, on_disk

PDF = "https://arxiv.org/pdf/1907.03739"


def _no_display(monkeypatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")


async def test_enter_focuses_the_pane_and_esc_goes_back_to_the_list(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "enter")
        assert app.focused is app.abstract_pane
        assert app.paper_list.selected == 1
        await pilot.press("escape")
        assert isinstance(app.focused, PaperList)
        assert app.paper_list.selected == 1


async def test_esc_in_the_list_clears_the_filter_and_in_the_filter_bar_clears_then_leaves(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash", *"segmentation", "enter")
        await settle(app, pilot)
        assert isinstance(app.focused, PaperList) and "46 shown" not in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.filter_bar.value == "" and "46 shown" in screen_text(app)
        await pilot.press("slash", *"3D", "escape")
        assert app.focused is app.filter_bar and app.filter_bar.value == ""
        await pilot.press("escape")
        assert isinstance(app.focused, PaperList)


async def test_text_inputs_receive_every_printable_key(tmp_path):
    app = make_app(tmp_path)
    typed = "".join(ch for ch in string.printable if ch not in string.whitespace) + " "
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash", *typed)
        await settle(app, pilot)
        assert app.filter_bar.value == typed
        assert app.focused is app.filter_bar
        assert len(on_disk(tmp_path)) == 0  # no key reached a marking command


async def test_capital_o_opens_the_pdf_and_marks_the_paper_read(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER", "true")
    app = make_app(tmp_path)
    opened: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
        await pilot.press("O")
        await settle(app, pilot)
        assert opened == [PDF]
        assert on_disk(tmp_path).is_read(FIRST)
        await pilot.press("O")  # again: it stays read (O is not a toggle)
        await settle(app, pilot)
        assert on_disk(tmp_path).is_read(FIRST)


async def test_o_and_capital_o_without_a_display_send_the_url_to_the_clipboard(tmp_path, monkeypatch):
    _no_display(monkeypatch)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert app.clipboard == PDF
        assert not on_disk(tmp_path).is_read(FIRST)
        await pilot.press("j", "O")
        await settle(app, pilot)
        assert app.clipboard.startswith("https://arxiv.org/pdf/1907.03728")
        assert on_disk(tmp_path).is_read(SECOND)
        assert "OSC 52" in app.notices[-1].message and "Copied" not in app.notices[-1].message


async def test_y_never_claims_it_copied(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.clipboard == "https://arxiv.org/abs/1907.03739"
        message = app.notices[-1].message
        assert "Copied" not in message
        assert message == "Sent to the terminal's clipboard (OSC 52); the URL is https://arxiv.org/abs/1907.03739"


async def test_space_pages_down_in_the_pane_and_reads_and_moves_in_the_list(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.abstract_pane.max_scroll_y > 0, "the abstract should not fit at 80x24"
        await pilot.press("space")
        assert app.abstract_pane.scroll_y > 1  # a page, at once (no animation)
        await settle(app, pilot)
        assert app.paper_list.selected == 0 and len(on_disk(tmp_path)) == 0
        await pilot.press("escape", "space")
        await settle(app, pilot)
        assert on_disk(tmp_path).is_read(FIRST) and app.paper_list.selected == 1


async def test_scrolling_the_pane_is_instant(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        assert app.animation_level == "none"  # Textual animates scrolling by default
        await pilot.press("tab", "j", "j")
        assert app.abstract_pane.scroll_y == 2  # no animation frames in between
        await pilot.press("G")
        assert app.abstract_pane.scroll_y == app.abstract_pane.max_scroll_y


async def test_ctrl_z_without_a_terminal_says_so_and_the_app_goes_on(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert "not supported" in app.notices[-1].message
        await pilot.press("j")
        assert app.paper_list.selected == 1


async def test_ctrl_l_redraws_the_same_screen(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        before = screen_text(app)
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert screen_text(app) == before
        assert not app.notices or "Redraw" not in app.notices[-1].message
