"""The library watcher: new, changed and deleted digests, seen by calling poll() directly."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from reader.watch import LibraryWatcher

SEED = Path(__file__).resolve().parent.parent / "sample_digests" / "arxiv-cs.CV-2019-07-09.md"


class Recorder:
    def __init__(self) -> None:
        self.changed: list[list[Path]] = []
        self.deleted: list[list[Path]] = []

    def watcher(self, *paths: Path) -> LibraryWatcher:
        return LibraryWatcher(paths, self.changed.append, self.deleted.append)


def test_nothing_to_report_after_start(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path)
    rec = Recorder()
    w = rec.watcher(tmp_path)
    assert w.poll() == ([], [])
    assert rec.changed == rec.deleted == []


def test_new_file_is_reported_once(tmp_path: Path) -> None:
    rec = Recorder()
    w = rec.watcher(tmp_path)
    (tmp_path / "sub").mkdir()
    target = tmp_path / "sub" / "arxiv-cs.CV-2019-07-10.md"
    shutil.copy(SEED, target)
    (tmp_path / "notes.pdf").write_text("not a digest")
    (tmp_path / ".hidden.md").write_text("# ArXiv cs.CV --Tue, 9 Jul 2019\n")
    assert w.poll() == ([target.resolve()], [])
    assert rec.changed == [[target.resolve()]]
    assert w.poll() == ([], [])


def test_changed_file_by_size_mtime_or_replacement(tmp_path: Path) -> None:
    f = tmp_path / "arxiv-cs.CV-2019-07-09.md"
    shutil.copy(SEED, f)
    rec = Recorder()
    w = rec.watcher(tmp_path)
    with open(f, "a", encoding="utf-8") as fh:
        fh.write("\n")
    assert w.poll()[0] == [f.resolve()]
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # same size, new mtime
    assert w.poll()[0] == [f.resolve()]
    replacement = tmp_path / "tmp.part"
    replacement.write_bytes(f.read_bytes())
    os.replace(replacement, f)  # an atomic rewrite: new inode
    assert w.poll()[0] == [f.resolve()]
    assert len(rec.changed) == 3 and rec.deleted == []


def test_deleted_file(tmp_path: Path) -> None:
    f = tmp_path / "arxiv-cs.CV-2019-07-09.md"
    shutil.copy(SEED, f)
    rec = Recorder()
    w = rec.watcher(tmp_path)
    f.unlink()
    assert w.poll() == ([], [f.resolve()])
    assert rec.deleted == [[f.resolve()]] and rec.changed == []


def test_library_folder_removed_and_back(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    f = lib / "arxiv-cs.CV-2019-07-09.md"
    shutil.copy(SEED, f)
    rec = Recorder()
    w = rec.watcher(lib)
    shutil.rmtree(lib)
    assert w.poll() == ([], [f.resolve()])
    lib.mkdir()
    shutil.copy(SEED, f)
    assert w.poll() == ([f.resolve()], [])


def test_single_file_path(tmp_path: Path) -> None:
    f = tmp_path / "digest.md"
    shutil.copy(SEED, f)
    rec = Recorder()
    w = rec.watcher(f)
    f.write_text("# ArXiv cs.CV --Tue, 9 Jul 2019\n", encoding="utf-8")
    assert w.poll() == ([f.resolve()], [])


def test_thread_polls_and_stops(tmp_path: Path) -> None:
    seen = threading.Event()
    w = LibraryWatcher([tmp_path], lambda paths: seen.set(), lambda paths: None, interval=0.01)
    w.start()
    try:
        shutil.copy(SEED, tmp_path / "a.md")
        assert seen.wait(30)  # a generous bound, not a timing assertion
    finally:
        w.stop()
    assert w._thread is None


def test_thread_survives_a_failing_callback(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    calls = threading.Event()

    def boom(paths: list[Path]) -> None:
        calls.set()
        raise RuntimeError("callback failed")

    w = LibraryWatcher([tmp_path], boom, lambda paths: None, interval=0.01, on_error=errors.append)
    w.start()
    try:
        shutil.copy(SEED, tmp_path / "a.md")
        assert calls.wait(30)
    finally:
        w.stop()
    assert errors and isinstance(errors[0], RuntimeError)
