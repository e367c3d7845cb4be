"""The filter bar with the query language: live results, highlights, ranking, history, saved queries."""

from __future__ import annotations

from reader.config import load_config

from .conftest import make_app, pane_text, screen_text, settle, wait_ready


def highlighted_words(app, y: int) -> list[str]:
    """The text of the list row `y` that is drawn in the match style (underlined)."""
    strip = app.paper_list.render_line(y)
    return [seg.text for seg in strip if seg.style is not None and seg.style.underline]


async def type_filter(app, pilot, text: str) -> None:
    await pilot.press("slash", *text)
    await settle(app, pilot)


async def test_matches_are_highlighted_in_the_list_and_the_pane(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(220, 50)) as pilot:  # wide enough for whole titles
        await wait_ready(app, pilot)
        await type_filter(app, pilot, "ti:segmentation")
        assert app.paper_list.rows
        for y in range(min(5, len(app.paper_list.rows))):
            assert [w.lower() for w in highlighted_words(app, y)] == ["segmentation"]
        spans = app.abstract_pane.content.spans
        title = app.session.titles[app.paper_list.selected]
        marked = [app.abstract_pane.content.plain[s.start:s.end] for s in spans
                  if "underline" in str(s.style)]
        assert "segmentation" in [m.lower() for m in marked] and title in pane_text(app)


async def test_a_typo_still_finds_the_paper_and_is_highlighted(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await type_filter(app, pilot, "voxle")
        rows = app.paper_list.rows
        assert rows and app.papers[rows[0]].id == "1907.03739"
        assert len(rows) <= 3
        assert [w.lower() for w in highlighted_words(app, 0)] == ["voxel"]


async def test_bad_query_shows_an_error_and_keeps_the_last_result(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await type_filter(app, pilot, "segmentation")
        good = list(app.paper_list.rows)
        await pilot.press("space", *'"unclosed')
        await settle(app, pilot)
        assert list(app.paper_list.rows) == good
        assert "bad filter" in screen_text(app) and "quote" in screen_text(app)
        await pilot.press(*["backspace"] * 9)
        await settle(app, pilot)
        assert "bad filter" not in screen_text(app)
        await pilot.press("ctrl+a", "ctrl+k", *"voxel")
        await settle(app, pilot)
        good = list(app.paper_list.rows)
        app.filter_bar.insert_text_at_cursor(" foo:bar")  # as a paste would
        await settle(app, pilot)
        assert 'bad filter: unknown field "foo:"' in screen_text(app)
        assert list(app.paper_list.rows) == good


async def test_S_toggles_ranking_by_score(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await type_filter(app, pilot, "segmentation")
        digest_order = list(app.paper_list.rows)
        assert digest_order == sorted(digest_order)
        await pilot.press("enter", "S")
        await settle(app, pilot)
        ranked = list(app.paper_list.rows)
        assert sorted(ranked) == digest_order and ranked != digest_order
        # Title matches rank above abstract-only matches.
        in_title = ["segmentation" in app.session.titles[i].lower() for i in ranked]
        assert in_title == sorted(in_title, reverse=True)
        assert "ranked" in screen_text(app)
        await pilot.press("S")
        await settle(app, pilot)
        assert list(app.paper_list.rows) == digest_order


async def test_history_comes_back_with_up_and_down(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        for text in ("voxel", "segmentation"):
            await type_filter(app, pilot, text)
            await pilot.press("enter", "slash", "ctrl+a", "ctrl+k", "enter")
            await settle(app, pilot)
        await pilot.press("slash", "up")
        assert app.filter_bar.value == "segmentation"
        await pilot.press("up")
        assert app.filter_bar.value == "voxel"
        await pilot.press("down")
        assert app.filter_bar.value == "segmentation"
        await pilot.press("down")
        assert app.filter_bar.value == ""
    assert (tmp_path / "history.txt").read_text().split() == ["voxel", "segmentation"]
    # A new session remembers them.
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash", "up")
        assert app.filter_bar.value == "segmentation"


async def test_saved_queries_on_the_digit_keys(tmp_path):
    app = make_app(tmp_path, queries={1: "ti:point"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("1")
        await settle(app, pilot)
        assert app.filter_bar.value == "ti:point"
        assert all("point" in app.session.titles[i].lower() for i in app.paper_list.rows)
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"cat:cs.CV segmentation", "ctrl+s")
        await settle(app, pilot)
        assert any("Saved as query 2" in n.message for n in app.notices)
        await pilot.press("escape", "escape", "2")
        await settle(app, pilot)
        assert app.filter_bar.value == "cat:cs.CV segmentation"
        await pilot.press("3")
        await settle(app, pilot)
        assert any("No query saved on 3" in n.message for n in app.notices)
    config, warnings = load_config(tmp_path / "config.toml")
    assert warnings == [] and config.queries == {1: "ti:point", 2: "cat:cs.CV segmentation"}


async def test_state_terms_in_the_filter(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("m", "j", "s")
        await settle(app, pilot)
        await type_filter(app, pilot, "is:read")
        assert [app.papers[i].id for i in app.paper_list.rows] == ["1907.03739"]
        await pilot.press("ctrl+a", "ctrl+k", *"is:starred")
        await settle(app, pilot)
        assert [app.papers[i].id for i in app.paper_list.rows] == ["1907.03728"]
        await pilot.press("ctrl+a", "ctrl+k", *"is:unread")
        await settle(app, pilot)
        assert len(app.paper_list.rows) == 45


async def test_keys_can_be_remapped_in_the_configuration(tmp_path):
    app = make_app(tmp_path)
    app.config.keys = {"app.toggle_read": "x"}
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        assert app.session.store.is_read("1907.03739")
        await pilot.press("m")
        await settle(app, pilot)
        assert app.session.store.is_read("1907.03739")  # m is no longer bound
