"""Hand-off in a real terminal: the installed app in tmux with every byte it writes recorded
(`tmux pipe-pane`). `Y` on three selected papers sends exactly one OSC 52 sequence whose base64
payload decodes to BibTeX that a real BibTeX parser (pybtex) accepts; the abstract pane's links
(page, PDF and URLs in the abstract) go out as OSC 8 hyperlinks, made of URL characters only."""

from __future__ import annotations

import base64
import re
import shutil
import time

import pybtex.database
import pytest

from tests.test_e2e_tmux import SAMPLES, Terminal, reader_command, user_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

FIRST, SECOND, THIRD = "1907.03739", "1907.03728", "1907.03670"


def test_Y_sends_one_osc52_sequence_with_the_bibtex_of_the_selection(tmp_path):
    go, record = tmp_path / "go", tmp_path / "terminal.bytes"
    app = " ".join(reader_command() + [str(SAMPLES)])
    term = Terminal(["sh", "-c", f"while [ ! -e {go} ]; do sleep 0.05; done; exec {app}"], 120, 40,
                    env=user_env(dwell=60))
    try:
        term.tmux("pipe-pane", "-o", "-t", term.name, f"cat >> {record}")
        go.touch()
        term.wait_for("46 shown")
        term.keys("v", "j", "v", "j", "v")
        term.wait_for("3 selected")
        term.keys("Y")
        screen = term.wait_for("3 BibTeX entries")
        announced = re.search(r"3 BibTeX entries, ([0-9.]+) KB", screen)
        term.keys("/")
        term.type("saketchaturvedi")  # a paper with a link in its abstract
        term.wait_for("1 shown")
        term.keys("Enter", "Tab", "G")  # into the pane, to its end, where the link is
        term.wait_for("saketchaturvedi.github.io")
        time.sleep(0.3)
        term.keys("q")
        deadline = time.monotonic() + 15
        while "shown" in term.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)  # the last bytes reach the pipe
    finally:
        term.close()

    data = record.read_bytes()
    assert len(data) > 10_000, "nothing was recorded"
    osc52 = re.findall(rb"\x1b\]52;([a-z]*);([A-Za-z0-9+/=]*)(?:\x07|\x1b\\)", data)
    assert data.count(b"\x1b]52;") == 1 and len(osc52) == 1
    selection, payload = osc52[0]
    assert selection == b"c"
    text = base64.b64decode(payload, validate=True).decode("utf-8")
    parsed = pybtex.database.parse_string(text, "bibtex")
    assert sorted(parsed.entries) == sorted(f"arxiv:{k}" for k in (FIRST, SECOND, THIRD))
    assert parsed.entries[f"arxiv:{FIRST}"].fields["eprint"] == FIRST
    assert announced is not None and announced.group(1) == f"{len(text.encode()) / 1024:.1f}"
    # The pane's links went out as OSC 8 hyperlinks, to the papers' own https URLs only.
    links = set(re.findall(rb"\x1b\]8;[^;\x07\x1b]*;([^\x07\x1b]*)(?:\x07|\x1b\\)", data)) - {b""}
    assert {f"https://arxiv.org/abs/{THIRD}".encode(), b"https://saketchaturvedi.github.io"} <= links
    assert all(re.fullmatch(rb"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", link) for link in links), links
