"""ctrl+z in a real terminal (tmux): the reader suspends to the shell, `fg` brings it back
redrawn and working (issue 14)."""

from __future__ import annotations

import shlex
import shutil
import time

import pytest

from tests.test_e2e_tmux import SAMPLES, Terminal, reader_command, user_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None or shutil.which("bash") is None,
                                reason="tmux and bash are needed")


def test_ctrl_z_suspends_to_the_shell_and_fg_resumes():
    term = Terminal(["bash", "--norc", "--noprofile", "-i"], 100, 30, env={**user_env(), "PS1": "PROMPT$ "})
    try:
        term.wait_for("PROMPT$")
        term.type(shlex.join(reader_command() + [str(SAMPLES)]))
        term.keys("Enter")
        term.wait_for("46 shown")
        term.keys("C-z")
        screen = term.wait_for("Stopped")
        assert "46 shown" not in screen  # the shell's screen, not the reader's
        term.type("fg")
        term.keys("Enter")
        term.wait_for("46 shown")
        term.keys("j")
        screen = term.wait_for("2/46")
        assert "Quit" in screen  # redrawn whole: the footer is back
        term.keys("q")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until the reader is gone and the shell prompts again
            lines = [line for line in term.screen().splitlines() if line.strip()]
            if "2/46" not in term.screen() and lines and lines[-1].strip() == "PROMPT$":
                break
            time.sleep(0.1)
        term.type("echo exit=$?")
        term.keys("Enter")
        screen = term.wait_for("exit=0")
    finally:
        term.close()
    assert "Traceback" not in screen
