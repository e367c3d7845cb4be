"""Odd terminals: the installed app under tmux with many TERM values, NO_COLOR, a non-UTF-8 locale
(LANG=C) and sizes from 20x5 to 250x80, resized while filtering and while a 40,000-paper library
loads. It never crashes or hangs, exits 0 on `q`, and leaves the terminal as it found it: main
screen, cursor visible, mouse reporting, bracketed paste and focus events off (checked on every byte
the app wrote, recorded with `tmux pipe-pane`).

Each case covers several settings at once (every TERM, every size, NO_COLOR and LANG=C appear at
least twice), which keeps the module to about a minute.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_e2e_tmux import Terminal, reader_command, user_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_digests"
SIZES = [(20, 5), (30, 10), (80, 24), (250, 80)]
# Private modes the app may turn on; each must be off again at the end.
MODES = [b"1049", b"1000", b"1002", b"1003", b"1004", b"1006", b"1015", b"2004"]


class Session:
    """The app in tmux, every byte it writes recorded, its exit status printed when it ends."""

    def __init__(self, tmp: Path, paths: list[str], term: str, size: tuple[int, int], extra: dict[str, str]):
        self.go, self.record = tmp / "go", tmp / "terminal.bytes"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in {"TERM": term, **extra}.items())
        app = shlex.join(reader_command() + paths)
        script = (f"while [ ! -e {self.go} ]; do sleep 0.05; done; export {exports}; {app}; "
                  f"echo; echo EXITED-$?")
        self.term = Terminal(["sh", "-c", script], *size, env=user_env())
        self.term.tmux("set-option", "-t", self.term.name, "window-size", "manual")
        self.term.tmux("pipe-pane", "-o", "-t", self.term.name, f"cat >> {self.record}")
        self.go.touch()

    def resize(self, width: int, height: int) -> None:
        self.term.tmux("resize-window", "-t", self.term.name, "-x", str(width), "-y", str(height))
        time.sleep(0.15)

    def quit_and_check(self) -> None:
        time.sleep(0.3)  # an Esc just before would make this Alt+q
        self.term.keys("q")
        screen = self.term.wait_for("EXITED-", timeout=30)
        assert "EXITED-0" in screen.replace("\n", ""), screen
        assert "Traceback" not in screen
        time.sleep(0.2)
        data = self.record.read_bytes()
        assert b"\x1b[?1049h" in data, "the app never took the screen"
        for mode in MODES:
            on, off = data.rfind(b"\x1b[?" + mode + b"h"), data.rfind(b"\x1b[?" + mode + b"l")
            assert on < 0 or off > on, f"mode {mode.decode()} left on"
        # Cursor shown after the last hide (some TERMs use cnorm/civis from terminfo: accept both forms).
        hide = max(data.rfind(b"\x1b[?25l"), data.rfind(b"\x1b[?1c"))
        show = max(data.rfind(b"\x1b[?25h"), data.rfind(b"\x1b[?0c"), data.rfind(b"\x1b[?12;25h"))
        assert show > hide, "the cursor was left hidden"
        cursor = self.term.tmux("display-message", "-p", "-t", self.term.name, "#{cursor_flag} #{alternate_on}")
        assert cursor.split() == ["1", "0"], f"tmux says cursor_flag, alternate_on = {cursor}"

    def close(self) -> None:
        self.term.close()


CASES = [  # (TERM, size, extra environment)
    ("xterm-256color", (80, 24), {}),
    ("screen", (30, 10), {"NO_COLOR": "1"}),
    ("tmux-256color", (250, 80), {"LANG": "C", "LC_ALL": "C"}),
    ("linux", (20, 5), {}),
    ("vt100", (80, 24), {"NO_COLOR": "1", "LANG": "C", "LC_ALL": "C"}),
    ("dumb", (30, 10), {}),
    ("dumb", (250, 80), {"NO_COLOR": "1"}),
    ("linux", (80, 24), {"LANG": "C", "LC_ALL": "C"}),
    ("vt100", (20, 5), {}),
    ("screen", (250, 80), {}),
    ("tmux-256color", (20, 5), {"NO_COLOR": "1", "LANG": "C", "LC_ALL": "C"}),
    ("xterm-256color", (30, 10), {"LANG": "C", "LC_ALL": "C"}),
]


@pytest.mark.parametrize(("term", "size", "extra"), CASES,
                         ids=[f"{t}-{w}x{h}-{'-'.join(e) or 'plain'}" for t, (w, h), e in CASES])
def test_filter_resize_and_quit(tmp_path, term, size, extra):
    session = Session(tmp_path, [str(SAMPLES)], term, size, extra)
    try:
        session.term.wait_for("Quit")
        session.term.keys("j", "j", "/")
        session.term.type("segm")
        for width, height in SIZES:
            session.resize(width, height)
        session.term.type("entation")
        session.resize(*size)
        session.term.keys("Enter", "j", "Tab", "Tab", "Escape")
        session.term.wait_for("Quit")
        session.quit_and_check()
    finally:
        session.close()


@pytest.fixture(scope="module")
def big_library(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("big")
    subprocess.run([sys.executable, "-m", "reader.devtools.generate", "--days", "100", "--per-day", "400",
                    str(directory)], check=True, capture_output=True, timeout=300)
    assert len(list(directory.glob("*.md"))) == 100
    return directory


@pytest.mark.parametrize(("term", "size", "extra"), [
    ("xterm-256color", (80, 24), {}),
    ("linux", (20, 5), {"NO_COLOR": "1", "LANG": "C", "LC_ALL": "C"}),
])
def test_resizes_while_40000_papers_load(tmp_path, big_library, term, size, extra):
    session = Session(tmp_path, [str(big_library)], term, size, extra)
    try:
        for width, height in SIZES * 2:  # while the library loads (no cache yet: it parses)
            session.resize(width, height)
        session.resize(*size)
        session.term.keys("/")
        session.term.type("graph")
        session.resize(250, 80)
        screen = session.term.wait_for("filter: graph", timeout=60)
        assert re.search(r"\d+ shown", screen), screen
        session.resize(*size)
        session.term.keys("Enter", "Escape")  # keep the filter, then clear it from the list
        session.quit_and_check()
    finally:
        session.close()


def test_quit_while_40000_papers_load(tmp_path, big_library):
    session = Session(tmp_path, [str(big_library)], "xterm-256color", (80, 24), {})
    try:
        session.resize(30, 10)
        # Wait for the first screen: a key typed before the app takes the terminal can be dropped
        # when it switches the terminal to raw mode. The library is still loading at this point.
        session.term.wait_for("Quit", timeout=60)
        session.quit_and_check()
    finally:
        session.close()
