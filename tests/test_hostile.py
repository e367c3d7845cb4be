"""The terminal's own bytes: the installed app in tmux on a digest full of escape sequences, with
every byte the app writes to the terminal recorded (`tmux pipe-pane`).

The digest puts CSI (clear, cursor moves, SGR), OSC 52, OSC 8, OSC 0/2, DCS, APC, the C1 forms
(U+009B, U+009D), bidi overrides and zero-width characters between two marker words in titles and
abstracts, next to wide CJK, emoji (with a ZWJ sequence) and combining characters. The test walks
every paper, filters for hostile text, opens the pane, copies the URL with `y` and quits; then:

- none of the digest's sequences (nor their payloads) are in the recorded bytes;
- the marker words on both sides of each sequence were shown, joined;
- the app's own OSC 52 carries exactly the URL it announced, and nothing else writes OSC 52;
- the list's columns line up on screen, as tmux counts cells (the C library's wcwidth);
- after `q` the terminal is back: main screen, cursor visible.
"""

from __future__ import annotations

import base64
import ctypes
import locale
import re
import shutil
import time
from collections.abc import Callable

import pytest

from tests.test_e2e_tmux import Terminal, reader_command, user_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SEQUENCES = {
    "clear": "\x1b[2J", "home": "\x1b[H", "move": "\x1b[12;40H", "sgr": "\x1b[1;31;42m", "up": "\x1b[5A",
    "osc52": "\x1b]52;c;cHduZWQtY2xpcA==\x07", "osc8": "\x1b]8;;https://evil.example/x\x1b\\",
    "osc0": "\x1b]0;pwned-title\x07", "osc2": "\x1b]2;pwned-name\x1b\\", "dcs": "\x1bP+q5465726d\x1b\\",
    "apc": "\x1b_apc-payload\x1b\\", "c1csi": "\u009b7m", "c1osc": "\u009d0;c1-title\u009c",
    "rlo": "\u202e", "rli": "\u2067", "zw": "\u200b\u200d\ufeff",
}
PAYLOADS = [b"pwned", b"evil.example", b"cHduZWQtY2xpcA", b"apc-payload", b"5465726d", b"c1-title",
            b"\xc2\x9b", b"\xc2\x9c", b"\xc2\x9d", "\u202e".encode(), "\u2067".encode()]
WIDE = ["漢字のタイトル 中文標題 wide", "Emoji 😀🎉👩\u200d🔬❤\ufe0f title",
        "Combining e\u0301a\u0308o\u0302 cafe\u0301", "Plain ASCII title"]
COPIED = "osc52"  # the paper whose URL is copied


def hostile_digest() -> str:
    lines = ["# ArXiv cs.CV --Tue, 9 Jul 2019"]
    for n, (name, seq) in enumerate(SEQUENCES.items(), 1):
        lines.append(f"### {n}.Hostile L{n}{seq}R{n} {name} [ :arrow_down: ](https://arxiv.org/pdf/1907.{n:05}.pdf)")
        lines.append(f">  Abstract A{n}{seq}B{n} of the {name} paper {WIDE[n % len(WIDE)]}.")
    for n, title in enumerate(WIDE, len(SEQUENCES) + 1):
        lines.append(f"### {n}.{title}  [ :arrow_down: ](https://arxiv.org/pdf/1907.{n:05}.pdf)")
        lines.append(f">  Abstract B{n} of {title}.")
    return "\n".join(lines) + "\n"


def terminal_width() -> Callable[[str], int]:
    """Cell widths as tmux counts them: the C library's wcwidth (zero-width marks join the cell before)."""
    try:
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
        libc = ctypes.CDLL(None)
        libc.wcwidth.argtypes = [ctypes.c_wchar]
        libc.wcwidth.restype = ctypes.c_int
    except (OSError, AttributeError, locale.Error):
        pytest.skip("no C library wcwidth with a UTF-8 locale here")
    return lambda text: sum(max(libc.wcwidth(c), 0) for c in text)


