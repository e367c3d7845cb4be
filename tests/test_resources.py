"""Resource limits while loading a library: each hostile entry gives one diagnostic, never a hang,
a traceback or a memory blow-up, and the rest of the library still loads.

Every case prints the time and peak memory it took (run with `-s` to see them; they are also
recorded as test properties). No assertion depends on them: the machine running the tests may be
busy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader import library
from reader.library import find_digests, load
from reader.paths import NotReadable, read_regular

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sample_digests" / "arxiv-cs.CV-2019-07-09.md"
SEED_PAPERS = 46

# Runs the CLI in a child and reports the child's own peak memory (VmHWM) on its last stderr line.
_MEASURED = (
    "import sys\n"
    "from reader import cli\n"
    "from reader.devtools.memory import status_mb\n"
    "rc = cli.main(sys.argv[1:])\n"
    "sys.stderr.write(f'\\n#peak-mb {status_mb(\"VmHWM\")}\\n')\n"
    "sys.exit(rc)\n"
)


def run_measured(record_property, label: str, *args: str, timeout: float = 120):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _MEASURED, *args], capture_output=True, timeout=timeout)
    elapsed = time.perf_counter() - start
    err = proc.stderr.decode("utf-8", "replace").rstrip("\n").split("\n")
    peak = err.pop().split()[1] if err and err[-1].startswith("#peak-mb") else "?"
    peak = f"{float(peak):.1f}" if peak not in ("?", "None") else "?"
    print(f"\n[{label}] {args[0]}: {elapsed:.2f} s, peak {peak} MB (shared machine)")
    record_property(f"{label}-seconds", round(elapsed, 3))
    record_property(f"{label}-peak-mb", peak)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), "\n".join(err).strip()


def library_with(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy(SEED, lib / SEED.name)
    return lib


def check_one_problem(record_property, label: str, lib: Path, culprit: str, message: str) -> None:
    """`check` and `list` on the library: the seed's papers, one diagnostic naming the culprit."""
    code, out, err = run_measured(record_property, label, "check", str(lib))
    assert "Traceback" not in err, err
    problems = [line for line in out.splitlines() if ":0: " in line or ":1: " in line]
    assert len(problems) == 1, out
    assert culprit in problems[0] and message in problems[0], problems
    assert out.splitlines()[-1].endswith(f"({SEED_PAPERS} papers)"), out
    assert code == 1
    code, out, err = run_measured(record_property, label + "-list", "list", str(lib))
    assert code == 0 and "Traceback" not in err, err
    assert len(out.splitlines()) == SEED_PAPERS


def test_a_fifo_named_like_a_digest_does_not_hang(tmp_path, record_property):
    lib = library_with(tmp_path)
    os.mkfifo(lib / "x.md")
    check_one_problem(record_property, "fifo", lib, "x.md", "not a regular file")


def test_a_link_to_dev_zero_is_not_read(tmp_path, record_property):
    lib = library_with(tmp_path)
    (lib / "x.md").symlink_to("/dev/zero")
    check_one_problem(record_property, "dev-zero", lib, "x.md", "not a regular file")


def test_a_directory_named_like_a_digest_is_searched_not_read(tmp_path, record_property):
    lib = tmp_path / "lib"
    (lib / "x.md").mkdir(parents=True)
    shutil.copy(SEED, lib / "x.md" / SEED.name)
    code, out, err = run_measured(record_property, "dir", "check", str(lib))
    assert code == 0 and out.strip() == f"no problems in 1 file ({SEED_PAPERS} papers)", (out, err)


def test_a_directory_given_where_a_file_is_expected_is_one_diagnostic(tmp_path):
    (tmp_path / "x.md").mkdir()
    result = library.load_file(tmp_path / "x.md")
    assert [d.message for d in result.diagnostics] == ["is a directory"] and not result.papers


def test_symlink_loops_in_the_library(tmp_path, record_property):
    lib = library_with(tmp_path)
    (lib / "loop.md").symlink_to("loop.md")  # a file link to itself
    (lib / "back").symlink_to(lib, target_is_directory=True)  # a folder link to its parent
    (lib / "a").mkdir()
    (lib / "a" / "up").symlink_to("..", target_is_directory=True)
    check_one_problem(record_property, "loop", lib, "loop.md", "Too many levels of symbolic links")
    files, diags = find_digests([lib, lib / "back", lib / "loop.md"])
    assert [f.name for f in files] == [SEED.name, "loop.md"] and diags == []


def test_a_file_that_vanishes_while_loading(tmp_path):
    lib = library_with(tmp_path)
    doomed = lib / "z-cs.CV-2019-07-10.md"
    doomed.write_text(SEED.read_text(encoding="utf-8").replace("1907.", "1908."), encoding="utf-8")

    def vanish(done: int, total: int) -> None:
        if done == 1:
            doomed.unlink()

    lib_loaded = load([lib], progress=vanish)
    assert len(lib_loaded.papers) == SEED_PAPERS
    assert [(Path(d.path).name, d.message) for d in lib_loaded.diagnostics] == [
        (doomed.name, "cannot read: No such file or directory")]


