"""Selection (v, V, Esc), Y (BibTeX over OSC 52), t (tags), N (notes) in the app."""

from __future__ import annotations

import pybtex.database
import pytest
from textual import events

from reader.state import StateStore
from reader.ui.keep_screens import NoteScreen, TagScreen
from reader.ui.screens import ConfirmScreen

from .conftest import SIZES, list_lines, make_app, settle, wait_ready

FIRST, SECOND, THIRD = "1907.03739", "1907.03728", "1907.03670"


def on_disk(tmp_path) -> StateStore:
    store = StateStore(tmp_path / "state")
    store.load()
    return store


def status(app) -> str:
    return app.status_bar.line.plain


def notices(app) -> list[str]:
    return [n.message for n in app.notices]


@pytest.mark.parametrize("size", SIZES)
async def test_v_selects_with_a_marker_and_the_status_bar_counts(tmp_path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("v", "j", "v", "j")
        await settle(app, pilot)
        lines = list_lines(app)
        assert lines[0][2] == "✓" and lines[1][2] == "✓" and lines[2][2] != "✓"
        assert "2 selected" in status(app)
        await pilot.press("k", "v")  # unselects the second
        await settle(app, pilot)
        assert list_lines(app)[1][2] != "✓" and "1 selected" in status(app)


async def test_selection_survives_the_filter_and_esc_clears_it_before_the_filter(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("v", "j", "v")
        await pilot.press("slash", *FIRST, "enter")
        await settle(app, pilot)
        assert len(app.paper_list.rows) == 1
        assert "2 selected (1 hidden by the filter)" in status(app)
        await pilot.press("escape")  # the selection first
        await settle(app, pilot)
        assert "selected" not in status(app) and app.filter_bar.value == FIRST
        await pilot.press("escape")  # then the filter, as before
        await settle(app, pilot)
        assert app.filter_bar.value == "" and len(app.paper_list.rows) == 46


async def test_V_selects_every_shown_paper_and_m_s_A_act_on_the_selection(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash", *"id:1907.037", "enter")
        await settle(app, pilot)
        shown = [app.papers[i].id for i in app.paper_list.rows]
        assert 1 < len(shown) < 46
        await pilot.press("m")  # the first one read: a mixed selection once all are selected
        await settle(app, pilot)
        await pilot.press("V")
        await settle(app, pilot)
        assert f"{len(shown)} selected" in status(app)
        await pilot.press("m")  # one read, the rest not: all read
        await settle(app, pilot)
        assert all(on_disk(tmp_path).is_read(i) for i in shown)
        await pilot.press("m")  # all read: all unread
        await settle(app, pilot)
        assert not any(on_disk(tmp_path).is_read(i) for i in shown)
        await pilot.press("s")
        await settle(app, pilot)
        assert all(on_disk(tmp_path).is_starred(i) for i in shown)
        await pilot.press("escape", "escape")  # selection, then filter: every paper shown
        await pilot.press("v", "A")  # A with a selection asks about the selected papers only
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen) and "1 selected paper" in app.screen.question
        await pilot.press("y")
        await settle(app, pilot)
        disk = on_disk(tmp_path)
        assert disk.is_read(app.papers[app.paper_list.rows[0]].id)
        assert sum(disk.is_read(p.id) for p in app.papers if p.id) == 1


async def test_Y_copies_the_bibtex_of_the_selection(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("Y")  # no selection: the current paper
        await settle(app, pilot)
        parsed = pybtex.database.parse_string(app.clipboard, "bibtex")
        assert list(parsed.entries) == [f"arxiv:{FIRST}"]
        assert notices(app)[-1].startswith("Sent to the clipboard: 1 BibTeX entry, ")
        await pilot.press("v", "j", "v", "j", "v", "Y")
        await settle(app, pilot)
        parsed = pybtex.database.parse_string(app.clipboard, "bibtex")
        assert sorted(parsed.entries) == sorted(f"arxiv:{k}" for k in (FIRST, SECOND, THIRD))
        size = len(app.clipboard.encode())
        assert notices(app)[-1] == f"Sent to the clipboard: 3 BibTeX entries, {size / 1024:.1f} KB"


async def test_Y_past_osc52_max_kb_writes_a_file_in_the_data_directory(tmp_path):
    app = make_app(tmp_path)
    app.config.osc52_max_kb = 0.5
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("V", "Y")
        await settle(app, pilot)
        assert app.clipboard == ""  # nothing sent
        message = notices(app)[-1]
        assert "46 BibTeX entries" in message and "not sent, written to " in message
        path = message.split("written to ", 1)[1]
        assert path.startswith(str(tmp_path / "user-data" / "handoff"))
        parsed = pybtex.database.parse_file(path, "bibtex")
        assert len(parsed.entries) == 46


async def test_t_adds_and_removes_tags_with_completion(tmp_path):
    store = StateStore(tmp_path / "state")
    store.load()
    store.set_tag(THIRD, "diffusion")
    app = make_app(tmp_path, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        assert isinstance(app.screen, TagScreen)
        await pilot.press(*"ml q/[]", "space", *"dif", "tab")  # printable keys all go in; Tab completes
        await settle(app, pilot)
        assert app.screen.query_one("#tag-input").value == "ml q/[] diffusion"
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, TagScreen)
        assert on_disk(tmp_path).tags(FIRST) == ("diffusion", "ml", "q/[]")
        assert "Tags of 1 paper: +ml +q/[] +diffusion" in notices(app)
        await pilot.press("v", "j", "v", "t", *"-ml", "enter")
        await settle(app, pilot)
        assert on_disk(tmp_path).tags(FIRST) == ("diffusion", "q/[]")
        assert "Tags of 2 papers: -ml" in notices(app)
        await pilot.press("u")  # undo takes the removal back
        await settle(app, pilot)
        assert "ml" in on_disk(tmp_path).tags(FIRST)


async def test_t_refuses_a_bad_tag_and_esc_cancels(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("t", *("x" * 70), "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TagScreen)
        assert "64" in str(app.screen.query_one("#tag-error").render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, TagScreen) and len(on_disk(tmp_path)) == 0


async def test_N_writes_a_note_ctrl_z_undoes_and_esc_asks_before_dropping(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("N")
        await settle(app, pilot)
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"read q/[]", "enter", *"sec 3", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, NoteScreen)
        assert on_disk(tmp_path).note(FIRST) == "read q/[]\nsec 3"
        assert "Note saved." in notices(app)
        await pilot.press("N", "x", "ctrl+z")  # the editor's own undo
        await settle(app, pilot)
        assert app.screen.text == "read q/[]\nsec 3"
        await pilot.press("y", "escape")  # edited: Esc asks
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing
        await settle(app, pilot)
        assert isinstance(app.screen, NoteScreen)
        await pilot.press("escape", "y")  # drop it
        await settle(app, pilot)
        assert not isinstance(app.screen, (NoteScreen, ConfirmScreen))
        assert on_disk(tmp_path).note(FIRST) == "read q/[]\nsec 3"


async def test_a_failed_tag_write_changes_nothing(tmp_path):
    class Failing(StateStore):
        def apply(self, changes, **kw):
            if any(f.startswith("tag:") for _, f, _ in changes):
                from reader.state import StateError
                raise StateError("disk full")
            return super().apply(changes, **kw)

    store = Failing(tmp_path / "state")
    store.load()
    app = make_app(tmp_path, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("t", *"ml", "enter")
        await settle(app, pilot)
        assert on_disk(tmp_path).tags(FIRST) == () and store.tags(FIRST) == ()
        assert any("disk full" in n for n in notices(app))
        assert not any("tagged" in n for n in notices(app))


def test_link_spans_link_only_safe_urls_without_trailing_punctuation():
    from reader.ui.hyperlinks import link_spans

    text = "see https://x.org/a_(b)). and (https://github.com/u/r), javascript:alert(1) http://"
    links = [(text[s.start:s.end], s.style.link) for s in link_spans(text)]
    assert links == [("https://x.org/a_(b)", "https://x.org/a_(b)"), ("https://github.com/u/r",) * 2]
    hostile = "https://x.org/p\x1b]8;;x\x07q\u202e ftp://a.b https://a.b/\x9d0;t\x9c"
    assert [s.style.link for s in link_spans(hostile)] == ["https://x.org/p", "https://a.b/"]  # stops at controls
    assert link_spans("https://x.org/" + "a" * 3000) == []


async def test_urls_in_the_abstract_are_osc8_hyperlinks(tmp_path):
    from textual.style import Style

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("slash", *"saketchaturvedi", "enter")
        await settle(app, pilot)
        content = app.abstract_pane.content
        links = {(content.plain[s.start:s.end], s.style.link) for s in content.spans
                 if isinstance(s.style, Style) and s.style.link}
        assert ("https://saketchaturvedi.github.io", "https://saketchaturvedi.github.io") in links
        assert {url for _, url in links} >= {"https://arxiv.org/abs/1907.03220"}
        strips = [app.abstract_pane.render_line(y) for y in range(app.abstract_pane.size.height)]
        shown = {seg.style.link for strip in strips for seg in strip if seg.style and seg.style.link}
        assert "https://arxiv.org/abs/1907.03220" in shown


async def test_a_note_with_escape_sequences_is_shown_and_saved_without_them(tmp_path):
    store = StateStore(tmp_path / "state")
    store.load()
    store.set_note(FIRST, "line \x1b]52;c;aGk=\x07one\x1b[2J\n\u202etwo")
    app = make_app(tmp_path, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("N")
        await settle(app, pilot)
        assert app.screen.text == "line one\ntwo"
        await pilot.press("ctrl+s")  # nothing edited: nothing written
        await settle(app, pilot)
        assert "Note unchanged." in notices(app) and on_disk(tmp_path).note(FIRST).startswith("line \x1b")
        await pilot.press("N", "!")
        app.post_message(events.Paste("\x1b[31mred\x07"))  # a paste holding controls, as the terminal sends it
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert on_disk(tmp_path).note(FIRST) == "line one\ntwo!red"
