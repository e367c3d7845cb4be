"""The digest navigator in the app: opening, d, [, ], D, E, Tab, choosing a row, o on a remote host, restore."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from reader.ui.abstract_pane import AbstractPane
from reader.ui.digest_screens import ExportScreen, OverviewScreen
from reader.ui.navigator import NavigatorPanel
from reader.ui.paper_list import PaperList
from tests.navlib import CROSS, PER_DIGEST, ident, write_library

from .conftest import make_app, screen_text, settle, wait_ready

WIDE, NARROW = (160, 45), (120, 40)


def navigator_rows(app) -> list[str]:
    """The navigator's rows as text, runs of spaces squeezed: ``cs.CL 5/5``."""
    width = app.navigator_panel.size.width
    return [" ".join(line[:width].replace("▶", " ").split()) for line in screen_text(app).splitlines()[1:]]


def status(app) -> str:
    return app.status_bar.line.plain


def shown_keys(app) -> list[str]:
    return [app.session.keys[i] for i in app.paper_list.rows]


def selected_key(app) -> str | None:
    index = app.paper_list.selected
    return None if index is None else app.session.keys[index]


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return write_library(tmp_path / "lib")


def app_for(tmp_path: Path, library: Path, **kwargs):
    return make_app(tmp_path, [library], **kwargs)


async def test_first_start_opens_on_the_newest_digest_with_unread_papers(tmp_path, library):
    app = app_for(tmp_path, library)
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        assert "2019-07-09 cs.CL" in status(app)
        assert f"1/{PER_DIGEST + 1}" in status(app)
        assert selected_key(app) == ident("2019-07-09", "cs.CL", 1)
        assert len(shown_keys(app)) == PER_DIGEST + 1  # the whole digest, cross-list included


async def test_opening_skips_read_digests_and_lands_on_the_first_unread(tmp_path, library):
    app = app_for(tmp_path, library)
    store = app.session.store
    store.apply([(ident("2019-07-09", "cs.CL", n), "read", True) for n in range(1, PER_DIGEST + 1)]
                + [(CROSS, "read", True), (ident("2019-07-09", "cs.CV", 1), "read", True)])
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        assert "2019-07-09 cs.CV" in status(app)
        assert selected_key(app) == ident("2019-07-09", "cs.CV", 2)
        # the read paper is still shown: the whole digest is
        assert ident("2019-07-09", "cs.CV", 1) in shown_keys(app)


async def test_all_read_opens_on_the_newest_digest(tmp_path, library):
    app = app_for(tmp_path, library)
    app.session.store.apply([(k, "read", True) for k in {p for p in _all_keys(library)}])
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        assert "2019-07-09 cs.CL" in status(app)
        assert selected_key(app) == ident("2019-07-09", "cs.CL", 1)


def _all_keys(library: Path) -> list[str]:
    from reader.library import load

    return [p.key for p in load([str(library)], cache=None).papers]


async def test_dwell_does_not_fire_at_start(tmp_path, library):
    app = app_for(tmp_path, library, dwell=0.05)
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        await pilot.pause(0.3)
        await settle(app, pilot)
        assert app.session.unread_shown == PER_DIGEST + 1
        await pilot.press("j")
        await pilot.pause(0.3)
        await settle(app, pilot)
        assert app.session.unread_shown == PER_DIGEST  # after a move it counts again
        await pilot.press("right_square_bracket")  # another digest: the app places the cursor
        await pilot.pause(0.3)
        await settle(app, pilot)
        assert app.session.unread_shown == PER_DIGEST + 1
        await pilot.press("j")
        await pilot.pause(0.3)
        await settle(app, pilot)
        assert app.session.unread_shown == PER_DIGEST


async def test_brackets_step_through_the_rows(tmp_path, library):
    app = app_for(tmp_path, library)
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert "2019-07-09 cs.CV" in status(app)
        assert shown_keys(app)[:2] == [ident("2019-07-09", "cs.CV", 1), ident("2019-07-09", "cs.CV", 2)]
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert " 2019-07-08 " in status(app) + " "  # the day row, both categories
        assert len(shown_keys(app)) == 2 * PER_DIGEST
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await settle(app, pilot)
        assert "· 2019-07-09 " in status(app) and "cs." not in status(app)
        assert len(shown_keys(app)) == 2 * PER_DIGEST + 1


