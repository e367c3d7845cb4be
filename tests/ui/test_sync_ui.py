"""The synced folder in the running app: another machine's marks appear, ours travel out.

The other machine is a second data directory that writes its own ``marks.<id>.log`` into the
shared folder (as `tests/sync_writer.py` does, here in a child process)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from reader.config import Config
from reader.state import StateStore
from reader.sync import SyncFolder
from reader.ui.app import ReaderApp

from .conftest import SAMPLES, list_lines, screen_text, settle, wait_ready

FIRST, SECOND = "1907.03739", "1907.03728"
WRITER = Path(__file__).resolve().parents[1] / "sync_writer.py"


def sync_app(tmp_path: Path, shared: Path) -> ReaderApp:
    store = StateStore(tmp_path / "state")
    store.load()
    config = Config(dwell_seconds=0.0, path=tmp_path / "config.toml", sync_dir=shared)
    return ReaderApp([str(SAMPLES)], store=store, config=config, cache=None, history_file=tmp_path / "history.txt")


async def until(app: ReaderApp, pilot, condition, timeout: float = 60.0) -> None:
    """Wait for `condition()` (a few 2 s rounds of the synced folder at most; no timing asserted)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the synced change never showed"
        await asyncio.sleep(0.1)
    await settle(app, pilot)


def other_machine_marks_read(tmp_path: Path, shared: Path, key: str) -> None:
    """Another machine's reader marks `key` read and copies it to its synced file (a child process)."""
    code = ("import sys; from reader.state import StateStore; from reader.sync import SyncFolder\n"
            "s = StateStore(sys.argv[1]); s.load(); f = SyncFolder(s, sys.argv[2])\n"
            "s.apply([(sys.argv[3], 'read', True)]); f.push_new_local_events(); f.close(); s.close()\n")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "other"), str(shared), key], check=True,
                   cwd=Path(__file__).resolve().parents[2], timeout=60)


async def test_another_machine_marks_a_paper_read_while_the_app_runs(tmp_path):
    shared = tmp_path / "Sync"
    app = sync_app(tmp_path, shared)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        assert list_lines(app)[0].startswith("● ")
        assert "46 unread" in screen_text(app)
        other_machine_marks_read(tmp_path, shared, FIRST)
        await until(app, pilot, lambda: list_lines(app)[0].startswith("  "))
        assert "45 unread" in screen_text(app)


async def test_a_mark_in_the_app_reaches_this_machines_synced_file(tmp_path):
    shared = tmp_path / "Sync"
    app = sync_app(tmp_path, shared)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("j", "s")  # star the second paper
        await settle(app, pilot)
        other = StateStore(tmp_path / "other")
        other.load()
        folder = SyncFolder(other, shared)

        def arrived() -> bool:
            folder.catch_up()
            return other.is_starred(SECOND)

        await until(app, pilot, arrived)
        own = shared / f"marks.{(tmp_path / 'state' / 'sync' / 'host-id').read_text().strip()}.log"
        assert f'"id": "{SECOND}", "field": "starred", "value": true' in own.read_text()
        folder.close()


async def test_both_ways_with_a_concurrent_writer_process(tmp_path):
    """`tests/sync_writer.py` marks papers on the other machine while the user marks here."""
    shared = tmp_path / "Sync"
    app = sync_app(tmp_path, shared)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        proc = subprocess.Popen([sys.executable, str(WRITER), str(tmp_path / "other"), str(shared), "w", "20"],
                                stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
        await pilot.press("m")  # the first paper read here
        await settle(app, pilot)
        await asyncio.to_thread(proc.communicate, timeout=120)
        assert proc.returncode == 0
        other_machine_marks_read(tmp_path, shared, SECOND)
        await until(app, pilot, lambda: list_lines(app)[1].startswith("  "))
        store = app.session.store
        assert isinstance(store, StateStore)
        await until(app, pilot, lambda: all(store.is_read(f"w{i}") for i in range(20)))
        other = StateStore(tmp_path / "other")
        other.load()
        folder = SyncFolder(other, shared)
        folder.catch_up()
        assert other.is_read(FIRST) and other.is_read(SECOND)
        folder.close()
