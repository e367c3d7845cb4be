"""End to end: the installed `arxiv-reader` on a generated multi-day library opens on the newest
digest, and `d`, `[`, `]` work in a real terminal (tmux)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.test_e2e_tmux import Terminal, pytestmark, reader_command, user_env  # noqa: F401

NEWEST, BEFORE = "2019-01-14", "2019-01-11"
"""The last two weekdays of a 10-day library starting 2019-01-01."""


def test_opens_on_the_newest_digest_and_the_navigator_keys_work(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    subprocess.run([sys.executable, "-m", "reader.devtools.generate", "--days", "10", "--per-day", "30",
                    str(library)], check=True, capture_output=True)
    term = Terminal(reader_command() + [str(library)], 120, 40, env=user_env())
    try:
        screen = term.wait_for("300 papers")  # streamed newest first: wait for the whole library
        screen = term.wait_for(" 1/30")
        status = screen.splitlines()[-2]
        assert f"{NEWEST} " in status and "300 papers" in status  # the newest digest, not the oldest
        term.keys("d")
        screen = term.wait_for("Starred")
        assert "All" in screen and f"{BEFORE}" in screen and "300/300" in screen
        term.keys("]")  # from the navigator too: the next row down (older), the day before
        term.wait_for(f"· {BEFORE} 1/30")
        term.keys("[")
        term.wait_for(f"· {NEWEST} stat.ML 1/30")
        term.keys("d")  # in the navigator: hides it
        deadline = time.monotonic() + 10
        while "Starred" in term.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Starred" not in term.screen()
        term.keys("q")
    finally:
        term.close()
