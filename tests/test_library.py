"""Loading libraries through the caches: never stale, and only ever a speed-up."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from reader.library import ParseCache, load

SEED = Path(__file__).resolve().parents[1] / "sample_digests"


def digest(path: Path, title: str) -> None:
    path.write_text("# ArXiv cs.CV --Tue, 9 Jul 2019\n"
                    f"### 1.{title}  [ :arrow_down: ](https://arxiv.org/pdf/1907.03739.pdf)\n"
                    ">  An abstract.\n")  # fmt: skip


def test_a_cache_hit_gives_the_same_papers(tmp_path):
    lib_dir = tmp_path / "digests"
    shutil.copytree(SEED, lib_dir)
    cache = ParseCache(tmp_path / "cache")
    first = load([lib_dir], cache=cache)
    assert list((tmp_path / "cache" / "parsed").iterdir())
    again = load([lib_dir], cache=cache)
    assert again.papers == first.papers and len(again.papers) == 46
    assert again.fingerprint == first.fingerprint


def test_a_changed_digest_is_parsed_again_and_changes_the_fingerprint(tmp_path):
    path = tmp_path / "d.md"
    digest(path, "Old title")
    cache = ParseCache(tmp_path / "cache")
    before = load([path], cache=cache)
    st = path.stat()
    digest(path, "New title")  # same size, and the same mtime put back: ctime still tells
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = load([path], cache=cache)
    assert [p.title for p in after.papers] == ["New title"]
    assert after.fingerprint != before.fingerprint


def test_adding_or_moving_a_file_changes_the_fingerprint(tmp_path):
    digest(tmp_path / "a.md", "A")
    one = load([tmp_path]).fingerprint
    digest(tmp_path / "b.md", "B")
    two = load([tmp_path]).fingerprint
    (tmp_path / "b.md").rename(tmp_path / "c.md")
    three = load([tmp_path]).fingerprint
    assert len({one, two, three}) == 3
    assert load([tmp_path]).fingerprint == three


def test_the_index_cache_keeps_the_latest_few(tmp_path):
    cache = ParseCache(tmp_path / "cache")
    assert cache.get_index("a" * 64) is None
    for k, name in enumerate("abcde"):
        cache.put_index(name * 64, bytes([k]) * 10)
        os.utime(tmp_path / "cache" / "index" / f"{name * 64}.index", (k + 1, k + 1))
    kept = sorted(p.name[0] for p in (tmp_path / "cache" / "index").glob("*.index"))
    assert len(kept) == 3 and "e" in kept
    assert cache.get_index("e" * 64) == bytes([4]) * 10


def test_an_unwritable_cache_only_costs_speed(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    cache = ParseCache(blocker)
    lib = load([SEED], cache=cache)
    assert len(lib.papers) == 46
    cache.put_index("f" * 64, b"x")
    assert cache.get_index("f" * 64) is None


def test_a_full_disk_leaves_no_half_written_cache_files(tmp_path, monkeypatch):
    import marshal

    cache = ParseCache(tmp_path / "cache")
    real_write = Path.write_bytes

    def full(self, data):
        real_write(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    def full_dump(data, fh):
        fh.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    monkeypatch.setattr(marshal, "dump", full_dump)
    # Entries written chunk by chunk meet the same full disk.
    monkeypatch.setattr("reader.cache._write_chunks", lambda path, chunks: path.write_bytes(b"".join(chunks)))
    lib = load([SEED], cache=cache)
    cache.put_index("a" * 64, b"x" * 1000)
    assert len(lib.papers) == 46
    left = [p.name for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert left == []
