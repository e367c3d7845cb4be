"""The synced folder while the app runs (reader/sync_live.py), without the app."""

from __future__ import annotations

import threading
from pathlib import Path

from reader.state import StateStore
from reader.sync import SyncFolder
from reader.sync_live import SyncWatcher


def loaded(path: Path) -> StateStore:
    store = StateStore(path)
    store.load()
    return store


def test_rounds_merge_the_others_and_push_ours(tmp_path):
    shared = tmp_path / "Sync"
    other = loaded(tmp_path / "other")
    folder = SyncFolder(other, shared)
    other.apply([("2401.00001", "read", True)])
    folder.push_new_local_events()
    mine = loaded(tmp_path / "mine")
    watcher = SyncWatcher(mine, shared, lambda keys: None, lambda message: None)
    assert set(watcher.round()) == {"2401.00001"}
    assert mine.is_read("2401.00001")
    assert not watcher.round()  # nothing new
    mine.apply([("2401.00002", "starred", True)])
    watcher.stop()  # at quit: the last mark is pushed
    folder.catch_up()
    assert other.is_starred("2401.00002")
    assert not other.is_starred("2401.00001")


def test_the_thread_reports_changes_and_wakes_on_a_mark(tmp_path):
    shared = tmp_path / "Sync"
    mine = loaded(tmp_path / "mine")
    seen: list[set[str]] = []
    changed = threading.Event()

    def on_changed(keys):
        seen.append(set(keys))
        changed.set()

    watcher = SyncWatcher(mine, shared, on_changed, lambda message: None, interval=3600)
    watcher.start()
    other = loaded(tmp_path / "other")
    folder = SyncFolder(other, shared)
    other.apply([("2401.00003", "read", True)])
    folder.push_new_local_events()
    watcher.wake()  # (the interval is an hour: only the wake-up makes it look)
    assert changed.wait(60)
    assert seen[-1] == {"2401.00003"}
    watcher.stop()


def test_an_unusable_folder_is_said_once_and_marks_still_work(tmp_path):
    blocker = tmp_path / "Sync"
    blocker.write_text("a file, not a folder")
    mine = loaded(tmp_path / "mine")
    problems: list[str] = []
    watcher = SyncWatcher(mine, blocker, lambda keys: None, problems.append)
    for _ in range(3):
        watcher.round()
        mine.apply([("2401.00004", "read", True)])
    assert len(problems) == 1 and problems[0].startswith("sync: ")
    assert mine.is_read("2401.00004")
    watcher.stop()
