"""Watch and hide rules, seen before, authors and the folded pane header, as a user sees them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.color import Color

from reader.devtools.generate import generate
from reader.state import StateStore

from .conftest import SAMPLES, list_lines, make_app, pane_text, screen_lines, screen_text, settle, wait_ready

RULES = """\
[watch]
petrov = { query = "au:petrov", weight = 5, color = "#ff8800" }
gan = "ti:gan"

[hide]
knuth = "au:knuth"
"""


def mail_library(tmp_path: Path) -> Path:
    folder = tmp_path / "digests"
    generate(folder, days=1, per_day=20, fmt="mail")
    return folder


async def start(tmp_path: Path, pilot, app) -> None:
    await wait_ready(app, pilot)
    await settle(app, pilot)


def row_of(app, ident: str) -> int:
    return next(y for y, line in enumerate(list_lines(app)) if ident in line)


async def test_watch_marker_colour_why_order_and_hidden_count(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(RULES, encoding="utf-8")
    app = make_app(tmp_path, [mail_library(tmp_path)])
    async with app.run_test(size=(120, 40)) as pilot:
        await start(tmp_path, pilot, app)
        papers = app.session.papers
        petrov = [i for i, p in enumerate(papers) if any("Petrov" in a for a in p.authors)]
        knuth = [i for i, p in enumerate(papers) if any("Knuth" in a for a in p.authors)]
        assert petrov and knuth
        # Hidden papers leave the list; the status bar counts them.
        shown = {papers[i].id for i in app.paper_list.rows}
        assert all(papers[i].id not in shown for i in knuth)
        assert f"{len(knuth)} hidden" in screen_text(app)
        # A watched paper: the marker in the rule's colour, and the why in the pane.
        target = next(i for i in petrov if i not in knuth)
        y = row_of(app, papers[target].id)
        if app.paper_list.cursor == y:  # on the cursor row a colour is made readable on its background
            await pilot.press("k" if y else "j")
            await settle(app, pilot)
        marks = [seg for seg in app.paper_list.render_line(y) if seg.text == "◆"]
        assert marks and marks[0].style.color == Color.parse("#ff8800")
        await pilot.click(app.paper_list, offset=(10, y))
        await settle(app, pilot)
        assert re.search(r"◆ petrov \+5", pane_text(app))
        # S: match score, then watch score (the status bar says which), then digest order.
        await pilot.press("S")
        await settle(app, pilot)
        assert "ranked" in app.status_bar.line.plain
        await pilot.press("S")
        await settle(app, pilot)
        assert "by watch score" in app.status_bar.line.plain
        scores = [app.session.keep.matches.score(i) for i in app.paper_list.rows]
        assert scores == sorted(scores, reverse=True) and scores[0] >= 5
        await pilot.press("S")
        await settle(app, pilot)
        assert "by watch score" not in app.status_bar.line.plain and "ranked" not in app.status_bar.line.plain
        # is:hidden in the filter shows exactly the hidden papers.
        await pilot.press("slash", *"is:hidden", "enter")
        await settle(app, pilot)
        assert sorted(app.paper_list.rows) == sorted(knuth)


async def test_seen_before_marker_and_pane(tmp_path: Path) -> None:
    folder = tmp_path / "digests"
    folder.mkdir()
    text = (SAMPLES / "arxiv-cs.CV-2019-07-09.md").read_text(encoding="utf-8")
    (folder / "arxiv-cs.CV-2019-07-09.md").write_text(text, encoding="utf-8")
    head = "\n".join(text.split("\n")[:5]).replace("Tue, 9 Jul 2019", "Mon, 8 Jul 2019")
    (folder / "arxiv-cs.CV-2019-07-08.md").write_text(head + "\n", encoding="utf-8")
    store = StateStore(tmp_path / "state")
    store.load()
    store.apply([("1907.03739", "read", True)])
    app = make_app(tmp_path, [folder], store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(tmp_path, pilot, app)
        lines = list_lines(app)
        first = next(line for line in lines if "1907.03739" in line)
        other = next(line for line in lines if "1907.03644" in line)  # only on the 9th
        assert "↻" in first and "↻" not in other
        y = row_of(app, "1907.03739")
        await pilot.click(app.paper_list, offset=(10, y))
        await settle(app, pilot)
        assert "seen before: read " in pane_text(app)


@pytest.mark.parametrize(("size", "least"), [((80, 24), 8), ((60, 20), 4)])
async def test_the_pane_header_folds_to_leave_room_for_the_abstract(tmp_path: Path, size, least) -> None:
    app = make_app(tmp_path, [mail_library(tmp_path)])
    async with app.run_test(size=size) as pilot:
        await start(tmp_path, pilot, app)
        paper = app.session.papers[app.paper_list.selected]
        assert paper.authors
        region = app.abstract_pane.region
        lines = [line[region.x : region.right].strip() for line in screen_lines(app)[region.y : region.bottom]]
        words = paper.abstract.split()[:3]
        top = next(y for y, line in enumerate(lines) if line.startswith(" ".join(words)))
        assert len([line for line in lines[top:] if line]) >= least
        assert any(paper.authors[0] in line for line in lines[:top])  # the authors are above it


async def test_first_author_shows_when_the_list_is_wide(tmp_path: Path) -> None:
    app = make_app(tmp_path, [mail_library(tmp_path)])
    # 220 columns: the navigator (shown from 140) and the pane leave the list room for the author
    async with app.run_test(size=(220, 50)) as pilot:
        await start(tmp_path, pilot, app)
        paper = app.session.papers[app.paper_list.rows[0]]
        family = paper.authors[0].split()[-1]
        assert family in list_lines(app)[0]
    app = make_app(tmp_path, [mail_library(tmp_path / "again")])
    async with app.run_test(size=(80, 24)) as pilot:
        await start(tmp_path, pilot, app)
        paper = app.session.papers[app.paper_list.rows[0]]
        assert paper.authors[0].split()[-1] not in list_lines(app)[0]


async def test_hostile_note_tag_author_and_rule_name_render_literally(tmp_path: Path) -> None:
    folder = mail_library(tmp_path)
    digest = next(folder.iterdir())
    text = digest.read_text(encoding="utf-8")
    author = re.search(r"^Authors: (.*)$", text, re.M)
    assert author is not None
    evil_author = "[bold red]Mallory[/] \x1b]52;c;ZXZpbA==\x07Eve\x1b[2J"
    digest.write_text(text.replace(author.group(0), f"Authors: {evil_author}", 1), encoding="utf-8")
    (tmp_path / "config.toml").write_text('[watch]\n"[b]rule[/b]" = "au:mallory"\n', encoding="utf-8")
    store = StateStore(tmp_path / "state")
    store.load()
    app = make_app(tmp_path, [folder], store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(tmp_path, pilot, app)
        index = next(i for i, p in enumerate(app.session.papers) if any("Mallory" in a for a in p.authors))
        key = app.session.keys[index]
        store.set_tag(key, "[red]tag[/red]")
        store.set_note(key, "see [link=https://evil]here[/link]\x1b[31m red \x1b]8;;http://x\x07link")
        y = row_of(app, app.session.papers[index].id)
        await pilot.click(app.paper_list, offset=(10, y + 1))
        await pilot.click(app.paper_list, offset=(10, y))
        await settle(app, pilot)
        pane = pane_text(app)
        assert "[bold red]Mallory[/]" in pane and "Eve" in pane
        assert "[red]tag[/red]" in pane and "[b]rule[/b]" in pane
        assert "see [link=https://evil]here[/link] red link" in pane
        assert "\x1b" not in pane and "\x07" not in pane
        screen = screen_text(app)
        assert "\x1b" not in screen and "[bold red]Mallory[/]" in screen


async def test_a_hide_rule_about_marks_follows_a_mark(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[hide]\ndone = "is:read !is:starred"\n', encoding="utf-8")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await start(tmp_path, pilot, app)
        first = app.session.papers[app.paper_list.selected].id
        assert "hidden" not in app.status_bar.line.plain
        await pilot.press("m")
        await settle(app, pilot)
        assert "1 hidden" in app.status_bar.line.plain
        assert all(first not in line for line in list_lines(app))
        # The hidden paper leaves the navigator's counts too (DECISIONS.md).
        total = len(app.session.papers)
        await pilot.press("d")
        await settle(app, pilot)
        assert re.search(rf"All\s+{total - 1}/{total - 1}\b", screen_text(app)), screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("slash", *"is:hidden", "enter")
        await settle(app, pilot)
        assert [app.session.papers[i].id for i in app.paper_list.rows] == [first]
