"""Config problems (issue 14): wrong remaps and saved queries are told at load, once, with file
and line, and the defaults stay for what was wrong."""

from __future__ import annotations

from pathlib import Path

from reader.config import load_config
from reader.config_check import query_problems
from reader.ui.keycheck import check_keys, key_name_ok

from .test_config_cli import config_file, run

BAD = """dwell_seconds = 1.0

[queries]
1 = "foo:bar"
2 = 'ti:"abc'
3 = "cat:cs.CV is:unread"

[keys]
"app.toggle_red" = "r"
"app.toggle_star" = "notakey!!"
"app.quit" = "j"
"app.toggle_read" = "m,x"
"""


def write(path: Path, text: str = BAD) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_each_problem_has_file_line_and_key(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml")
    config, warnings = load_config(path)
    assert warnings == []
    assert query_problems(config) == [
        f'{path}:4: queries.1: unknown field "foo:" at column 1 '
        "(fields: ti: abs: cat: id: date: is: au: co: tag: note: watch:)",
        f"{path}:5: queries.2: unclosed quote at column 4",
    ]
    keymap, problems = check_keys(config)
    assert keymap == {"app.toggle_read": "m,x"}  # the valid remap is kept, the rest refused
    assert [p.split(": ")[0:2] for p in problems] == [
        [f"{path}:9", "keys.app.toggle_red"], [f"{path}:10", "keys.app.toggle_star"], [f"{path}:11", "keys.app.quit"]]
    assert "unknown binding id" in problems[0]
    assert "'notakey!!' is not a key name" in problems[1]
    assert "'j' is already" in problems[2] and "keeping the default" in problems[2]


def test_key_names() -> None:
    for ok in ("j", "J", "ctrl+s", "question_mark", "f5", "shift+tab", "escape", "enter", "space", "pagedown"):
        assert key_name_ok(ok), ok
    for bad in ("notakey!!", "ctrl+", "foo+x", "", "hyper+notakey", "two words"):
        assert not key_name_ok(bad), bad


def test_remapping_to_a_free_key_and_swapping_keys_are_no_conflict(tmp_path: Path) -> None:
    # j freed in every context where it is a key (the list, the pane, the navigator, History), then taken
    remaps = {"app.quit": "Q", "list.down": "J", "pane.down": "J", "navigator.down": "J", "history.down": "J",
              "app.undo": "j"}
    path = write(tmp_path / "config.toml", "[keys]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in remaps.items()))
    keymap, problems = check_keys(load_config(path)[0])
    assert problems == [] and keymap == remaps


def test_config_check_lists_them_and_exits_1() -> None:
    path = write(config_file())
    proc = run("config", "check")
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 5 and all(line.startswith(f"{path}:") for line in lines)
    assert [line.split(": ")[1] for line in lines] == [
        "queries.1", "queries.2", "keys.app.toggle_red", "keys.app.toggle_star", "keys.app.quit"]
    other = run("list", "--help")  # any command: the problems on stderr, once each
    assert other.returncode == 0 or "usage" in other.stdout
    listed = run("list")
    assert listed.stderr.count("keys.app.quit") == 1 and listed.returncode == 0


def test_a_clean_config_checks_clean() -> None:
    write(config_file(), '[queries]\n1 = "ti:GAN | abs:diffusion"\n[keys]\n"app.toggle_read" = "m,x"\n')
    proc = run("config", "check")
    assert proc.returncode == 0 and proc.stderr == ""
