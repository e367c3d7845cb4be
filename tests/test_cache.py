"""The cache directory: entries round-trip, and a damaged or crafted entry is only a miss."""

from __future__ import annotations

import os
import resource
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.cache import MAX_ENTRY, CacheMiss, ColumnReader, ColumnWriter, ParseCache
from reader.library import load

SEED = Path(__file__).resolve().parents[1] / "sample_digests"


def entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.rglob("*") if p.is_file())


def test_parsed_papers_round_trip(tmp_path):
    lib_dir = tmp_path / "digests"
    shutil.copytree(SEED, lib_dir)
    cache = ParseCache(tmp_path / "cache")
    first = load([lib_dir], cache=cache)
    assert entries(tmp_path / "cache")
    again = load([lib_dir], cache=cache)
    assert again.papers == first.papers and again.diagnostics == first.diagnostics
    assert again.digests == first.digests and len(again.papers) == 46


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage", "huge-count", "huge-length"])
def test_a_damaged_entry_is_a_miss(tmp_path, damage):
    lib_dir = tmp_path / "digests"
    shutil.copytree(SEED, lib_dir)
    cache = ParseCache(tmp_path / "cache")
    first = load([lib_dir], cache=cache)
    for entry in entries(tmp_path / "cache"):
        data = entry.read_bytes()
        if damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "flip":
            data = data[:40] + bytes([data[40] ^ 0xFF]) + data[41:]
        elif damage == "empty":
            data = b""
        elif damage == "garbage":
            data = os.urandom(len(data))
        elif damage == "huge-count":  # a marshal tuple of 2**31 items: 16 GB if it were trusted
            data = b"(" + (2**31 - 1).to_bytes(4, "little")
        else:  # a section that claims far more bytes than the file has (the CRC made to match)
            body = struct.pack("<BQ", ord("q"), 2**62) + data[18:]
            data = data[:5] + struct.pack("<I", zlib.crc32(body)) + body
        entry.write_bytes(data)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    again = load([lib_dir], cache=cache)
    assert again.papers == first.papers
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KB: no blow-up


def test_an_entry_larger_than_any_real_one_is_not_read(tmp_path, monkeypatch):
    import reader.cache

    lib_dir = tmp_path / "digests"
    shutil.copytree(SEED, lib_dir)
    cache = ParseCache(tmp_path / "cache")
    first = load([lib_dir], cache=cache)
    monkeypatch.setattr(reader.cache, "MAX_ENTRY", 10)
    reads = []
    real = ColumnReader.__init__
    monkeypatch.setattr(ColumnReader, "__init__", lambda self, data: (reads.append(1), real(self, data))[1])
    assert load([lib_dir], cache=cache).papers == first.papers
    assert reads == [] and MAX_ENTRY > 10


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), st.text())), st.lists(st.integers(-(2**63), 2**63 - 1)), st.binary())
def test_columns_round_trip(strings, ints, blob):
    w = ColumnWriter()
    w.optional_strings(strings)
    w.ints(ints)
    w.blob(blob)
    r = ColumnReader(w.getvalue())
    assert r.optional_strings() == strings
    assert list(r.ints()) == ints
    assert r.blob() == blob
    r.end()


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_with_a_miss(data):
    import zlib

    data = struct.pack("<I", zlib.crc32(data[4:])) + data[4:] if len(data) >= 4 else data  # past the CRC
    try:
        r = ColumnReader(b"arxr\x02" + data)
        r.optional_strings()
        r.ints()
    except CacheMiss:
        pass


def test_papers_with_more_fields_round_trip_and_old_entries_are_misses(tmp_path, monkeypatch):
    """`Paper` gains trailing fields (authors, first_seen...): they are stored by their type, and
    an entry written for the older `Paper` is a miss, not a paper with fields missing."""
    from typing import NamedTuple

    import reader.cache
    from reader.formats import ParseResult
    from reader.model import Paper

    digest = tmp_path / "d.md"
    digest.write_text("x")
    st = digest.stat()
    cache = ParseCache(tmp_path / "cache")
    old = Paper("1907.00001", "2", "T", "A", None, "cs.CV", "2019-07-09", 1, str(digest), 3, ("cs.CV",))
    cache.put(digest, st, ParseResult([old], [], [], "markdown"))
    assert cache.get(digest, st).papers == [old]

    fields = [(f, Paper.__annotations__[f]) for f in Paper._fields]
    Wider = NamedTuple("Wider", [*fields, ("editor", "str | None"), ("tags", "tuple[str, ...]"),
                                 ("first", "int | None")])  # fmt: skip
    Wider.__new__.__defaults__ = (*(Paper.__new__.__defaults__ or ()), None, (), None)
    monkeypatch.setattr(reader.cache, "Paper", Wider)
    assert cache.get(digest, st) is None  # written for the narrower Paper
    wide = [Wider(*old, "A. Author", ("x", "y"), 7), Wider(*old, None, (), None)]
    cache.put(digest, st, ParseResult(wide, [], [], "markdown"))
    assert cache.get(digest, st).papers == wide


def test_line_and_digest_numbers_come_back_the_same_and_share_their_objects() -> None:
    from array import array

    from reader.cache import _shared_ints

    values: list[int | None] = [None, 0, 3, 400, 65_535, 65_536, -1, -65_535, 2**40]
    assert _shared_ints(values) == values
    assert list(_shared_ints(array("q", [v for v in values if v is not None]))) == [v for v in values if v is not None]
    assert _shared_ints(array("q", [400]))[0] is _shared_ints([400])[0]  # one object for every 400
