"""The History navigator row: recent events newest first, Enter goes to the paper, `u` undoes
exactly the event under the cursor (and refuses when a later change of that paper's field
exists), while `u` elsewhere keeps undoing the last marking."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

from reader.devtools.generate import generate
from reader.state import Event, StateStore
from reader.ui.history_list import HistoryList
from reader.ui.paper_list import PaperList

from .conftest import SAMPLES, make_app, screen_text, settle, wait_ready

A, B, C = "1907.03739", "1907.03728", "1907.03670"  # the first three papers of the samples


def seeded_store(tmp_path: Path) -> StateStore:
    """Three events a minute apart: A starred, then B tagged ml, then C read (the newest)."""
    store = StateStore(tmp_path / "state")
    store.load()
    now = time.time() - 3600
    store.merge([Event(A, "starred", True, now), Event(B, "tag:ml", True, now + 60), Event(C, "read", True, now + 120)])
    return store


def history_lines(app) -> list[str]:
    widget = app.history_list
    return [widget.render_line(y).text.rstrip() for y in range(len(widget.rows))]


def title(app, key: str) -> str:
    return app.session.titles[app.session.marks.index.indices(key)[0]]


async def open_history(app, pilot) -> None:
    """`d`, then the navigator's cursor to the History row, Enter (as a user would)."""
    await pilot.press("d", "g")
    labels = [row.label for row in app.navigator_panel.rows]
    await pilot.press(*["j"] * labels.index("History"), "enter")
    await settle(app, pilot)


async def test_history_lists_events_newest_first_and_enter_goes_to_the_paper(tmp_path):
    app = make_app(tmp_path, store=seeded_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await open_history(app, pilot)
        assert isinstance(app.focused, HistoryList) and not app.paper_list.display
        lines = history_lines(app)
        assert len(lines) == 3
        assert "read" in lines[0] and title(app, C)[:10] in lines[0]
        assert "tagged ml" in lines[1] and title(app, B)[:10] in lines[1]
        assert "starred" in lines[2] and title(app, A)[:10] in lines[2]
        text = screen_text(app)
        assert "History 1/3" in text and "u: undo the event" in text
        status = app.status_bar.line.plain
        assert "3 recent events" in status and "shown" not in status  # not the paper list's counts
        # The pane shows the paper of the event under the cursor.
        await pilot.press("j")
        await settle(app, pilot)
        assert title(app, B).split()[0] in app.abstract_pane.content.plain
        assert "History 2/3" in screen_text(app)
        # Enter: All, the cursor on that paper, the paper list back with the focus.
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.paper_list.display and not app.history_list.display
        assert isinstance(app.focused, PaperList)
        assert app.session.view.id == "all"
        assert app.session.keys[app.paper_list.selected] == B


async def test_u_undoes_the_event_under_the_cursor_and_refuses_a_superseded_one(tmp_path):
    store = seeded_store(tmp_path)
    app = make_app(tmp_path, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert app.session.marks.confirmed(A, "starred")
        await open_history(app, pilot)
        # The oldest event (A starred), not the last one: undo it.
        await pilot.press("G", "u")
        await settle(app, pilot)
        check = StateStore(tmp_path / "state")
        check.load()
        assert not check.is_starred(A) and check.tags(B) == ("ml",) and check.is_read(C)
        # The paper's flags, the counts and the History list show the new state.
        assert not app.session.marks.confirmed(A, "starred")
        assert app.navigator_panel.navigator.counts("starred") == (0, 0)
        lines = history_lines(app)
        assert len(lines) == 4 and "unstarred" in lines[0] and title(app, A)[:10] in lines[0]
        assert [e.latest for e in app.history_list.rows] == [True, True, True, False]
        assert any(n.message.startswith("Undone: starred") for n in app.notices)
        # The old "starred" event is no longer the latest of A's star: u refuses, writes nothing.
        before = len(check.history())
        assert app.history_list.cursor == 3
        await pilot.press("u")
        await settle(app, pilot)
        assert "changed later" in app.notices[-1].message
        check = StateStore(tmp_path / "state")
        check.load()
        assert len(check.history()) == before and not check.is_starred(A)
        # The undo is an event too: undoing it stars A again.
        await pilot.press("g", "u")
        await settle(app, pilot)
        assert app.session.marks.confirmed(A, "starred")
        assert "starred" in history_lines(app)[0] and len(app.history_list.rows) == 5


async def test_paper_keys_do_nothing_in_history_and_u_outside_undoes_the_last_marking(tmp_path):
    store = seeded_store(tmp_path)
    app = make_app(tmp_path, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await open_history(app, pilot)
        written = len(store.history())
        await pilot.press("m", "s", "space")  # no paper list on screen: nothing is marked
        await settle(app, pilot)
        assert len(store.history()) == written
        assert "History" in screen_text(app)
        # Esc: back to the papers shown before, and `u` there undoes the last marking.
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.paper_list.display and isinstance(app.focused, PaperList)
        key = app.session.keys[app.paper_list.selected]
        was_starred = app.session.marks.confirmed(key, "starred")
        await pilot.press("s")
        await settle(app, pilot)
        assert app.session.marks.confirmed(key, "starred") != was_starred
        await pilot.press("u")
        await settle(app, pilot)
        assert app.session.marks.confirmed(key, "starred") == was_starred
        assert any(n.message.startswith("undone:") for n in app.notices)


async def test_history_stays_on_screen_when_a_digest_arrives(tmp_path):
    """A live reload keeps History shown and focused (and a streamed start's last view does not
    replace it); an event's paper that arrived has its title once the history is read again."""
    folder = tmp_path / "lib"
    folder.mkdir()
    sample = next(SAMPLES.glob("*.md"))
    store = seeded_store(tmp_path)
    generate(folder, days=1, per_day=5)  # the library starts without the events' papers
    app = make_app(tmp_path, [folder], store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await open_history(app, pilot)
        assert f"{C} (not in the" in history_lines(app)[0]
        shutil.copy(sample, folder / sample.name)
        assert app.watcher is not None
        app.watcher.poll()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not any(p.id == C for p in app.session.papers):
            assert loop.time() < deadline, "the digest never arrived"
            await pilot.pause(0.02)
        await settle(app, pilot)
        assert app.history_list.display and not app.paper_list.display
        assert isinstance(app.focused, HistoryList)
        # Choosing the row again reads the history again: the paper has its title now.
        await open_history(app, pilot)
        assert "not in the" not in history_lines(app)[0] and title(app, C)[:10] in history_lines(app)[0]


async def test_history_shows_tag_names_and_identifiers_literally(tmp_path):
    store = StateStore(tmp_path / "state")
    store.load()
    now = time.time() - 60
    store.merge([Event(A, "tag:[b]x[/b]", True, now), Event("2401.[red]", "read", True, now + 1)])
    app = make_app(tmp_path, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await open_history(app, pilot)
        lines = history_lines(app)
        assert "2401.[red] (not in" in lines[0] and "tagged [b]x[/b]" in lines[1]
        assert "[b]x[/b]" in screen_text(app)
