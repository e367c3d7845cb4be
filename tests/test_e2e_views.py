"""End to end: the installed `arxiv-reader` in a real terminal (tmux) shows a `[views]` row and
a tag row with their counts, and the counts follow `m` and `t`."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.test_e2e_tmux import SAMPLES, Terminal, pytestmark, reader_command, user_env  # noqa: F401


def navigator_line(screen: str, label: str) -> str:
    """The navigator row that starts with `label`, runs of spaces squeezed ("" when none)."""
    for line in screen.splitlines():
        words = " ".join(line.split("▕")[0].replace("▶", " ").split())
        if words.startswith(label):
            return words
    return ""


def wait_row(term: Terminal, label: str, text: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while True:
        screen = term.screen()
        if navigator_line(screen, label) == text:
            return screen
        assert time.monotonic() < deadline, f"{text!r} never appeared; the screen was:\n{screen}"
        time.sleep(0.1)


def test_a_view_row_and_a_tag_row_follow_marks(tmp_path: Path) -> None:
    env = user_env()
    config = Path(os.environ["ARXIV_READER_CONFIG_DIR"]) / "config.toml"
    config.write_text('dwell_seconds = 0\nnavigator = "show"\n[views]\n"Points" = "is:unread ti:point"\n',
                      encoding="utf-8")
    term = Terminal(reader_command() + [str(SAMPLES)], 120, 40, env=env)
    try:
        term.wait_for("46 shown")
        wait_row(term, "Points", "Points 2/2")  # ti:point: 1907.03739 and 1907.03670
        term.keys("g")  # the list's first paper: 1907.03739, "Point-Voxel CNN ..."
        term.wait_for(" 1/46")
        term.keys("m")
        wait_row(term, "Points", "Points 1/1")  # read: it left the view
        term.keys("t")
        term.wait_for("Tag 1907.03739")
        term.type("ml")
        term.keys("Enter")
        wait_row(term, "#ml", "#ml 0/1")
        screen = term.screen()
        assert "Tags" in screen and "Views" in screen
        term.keys("q")
    finally:
        term.close()
