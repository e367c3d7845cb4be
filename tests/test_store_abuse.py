"""The marks store and the parse cache under abuse: state files replaced by a directory, a FIFO, a
link to /dev/zero or a link out of the data directory; cache entries crafted to be huge, deeply
nested, or not files at all.

What must hold: no hang, no memory blow-up, no traceback (one clear line at most), and nothing
outside the data directory is ever written, truncated, created or moved. The CLI runs in a child
with its address space capped at 1 GB, so reading /dev/zero to the end would fail the test.
Written against the public API (`StateStore`, `ParseCache`, the CLI) only.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reader.library import ParseCache, load
from reader.state import StateError, StateStore

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sample_digests" / "arxiv-cs.CV-2019-07-09.md"
STATE_FILES = ["marks.log", "marks.snapshot", "marks.lock"]
PAPER = "1907.03739"


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reader", *args], capture_output=True, text=True, timeout=30,
                          preexec_fn=_cap_memory)


def snapshot_tree(root: Path) -> dict[str, tuple]:
    """Every entry under `root`: kind, content and modification time, links not followed."""
    tree = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        content = path.read_bytes() if path.is_file() and not path.is_symlink() else os.readlink(path) \
            if path.is_symlink() else None
        tree[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, content)
    return tree


@pytest.fixture
def data_dir() -> Path:
    path = Path(os.environ["ARXIV_READER_DATA_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def outside(tmp_path) -> Path:
    """A directory beside the data directory with a file worth keeping."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "precious.txt").write_text("do not touch\n")
    return path


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr.replace("error:", ""), proc.stderr
    assert len([line for line in proc.stderr.splitlines() if "error" in line]) <= 1, proc.stderr


def mark_and_read_back() -> list[subprocess.CompletedProcess[str]]:
    marked = cli("mark", "read", PAPER)
    exported = cli("state", "export")
    listed = cli("list", "--json", str(SEED))
    for proc in (marked, exported, listed):
        assert_no_traceback(proc)
    return [marked, exported, listed]


def test_log_replaced_by_a_directory_is_one_clear_error(data_dir):
    (data_dir / "marks.log").mkdir()
    marked, exported, _ = mark_and_read_back()
    assert marked.returncode == 1 and "marks.log" in marked.stderr
    assert exported.returncode == 1 and len(exported.stderr.strip().splitlines()) == 1
    with pytest.raises(StateError):
        StateStore(data_dir).load()
    assert (data_dir / "marks.log").is_dir()  # left as it is: the user's to sort out


@pytest.mark.parametrize("name", STATE_FILES)
def test_a_fifo_in_place_of_a_state_file_does_not_hang(data_dir, name):
    os.mkfifo(data_dir / name)
    marked, exported, listed = mark_and_read_back()
    if name == "marks.lock":
        assert marked.returncode == 0
    else:  # set aside as damaged, inside the data directory, and the mark is kept
        assert marked.returncode == 0, marked.stderr
        assert [json.loads(line)["id"] for line in exported.stdout.splitlines()] == [PAPER]
    assert listed.returncode == 0


@pytest.mark.parametrize("name", ["marks.log", "marks.snapshot"])
def test_a_link_to_dev_zero_is_not_read_to_the_end(data_dir, name):
    (data_dir / name).symlink_to("/dev/zero")
    marked, exported, _ = mark_and_read_back()
    assert marked.returncode == 0, marked.stderr
    assert [json.loads(line)["id"] for line in exported.stdout.splitlines()] == [PAPER]


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-file", "dangling"])
@pytest.mark.parametrize("name", STATE_FILES)
def test_links_out_of_the_data_directory_are_never_written_through(data_dir, outside, name, dangling):
    # A first mark, so that the store has all its files (the link replaces one of them).
    assert cli("mark", "star", "1907.03728").returncode == 0
    target = outside / ("missing.txt" if dangling else "precious.txt")
    (data_dir / name).unlink(missing_ok=True)  # the snapshot exists only after a compaction
    (data_dir / name).symlink_to(target)
    before = snapshot_tree(outside)
    for _ in range(2):
        mark_and_read_back()
    store = StateStore(data_dir)
    try:
        store.load()
        store.apply([("1907.03670", "read", True)])
    except StateError as err:
        assert "\n" not in str(err)
    assert snapshot_tree(outside) == before, f"{name} -> {target} changed the outside directory"


def test_the_data_directory_is_never_left(data_dir, outside):
    """Every file the store writes is inside its directory, whatever links were planted there."""
    for name in STATE_FILES:
        (data_dir / name).symlink_to(outside / f"planted-{name}")
    for field in ("read", "star", "unread", "unstar"):
        cli("mark", field, PAPER)
    assert sorted(p.name for p in outside.iterdir()) == ["precious.txt"]


# --------------------------------------------------------------------------------- parse cache

def _entries(cache_dir: Path) -> list[Path]:
    return [p for p in cache_dir.rglob("*") if p.is_file()]


@pytest.fixture
def cached(tmp_path) -> tuple[ParseCache, Path, list[Path]]:
    cache_dir = tmp_path / "cache"
    cache = ParseCache(cache_dir)
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy(SEED, lib / SEED.name)
    assert len(load([lib], cache=cache).papers) == 46
    entries = _entries(cache_dir)
    assert entries, "the cache wrote nothing"
    return cache, lib, entries


def _reload_is_a_miss(cache: ParseCache, lib: Path) -> None:
    result = load([lib], cache=cache)
    assert len(result.papers) == 46 and not result.diagnostics


