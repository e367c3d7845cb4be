"""Smart views, tags and Updated as navigator rows, as a user sees them: a view row with its
counts, the counts after `m`, a tag row after `t`, the Updated row (and `unread_on_update`)."""

from __future__ import annotations

import calendar
from pathlib import Path

import pytest

from reader.state import Event, StateStore
from tests.navlib import CROSS, PER_DIGEST, ident, write_library

from .conftest import SAMPLES, make_app, screen_text, settle, wait_ready

VIEWS = {"CL unread": "cat:cs.CL is:unread", "Cross": "ti:cross-listed"}


def navigator_rows(app) -> list[str]:
    """The navigator's rows as text, runs of spaces squeezed: ``Cross 1/1``."""
    width = app.navigator_panel.size.width
    return [" ".join(line[:width].replace("▶", " ").split()) for line in screen_text(app).splitlines()[1:]]


def shown_keys(app) -> list[str]:
    return [app.session.keys[i] for i in app.paper_list.rows]


async def open_navigator(app, pilot) -> None:
    await wait_ready(app, pilot)
    await pilot.press("d")
    await settle(app, pilot)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_a_view_row_with_its_counts_and_its_papers(tmp_path: Path, size) -> None:
    app = make_app(tmp_path, [write_library(tmp_path / "lib")])
    app.config.views = dict(VIEWS)
    cl = 3 * PER_DIGEST + 1
    async with app.run_test(size=size) as pilot:
        await open_navigator(app, pilot)
        rows = navigator_rows(app)
        at = rows.index("Views")
        assert rows[at + 1:at + 3] == [f"CL unread {cl}/{cl}", "Cross 1/1"]
        await pilot.press("home", *["j"] * (at + 2), "enter")
        await settle(app, pilot)
        assert shown_keys(app) == [CROSS]
        assert "Cross" in app.status_bar.line.plain


async def test_counts_after_m(tmp_path: Path) -> None:
    app = make_app(tmp_path, [write_library(tmp_path / "lib")])
    app.config.views = dict(VIEWS)
    cl = 3 * PER_DIGEST + 1
    async with app.run_test(size=(120, 40)) as pilot:
        await open_navigator(app, pilot)
        await pilot.press("tab")  # to the list: the first paper of 2019-07-09 cs.CL
        await settle(app, pilot)
        assert app.session.keys[app.paper_list.selected] == ident("2019-07-09", "cs.CL", 1)
        await pilot.press("m")
        await settle(app, pilot)
        rows = navigator_rows(app)
        assert f"CL unread {cl - 1}/{cl - 1}" in rows  # marked read: it left the view
        assert "All 24/25" in rows and "Cross 1/1" in rows
        assert f"▾ 2019-07-09 {2 * PER_DIGEST}/{2 * PER_DIGEST + 1}" in rows
        assert f"cs.CL {PER_DIGEST}/{PER_DIGEST + 1}" in rows


async def test_a_tag_row_appears_after_tagging(tmp_path: Path) -> None:
    app = make_app(tmp_path, [write_library(tmp_path / "lib")])
    async with app.run_test(size=(120, 40)) as pilot:
        await open_navigator(app, pilot)
        assert "Tags" not in navigator_rows(app)
        await pilot.press("tab", "t", *"ml", "enter")
        await settle(app, pilot)
        rows = navigator_rows(app)
        assert rows[rows.index("Tags") + 1] == "#ml 1/1"
        await pilot.press("m")
        await settle(app, pilot)
        assert "#ml 0/1" in navigator_rows(app)
        await pilot.press("t", *"-ml", "enter")
        await settle(app, pilot)
        assert "Tags" not in navigator_rows(app)


def seen_again_library(tmp_path: Path) -> Path:
    """1907.03739 announced on 2019-07-08 and again on 2019-07-09 (a newer listing)."""
    folder = tmp_path / "digests"
    folder.mkdir()
    text = (SAMPLES / "arxiv-cs.CV-2019-07-09.md").read_text(encoding="utf-8")
    (folder / "arxiv-cs.CV-2019-07-09.md").write_text(text, encoding="utf-8")
    head = "\n".join(text.split("\n")[:5]).replace("Tue, 9 Jul 2019", "Mon, 8 Jul 2019")
    (folder / "arxiv-cs.CV-2019-07-08.md").write_text(head + "\n", encoding="utf-8")
    return folder


def read_on_the_8th(tmp_path: Path) -> StateStore:
    store = StateStore(tmp_path / "state")
    store.load()
    store.merge([Event("1907.03739", "read", True, float(calendar.timegm((2019, 7, 8, 12, 0, 0))))])
    return store


@pytest.mark.parametrize("unread_on_update", [False, True])
async def test_the_updated_row(tmp_path: Path, unread_on_update: bool) -> None:
    app = make_app(tmp_path, [seen_again_library(tmp_path)], store=read_on_the_8th(tmp_path))
    app.config.unread_on_update = unread_on_update
    async with app.run_test(size=(120, 40)) as pilot:
        await open_navigator(app, pilot)
        rows = navigator_rows(app)
        assert ("Updated 1/1" if unread_on_update else "Updated 0/1") in rows
        at = rows.index("Updated" + (" 1/1" if unread_on_update else " 0/1"))
        await pilot.press("home", *["j"] * at, "enter")
        await settle(app, pilot)
        assert shown_keys(app) == ["1907.03739"]
        assert app.session.is_read(app.paper_list.selected) is not unread_on_update
        if unread_on_update:
            await pilot.press("m")  # read again now: an ordinary mark, no longer updated
            await settle(app, pilot)
            assert "Updated" not in " ".join(navigator_rows(app))


async def test_the_app_reopens_on_the_view_row_it_quit_on(tmp_path: Path) -> None:
    library = write_library(tmp_path / "lib")
    app = make_app(tmp_path, [library])
    app.config.views = dict(VIEWS)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_navigator(app, pilot)
        rows = navigator_rows(app)
        await pilot.press("home", *["j"] * rows.index("Cross 1/1"), "enter")
        await settle(app, pilot)
        assert app.session.view.id == "view:Cross"
        await pilot.press("q")
    again = make_app(tmp_path, [library], store=StateStore(tmp_path / "state"))
    again.config.views = dict(VIEWS)
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_ready(again, pilot)
        await settle(again, pilot)
        assert again.session.view.id == "view:Cross" and shown_keys(again) == [CROSS]


async def test_saved_queries_1_to_9_filter_within_a_view_row(tmp_path: Path) -> None:
    app = make_app(tmp_path, [write_library(tmp_path / "lib")], queries={1: "cat:cs.CV"})
    app.config.views = dict(VIEWS)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_navigator(app, pilot)
        rows = navigator_rows(app)
        await pilot.press("home", *["j"] * rows.index(f"CL unread {3 * PER_DIGEST + 1}/{3 * PER_DIGEST + 1}"),
                          "enter")
        await settle(app, pilot)
        assert len(shown_keys(app)) == 3 * PER_DIGEST + 1
        await pilot.press("1")  # cs.CV within "CL unread": only the cross-listed paper is in both
        await settle(app, pilot)
        assert app.filter_bar.value == "cat:cs.CV" and shown_keys(app) == [CROSS]