def visible(screen: str) -> str:
    return screen.replace("\u200b", "").replace("\ufeff", "")


def test_no_digest_byte_reaches_the_terminal(tmp_path):
    digest = tmp_path / "arxiv-cs.CV-2019-07-09.md"
    digest.write_text(hostile_digest(), encoding="utf-8")
    total = len(SEQUENCES) + len(WIDE)
    go, record = tmp_path / "go", tmp_path / "terminal.bytes"
    app = " ".join(reader_command() + [str(digest)])
    term = Terminal(["sh", "-c", f"while [ ! -e {go} ]; do sleep 0.05; done; exec {app}"], 120, 30, env=user_env())
    try:
        term.tmux("pipe-pane", "-o", "-t", term.name, f"cat >> {record}")
        go.touch()
        screen = visible(term.wait_for(f"{total} shown"))

        # The marker words either side of every sequence are shown, joined; the columns line up.
        for n, name in enumerate(SEQUENCES, 1):
            assert f"Hostile L{n}R{n} {name}" in screen, screen
        width = terminal_width()
        rows = [line for line in screen.splitlines() if re.search(r"1907\.\d{5}▏", line)]
        assert len(rows) == total, screen
        columns = {width(line[: line.index("▏")]) for line in rows}
        assert len(columns) == 1, f"the divider is at cells {columns}:\n{screen}"

        # Walk every paper; each abstract is shown with its markers joined.
        for n in range(1, total + 1):
            if n > 1:
                term.keys("j")
            marker = f"A{n}B{n}" if n <= len(SEQUENCES) else f"Abstract B{n} of"
            term.wait_for(marker) if n > len(SEQUENCES) else _wait_visible(term, marker)

        # Filter for the hostile paper's text, open the pane and copy its URL.
        term.keys("/")
        term.type(COPIED)
        screen = term.wait_for("1 shown")
        term.keys("Enter", "Tab", "y")
        screen = term.wait_for("the URL is")  # the toast may wrap before the URL
        found = re.search(r"the URL is (\S+)", screen) or re.search(r"the URL is\s*\n[^\n]*▌\s*(\S+)", screen)
        assert found, screen
        announced = found.group(1)
        term.keys("q")
        deadline = time.monotonic() + 15
        while "shown" in term.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "shown" not in term.screen(), "the app did not quit"
        time.sleep(0.3)  # the last bytes reach the pipe
        title = term.tmux("display-message", "-p", "-t", term.name, "#{pane_title}")
    finally:
        term.close()

    n_copied = list(SEQUENCES).index(COPIED) + 1
    assert announced == f"https://arxiv.org/abs/1907.{n_copied:05}"
    data = record.read_bytes()
    assert len(data) > 10_000, "nothing was recorded"
    for n, seq in enumerate(SEQUENCES.values(), 1):
        for before in (f"L{n}", f"A{n}"):
            assert (before + seq).encode() not in data, f"{before}{seq!r} reached the terminal"
    for payload in PAYLOADS:
        assert payload not in data, f"{payload!r} reached the terminal"
    osc52 = re.findall(rb"\x1b\]52;([a-z]*);([A-Za-z0-9+/=]*)(?:\x07|\x1b\\)", data)
    assert [(sel, base64.b64decode(b64).decode()) for sel, b64 in osc52] == [(b"c", announced)]
    assert data.count(b"\x1b]52;") == 1
    assert "pwned" not in title and "c1-title" not in title
    # The terminal is restored: the alternate screen left and the cursor shown, after the last entry.
    last_enter = data.rfind(b"\x1b[?1049h")
    assert data.rfind(b"\x1b[?1049l") > last_enter >= 0
    assert data.rfind(b"\x1b[?25h") > data.rfind(b"\x1b[?25l")


def _wait_visible(term: Terminal, text: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while text not in visible(term.screen()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared:\n{term.screen()}")
        time.sleep(0.05)
