"""The CLI tells the truth (issue 14): empty or unknown input exits 1, a non-export is not
imported (exit 2), a closed pipe changes no exit code and prints no traceback, --help names
`arxiv-reader [PATH ...]`."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .test_cli import SEED, run


@pytest.mark.parametrize("command", ["list", "check"])
def test_empty_folder_empty_file_and_unknown_format_exit_1(tmp_path: Path, command: str) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (tmp_path / "empty.md").write_text("")
    (tmp_path / "notes.txt").write_text("not a digest at all\n")
    proc = run(command, str(folder))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip() == f"arxiv-reader: error: no digests found in {folder}"
    for name in ("empty.md", "notes.txt"):
        proc = run(command, str(tmp_path / name))
        assert proc.returncode == 1 and proc.stdout == ""
        assert proc.stderr.strip() == f"arxiv-reader: error: {tmp_path / name}: not a digest: no known format"


def test_state_import_of_a_non_export_exits_2_and_imports_nothing(tmp_path: Path) -> None:
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    for path in (SEED, binary):
        proc = run("state", "import", str(path))
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "nothing imported" in proc.stderr
    assert run("state", "export").stdout.strip() == ""


def _piped(args: list[str]) -> subprocess.CompletedProcess[str]:
    """`arxiv-reader ARGS | head -1`, with the reader's own exit code."""
    command = shlex.join([sys.executable, "-m", "reader", *args]) + " | head -1; exit ${PIPESTATUS[0]}"
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)


def test_a_closed_pipe_keeps_the_exit_code_and_prints_no_traceback(tmp_path: Path) -> None:
    messy = tmp_path / "messy.md"
    messy.write_text("# ArXiv cs.CV --Tue, 9 Jul 2019\n### 1.No link\n> a\n" + "stray\n\n" * 20000)
    assert run("check", str(messy)).returncode == 1
    piped = _piped(["check", str(messy)])
    assert piped.returncode == 1, piped.stderr
    assert piped.stdout.count("\n") == 1 and piped.stderr == ""
    piped = _piped(["list", str(SEED), str(SEED.parent)])
    assert piped.returncode == 0 and piped.stderr == ""


def test_help_says_that_paths_open_the_reader() -> None:
    proc = run("--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: arxiv-reader [PATH ...]")
    assert "`arxiv-reader [PATH ...]` opens the reader" in " ".join(proc.stdout.split())
