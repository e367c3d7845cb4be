"""Saving a query never loses what is in config.toml (issue 14, defect 2)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from reader.config import Config, ConfigSaveError, load_config, save_config, save_queries

SAMPLES = Path(__file__).resolve().parents[1] / "sample_digests"

KEPT = """\
# my reader settings
dwell_seconds = 5.0   # I read slowly

[queries]             # saved filters
# the one I use every morning
1 = "cat:cs.CV is:unread"

[keys]
"app.toggle_read" = "m,x"   # x as in mutt
"""


def test_saving_a_query_keeps_the_rest_of_the_file_and_its_comments(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(KEPT)
    config, warnings = load_config(path)
    assert warnings == []
    config.queries[2] = 'ti:"point cloud" | abs:lidar'
    save_config(config)
    text = path.read_text()
    # Everything that was there is still there, in the same order, comments included...
    assert text.startswith(KEPT.split("[keys]")[0].rstrip("\n"))
    for line in KEPT.splitlines():
        assert line in text.splitlines()
    # ...and the new query reads back exactly.
    data = tomllib.loads(text)
    assert data["queries"] == {"1": "cat:cs.CV is:unread", "2": 'ti:"point cloud" | abs:lidar'}
    assert data["dwell_seconds"] == 5.0 and data["keys"] == {"app.toggle_read": "m,x"}
    reloaded, warnings = load_config(path)
    assert warnings == [] and reloaded.queries == {1: "cat:cs.CV is:unread", 2: 'ti:"point cloud" | abs:lidar'}
    assert reloaded.dwell_seconds == 5.0


def test_saving_writes_only_the_new_query_not_ones_edited_by_hand_meanwhile(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(KEPT)
    config, _ = load_config(path)
    # While the app runs, the user edits query 1 and adds a comment.
    path.write_text(KEPT.replace('1 = "cat:cs.CV is:unread"', '1 = "cat:cs.LG"  # changed my mind'))
    config.queries[2] = "ti:gan"
    save_config(config)
    data = tomllib.loads(path.read_text())
    assert data["queries"] == {"1": "cat:cs.LG", "2": "ti:gan"}
    assert "# changed my mind" in path.read_text()


def test_a_file_with_a_syntax_error_is_never_rewritten(tmp_path):
    path = tmp_path / "config.toml"
    broken = KEPT.replace("dwell_seconds = 5.0", "dwell_seconds = = 5.0")
    path.write_text(broken)
    config, warnings = load_config(path)
    assert len(warnings) == 1 and "using the defaults" in warnings[0]  # the app runs on the defaults
    config.queries[2] = "ti:gan"
    with pytest.raises(ConfigSaveError) as caught:
        save_config(config)
    assert path.read_text() == broken
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "line 2" in message
    # Callers that report a failed write (OSError) report this too.
    assert isinstance(caught.value, OSError)


def test_a_file_that_is_not_utf8_is_never_rewritten(tmp_path):
    path = tmp_path / "config.toml"
    data = b"# caf\xe9\ndwell_seconds = 3\n"
    path.write_bytes(data)
    with pytest.raises(ConfigSaveError, match="UTF-8"):
        save_queries(path, {1: "ti:gan"})
    assert path.read_bytes() == data


def test_queries_that_is_not_a_table_is_never_rewritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('queries = "oops"\ndwell_seconds = 1\n')
    with pytest.raises(ConfigSaveError, match="not a table"):
        save_queries(path, {1: "ti:gan"})
    assert path.read_text() == 'queries = "oops"\ndwell_seconds = 1\n'


def test_entries_the_loader_ignored_are_kept(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[queries]\n1 = 42\n10 = "slot ten"\n')
    config, warnings = load_config(path)
    assert len(warnings) == 2 and config.queries == {}
    config.queries[2] = "ti:gan"
    save_config(config)
    assert tomllib.loads(path.read_text())["queries"] == {"1": 42, "10": "slot ten", "2": "ti:gan"}


def test_a_missing_file_is_created_with_the_query(tmp_path):
    path = tmp_path / "sub" / "config.toml"
    config = Config(path=path, queries={1: 'say "hi"\\ \u00e9'})
    save_config(config)
    reloaded, warnings = load_config(path)
    assert warnings == [] and reloaded.queries == {1: 'say "hi"\\ \u00e9'}
    assert not list(path.parent.glob("*.tmp"))


def test_a_table_without_the_queries_section_gets_one(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("# only this\ndwell_seconds = 0\n")
    save_queries(path, {3: "is:starred"})
    text = path.read_text()
    assert text.startswith("# only this\ndwell_seconds = 0\n")
    assert tomllib.loads(text) == {"dwell_seconds": 0, "queries": {"3": "is:starred"}}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_a_symlinked_config_stays_a_symlink(tmp_path):
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text("dwell_seconds = 1\n")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    save_queries(link, {1: "ti:gan"})
    assert link.is_symlink()
    assert tomllib.loads(real.read_text())["queries"] == {"1": "ti:gan"}


def test_a_private_config_stays_private(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("dwell_seconds = 1\n")
    path.chmod(0o600)
    save_queries(path, {1: "ti:gan"})
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_history_is_still_importable_from_the_config_module():
    import reader.config
    import reader.history

    assert reader.config.load_history is reader.history.load_history
    assert reader.config.save_history is reader.history.save_history


# -- through the app: ctrl+s with a broken file ---------------------------------------------


async def _save_filter_in_app(tmp_path: Path, config_path: Path, query: str) -> None:
    from reader.state import StateStore
    from reader.ui.app import ReaderApp

    store = StateStore(tmp_path / "state")
    store.load()
    config, _ = load_config(config_path)
    app = ReaderApp([str(SAMPLES)], store=store, config=config, cache=None,
                    history_file=tmp_path / "history.txt")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash", *query, "ctrl+s")
        await pilot.pause()


async def test_ctrl_s_in_the_app_leaves_a_broken_config_alone(tmp_path):
    path = tmp_path / "config.toml"
    broken = KEPT + "[oops\n"
    path.write_text(broken)
    await _save_filter_in_app(tmp_path, path, "ti:gan")
    assert path.read_text() == broken


async def test_ctrl_s_in_the_app_adds_the_query_and_keeps_the_comments(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(KEPT)
    await _save_filter_in_app(tmp_path, path, "ti:gan")
    text = path.read_text()
    assert all(line in text.splitlines() for line in KEPT.splitlines())
    assert tomllib.loads(text)["queries"] == {"1": "cat:cs.CV is:unread", "2": "ti:gan"}