async def test_the_filter_applies_within_the_view_and_stays_across_views(tmp_path, library):
    app = app_for(tmp_path, library)
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash")
        app.filter_bar.value = '"Paper 2 of"'
        await pilot.press("enter")
        await settle(app, pilot)
        assert shown_keys(app) == [ident("2019-07-09", "cs.CL", 2)]
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert shown_keys(app) == [ident("2019-07-09", "cs.CV", 2)]


async def test_d_shows_and_focuses_the_navigator_and_hides_it_again(tmp_path, library):
    app = app_for(tmp_path, library)
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        assert not app.navigator_panel.display  # auto: hidden below 140 columns
        await pilot.press("d")
        await settle(app, pilot)
        assert app.navigator_panel.display and isinstance(app.focused, NavigatorPanel)
        text = screen_text(app)
        assert "All" in text and "Starred" in text and "2019-07-08" in text
        assert f"{2 * PER_DIGEST + 1}/{2 * PER_DIGEST + 1}" in text  # unread/total of the newest day
        await pilot.press("d")
        await settle(app, pilot)
        assert not app.navigator_panel.display and isinstance(app.focused, PaperList)


async def test_wide_terminals_show_the_navigator_with_counts_that_follow_marks(tmp_path, library):
    app = app_for(tmp_path, library)
    async with app.run_test(size=WIDE) as pilot:
        await wait_ready(app, pilot)
        assert app.navigator_panel.display
        assert f"cs.CL {PER_DIGEST + 1}/{PER_DIGEST + 1}" in navigator_rows(app)
        await pilot.press("m")
        await settle(app, pilot)
        assert f"cs.CL {PER_DIGEST}/{PER_DIGEST + 1}" in navigator_rows(app)


async def test_choosing_a_row_shows_its_papers_and_focuses_the_list(tmp_path, library):
    app = app_for(tmp_path, library)
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("d", "g", "enter")  # the first row: All
        await settle(app, pilot)
        assert "· All " in status(app)
        assert isinstance(app.focused, PaperList)
        assert len(shown_keys(app)) == 3 * 2 * PER_DIGEST + 1
        assert shown_keys(app)[0] == ident("2019-07-09", "cs.CL", 1)  # newest day first
        await pilot.press("d", "j", "enter")  # Starred: nothing starred yet
        await settle(app, pilot)
        assert "Starred" in status(app) and shown_keys(app) == []


async def test_tab_cycles_navigator_list_and_pane(tmp_path, library):
    app = app_for(tmp_path, library)
    async with app.run_test(size=WIDE) as pilot:
        await wait_ready(app, pilot)
        assert isinstance(app.focused, PaperList)
        seen = []
        for _ in range(3):
            await pilot.press("tab")
            await pilot.pause()
            seen.append(type(app.focused))
        assert seen == [AbstractPane, NavigatorPanel, PaperList]
        await pilot.press("d")  # hides the navigator from the navigator? no: focus is on the list
        await pilot.press("d")
        await pilot.pause()
        assert not app.navigator_panel.display
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert isinstance(app.focused, PaperList)  # list, pane, list: no hidden navigator


async def test_overview_shows_the_sparkline_and_unread_per_category(tmp_path, library):
    app = app_for(tmp_path, library)
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        assert isinstance(app.screen, OverviewScreen)
        text = screen_text(app)
        assert "Papers per day" in text and "2019-07-09" in text
        assert any(block in text for block in "▁▂▃▄▅▆▇█")
        assert re.search(rf"cs\.CL +{3 * PER_DIGEST + 1}\b", text)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, OverviewScreen)


async def test_export_writes_the_shown_papers_where_it_says(tmp_path, library):
    app = app_for(tmp_path, library)
    app.config.export_dir = tmp_path / "out"
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("E")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("enter")
        await settle(app, pilot)
        files = list((tmp_path / "out").glob("arxiv-*.bib"))
        assert len(files) == 1
        text = files[0].read_text()
        assert text.count("@misc") == PER_DIGEST + 1 and f"arxiv:{CROSS}" in text
        assert str(files[0].resolve()) in app.notices[-1].message


async def test_export_of_the_starred_papers_as_json(tmp_path, library):
    app = app_for(tmp_path, library)
    app.config.export_dir = tmp_path / "out"
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("E")
        await settle(app, pilot)
        await pilot.click("#what-starred")
        await pilot.click("#format-json")
        await pilot.click("#export-ok")
        await settle(app, pilot)
        files = list((tmp_path / "out").glob("arxiv-*.json"))
        assert len(files) == 1
        lines = files[0].read_text().splitlines()
        assert len(lines) == 1 and ident("2019-07-09", "cs.CL", 1) in lines[0]


