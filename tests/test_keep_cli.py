"""`arxiv-reader tag`, `untag`, `note`, `journal`, and tags and notes in `list`, `export` and
`state import`, run as a user would run them."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader import cli
from reader.state import Event, StateStore, default_state_dir, valid_tag

from .test_cli import SEED, assert_one_line_error, run

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def listed(*args: str) -> dict[str, dict]:
    proc = run("list", "--json", *args, str(SEED))
    assert proc.returncode == 0, proc.stderr
    return {r["id"]: r for r in map(json.loads, proc.stdout.splitlines())}


def nothing_written() -> bool:
    return not (default_state_dir() / "marks.log").exists()


def test_tag_untag_and_note_show_in_list_json():
    assert run("tag", "1907.03739v2", "ml", "3d", "to-read").returncode == 0
    assert run("untag", "arXiv:1907.03739", "to-read").returncode == 0
    assert run("note", "1907.03728", "read section 3\nthen the appendix").returncode == 0
    rows = listed()
    assert rows["1907.03739"]["tags"] == ["3d", "ml"] and rows["1907.03739"]["note"] is None
    assert rows["1907.03728"]["tags"] == [] and rows["1907.03728"]["note"] == "read section 3\nthen the appendix"
    assert run("note", "1907.03728", "").returncode == 0
    assert listed()["1907.03728"]["note"] is None


def test_note_from_standard_input_and_any_well_formed_identifier():
    proc = run("note", "2401.99999", "-", stdin="from stdin\nsecond line\n")
    assert proc.returncode == 0, proc.stderr
    assert StateStore().note("2401.99999") == "from stdin\nsecond line"


@pytest.mark.parametrize("args", [
    ("tag", "1907.03739", "two words"),
    ("tag", "1907.03739", "ok", "bell\x07"),
    ("tag", "1907.03739", "x" * 65),
    ("tag", "not-an-id", "ok"),
    ("untag", "1907.03739", "tab\tbed"),
    ("note", "1907.0373", "text"),
    ("note", "1907.03739", "x" * (64 * 1024 + 1)),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(args):
    assert_one_line_error(run(*args), 2)
    assert nothing_written()


def test_a_note_over_64_kb_on_standard_input_is_refused():
    assert_one_line_error(run("note", "1907.03739", "-", stdin="é" * (33 * 1024)), 2)
    assert nothing_written()


def test_journal_markdown_and_json(tmp_path):
    store = StateStore()
    store.apply([("1907.03739", "read", True)])
    store.set_tag("1907.03739", "ml")
    store.set_note("2401.99999", "first line\nsecond line")
    old = dt.datetime(2025, 1, 15, 12, tzinfo=dt.UTC).timestamp()
    store.merge([Event("1907.03728", "starred", True, old)])
    store.close()
    md = run("journal", str(SEED))
    assert md.returncode == 0, md.stderr
    lines = md.stdout.splitlines()
    today = dt.date.today().isoformat()
    assert lines[0] == f"## {today}" and "## 2025-01-15" in lines
    assert any(re.fullmatch(r"- \d\d:\d\d tagged ml: 1907\.03739 Point-Voxel CNN.*", x) for x in lines)
    assert any(re.fullmatch(r"- \d\d:\d\d noted: 2401\.99999", x) for x in lines)  # not in the library: its key
    assert "  > first line" in lines and "  > second line" in lines
    assert any(re.fullmatch(r"- \d\d:\d\d starred: 1907\.03728 .+", x) for x in lines)
    js = run("journal", "--format", "json", "--since", "7d", str(SEED))
    assert js.returncode == 0, js.stderr
    records = [json.loads(x) for x in js.stdout.splitlines()]
    assert [(r["id"], r["field"], r["tag"], r["value"]) for r in records] == [
        ("2401.99999", "note", None, "first line\nsecond line"), ("1907.03739", "tag", "ml", True),
        ("1907.03739", "read", None, True)]
    assert records[1]["title"].startswith("Point-Voxel CNN") and records[0]["title"] is None
    assert all(set(r) == {"time", "date", "id", "title", "field", "tag", "value"} for r in records)
    since = run("journal", "--format", "json", "--since", "2025-01-15", str(SEED))
    assert len(since.stdout.splitlines()) == 4
    assert run("journal", "--since", "2025-01-16", "--format", "json", str(SEED)).stdout.count("\n") == 3


@pytest.mark.parametrize("since", ["yesterday", "7", "2026-13-01", "-3d"])
def test_journal_bad_since_is_exit_2(since):
    assert_one_line_error(run("journal", "--since", since, str(SEED)), 2)


def test_state_import_refuses_what_is_not_a_marks_export(tmp_path):
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 40)
    for path in (SEED, binary):
        assert_one_line_error(run("state", "import", str(path)), 2)
    assert nothing_written()


def test_state_import_of_a_damaged_export_imports_its_valid_lines(tmp_path):
    dump = tmp_path / "damaged.jsonl"
    good = [{"id": "1907.03739", "field": "tag:ml", "value": True, "time": 1.7e9},
            {"id": "1907.03739", "field": "note", "value": "kept", "time": 1.7e9}]
    dump.write_text(json.dumps(good[0]) + "\n{broken\n" + json.dumps(good[1]) + "\n"
                    + json.dumps({"id": "x", "field": "tag:has space", "value": True, "time": 1.0}) + "\n")
    proc = run("state", "import", str(dump))
    assert proc.returncode == 1
    assert proc.stderr.count("warning") == 2 and "Traceback" not in proc.stderr
    row = listed()["1907.03739"]
    assert row["tags"] == ["ml"] and row["note"] == "kept"


def test_state_export_and_import_carry_tags_notes_and_earlier_versions(tmp_path, monkeypatch):
    assert run("note", "1907.03739", "first").returncode == 0
    time.sleep(0.01)
    assert run("note", "1907.03739", "second").returncode == 0
    assert run("tag", "1907.03739", "ml").returncode == 0
    dump = tmp_path / "dump.jsonl"
    dump.write_text(run("state", "export").stdout)
    monkeypatch.setenv("ARXIV_READER_DATA_DIR", str(tmp_path / "other"))
    proc = run("state", "import", str(dump))
    assert proc.returncode == 0, proc.stderr
    row = listed()["1907.03739"]
    assert row["tags"] == ["ml"] and row["note"] == "second"
    assert [v.value for v in StateStore(tmp_path / "other").note_versions("1907.03739")] == ["second", "first"]


def test_export_formats_carry_tags_and_notes():
    assert run("tag", "1907.03739", "ml", "3d").returncode == 0
    assert run("note", "1907.03739", "line one\nline two").returncode == 0
    bib = run("export", "-f", "bibtex", "-q", "ti:point-voxel", str(SEED))
    assert "  keywords = {3d, ml}," in bib.stdout and "  note = {line one line two}" in bib.stdout
    md = run("export", "-f", "markdown", "-q", "ti:point-voxel", str(SEED)).stdout.splitlines()
    assert md[2:5] == ["**Tags:** 3d, ml", "**Note:** line one", "  line two"]
    js = json.loads(run("export", "-f", "json", "-q", "ti:point-voxel", str(SEED)).stdout.splitlines()[0])
    assert js["tags"] == ["3d", "ml"] and js["note"] == "line one\nline two"


# -- untrusted text never reaches the terminal --------------------------------------------------

_NASTY = st.lists(st.sampled_from(
    ["a", "é", " ", "\n", "\t", "\x1b", "[", "]", "\x07", "\x9b", "\x90", "\u202e", "\u2066", "\x00", "\x7f",
     "\u2028", ";", "8", "2J", "\r", "\x08", "\\", '"', "{", "}", "\x1b]52;c;aGk=\x07", "\x1b[31m"]),
    max_size=30).map("".join)
_TAGS = st.text(min_size=1, max_size=12).filter(lambda t: valid_tag(t) is None)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(note=_NASTY, tag=_TAGS)
def test_tags_and_notes_never_print_control_characters(capsys, note, tag):
    store = StateStore()
    store.set_tag("1907.03739", tag)
    store.set_note("1907.03739", note)
    store.close()
    for argv in (["list", "--json", str(SEED)], ["journal", str(SEED)], ["journal", "-f", "json", str(SEED)],
                 ["export", "-f", "markdown", str(SEED)], ["export", "-f", "bibtex", str(SEED)]):
        assert cli.main(argv) == 0
        out = capsys.readouterr().out
        assert not UNSAFE.search(out), (argv, out[:200])
        if argv[-2:] == ["json", str(SEED)] or "--json" in argv:
            assert all(json.loads(line) is not None for line in out.splitlines())


def test_the_note_command_reads_at_most_a_little_over_64_kb(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (10 * 1024 * 1024))
    with big.open("rb") as fh:
        proc = __import__("subprocess").run(
            [__import__("sys").executable, "-m", "reader", "note", "1907.03739", "-"], stdin=fh,
            capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert_one_line_error(proc, 2)
    assert nothing_written()


def test_unread_on_update_config_key(tmp_path):
    from reader.config import load_config, show_config

    path = tmp_path / "c.toml"
    path.write_text("unread_on_update = true\n")
    config, problems = load_config(path)
    assert problems == [] and config.unread_on_update is True
    assert "unread_on_update = true" in show_config(config)
    path.write_text('unread_on_update = "yes"\n')
    config, problems = load_config(path)
    assert config.unread_on_update is False and len(problems) == 1 and "unread_on_update" in problems[0]
    assert "# unread_on_update = false" in show_config(load_config(tmp_path / "none.toml")[0])


def test_paths_are_not_confused_with_the_store(tmp_path: Path):
    # journal on an empty store prints nothing and succeeds
    proc = run("journal", str(SEED))
    assert proc.returncode == 0 and proc.stdout == ""
