"""Every theme the palette offers is readable (issue 14): the list's columns keep a contrast
ratio of at least 3 on their background, on light themes too; and read/unread/starred/cursor
differ by more than a colour (NO_COLOR)."""

from __future__ import annotations

from reader.ui.contrast import ratio, shown_colours

from .conftest import list_lines, make_app, settle, wait_ready


def faint_segments(app, rows: int) -> list[tuple[int, str, float]]:
    out = []
    for y in range(rows):
        for seg in app.paper_list.render_line(y):
            if not seg.text.strip() or seg.style is None:
                continue
            colours = shown_colours(seg.style)
            if colours is not None and (r := ratio(*colours)) < 3:
                out.append((y, seg.text.strip()[:20], round(r, 2)))
    return out


async def test_every_theme_keeps_the_list_readable(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "m", "s", "j", "j", "s")  # a read+starred row, the cursor on a starred one
        await settle(app, pilot)
        themes = sorted(app.available_themes)
        assert "textual-light" in themes and len(themes) > 10
        faint = {}
        for name in themes:
            if name.startswith("ansi-"):
                continue  # the terminal's own palette decides those colours
            app.theme = name
            await pilot.pause()
            assert app.export_screenshot()  # renders
            if found := faint_segments(app, 6):
                faint[name] = found
        assert faint == {}


async def test_no_color_keeps_state_and_cursor_visible(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 24)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("m", "s", "j")
        await settle(app, pilot)
        assert app.no_color
        lines = list_lines(app)
        assert lines[0].startswith(" ★") and lines[1].startswith("● ")  # read+starred, unread: markers
        cursor = [seg.style for seg in app.paper_list.render_line(1) if seg.text.strip()]
        others = [seg.style for seg in app.paper_list.render_line(2) if seg.text.strip()]
        assert all(style.reverse for style in cursor) and not any(style.reverse for style in others)
        assert any(style.bold for style in others)  # unread rows are bold
        read_row = [seg.style for seg in app.paper_list.render_line(0) if seg.text.strip()]
        assert not any(style.bold for style in read_row)
