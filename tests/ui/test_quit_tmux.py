"""Issue 14: marking keys typed right after `q`, in a real terminal, print nothing and exit 0."""

from __future__ import annotations

import shlex
import shutil
import time

import pytest

from tests.test_e2e_tmux import SAMPLES, Terminal, reader_command, user_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.mark.parametrize("keys", ["qm", "qs", "qu", "question"])
def test_marking_keys_right_after_q_print_no_traceback(keys):
    command = f"{shlex.join(reader_command() + [str(SAMPLES)])}; echo \"exit=$?\""
    term = Terminal(["sh", "-c", command], 100, 30, env=user_env())
    try:
        term.wait_for("46 shown")
        term.keys("j", "m")
        term.wait_for("45 unread")
        term.type(keys)  # one write: the keys arrive together, as when typed fast or pasted
        screen = term.wait_for("exit=", timeout=30)
        time.sleep(0.2)
        screen = term.screen()
    finally:
        term.close()
    assert "exit=0" in screen
    assert "Traceback" not in screen and "Error" not in screen, screen
