"""Keeping what you find, end to end: the installed `arxiv-reader` in a real terminal (tmux).

A small library of two generated listing e-mails, the second with a replacement of a paper from
the first; a config.toml with a `[watch]` rule (weight and colour) and a `[hide]` rule. In the
terminal: the hide rule's count in the status bar, the watch rule's marker in its colour and its
"why" in the pane, the seen-before marker of the replaced paper, tagging and untagging through
the tag input's completion, a note, and undo of an older event from the History row (and its
refusal for an event a later change superseded). Afterwards `arxiv-reader list --json` must
agree. Every step waits for what the screen shows, never for a fixed time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reader.devtools.generate import generate
from tests.test_e2e_tmux import Terminal, reader_command

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

CONFIG = """\
dwell_seconds = 0

[watch]
petrov = { query = "au:petrov", weight = 5, color = "#ff8800" }

[hide]
knuth = "au:knuth"
"""
WATCHED = "1901.00018"  # Lena Petrov, in the newest digest
PLAIN = "1901.00011"  # no rule matches it
REPLACED = "1901.00003"  # listed on 2019-01-02, replaced on 2019-01-03
TAGGED_BEFORE = "1901.00001"  # tagged reading-group from the command line
TIMEOUT = 60  # generous: the machine may be loaded


def library(folder: Path) -> Path:
    """Two listing e-mails (cs.CV 2019-01-02, cs.CL 2019-01-03); the second's last replacement
    is made a replacement of REPLACED (listed the day before), by an author no rule matches."""
    generate(folder, days=2, per_day=10, fmt="mail")
    second = next(folder.glob("arxiv-cs.CL-*.txt"))
    text = second.read_text(encoding="ascii")
    start = text.index("arXiv:1901.00020")
    entry = re.sub(r"Authors: [^\n]*(\n  [^\n]*)*", "Authors: Ada Lovelace", text[start:], count=1)
    assert "replaced with revised version" in entry
    second.write_text(text[:start] + entry.replace("1901.00020", REPLACED), encoding="ascii")
    return folder


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(reader_command() + list(args), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


def listed(folder: Path, *flags: str) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, cli("list", "--json", *flags, str(folder)).stdout.splitlines())}


def wait_until(term: Terminal, check: Callable[[str], bool], what: str, timeout: float = TIMEOUT) -> str:
    deadline = time.monotonic() + timeout
    while True:
        screen = term.screen()
        if check(screen):
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: never seen; the screen was:\n{screen}")
        time.sleep(0.1)


def line_with(screen: str, text: str) -> str:
    return next((line for line in screen.splitlines() if text in line), "")


def history_rows(screen: str) -> list[str]:
    """The History list's rows on screen (each starts with the event's time, ``12-06 16:45``)."""
    return [line for line in screen.splitlines() if re.search(r"▕ \d\d-\d\d \d\d:\d\d ", line)]


def show_only(term: Terminal, ident: str) -> str:
    """Filter the list down to one paper (a bare identifier finds it): it is under the cursor."""
    term.keys("/")
    term.type(ident)
    term.keys("Enter")
    return wait_until(term, lambda s: "1 shown" in s and f"{ident} · " in s, f"{ident} alone in the list")


def test_tags_note_rules_seen_before_and_undo_from_history(tmp_path: Path) -> None:
    folder = library(tmp_path / "lib")
    config = Path(os.environ["ARXIV_READER_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(CONFIG, encoding="utf-8")
    everything = listed(folder, "--all")
    newest = max(r["date"] for r in everything.values())
    knuth = [i for i, r in everything.items() if r["date"] == newest and any("Knuth" in a for a in r["authors"])]
    assert knuth and set(knuth).isdisjoint(listed(folder))  # the hide rule holds in `list` too
    assert everything[REPLACED]["announce"] == "replace" and everything[REPLACED]["first_seen"] < newest
    cli("mark", "read", REPLACED)
    cli("tag", TAGGED_BEFORE, "reading-group")

    env = {k: v for k, v in os.environ.items() if k.startswith(("ARXIV_READER_", "XDG_"))}
    term = Terminal(reader_command() + [str(folder)], 120, 40, env=env)
    try:
        # The hide rule: its papers leave the newest digest, the status bar counts them.
        screen = term.wait_for(f"{len(knuth)} hidden", timeout=TIMEOUT)
        assert all(i not in screen for i in knuth)
        # The watch rule: its marker in its colour (#ff8800, or 208 in 256 colours).
        assert "◆" in line_with(screen, WATCHED) and "◆" not in line_with(screen, PLAIN)
        coloured = line_with(term.tmux("capture-pane", "-p", "-e", "-t", term.name), WATCHED)
        assert re.search(r"\x1b\[(?:[0-9;]*;)?38;(?:5;208|2;255;136;0)m◆", coloured), repr(coloured)
        # Seen before: the replacement of a paper read earlier.
        assert "↻" in line_with(screen, REPLACED) and "↻" not in line_with(screen, PLAIN)
        show_only(term, REPLACED)
        term.wait_for("seen before: read", timeout=TIMEOUT)
        term.keys("Escape")
        term.wait_for(f"{len(knuth)} hidden", timeout=TIMEOUT)
        # The watch rule's why, in the pane.
        show_only(term, WATCHED)
        term.wait_for("◆ petrov +5", timeout=TIMEOUT)
        # t with completion: "rea" + Tab completes the tag used before.
        term.keys("t")
        term.wait_for(f"Tag {WATCHED}", timeout=TIMEOUT)
        term.type("rea")
        term.wait_for("reading-group", timeout=TIMEOUT)  # the suggestion
        term.keys("Tab", "Enter")
        term.wait_for("tags: reading-group", timeout=TIMEOUT)
        # Untag, with completion too: "-rea" + Tab.
        term.keys("t")
        term.wait_for(f"Tag {WATCHED}", timeout=TIMEOUT)
        term.tmux("send-keys", "-t", term.name, "-l", "--", "-rea")  # `--`: the text starts with "-"
        wait_until(term, lambda s: "-reading-group" in s, "the completed untag")
        term.keys("Tab", "Enter")
        wait_until(term, lambda s: "tags: reading-group" not in s and f"Tag {WATCHED}" not in s, "the tag removed")
        term.keys("t")
        term.wait_for(f"Tag {WATCHED}", timeout=TIMEOUT)
        term.type("ml")
        term.keys("Enter")
        term.wait_for("tags: ml", timeout=TIMEOUT)
        # A note: N, type, ctrl+s.
        term.keys("N")
        term.wait_for(f"Note on {WATCHED}", timeout=TIMEOUT)
        term.type("check the ablation")
        term.wait_for("check the ablation", timeout=TIMEOUT)
        term.keys("C-s")
        wait_until(term, lambda s: f"Note on {WATCHED}" not in s, "the note editor closed")
        # History: d, the navigator's first rows are All, Starred, History.
        term.keys("Escape")
        term.wait_for(f"{len(knuth)} hidden", timeout=TIMEOUT)
        term.keys("d")
        term.wait_for("History", timeout=TIMEOUT)
        term.keys("g", "j", "j", "Enter")
        screen = term.wait_for("History 1/6", timeout=TIMEOUT)
        rows = history_rows(screen)
        assert len(rows) == 6, rows
        assert [w in row for w, row in zip(["noted", "tagged ml", "untagged", "tagged reading", "tagged reading",
                                            "read"], rows, strict=True)] == [True] * 6, rows
        # u on the second event (older than the note): exactly that tag goes, the note stays.
        term.keys("j")
        term.wait_for("History 2/6", timeout=TIMEOUT)
        term.keys("u")
        term.wait_for("Undone: tagged ml", timeout=TIMEOUT)
        screen = term.wait_for("History 3/7", timeout=TIMEOUT)  # the undo is an event, on top
        assert "untagged ml" in history_rows(screen)[0]
        # An event a later change superseded (tagged reading-group, then untagged): refused.
        term.keys("j", "j")
        term.wait_for("History 5/7", timeout=TIMEOUT)
        term.keys("u")
        term.wait_for("Not undone", timeout=TIMEOUT)
        term.keys("q")
        wait_until(term, lambda s: "History" not in s, "the reader quit")
    finally:
        term.close()

    papers = listed(folder, "--all")
    assert papers[WATCHED]["tags"] == [] and papers[WATCHED]["note"] == "check the ablation"
    assert papers[TAGGED_BEFORE]["tags"] == ["reading-group"]
    assert papers[REPLACED]["read"] is True and papers[WATCHED]["read"] is False
    history = json.loads("[" + ",".join(cli("journal", "--format", "json").stdout.splitlines()) + "]")
    assert len(history) == 7  # 2 from the command line, 4 in the app, 1 undo; the refused undo wrote nothing
