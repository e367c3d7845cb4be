"""The `arxiv-reader` command line, run as a user would run it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


from reader import cli

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sample_digests" / "arxiv-cs.CV-2019-07-09.md"
JSON_KEYS = {"id", "version", "title", "abstract", "pdf_url", "category", "date", "number", "source",
             "read", "starred", "categories", "authors", "comments", "announce", "primary_category", "first_seen",
             "tags", "note"}


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reader", *args], capture_output=True, text=True,
                          input=stdin, timeout=120)


def assert_one_line_error(proc, code=2):
    assert proc.returncode == code, proc
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("arxiv-reader: error: "), proc.stderr


def seed_entries():
    lines = SEED.read_text(encoding="utf-8").split("\n")
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"### \d+\.(.*?)  \[ :arrow_down: \]\(https://arxiv.org/pdf/(.*?)\.pdf\)$", line)
        if m:
            out.append((m.group(2), m.group(1), lines[i + 1].lstrip(">").strip()))
    return out


def test_list_json_gives_the_46_seed_papers():
    proc = run("list", "--json", str(SEED))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 46
    assert all(set(r) == JSON_KEYS for r in rows)
    assert [(r["id"], r["title"], r["abstract"]) for r in rows] == seed_entries()
    first = rows[0]
    assert first["category"] == "cs.CV" and first["date"] == "2019-07-09" and first["number"] == 1
    assert first["version"] is None and first["pdf_url"] == "https://arxiv.org/pdf/1907.03739.pdf"
    assert first["source"] == f"{SEED}:2"
    assert first["read"] is False and first["starred"] is False and first["categories"] == ["cs.CV"]


def test_list_plain_is_id_and_display_title():
    proc = run("list", str(SEED))
    lines = proc.stdout.splitlines()
    assert len(lines) == 46
    assert lines[0] == "1907.03739\tPoint-Voxel CNN for Efficient 3D Deep Learning"
    assert "1907.03221\tFC²N: Fully Channel-Concatenated Network for Single Image Super-Resolution" in lines


def test_no_path_means_the_bundled_samples():
    proc = run("list")
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 46


def test_folders_are_searched_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(SEED, tmp_path / "a" / "b" / SEED.name)
    (tmp_path / "a" / "notes.txt").write_text("not a digest")
    proc = run("list", str(tmp_path))
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 46


def test_console_script_is_installed():
    exe = shutil.which("arxiv-reader", path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    assert exe, "arxiv-reader is not on PATH: install the project (pip install -e .)"
    proc = subprocess.run([exe, "list", str(SEED)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 46


def test_check_clean_and_messy_digests(tmp_path):
    proc = run("check", str(SEED))
    assert proc.returncode == 0
    assert proc.stdout.strip() == "no problems in 1 file (46 papers)"
    messy = tmp_path / "messy.md"
    messy.write_text("# ArXiv cs.CV --Tue, 9 Jul 2019\n### 1.No link\n> a\nstray\n\nstray again\n")
    proc = run("check", str(messy))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{messy}:2: paper heading has no link",
        f"{messy}:6: stray text between papers ignored",
        "2 problems in 1 of 1 file (1 papers)",
    ]


def test_files_in_no_known_format_are_skipped_in_folders_with_one_line(tmp_path):
    # Issue 12 / DECISIONS: inside a folder, one summary line on stderr and the exit code unchanged;
    # a folder with nothing else exits 1; a single such FILE is one line, exit 1.
    (tmp_path / "binary.md").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "random.md").write_text("lorem ipsum\n" * 20)
    (tmp_path / "notes.txt").write_text("shopping list\n")
    proc = run("check", str(tmp_path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "3 files skipped: no known format" in proc.stderr
    assert "random.md" not in proc.stdout
    shutil.copy(SEED, tmp_path / SEED.name)
    for command in ("check", "list"):
        proc = run(command, str(tmp_path))
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.strip().splitlines() == ["arxiv-reader: 3 files skipped: no known format"]
    proc = run("list", str(tmp_path / "random.md"))
    assert proc.returncode == 1 and proc.stdout == ""
    expected = f"arxiv-reader: error: {tmp_path / 'random.md'}: not a digest: no known format"
    assert proc.stderr.strip().splitlines() == [expected]


def test_user_errors_are_one_line_and_non_zero(tmp_path):
    assert_one_line_error(run("list", str(tmp_path / "missing.md")))
    assert_one_line_error(run("check", str(tmp_path / "missing")))
    assert_one_line_error(run("list", "--bogus"))
    assert_one_line_error(run("export", "--format", "json", "--query", "a |"))
    assert_one_line_error(run("mark", "read"))
    assert_one_line_error(run("mark", "frobnicate", "1907.03739"))
    assert_one_line_error(run(str(tmp_path / "missing-folder")))


def test_unreadable_directory_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == locked else real_access(p, mode))
    assert cli.main(["list", str(locked)]) == 2
    err = capsys.readouterr().err.strip().split("\n")
    assert err == [f"arxiv-reader: error: cannot read directory {locked}: permission denied"]


def test_mark_and_filter_by_state():
    assert run("mark", "read", "1907.03739", "arXiv:1907.03728v2").returncode == 0
    assert run("mark", "star", "1907.03670").returncode == 0
    rows = [json.loads(x) for x in run("list", "--json", str(SEED)).stdout.splitlines()]
    state = {r["id"]: (r["read"], r["starred"]) for r in rows}
    assert state["1907.03739"] == (True, False)
    assert state["1907.03728"] == (True, False)
    assert state["1907.03670"] == (False, True)
    read = run("list", "--read", str(SEED)).stdout.splitlines()
    assert [line.split("\t")[0] for line in read] == ["1907.03739", "1907.03728"]
    assert len(run("list", "--unread", str(SEED)).stdout.splitlines()) == 44
    assert [x.split("\t")[0] for x in run("list", "--starred", str(SEED)).stdout.splitlines()] == ["1907.03670"]
    assert run("mark", "unread", "1907.03739").returncode == 0
    assert run("mark", "unstar", "1907.03670").returncode == 0
    assert len(run("list", "--unread", str(SEED)).stdout.splitlines()) == 45
    assert run("list", "--starred", str(SEED)).stdout == ""


def test_mark_rejects_invalid_identifiers_with_exit_2():
    proc = run("mark", "read", "1907.03739", "not-an-id")
    assert_one_line_error(proc, 2)
    assert "not-an-id" in proc.stderr
    # Nothing of a rejected command is applied.
    rows = [json.loads(x) for x in run("list", "--json", str(SEED)).stdout.splitlines()]
    assert not any(r["read"] for r in rows)


def test_state_export_and_import_between_machines(tmp_path, monkeypatch):
    assert run("mark", "read", "1907.03739").returncode == 0
    assert run("mark", "star", "1907.03728").returncode == 0
    exported = run("state", "export")
    assert exported.returncode == 0
    events = [json.loads(x) for x in exported.stdout.splitlines()]
    assert {(e["id"], e["field"], e["value"]) for e in events} == {
        ("1907.03739", "read", True), ("1907.03728", "starred", True)}
    dump = tmp_path / "laptop.jsonl"
    dump.write_text(exported.stdout)
    monkeypatch.setenv("ARXIV_READER_DATA_DIR", str(tmp_path / "other-machine"))
    assert run("list", "--read", str(SEED)).stdout == ""
    proc = run("state", "import", str(dump))
    assert proc.returncode == 0, proc.stderr
    assert [x.split("\t")[0] for x in run("list", "--read", str(SEED)).stdout.splitlines()] == ["1907.03739"]
    assert_one_line_error(run("state", "import", str(tmp_path / "missing.jsonl")), 2)


def test_list_query_and_bad_query():
    proc = run("list", "--query", "voxle", str(SEED))
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0].startswith("1907.03739\t")
    assert_one_line_error(run("list", "--query", '"unclosed', str(SEED)), 2)


def test_escape_sequences_in_a_digest_never_reach_the_terminal(tmp_path):
    evil = tmp_path / "evil.md"
    evil.write_text(
        "# ArXiv cs.CV --Tue, 9 Jul 2019\n"
        "### 1.Evil \x1b]52;c;aGk=\x07title \x1b[31mred\x9b2J \u202eabc  "
        "[ :arrow_down: ](https://arxiv.org/pdf/1907.03739.pdf)\n"
        ">  abstract \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ &#27;[2J\n", encoding="utf-8")
    plain = run("list", str(evil)).stdout
    assert plain == "1907.03739\tEvil title red abc\n" or "\x1b" not in plain
    for out in (plain, run("list", "--json", str(evil)).stdout, run("check", str(evil)).stdout):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out), repr(out)


def test_broken_pipe_is_not_a_traceback(tmp_path):
    proc = subprocess.run(f"{sys.executable} -m reader list --json {SEED} | head -1", shell=True,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert len(proc.stdout.splitlines()) == 1
