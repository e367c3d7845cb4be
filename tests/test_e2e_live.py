"""End to end, in tmux: the morning case (a digest added between two starts) and live reload.

The installed `arxiv-reader` with its own data, cache and config directories (the tests'
conftest points ARXIV_READER_*_DIR at temporary folders)."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from reader.devtools.generate import generate
from reader.library import load

from .test_e2e_tmux import SAMPLES, Terminal, reader_command, user_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SAMPLE = SAMPLES / "arxiv-cs.CV-2019-07-09.md"
NEW_TITLE = "Linking Art through Human Poses"  # in the sample digest (2019-07-09)


def library(tmp_path: Path) -> tuple[Path, str]:
    """A library of 30 generated digests; the title of a paper from its middle."""
    folder = tmp_path / "lib"
    generate(folder, days=30, per_day=40)
    middle = sorted(folder.iterdir())[15]
    return folder, load([str(middle)]).papers[7].title


def quit_and_wait(term: Terminal, text: str) -> None:
    term.keys("q")
    deadline = time.monotonic() + 10
    while text in term.screen() and time.monotonic() < deadline:
        time.sleep(0.1)


def show_all(term: Terminal, shown: str) -> None:
    """"All" from the navigator (d, g, Enter). `d` moves the focus once its handler has run: keys
    sent before that reach the list, so wait for the navigator to be drawn first."""
    term.keys("d")
    term.wait_for("Starred")
    term.keys("g", "Enter")
    term.wait_for(shown)


def test_the_morning_case_a_digest_added_between_two_starts(tmp_path: Path) -> None:
    folder, old_title = library(tmp_path)
    env = user_env()
    term = Terminal(reader_command() + [str(folder)], 120, 40, env=env)
    try:
        term.wait_for("1,200 papers")
        quit_and_wait(term, "1,200 papers")
    finally:
        term.close()
    shutil.copy(SAMPLE, folder / SAMPLE.name)  # this morning's digest
    term = Terminal(reader_command() + [str(folder)], 120, 40, env=env)
    try:
        term.wait_for("1,246 papers")
        # It opens on this morning's digest; the filter applies within the navigator's row, so
        # the whole library is searched from "All" (d, g, Enter).
        show_all(term, "1,246 shown")
        term.keys("/")
        for title in (NEW_TITLE, old_title):  # the new paper, and one from the middle of the library
            term.type(title)
            screen = term.wait_for(f"filter: {title[:20]}")
            screen = term.wait_for(" 1 shown")
            assert title[:40] in screen
            term.keys("Escape")  # clears the filter bar, which keeps the focus
            term.wait_for("1,246 shown")
    finally:
        term.close()


def test_a_digest_copied_in_while_running_appears_within_5_s_with_cursor_and_filter_kept(tmp_path: Path) -> None:
    folder, _ = library(tmp_path)
    term = Terminal(reader_command() + [str(folder)], 120, 40, env=user_env())
    try:
        term.wait_for("1,200 papers")
        show_all(term, "1,200 shown")  # "All": the new digest then shows in the view too
        term.keys("/")
        term.type("cat:cs.CV")
        term.keys("Enter")
        screen = term.wait_for("filter: cat:cs.CV")
        shown = int(screen.split(" shown")[0].split("·")[-1].strip().replace(",", ""))
        term.keys("j", "j")
        time.sleep(0.5)
        before = PANE_ID.findall(term.screen())  # the paper in the pane: the cursor's
        assert len(before) == 1
        shutil.copy(SAMPLE, folder / SAMPLE.name)
        started = time.monotonic()
        screen = term.wait_for(f"1,246 papers · {shown + 46:,} shown", timeout=5)
        assert time.monotonic() - started <= 5
        assert "+46 papers: 2019-07-09 cs.CV" in screen
        assert "cat:cs.CV" in screen.splitlines()[0]  # the filter bar
        assert PANE_ID.findall(term.screen()) == before
    finally:
        term.close()


PANE_ID = re.compile(r"\b(\d{4}\.\d{5}) · cs\.CV · \d{4}-\d{2}-\d{2}")