def test_a_deeply_nested_cache_entry_is_a_miss(cached):
    cache, lib, entries = cached
    for entry in entries:
        entry.write_bytes(b"\xa9\x01" * 200_000 + b"N")  # 200,000 nested one-element tuples
    _reload_is_a_miss(cache, lib)


def test_a_huge_cache_entry_is_a_miss_without_reading_it(cached):
    cache, lib, entries = cached
    for entry in entries:
        with open(entry, "r+b") as fh:
            fh.truncate(600 << 20)  # sparse: 600 MB that cost no disk
    code = ("from pathlib import Path\n"
            "from reader.devtools.memory import status_mb\n"
            "from reader.library import ParseCache, load\n"
            f"lib = load([{str(lib)!r}], cache=ParseCache(Path({str(cache.directory)!r})))\n"
            "print(len(lib.papers), len(lib.diagnostics), status_mb('VmHWM'))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    papers, diags, peak = proc.stdout.split()
    print(f"\n[huge cache entry] peak {float(peak):.0f} MB")
    assert proc.returncode == 0 and (papers, diags) == ("46", "0"), proc.stderr
    assert float(peak) < 300, f"a 600 MB cache entry was read: peak {peak} MB"


def test_a_cache_entry_that_is_a_fifo_or_a_device_is_a_miss(cached):
    cache, lib, entries = cached
    for n, entry in enumerate(entries):
        entry.unlink()
        if n % 2:
            entry.symlink_to("/dev/zero")
        else:
            os.mkfifo(entry)
    proc = subprocess.run([sys.executable, "-m", "reader", "check", str(lib)], capture_output=True, text=True,
                          timeout=30, preexec_fn=_cap_memory,
                          env={**os.environ, "ARXIV_READER_CACHE_DIR": str(cache.directory)})
    assert proc.returncode == 0 and "(46 papers)" in proc.stdout, proc.stderr


def test_garbage_cache_entries_are_misses(cached):
    cache, lib, entries = cached
    for blob in (b"", b"\x00" * 1000, b"not marshal at all", b"\xe3" + b"\xff" * 64, b"[\x05\x00\x00\x00N"):
        for entry in entries:
            entry.write_bytes(blob)
        _reload_is_a_miss(cache, lib)


# ------------------------------------------------------------------------------ a full disk

_FULL_DISK = r'''
import json, os, subprocess, sys
root, seed = sys.argv[1], sys.argv[2]
env = {**os.environ, "ARXIV_READER_DATA_DIR": f"{root}/data", "ARXIV_READER_CACHE_DIR": f"{root}/cache"}
def cli(*args):
    p = subprocess.run([sys.executable, "-m", "reader", *args], capture_output=True, text=True, env=env, timeout=30)
    return [p.returncode, p.stdout, p.stderr]
out = {"first": cli("mark", "read", "1907.03739")}
with open(f"{root}/filler", "wb", buffering=0) as fh:  # fill the file system to the last block
    for size in (65536, 4096, 512, 1):
        try:
            while True:
                fh.write(b"x" * size)
        except OSError:
            pass
out["full"] = cli("mark", "star", "1907.03728")
big = sys.argv[3]
with open(big, "w") as fh:  # more marks than the whole file system holds
    for i in range(20_000):
        fh.write(json.dumps({"id": f"1908.{i:05}", "field": "read", "value": True, "time": 1.6e9 + i}) + "\n")
out["export_full"] = cli("state", "export")
out["import_full"] = cli("state", "import", big)
out["export_import"] = cli("state", "export")
out["check_full"] = cli("check", seed)
os.unlink(f"{root}/filler")
out["after"] = cli("mark", "star", "1907.03728")
out["export_after"] = cli("state", "export")
print(json.dumps(out))
'''


def cli_export(out: dict) -> list[str]:
    return out["export_import"][1].splitlines()


def test_a_full_disk_is_one_clear_error_and_loses_nothing(tmp_path):
    if shutil.which("unshare") is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root and unshare(1)")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    script = tmp_path / "full_disk.py"
    script.write_text(_FULL_DISK)
    big = tmp_path / "big.jsonl"
    shell = f"mount -t tmpfs -o size=256k tmpfs {mnt} && exec {sys.executable} {script} {mnt} {SEED} {big}"
    proc = subprocess.run(["unshare", "-m", "sh", "-c", shell], capture_output=True, text=True, timeout=180,
                          cwd=ROOT)
    if proc.returncode != 0 and "mount" in proc.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()[-200:]}")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["first"][0] == 0, out["first"]
    code, _, err = out["full"]
    kept = [json.loads(line)["id"] for line in out["export_full"][1].splitlines()]
    print(f"\n[full disk] mark: exit {code}, {err.strip()!r}; marks kept: {kept}")
    assert "Traceback" not in err
    if code == 0:  # the append fitted in a block the log already had
        assert kept == ["1907.03739", "1907.03728"]
    else:
        assert code == 1 and len(err.strip().splitlines()) == 1, err
        assert kept == ["1907.03739"]
    code, _, err = out["import_full"]
    print(f"[full disk] import of 20,000 marks: exit {code}, {err.strip()!r}")
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    after_import = [json.loads(line)["id"] for line in cli_export(out)]
    assert after_import == kept, "a failed import must leave the marks as they were"
    assert out["check_full"][0] == 0 and "(46 papers)" in out["check_full"][1], out["check_full"]
    assert out["after"][0] == 0, out["after"]
    marks = {(json.loads(line)["id"], json.loads(line)["field"]) for line in out["export_after"][1].splitlines()}
    assert marks == {("1907.03739", "read"), ("1907.03728", "starred")}
