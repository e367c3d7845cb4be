"""End to end: the installed `arxiv-reader` in a real terminal (tmux), driven by keystrokes."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from reader.state import StateStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_digests"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    def __init__(self, command: list[str], width: int, height: int, env: dict[str, str]):
        self.socket = f"arxiv-reader-test-{uuid.uuid4().hex[:8]}"
        self.name = "t"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # COLUMNS/LINES (set by pytest and some shells) would override the real terminal size.
        shell = f"env -u COLUMNS -u LINES {exports} TERM=xterm-256color {shlex.join(command)}; sleep 600"
        self.tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), shell)

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              timeout=30, check=True).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", self.name, key)
            time.sleep(0.05)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)


def reader_command() -> list[str]:
    exe = shutil.which("arxiv-reader", path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    assert exe, "arxiv-reader is not installed"
    return [exe]


def user_env(dwell: float = 0) -> dict[str, str]:
    config = Path(os.environ["ARXIV_READER_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(f"dwell_seconds = {dwell}\n")
    return {k: os.environ[k] for k in os.environ if k.startswith(("ARXIV_READER_", "XDG_"))}


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_filter_mark_and_quit_in_a_real_terminal(size):
    term = Terminal(reader_command() + [str(SAMPLES)], *size, env=user_env())
    try:
        screen = term.wait_for("46 shown")
        assert "Point-Voxel CNN" in screen and "● " in screen
        term.keys("/")
        term.type("segmentation")
        screen = term.wait_for("filter: segmentation")
        shown = int(screen.split(" shown")[0].split("·")[-1].strip())
        assert 4 <= shown < 46
        assert "Linking Art through Human Poses" not in screen
        assert "Unified Attentional Generative Adversarial Network" in screen
        term.keys("Enter", "m")
        screen = term.wait_for(f"{shown - 1} unread")
        term.keys("Escape")
        term.wait_for("46 shown")
        term.keys("q")
        deadline = time.monotonic() + 10
        while "46 shown" in term.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        term.close()
    store = StateStore(Path(os.environ["ARXIV_READER_DATA_DIR"]))
    store.load()
    assert [(e.key, e.field, e.value) for e in store.events()] == [("1907.03739", "read", True)]


def test_nothing_in_a_digest_reaches_the_terminal_as_escapes(tmp_path):
    evil = tmp_path / "evil.md"
    evil.write_text(
        "# ArXiv cs.CV --Tue, 9 Jul 2019\n"
        "### 1.Evil \x1b[2J\x1b]0;pwned\x07title [CLS]  [ :arrow_down: ](https://arxiv.org/pdf/1907.03739.pdf)\n"
        ">  abstract \x1b]52;c;aGk=\x07 with [@click=app.quit]x[/] \x9b31m and \u202eevil\n", encoding="utf-8")
    term = Terminal(reader_command() + [str(evil)], 100, 30, env=user_env())
    try:
        screen = term.wait_for("abstract with [@click=app.quit]x[/]")
        assert "Evil title [CLS]" in screen and "1 shown" in screen
        title = term.tmux("display-message", "-p", "-t", term.name, "#{pane_title}")
        assert "pwned" not in title
    finally:
        term.close()
