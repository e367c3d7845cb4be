"""With a selection, `m`, `s`, `A`, `E`, `t` and `Y` act on exactly the selected papers, also
those the filter hides, and on nothing else; `E` says so in its dialog and its result."""

from __future__ import annotations

import json

import pybtex.database

from reader.state import StateStore
from reader.ui.digest_screens import ExportScreen
from reader.ui.screens import ConfirmScreen

from .conftest import make_app, screen_text, settle, wait_ready

FIRST, SECOND, THIRD = "1907.03739", "1907.03728", "1907.03670"  # the sample digest's first three


def on_disk(tmp_path) -> StateStore:
    store = StateStore(tmp_path / "state")
    store.load()
    return store


async def select_first_and_third_then_filter_to_first(app, pilot) -> None:
    """FIRST and THIRD selected; the filter then shows FIRST only (THIRD is selected but hidden)."""
    await wait_ready(app, pilot)
    await pilot.press("v", "j", "j", "v")
    await pilot.press("slash", *FIRST, "enter")
    await settle(app, pilot)
    assert [app.papers[i].id for i in app.paper_list.rows] == [FIRST]
    assert "2 selected (1 hidden by the filter)" in app.status_bar.line.plain


async def test_E_exports_exactly_the_selected_papers_and_says_so(tmp_path):
    app = make_app(tmp_path)
    app.config.export_dir = tmp_path / "out"
    async with app.run_test(size=(120, 40)) as pilot:
        await select_first_and_third_then_filter_to_first(app, pilot)
        await pilot.press("E")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportScreen)
        assert "2 selected papers" in screen_text(app)
        await pilot.press("enter")  # the selection is what E proposes
        await settle(app, pilot)
        files = list((tmp_path / "out").glob("arxiv-*.bib"))
        assert len(files) == 1
        parsed = pybtex.database.parse_file(files[0], "bibtex")
        assert sorted(parsed.entries) == sorted([f"arxiv:{FIRST}", f"arxiv:{THIRD}"])
        assert app.notices[-1].message == f"Exported 2 selected papers to {files[0].resolve()}"


async def test_E_with_a_selection_can_still_export_the_shown_papers(tmp_path):
    app = make_app(tmp_path)
    app.config.export_dir = tmp_path / "out"
    async with app.run_test(size=(120, 40)) as pilot:
        await select_first_and_third_then_filter_to_first(app, pilot)
        await pilot.press("escape", "escape")  # the selection goes, then the filter: 46 shown
        await pilot.press("v", "E")  # one selected
        await settle(app, pilot)
        assert "1 selected paper" in screen_text(app)
        await pilot.click("#what-shown")
        await pilot.click("#format-json")
        await pilot.click("#export-ok")
        await settle(app, pilot)
        files = list((tmp_path / "out").glob("arxiv-*.json"))
        assert len(files) == 1
        ids = [json.loads(line)["id"] for line in files[0].read_text().splitlines()]
        assert len(ids) == 46 and ids[0] == FIRST
        assert app.notices[-1].message.startswith("Exported 46 papers to ")


async def test_E_without_a_selection_offers_no_selection(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("E")
        await settle(app, pilot)
        text = screen_text(app)
        assert "shown papers (46)" in text and "selected" not in text


async def test_A_m_s_t_and_Y_act_on_exactly_the_selected_papers(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await select_first_and_third_then_filter_to_first(app, pilot)
        selected = {FIRST, THIRD}

        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen) and "2 selected papers" in app.screen.question
        await pilot.press("y")
        await settle(app, pilot)
        disk = on_disk(tmp_path)
        assert {p.id for p in app.papers if disk.is_read(p.id)} == selected

        await pilot.press("m")  # all selected are read: m clears them all
        await settle(app, pilot)
        disk = on_disk(tmp_path)
        assert not any(disk.is_read(p.id) for p in app.papers)

        await pilot.press("s")
        await settle(app, pilot)
        disk = on_disk(tmp_path)
        assert {p.id for p in app.papers if disk.is_starred(p.id)} == selected

        await pilot.press("t", *"ml", "enter")
        await settle(app, pilot)
        disk = on_disk(tmp_path)
        assert {p.id for p in app.papers if "ml" in disk.tags(p.id)} == selected

        await pilot.press("Y")
        await settle(app, pilot)
        entries = pybtex.database.parse_string(app.clipboard, "bibtex").entries
        assert sorted(entries) == sorted(f"arxiv:{k}" for k in selected)
        assert SECOND not in app.clipboard
