"""The `file_patterns` config key: which file names in a library folder are digests."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

from reader.config import load_config
from reader.library import DIGEST_PATTERNS, find_digests
from reader.loader import LibraryFiles
from reader.watch import LibraryWatcher

from .test_config_cli import SEED, config_file, run


def _sources(stdout: str) -> set[str]:
    return {json.loads(line)["source"].rsplit(":", 1)[0] for line in stdout.splitlines()}


def _folder(tmp_path: Path) -> Path:
    """A folder holding the same digest as x.digest and as x.md."""
    folder = tmp_path / "lib"
    folder.mkdir()
    shutil.copy(SEED, folder / "x.digest")
    shutil.copy(SEED, folder / "x.md")
    return folder


def test_configured_patterns_choose_the_files_list_reads(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    config_file().write_text('file_patterns = ["*.digest"]\n', encoding="utf-8")
    proc = run("list", "--json", str(folder))
    assert proc.returncode == 0 and proc.stderr == ""
    assert _sources(proc.stdout) == {str(folder / "x.digest")}
    (folder / "y.digest").write_text("not a digest at all\n", encoding="utf-8")
    (folder / "z.md").write_text("not a digest either\n", encoding="utf-8")
    check = run("check", str(folder))  # two files found; z.md is not looked at
    assert check.stdout == "no problems in 1 file (46 papers)\n"
    assert check.stderr == "arxiv-reader: 1 file skipped: no known format\n"
    assert tomllib.loads(run("config", "show").stdout)["file_patterns"] == ["*.digest"]


def test_without_the_key_the_default_patterns(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    proc = run("list", "--json", str(folder))
    assert proc.returncode == 0 and _sources(proc.stdout) == {str(folder / "x.md")}
    shown = run("config", "show").stdout
    assert "file_patterns" not in tomllib.loads(shown)
    default = '["*.md", "*.txt", "*.xml", "*.atom", "*.rss", "*.rdf", "*.eml", "*.mbox"]'
    assert f"# file_patterns = {default} (not set)" in shown
    assert "*.mbox" in DIGEST_PATTERNS  # DECISIONS: the default includes *.mbox


def test_a_bad_value_warns_once_and_uses_the_default(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    for bad in ('"*.digest"', "[]", '[""]', '["*.md", 3]', '["notes/*.md"]', "true"):
        config_file().write_text(f"dwell_seconds = 1\nfile_patterns = {bad}\n", encoding="utf-8")
        proc = run("list", "--json", str(folder))
        assert proc.returncode == 0, bad
        assert proc.stderr.splitlines() == [
            f'{config_file()}:2: file_patterns: must be a list of file name patterns such as ["*.md", "*.txt"];'
            " using the default"], bad
        assert _sources(proc.stdout) == {str(folder / "x.md")}, bad
    check = run("config", "check")
    assert check.returncode == 1 and "file_patterns" in check.stderr


def test_patterns_match_names_case_ignored_and_the_loader_and_watcher_use_them(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    shutil.copy(SEED, folder / "Y.DIGEST")
    (folder / ".hidden.digest").write_text("x", encoding="utf-8")
    config_path = tmp_path / "config.toml"
    config_path.write_text('file_patterns = ["*.digest", "*.digest"]\n', encoding="utf-8")
    config, problems = load_config(config_path)
    assert problems == [] and config.file_patterns == ("*.digest",)
    expected = [folder / "Y.DIGEST", folder / "x.digest"]
    assert find_digests([folder], config.file_patterns)[0] == expected
    assert LibraryFiles([str(folder)], None, config.file_patterns).find() == expected
    watcher = LibraryWatcher([folder], on_changed=lambda _: None, on_deleted=lambda _: None,
                             patterns=config.file_patterns)
    assert sorted(watcher.scan()) == sorted(expected)
    # A file named explicitly is read whatever its name.
    assert find_digests([folder / "x.md"], config.file_patterns)[0] == [folder / "x.md"]