async def test_o_over_ssh_copies_the_url_and_shows_it(tmp_path, library, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    monkeypatch.setenv("DISPLAY", ":0")
    opened = []
    app = app_for(tmp_path, library)
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        url = f"https://arxiv.org/pdf/{ident('2019-07-09', 'cs.CL', 1)}"
        assert app.clipboard.startswith(url)
        assert url in app.notices[-1].message
        assert opened == []


async def test_o_with_a_configured_browser_runs_it_without_a_shell(tmp_path, library, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    out = tmp_path / "opened.txt"
    app = app_for(tmp_path, library)
    app.config.browser = f"{sys.executable} -c 'import sys; open(sys.argv[1], \"w\").write(sys.argv[2])' {out} %u"
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        for _ in range(200):
            if out.exists() and out.read_text():
                break
            await pilot.pause(0.05)
        assert out.read_text() == f"https://arxiv.org/pdf/{ident('2019-07-09', 'cs.CL', 1)}", app.notices[-1].message


async def test_the_last_view_filter_and_cursor_come_back(tmp_path, library):
    app = app_for(tmp_path, library)
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")  # the day 2019-07-08
        await pilot.press("slash", *"cs.CV", "enter", "g", "j", "j")
        await settle(app, pilot)
        key = selected_key(app)
        await pilot.press("q")
    assert key == ident("2019-07-08", "cs.CV", 3)
    again = app_for(tmp_path, library)
    async with again.run_test(size=NARROW) as pilot:
        await wait_ready(again, pilot)
        await settle(again, pilot)
        assert "2019-07-08" in status(again) and "filter: cs.CV" in status(again)
        assert selected_key(again) == key
        assert len(shown_keys(again)) == PER_DIGEST
        await pilot.press("q")
    # A newer digest arrives: the next start opens on it.
    write_library(library, days=("2019-07-05", "2019-07-08", "2019-07-09", "2019-07-10"))
    third = app_for(tmp_path, library)
    async with third.run_test(size=NARROW) as pilot:
        await wait_ready(third, pilot)
        assert "2019-07-10 cs.CL" in status(third)


async def test_unknown_theme_is_one_config_problem_and_a_known_one_applies(tmp_path, library):
    app = app_for(tmp_path, library)
    app.config.theme = "no-such-theme"
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        # One config problem: listed for `config check`, one summary line in the status bar.
        assert [p for p in app.config_problems if "theme" in p] and app.theme == "textual-dark"
        assert "config: 1 problem" in app.status_bar.line.plain
    other = app_for(tmp_path, library)
    other.config.theme = "nord"
    async with other.run_test(size=NARROW) as pilot:
        await wait_ready(other, pilot)
        assert other.theme == "nord"


async def test_samples_without_a_library_hint_how_to_set_one(tmp_path):
    from reader.library import bundled_samples

    app = make_app(tmp_path, [bundled_samples()])
    async with app.run_test(size=NARROW) as pilot:
        await wait_ready(app, pilot)
        assert 'set library = "~/arxiv"' in status(app)


async def test_rows_changed_keeps_the_view_and_the_paper_and_adds_the_new_day(tmp_path, library):
    from reader.library import load
    from reader.session import Session

    app = app_for(tmp_path, library)
    async with app.run_test(size=WIDE) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("right_square_bracket", "j")  # 2019-07-09 cs.CV, its second paper
        await settle(app, pilot)
        key = selected_key(app)
        write_library(library, days=("2019-07-05", "2019-07-08", "2019-07-09", "2019-07-10"))
        grown = load([str(library)], cache=None)
        app.session.load(Session.prepare(grown.papers, app.session.store, grown.listings), grown)
        app.rows_changed()  # what a reload calls
        await settle(app, pilot)
        assert "2019-07-09 cs.CV" in status(app) and selected_key(app) == key
        assert any("2019-07-10 " in line for line in navigator_rows(app))


async def test_a_click_on_a_row_shows_it(tmp_path, library):
    app = app_for(tmp_path, library)
    async with app.run_test(size=WIDE) as pilot:
        await wait_ready(app, pilot)
        await pilot.click("#navigator", offset=(6, 0))  # the first row: All
        await settle(app, pilot)
        assert "· All " in status(app) and isinstance(app.focused, PaperList)
        assert len(shown_keys(app)) == 3 * 2 * PER_DIGEST + 1