def test_a_file_swapped_for_a_fifo_after_the_stat_is_not_waited_for(tmp_path, monkeypatch):
    path = tmp_path / "x.md"
    shutil.copy(SEED, path)
    real_stat = Path.stat

    def stat_then_swap(self, *args, **kwargs):
        st = real_stat(self, *args, **kwargs)
        if self == path:
            path.unlink()
            os.mkfifo(path)
        return st

    monkeypatch.setattr(Path, "stat", stat_then_swap)
    result = library.load_file(path)
    assert [d.message for d in result.diagnostics] == ["not a regular file (a pipe, socket or device); skipped"]


def test_a_digest_on_a_path_that_is_not_utf8(tmp_path, record_property):
    lib = tmp_path / "lib"
    lib.mkdir()
    raw = os.fsencode(lib) + b"/bad\xff\xfe-cs.CV-2019-07-09.md"
    with open(raw, "wb") as fh:
        fh.write(SEED.read_bytes())
    with open(os.fsencode(lib) + b"/odd\x9b\xff.md", "wb") as fh:
        fh.write(b"no digest here\n")
    code, out, err = run_measured(record_property, "bad-path", "check", str(lib))
    # the file in no known format is skipped with one summary line (DECISIONS), the digest is read
    assert code == 0 and "Traceback" not in err and "1 file skipped: no known format" in err, err
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].endswith(f"({SEED_PAPERS} papers)"), out
    code, out, err = run_measured(record_property, "bad-path-json", "list", "--json", str(lib))
    assert code == 0 and "Traceback" not in err and len(out.splitlines()) == SEED_PAPERS, err


def test_a_folder_of_10000_small_digests(tmp_path, record_property):
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(10_000):
        (lib / f"d{i:05}.md").write_text(
            f"# ArXiv cs.CV --Tue, 9 Jul 2019\n"
            f"### 1.Paper {i}  [ :arrow_down: ](https://arxiv.org/pdf/1907.{i:05}.pdf)\n"
            f">  Abstract {i}.\n", encoding="utf-8")
    code, out, err = run_measured(record_property, "10k-cold", "check", str(lib))
    assert code == 0 and out.strip() == "no problems in 10000 files (10000 papers)", (out, err)
    code, out, err = run_measured(record_property, "10k-cached", "check", str(lib))
    assert code == 0 and out.strip() == "no problems in 10000 files (10000 papers)", (out, err)


def test_a_200_mb_digest_is_one_diagnostic(tmp_path, record_property):
    lib = library_with(tmp_path)
    huge = lib / "huge.md"
    with open(huge, "wb") as fh:  # sparse: costs no disk, but its size is real
        fh.truncate(200 * 2**20)
    check_one_problem(record_property, "200mb", lib, "huge.md", "file too large (200 MB")


def test_a_file_that_grows_past_the_limit_after_the_stat_is_cut_off(tmp_path):
    path = tmp_path / "x.md"
    shutil.copy(SEED, path)
    with pytest.raises(NotReadable, match="too large"):
        read_regular(path, 1000)
    path.write_bytes(b"x" * 1000)
    assert read_regular(path, 1000) == b"x" * 1000
    path.write_bytes(b"")
    assert read_regular(path, 1000) == b""


def test_the_app_shows_the_library_around_hostile_entries(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    from tests.test_e2e_tmux import Terminal, reader_command, user_env

    lib = library_with(tmp_path)
    os.mkfifo(lib / "fifo.md")
    (lib / "zero.md").symlink_to("/dev/zero")
    (lib / "loop.md").symlink_to("loop.md")
    with open(lib / "huge.md", "wb") as fh:
        fh.truncate(200 * 2**20)
    term = Terminal(reader_command() + [str(lib)], 100, 30, env=user_env())
    try:
        screen = term.wait_for(f"{SEED_PAPERS} shown")
        assert "Point-Voxel CNN" in screen
        term.keys("j", "j", "q")
        deadline = time.monotonic() + 10
        while f"{SEED_PAPERS} shown" in term.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert f"{SEED_PAPERS} shown" not in term.screen(), "the app did not quit"
    finally:
        term.close()


def test_the_app_opens_a_digest_whose_name_is_not_utf8(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    from tests.test_e2e_tmux import Terminal, reader_command, user_env

    raw = os.fsencode(tmp_path) + b"/bad\xff\x9b-cs.CV-2019-07-09.md"
    with open(raw, "wb") as fh:
        fh.write(SEED.read_bytes())
    term = Terminal(reader_command() + [os.fsdecode(raw)], 100, 30, env=user_env())
    try:
        screen = term.wait_for(f"{SEED_PAPERS} shown")
        assert "Point-Voxel CNN" in screen and "\x9b" not in screen
        term.keys("q")
        deadline = time.monotonic() + 10
        while f"{SEED_PAPERS} shown" in term.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert f"{SEED_PAPERS} shown" not in term.screen(), "the app did not quit"
    finally:
        term.close()
