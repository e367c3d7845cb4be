"""Marks shared through a synced folder (reader/sync.py): two or more data directories that see
one folder (or copies of it made by a sync tool, late, out of order, torn or in conflict)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reader.sync as sync_mod
from reader.cli import main
from reader.state import Event, StateStore
from reader.sync import SyncError, SyncFolder

WRITER = Path(__file__).with_name("sync_writer.py")


def state_of(store: StateStore) -> set[Event]:
    store.refresh()
    return set(store.events())


def machine(root: Path, name: str, sync_dir: Path) -> tuple[StateStore, SyncFolder]:
    store = StateStore(root / name)
    store.load()
    return store, SyncFolder(store, sync_dir)


def settle(*folders: SyncFolder) -> None:
    """What the app's timer does, twice round: push our events, merge the others'."""
    for _ in range(2):
        for f in folders:
            f.push_new_local_events()
        for f in folders:
            f.catch_up()


def own_file(folder: SyncFolder) -> Path:
    return folder.sync_dir / f"marks.{folder.host_id}.log"


# -- the two-machine round trip ---------------------------------------------------------------


def test_every_kind_of_mark_travels_both_ways(tmp_path):
    shared = tmp_path / "Sync"
    a, fa = machine(tmp_path, "a", shared)
    b, fb = machine(tmp_path, "b", shared)
    a.apply([("2401.00001", "read", True), ("2401.00002", "starred", True)])
    a.set_tag("2401.00001", ["to-read", "ml"])
    a.set_note("2401.00002", "ünïcode note\nsecond line")
    b.apply([("2401.00003", "read", True)])
    b.set_tag("2401.00003", "x")
    settle(fa, fb)
    assert b.is_read("2401.00001") and b.is_starred("2401.00002")
    assert b.tags("2401.00001") == ("ml", "to-read")
    assert b.note("2401.00002") == "ünïcode note\nsecond line"
    assert a.is_read("2401.00003") and a.tags("2401.00003") == ("x",)
    assert state_of(a) == state_of(b)
    # unmarking travels too, and the later change wins on both machines
    b.apply([("2401.00001", "read", False)])
    b.remove_tag("2401.00001", "ml")
    settle(fa, fb)
    assert not a.is_read("2401.00001") and a.tags("2401.00001") == ("to-read",)
    assert state_of(a) == state_of(b)


def test_own_file_holds_only_own_events_with_a_readable_header(tmp_path):
    shared = tmp_path / "Sync"
    a, fa = machine(tmp_path, "a", shared)
    b, fb = machine(tmp_path, "b", shared)
    a.apply([("k-a", "read", True)])
    b.apply([("k-b", "read", True)])
    settle(fa, fb)
    lines = own_file(fa).read_text().splitlines()
    header = json.loads(lines[0])
    assert header["host_id"] == fa.host_id and header["kind"] == "sync" and header["host"]
    assert [json.loads(x)["id"] for x in lines[1:]] == ["k-a"]  # b's mark is not echoed back
    assert fa.host_id != fb.host_id
    # the id is made once per data directory
    assert SyncFolder(a, shared).host_id == fa.host_id


def test_first_push_shares_marks_made_before_sync_was_turned_on(tmp_path):
    a = StateStore(tmp_path / "a")
    a.load()
    a.apply([("old", "starred", True)])
    a.set_note("old", "kept")
    a.compact()  # in the snapshot and history, not the live log
    fa = SyncFolder(a, tmp_path / "Sync")
    b, fb = machine(tmp_path, "b", tmp_path / "Sync")
    settle(fa, fb)
    assert b.is_starred("old") and b.note("old") == "kept"


def test_concurrent_writer_processes_on_two_machines(tmp_path):
    shared = tmp_path / "Sync"
    procs = []
    for data, prefix, extra in (("a", "a1-", ["--compact-every", "40"]), ("a", "a2-", []),
                                ("b", "b1-", []), ("b", "b2-", ["--compact-every", "25"])):
        out = (tmp_path / f"{prefix}out").open("w")
        procs.append((subprocess.Popen([sys.executable, str(WRITER), str(tmp_path / data), str(shared), prefix,
                                        "120", *extra], stdout=out, stderr=subprocess.PIPE), prefix))
    for p, _prefix in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    a, fa = machine(tmp_path, "a", shared)
    b, fb = machine(tmp_path, "b", shared)
    settle(fa, fb)
    acked = [line.split()[1] for _, prefix in procs for line in (tmp_path / f"{prefix}out").read_text().splitlines()]
    assert len(acked) == 480
    for key in acked:
        assert a.is_read(key) and b.is_read(key), key
    assert b.note("a1-0") == "note of a1-0 ✓" and a.tags("b2-4") == ("t",)
    assert state_of(a) == state_of(b)
    # each machine's file holds each of its own marks (no mark lost on the way out)
    for folder, prefixes in ((fa, ("a1-", "a2-")), (fb, ("b1-", "b2-"))):
        ids = {json.loads(x)["id"] for x in own_file(folder).read_text().splitlines()[1:]}
        assert {k for k in acked if k.startswith(prefixes)} <= ids


# -- what sync tools do to files ---------------------------------------------------------------


def test_late_out_of_order_and_torn_files(tmp_path):
    """a and c write into their own copies of the folder; b's copy is filled by hand, as a
    sync tool would, so the test decides what arrives when."""
    a, fa = machine(tmp_path, "a", tmp_path / "sync-a")
    c, fc = machine(tmp_path, "c", tmp_path / "sync-c")
    b, fb = machine(tmp_path, "b", tmp_path / "sync-b")
    fb.sync_dir.mkdir()
    a.apply([("p", "read", True)])
    c.apply([("p", "read", False)])  # later: wins everywhere, whatever order the files come in
    a.set_note("q", "from a")
    fa.push_new_local_events()
    fc.push_new_local_events()
    ca, cc = own_file(fa).read_bytes(), own_file(fc).read_bytes()
    # c's file arrives first, cut mid-line
    cut = cc.rindex(b"\n", 0, len(cc) - 1) + 5
    (fb.sync_dir / own_file(fc).name).write_bytes(cc[:cut])
    fb.poll()
    assert not b.is_read("p")  # the complete lines are merged, the torn one waits
    (fb.sync_dir / own_file(fc).name).write_bytes(cc)  # the rest arrives (same file grows)
    fb.poll()
    (fb.sync_dir / own_file(fa).name).write_bytes(ca)  # a's file arrives late, with an older mark
    fb.poll()
    assert not b.is_read("p") and b.note("q") == "from a"
    # and in the other order, on a fresh machine: the same state
    d, fd = machine(tmp_path, "d", tmp_path / "sync-d")
    fd.sync_dir.mkdir()
    (fd.sync_dir / own_file(fa).name).write_bytes(ca)
    fd.poll()
    (fd.sync_dir / own_file(fc).name).write_bytes(cc)
    fd.poll()
    assert state_of(d) == state_of(b)


def test_conflict_copies_are_merged_and_kept(tmp_path):
    a, fa = machine(tmp_path, "a", tmp_path / "sync-a")
    a.apply([("k1", "read", True)])
    fa.push_new_local_events()
    first = own_file(fa).read_bytes()
    a.apply([("k2", "starred", True)])
    fa.push_new_local_events()
    b, fb = machine(tmp_path, "b", tmp_path / "sync-b")
    fb.sync_dir.mkdir()
    name = own_file(fa).name
    stem = name.removesuffix(".log")
    # the sync tool kept one version as the file and the other as conflict copies
    (fb.sync_dir / name).write_bytes(first)
    c_lines = first + b'{"id": "k3", "field": "tag:c", "value": true, "time": 1700000000.5}\n'
    copies = [f"{stem}.sync-conflict-20261206-101010-ABCDEFG.log", f"{stem} (conflicted copy 2026-12-06).log",
              f"{stem}.conflict-1.log"]
    (fb.sync_dir / copies[0]).write_bytes(own_file(fa).read_bytes())
    (fb.sync_dir / copies[1]).write_bytes(c_lines)
    (fb.sync_dir / copies[2]).write_bytes(b'{"id": "k4", "field": "note", "value": "n", "time": 1700000001.0}\n')
    fb.catch_up()
    assert b.is_read("k1") and b.is_starred("k2") and b.tags("k3") == ("c",) and b.note("k4") == "n"
    assert sorted(os.listdir(fb.sync_dir)) == sorted([name, *copies])  # nothing dropped or deleted


def test_a_file_that_shrank_or_was_replaced_is_read_again(tmp_path):
    b, fb = machine(tmp_path, "b", tmp_path / "sync-b")
    fb.sync_dir.mkdir()
    path = fb.sync_dir / "marks.00000000000000aa.log"
    lines = [json.dumps({"id": f"k{i}", "field": "read", "value": True, "time": 1700000000.0 + i}) + "\n"
             for i in range(5)]
    path.write_text("".join(lines))
    fb.poll()
    assert all(b.is_read(f"k{i}") for i in range(5))
    # replaced (a new inode) by a shorter file that holds a newer change
    tmp = path.with_name("new")
    tmp.write_text(json.dumps({"id": "k9", "field": "starred", "value": True, "time": 1700000100.0}) + "\n")
    os.replace(tmp, path)
    fb.poll()
    assert b.is_starred("k9")
    # shrunk in place, then rewritten with the same length and other content
    with path.open("r+") as fh:
        fh.truncate(0)
    fb.poll()
    new = json.dumps({"id": "k8", "field": "starred", "value": True, "time": 1700000200.0}) + "\n"
    with path.open("r+") as fh:
        fh.write(new)
    fb.poll()
    assert b.is_starred("k8")
    status = {s.name: s for s in fb.status()}
    assert status[path.name].merged == status[path.name].size == len(new)


def test_own_file_rotates_past_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(sync_mod, "ROTATE_BYTES", 400)
    a, fa = machine(tmp_path, "a", tmp_path / "Sync")
    b, fb = machine(tmp_path, "b", tmp_path / "Sync")
    for i in range(12):
        a.apply([(f"k{i}", "read", True)])
        fa.push_new_local_events()
    names = sorted(n for n in os.listdir(fa.sync_dir) if n.startswith(f"marks.{fa.host_id}"))
    assert len(names) >= 3 and f"marks.{fa.host_id}.2.log" in names
    assert all(os.path.getsize(fa.sync_dir / n) <= 400 for n in names)
    fb.catch_up()
    assert all(b.is_read(f"k{i}") for i in range(12))


def test_a_failed_synced_write_never_loses_a_mark(tmp_path):
    blocked = tmp_path / "Sync"
    blocked.write_text("not a folder")  # every write to the synced folder fails
    a, fa = machine(tmp_path, "a", blocked)
    a.apply([("k1", "read", True)])
    with pytest.raises(SyncError):
        fa.push_new_local_events()
    assert a.is_read("k1")  # the local mark is there
    a.apply([("k2", "starred", True)])
    a.compact()  # and the live log is replaced before the folder works again
    a.apply([("k3", "read", True)])
    with pytest.raises(SyncError):
        fa.push_new_local_events()
    blocked.unlink()
    fa2 = SyncFolder(a, blocked)  # a later process catches up from the history
    fa2.push_new_local_events()
    b, fb = machine(tmp_path, "b", blocked)
    fb.catch_up()
    assert b.is_read("k1") and b.is_starred("k2") and b.is_read("k3")


def test_compaction_followed_by_the_same_process(tmp_path):
    a, fa = machine(tmp_path, "a", tmp_path / "Sync")
    a.apply([("k0", "read", True)])
    fa.push_new_local_events()
    a.apply([("k1", "read", True)])
    a.compact()
    a.apply([("k2", "read", True)])
    fa.push_new_local_events()
    ids = [json.loads(x)["id"] for x in own_file(fa).read_text().splitlines()[1:]]
    assert ids == ["k0", "k1", "k2"]


# -- untrusted input -----------------------------------------------------------------------------

HOSTILE = [
    b"\x00\xff\xfe garbage\n",
    b'{"id": "x", "field": "read", "value": "yes", "time": 1}\n',
    b'{"id": "x", "field": "tag:bad tag", "value": true, "time": 1}\n',
    b'{"id": "", "field": "read", "value": true, "time": 1}\n',
    b'{"id": "x", "field": "read", "value": true, "time": NaN}\n',
    b'{"id": "x", "field": "note", "value": {"a": 1}, "time": 1}\n',
    b'{"id": "x", "field": "read", "value": true, "time": 1e999}\n',
    b'{"id": "\\ud800", "field": "read", "value": true, "time": 1}\n',
    b"[" * 100_000 + b"\n",
    b'{"id": "' + b"k" * 3_000_000 + b'", "field": "read", "value": true, "time": 1}\n',
    b'{"id": "ok", "field": "read", "value": true, "time": 1700000000.25}\n',
]


def files_outside(root: Path, data: Path) -> set[tuple[str, float]]:
    return {(str(p), p.stat().st_mtime) for p in root.rglob("*") if p.is_file() and data not in p.parents}


def test_hostile_lines_are_skipped(tmp_path):
    b, fb = machine(tmp_path, "b", tmp_path / "Sync")
    fb.sync_dir.mkdir()
    (fb.sync_dir / "marks.00000000000000ee.log").write_bytes(b"".join(HOSTILE))
    (fb.sync_dir / "marks.huge-no-newline").write_bytes(b"{" * (3 * 1024 * 1024))
    before = files_outside(tmp_path, b.directory)
    fb.catch_up()
    assert b.is_read("ok") and not b.is_read("x")
    assert files_outside(tmp_path, b.directory) == before
    assert [s.host for s in fb.status()] and fb.poll() == set()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=st.lists(st.one_of(st.binary(max_size=300), st.sampled_from(HOSTILE[:8] + HOSTILE[10:]),
                                 st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass"))),
                       max_size=12),
       budget=st.integers(min_value=1, max_value=4096))
def test_random_bytes_never_raise_nor_write_outside(tmp_path_factory, chunks, budget):
    root = tmp_path_factory.mktemp("fuzz")
    b, fb = machine(root, "b", root / "Sync")
    fb.sync_dir.mkdir()
    path = fb.sync_dir / "marks.00000000000000ff.log"
    before = None
    for chunk in chunks:  # the file grows a piece at a time, read with a small budget
        with path.open("ab") as fh:
            fh.write(chunk)
        before = files_outside(root, b.directory)
        fb.poll(budget)
        assert files_outside(root, b.directory) == before
    fb.catch_up()
    b.close()


# -- the command line ----------------------------------------------------------------------------


def configure(tmp_path, monkeypatch, name: str) -> Path:
    cfg = tmp_path / f"cfg-{name}"
    cfg.mkdir(exist_ok=True)
    (cfg / "config.toml").write_text(f'sync_dir = "{tmp_path / "Sync"}"\n')
    monkeypatch.setenv("ARXIV_READER_CONFIG_DIR", str(cfg))
    monkeypatch.setenv("ARXIV_READER_DATA_DIR", str(tmp_path / f"data-{name}"))
    return cfg


def test_cli_commands_push_and_merge(tmp_path, monkeypatch, capsys):
    configure(tmp_path, monkeypatch, "a")
    assert main(["mark", "read", "2401.00001"]) == 0
    assert main(["tag", "2401.00001", "keep"]) == 0
    assert main(["note", "2401.00002", "hello"]) == 0
    imp = tmp_path / "imp.jsonl"
    imp.write_text('{"id": "2401.00003", "field": "starred", "value": true, "time": 1700000000.0}\n')
    assert main(["state", "import", str(imp)]) == 0
    configure(tmp_path, monkeypatch, "b")
    assert main(["untag", "2401.00001", "keep"]) == 0  # merges a's marks first, then writes a later change
    capsys.readouterr()
    assert main(["state", "export"]) == 0
    got = {(e["id"], e["field"]): e["value"] for e in map(json.loads, capsys.readouterr().out.splitlines())}
    assert got[("2401.00001", "read")] is True and got[("2401.00002", "note")] == "hello"
    assert got[("2401.00003", "starred")] is True and got[("2401.00001", "tag:keep")] is False
    configure(tmp_path, monkeypatch, "a")
    assert main(["sync", "status"]) == 0
    out = capsys.readouterr().out
    assert "this machine" in out and "merged 0/" in out  # a has not merged b's file yet
    assert main(["state", "export"]) == 0  # reading marks merges the others first
    assert '"tag:keep", "value": false' in capsys.readouterr().out
    assert main(["sync", "status"]) == 0
    line = capsys.readouterr().out.splitlines()[1]
    merged, size = line.split("merged ")[1].split(" bytes")[0].split("/")
    assert merged == size and "last event 20" in line


def test_sync_dir_must_not_hold_the_data_directory(tmp_path):
    store = StateStore(tmp_path / "data")
    for bad in (tmp_path / "data", tmp_path, tmp_path / "data" / "sub"):
        with pytest.raises(SyncError, match="folder of its own"):
            SyncFolder(store, bad)


def test_sync_status_without_sync_dir(tmp_path, capsys):
    assert main(["sync", "status"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'sync_dir = "~/Sync/arxiv-reader"' in err[0]


def test_cli_warns_but_marks_when_the_synced_folder_is_unusable(tmp_path, monkeypatch, capsys):
    configure(tmp_path, monkeypatch, "a")
    (tmp_path / "Sync").write_text("a file, not a folder")
    assert main(["mark", "star", "2401.00001"]) == 0
    assert "warning: sync:" in capsys.readouterr().err
    (tmp_path / "Sync").unlink()
    assert main(["state", "export"]) == 0  # caught up by the next command
    capsys.readouterr()
    name = next(n for n in os.listdir(tmp_path / "Sync"))
    assert "2401.00001" in (tmp_path / "Sync" / name).read_text()


def test_config_sync_dir_expands_home(tmp_path, monkeypatch):
    from reader.config import load_config

    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "config.toml"
    path.write_text('sync_dir = "~/Sync/arxiv-reader"\n')
    config, problems = load_config(path)
    assert problems == [] and config.sync_dir == tmp_path / "Sync" / "arxiv-reader"
    path.write_text("sync_dir = 3\n")
    config, problems = load_config(path)
    assert config.sync_dir is None and "sync_dir" in problems[0]

