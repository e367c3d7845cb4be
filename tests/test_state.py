"""Tests of reader.state: the read/starred store that never loses a mark."""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reader.state as state
from reader.state import (
    FIELDS, Event, StateError, StateStore, default_state_dir, read_events_jsonl,
    write_events_jsonl,
)

WRITER = Path(__file__).with_name("state_writer.py")
REPO = Path(__file__).resolve().parent.parent
IS_ROOT = os.geteuid() == 0


@pytest.fixture
def stores():
    """Make stores that are closed at the end of the test."""
    made: list[StateStore] = []

    def make(directory: Path, **kw) -> StateStore:
        s = StateStore(directory, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture
def d(tmp_path) -> Path:
    return tmp_path / "marks"


def loaded(make, directory: Path, **kw) -> StateStore:
    s = make(directory, **kw)
    assert s.load() == []
    return s


def snapshot(store: StateStore) -> dict[tuple[str, str], tuple[bool, float]]:
    return {(e.key, e.field): (e.value, e.time) for e in store.events()}


def log_lines(directory: Path) -> list[str]:
    return (directory / state.LOG_NAME).read_text().splitlines()


def asides(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if ".corrupt-" in p.name)


# -- basics --------------------------------------------------------------------------------


def test_default_state_dir_honours_override_and_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("ARXIV_READER_DATA_DIR", str(tmp_path / "override"))
    assert default_state_dir() == tmp_path / "override"
    monkeypatch.delenv("ARXIV_READER_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_state_dir() == tmp_path / "xdg" / "arxiv-reader"


def test_no_io_until_needed(stores, d):
    s = stores(d)
    assert not d.exists()
    assert s.load() == []
    assert not d.exists()  # loading an empty store creates nothing
    assert len(s) == 0 and not s.is_read("2401.00001") and list(s.events()) == []
    assert s.refresh() is False


def test_apply_get_and_durability(stores, d):
    s = loaded(stores, d)
    events = s.apply([("2401.00001", "read", True), ("2401.00002", "starred", True),
                      ("title:a paper without id", "read", True)])
    assert [(e.key, e.field, e.value) for e in events] == [
        ("2401.00001", "read", True), ("2401.00002", "starred", True),
        ("title:a paper without id", "read", True)]
    assert all(isinstance(e.time, float) and abs(e.time - time.time()) < 60 for e in events)
    assert s.is_read("2401.00001") and not s.is_starred("2401.00001")
    assert s.is_starred("2401.00002") and not s.is_read("2401.00002")
    assert s.get("title:a paper without id", "read")
    assert len(s) == 3
    other = loaded(stores, d)
    assert snapshot(other) == snapshot(s)
    s.apply([("2401.00001", "read", False)])
    assert not s.is_read("2401.00001") and len(s) == 2
    assert not loaded(stores, d).is_read("2401.00001")


def test_apply_validates(stores, d):
    s = loaded(stores, d)
    with pytest.raises(ValueError):
        s.apply([("2401.00001", "tags", True)])
    with pytest.raises(ValueError):
        s.apply([("", "read", True)])
    with pytest.raises(ValueError):
        s.apply([("bad\udc80surrogate", "read", True)])
    with pytest.raises(ValueError):
        s.get("2401.00001", "nope")
    assert s.apply([]) == []
    assert len(s) == 0 and not (d / state.LOG_NAME).exists()


def test_skip_unchanged(stores, d):
    s = loaded(stores, d)
    s.apply([("a", "read", True)])
    assert s.apply([("a", "read", True), ("b", "read", False)], skip_unchanged=True) == []
    assert len(s.apply([("a", "read", True)])) == 1  # default: refresh the time


def test_one_batch_is_one_write_and_one_fsync(stores, d, monkeypatch):
    s = loaded(stores, d)
    s.apply([("first", "read", True)])  # creates the log
    calls = {"fsync": 0, "write": 0}
    real_fsync, real_write = os.fsync, os.write

    def fsync(fd):
        calls["fsync"] += 1
        return real_fsync(fd)

    def write(fd, data):
        calls["write"] += 1
        return real_write(fd, data)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "write", write)
    keys = [f"2401.{i:05d}" for i in range(20_000)]
    events = s.apply([(k, "read", True) for k in keys])
    monkeypatch.undo()
    assert len(events) == 20_000 and calls == {"fsync": 1, "write": 1}
    assert all(s.is_read(k) for k in keys)
    assert len(loaded(stores, d)) == 20_001


def test_same_key_twice_in_one_batch(stores, d):
    s = loaded(stores, d)
    e1, e2 = s.apply([("k", "read", True), ("k", "read", False)])
    assert e2.time > e1.time and not s.is_read("k")
    assert not loaded(stores, d).is_read("k")


def test_timestamps_are_monotonic_when_the_clock_steps_back(stores, d, monkeypatch):
    s = loaded(stores, d)
    clock = [2_000_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    (first,) = s.apply([("k", "read", True)])
    clock[0] -= 3600  # the clock steps back an hour
    (second,) = s.apply([("k", "read", False)])
    assert second.time > first.time and second.time == pytest.approx(first.time + 1e-6)
    assert not s.is_read("k")
    # Another process whose clock is behind still stamps after what it sees under the lock.
    behind = loaded(stores, d)
    (third,) = behind.apply([("k", "read", True)])
    assert third.time > second.time
    assert loaded(stores, d).is_read("k")


def test_timestamps_have_microsecond_precision(stores, d, monkeypatch):
    s = loaded(stores, d)
    monkeypatch.setattr(time, "time", lambda: 1764620000.1234567891)
    (e,) = s.apply([("k", "read", True)])
    assert e.time == 1764620000.123457
    assert '"time": 1764620000.123457}' in log_lines(d)[-1]


def test_len_counts_keys_read_or_starred(stores, d):
    s = loaded(stores, d)
    s.apply([("a", "read", True), ("a", "starred", True), ("b", "starred", True),
             ("c", "read", False)])
    assert len(s) == 2
    s.compact()
    assert len(s) == 2 and len(loaded(stores, d)) == 2
    s.apply([("a", "read", False), ("c", "read", True)])
    assert len(s) == 3  # a is still starred
    s.apply([("a", "starred", False)])
    assert len(s) == 2 and len(loaded(stores, d)) == 2


def test_events_is_the_current_state(stores, d):
    s = loaded(stores, d)
    s.apply([("a", "read", True), ("b", "read", True), ("a", "starred", True)])
    s.compact()
    s.apply([("a", "read", False), ("c", "starred", True)])
    got = {(e.key, e.field): e.value for e in s.events()}
    assert got == {("a", "read"): False, ("b", "read"): True, ("a", "starred"): True,
                   ("c", "starred"): True}
    assert len(list(s.events())) == 4  # one event per (key, field), not the history


def test_apply_is_thread_safe(stores, d):
    s = loaded(stores, d)

    def work(n):
        for i in range(60):
            s.apply([(f"t{n}-{i}", "read", True)])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(s) == 240 and len(loaded(stores, d)) == 240


# -- keys, formats -------------------------------------------------------------------------

ODD_KEYS = ['a"quote', "tab\there", "new\nline", "back\\slash", "ünïcødé", "#hash", "{brace",
            "x" * 500, "title:a b c", "cs/0601001", '"', "\x7f", "emoji \U0001f600", " lead"]


def test_odd_keys_survive_log_snapshot_and_export(stores, d):
    s = loaded(stores, d)
    s.apply([(k, "read", True) for k in ODD_KEYS] + [(k, "starred", True) for k in ODD_KEYS[:5]])
    before = snapshot(s)
    assert snapshot(loaded(stores, d)) == before  # from the log
    s.compact()
    fresh = loaded(stores, d)  # from the snapshot
    assert snapshot(fresh) == before
    assert all(fresh.is_read(k) for k in ODD_KEYS)
    assert [fresh.is_starred(k) for k in ODD_KEYS] == [True] * 5 + [False] * (len(ODD_KEYS) - 5)
    buf = io.StringIO()
    write_events_jsonl(fresh.events(), buf)
    events, problems = read_events_jsonl(io.StringIO(buf.getvalue()), "x")
    assert problems == [] and {(e.key, e.field): (e.value, e.time) for e in events} == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1),
                       st.tuples(st.sampled_from(FIELDS), st.booleans()), max_size=20))
def test_any_keys_round_trip(tmp_path_factory, marks):
    directory = tmp_path_factory.mktemp("prop")
    with StateStore(directory) as s:
        s.load()
        s.apply([(k, f, v) for k, (f, v) in marks.items()])
        before = snapshot(s)
        s.compact()
        with StateStore(directory) as fresh:
            assert fresh.load() == []
            assert snapshot(fresh) == before
            for k, (f, v) in marks.items():
                assert fresh.get(k, f) is v


def test_jsonl_round_trip_and_bad_lines():
    events = [Event("2401.00001", "read", True, 1764620000.123456),
              Event("title:x", "starred", False, 1.5), Event('q"\n', "read", False, 0.0)]
    buf = io.StringIO()
    write_events_jsonl(events, buf)
    text = buf.getvalue()
    assert text.splitlines()[0] == (
        '{"id": "2401.00001", "field": "read", "value": true, "time": 1764620000.123456}')
    assert all(json.loads(line) for line in text.splitlines())
    got, problems = read_events_jsonl(io.StringIO(text), "in.jsonl")
    assert got == events and problems == []
    bad = text + "\n".join([
        "",
        '{"format": "arxiv-reader-marks", "version": 1, "kind": "log"}',
        "not json",
        '{"id": "", "field": "read", "value": true, "time": 1}',
        '{"id": "k", "field": "tags", "value": true, "time": 1}',
        '{"id": "k", "field": "read", "value": 1, "time": 1}',
        '{"id": "k", "field": "read", "value": true, "time": "yesterday"}',
        '{"id": "k", "field": "read", "value": true, "time": NaN}',
        "[1, 2]",
        '{"id": "ok", "field": "read", "value": true, "time": 17}',
    ]) + "\n"
    got, problems = read_events_jsonl(io.StringIO(bad), "in.jsonl")
    assert got == events + [Event("ok", "read", True, 17.0)]
    assert [p.split(":")[1] for p in problems] == ["6", "7", "8", "9", "10", "11", "12"]
    assert all(p.startswith("in.jsonl:") for p in problems)


def test_read_events_reports_invalid_utf8(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"id": "a", "field": "read", "value": true, "time": 1}\n'
                     b'{"id": "b\xff\xfe", "field": "read", "value": true, "time": 1}\n'
                     b'{"id": "c", "field": "read", "value": true, "time": 1}\n')
    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
        events, problems = read_events_jsonl(fh, "x.jsonl")
    assert [e.key for e in events] == ["a", "c"] and problems == ["x.jsonl:2: \"id\" is not valid Unicode"]
    with open(path, encoding="utf-8") as fh:  # strict decoding: reported, not raised
        events, problems = read_events_jsonl(fh, "x.jsonl")
    assert problems and "UTF-8" in problems[0]


def test_the_log_is_importable(stores, d):
    s = loaded(stores, d)
    s.apply([("a", "read", True), ("b", "starred", True)])
    with open(d / state.LOG_NAME, encoding="utf-8") as fh:
        events, problems = read_events_jsonl(fh, "marks.log")
    assert problems == [] and {(e.key, e.field) for e in events} == {("a", "read"), ("b", "starred")}


def test_file_format_is_versioned_and_documented(stores, d):
    s = loaded(stores, d)
    s.apply([("2401.00001", "read", True), ("2401.00002", "starred", False)])
    header = json.loads(log_lines(d)[0])
    assert header["format"] == "arxiv-reader-marks" and header["version"] == 2
    assert header["kind"] == "log"
    assert json.loads(log_lines(d)[1]) == {"id": "2401.00001", "field": "read", "value": True,
                                           "time": s.time_of("2401.00001", "read")}
    s.compact()
    lines = (d / state.SNAPSHOT_NAME).read_text().splitlines()
    header = json.loads(lines[0])
    assert (header["format"], header["version"], header["kind"]) == ("arxiv-reader-marks", 2, "snapshot")
    assert header["marked_keys"] == 1
    assert [sec["field"] for sec in header["sections"]] == ["read", "starred", "extra"]
    t1, t2 = s.time_of("2401.00001", "read"), s.time_of("2401.00002", "starred")
    assert lines[1:] == [f"2401.00001\tR\t{t1!r}", f"2401.00002\ts\t{t2!r}"]
    assert len(log_lines(d)) == 1  # compaction left only the header
    for word in ("marks.snapshot", "marks.log", "crc32", "flock", "fsync", "version"):
        assert word in state.__doc__


def test_newer_format_is_refused_and_left_alone(stores, d):
    s = loaded(stores, d)
    s.apply([("a", "read", True)])
    s.compact()
    path = d / state.SNAPSHOT_NAME
    lines = path.read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["version"] = 3
    path.write_text(json.dumps(header) + "\n" + "".join(lines[1:]))
    with pytest.raises(StateError, match="newer"):
        stores(d).load()
    assert asides(d) == [] and json.loads(path.read_text().splitlines()[0])["version"] == 3


# -- merge ---------------------------------------------------------------------------------


def test_merge_later_change_wins_both_ways(stores, tmp_path):
    here = loaded(stores, tmp_path / "here")
    there = loaded(stores, tmp_path / "there")
    here.apply([("old-here", "read", True), ("same", "starred", True)])
    time.sleep(0.002)
    there.apply([("old-here", "read", False), ("only-there", "read", True)])
    time.sleep(0.002)
    here.apply([("new-here", "starred", True)])
    there.apply([("new-here", "starred", False)])  # later than here's star
    # here -> there and there -> here converge on the same state
    exported_here, exported_there = list(here.events()), list(there.events())
    changed_there = there.merge(exported_here)
    changed_here = here.merge(exported_there)
    assert snapshot(here) == snapshot(there)
    assert not here.is_read("old-here")  # there's unmark was later
    assert here.is_read("only-there") and here.is_starred("same")
    assert not here.is_starred("new-here")  # there's unstar was later
    assert changed_there == 1  # same/starred
    assert changed_here == 3  # old-here, only-there, new-here
    # merging again changes nothing, and the merge was durable
    assert here.merge(exported_there) == 0 and there.merge(list(here.events())) == 0
    assert snapshot(loaded(stores, tmp_path / "here")) == snapshot(here)


def test_merge_older_change_loses_and_ties_keep_the_mark(stores, d):
    s = loaded(stores, d)
    (e,) = s.apply([("k", "read", True)])
    assert s.merge([Event("k", "read", False, e.time - 10)]) == 0
    assert s.is_read("k")
    assert s.merge([Event("k", "read", False, e.time + 10)]) == 1
    assert not s.is_read("k")
    # an exact tie: true wins, whichever order the two arrive in
    assert s.merge([Event("k", "read", True, e.time + 10)]) == 1 and s.is_read("k")
    assert s.merge([Event("k", "read", False, e.time + 10)]) == 0 and s.is_read("k")
    other = loaded(stores, d.parent / "other")
    other.merge([Event("k", "read", True, 5.0), Event("k", "read", False, 5.0)])
    assert other.is_read("k")
    # within one import, only the winner per (key, field) is appended
    assert other.merge([Event("j", "read", True, 1.0), Event("j", "read", False, 3.0),
                        Event("j", "read", True, 2.0)]) == 1
    assert not other.is_read("j") and len(log_lines(other.directory)) == 3


def test_merge_is_durable_and_compaction_keeps_times(stores, d):
    s = loaded(stores, d)
    s.merge([Event("x", "starred", True, 1234.5)])
    s.compact()
    fresh = loaded(stores, d)
    assert fresh.is_starred("x") and fresh.time_of("x", "starred") == 1234.5


# -- refresh -------------------------------------------------------------------------------


def test_refresh_sees_other_instances_and_compactions(stores, d):
    a, b = loaded(stores, d), loaded(stores, d)
    assert b.refresh() is False
    a.apply([("1", "read", True)])
    assert b.refresh() is True and b.is_read("1")
    assert b.refresh() is False
    a.compact()  # b follows the new log without a full reload
    a.apply([("2", "read", True)])
    assert b.refresh() is True and b.is_read("1") and b.is_read("2")
    a.compact()
    a.apply([("3", "starred", True)])
    a.compact()  # two compactions in a row: b must reload
    a.apply([("4", "read", True)])
    assert b.refresh() is True
    assert snapshot(b) == snapshot(a) == snapshot(loaded(stores, d))
    b.apply([("5", "read", True)])
    assert a.refresh() and a.is_read("5")


def test_refresh_sees_a_log_created_after_load(stores, d):
    a = loaded(stores, d)
    b = loaded(stores, d)  # nothing on disk yet
    a.apply([("k", "read", True)])
    assert b.refresh() and b.is_read("k")


def test_refresh_sees_other_processes(stores, d):
    s = loaded(stores, d)
    s.apply([("mine", "read", True)])
    subprocess.run([sys.executable, str(WRITER), str(d), "p", "5"], check=True,
                   capture_output=True, cwd=REPO)
    assert s.refresh() is True
    assert all(s.is_read(f"p{i}") for i in range(5)) and s.is_read("mine")


# -- compaction ----------------------------------------------------------------------------


def test_compaction_preserves_everything(stores, d):
    s = loaded(stores, d)
    s.apply([(f"k{i}", "read", i % 3 != 0) for i in range(300)])
    s.apply([(f"k{i}", "starred", True) for i in range(0, 300, 7)])
    before = snapshot(s)
    s.compact()
    assert snapshot(s) == before
    assert snapshot(loaded(stores, d)) == before
    s.apply([("k0", "read", True), ("new", "starred", True)])
    s.compact()
    s.compact()  # idempotent
    fresh = loaded(stores, d)
    assert fresh.is_read("k0") and fresh.is_starred("new") and len(fresh) == len(s)


def test_compaction_removes_leftover_temp_files(stores, d):
    s = loaded(stores, d)
    s.apply([("a", "read", True)])
    leftover = d / f".{state.SNAPSHOT_NAME}.tmp-999999-deadbeef"
    leftover.write_text("half a snapshot")
    assert loaded(stores, d).is_read("a")  # ignored by load
    s.compact()
    assert not leftover.exists()


def test_load_compacts_a_long_log(stores, d, monkeypatch):
    monkeypatch.setattr(state.store, "COMPACT_LOG_EVENTS", 50)
    s = loaded(stores, d)
    s.apply([(f"k{i}", "read", True) for i in range(60)])
    assert s.needs_compaction()
    fresh = loaded(stores, d)
    assert len(fresh) == 60
    fresh.finish_compaction()  # (load leaves it to a worker thread; close and exit finish it)
    assert len(log_lines(d)) == 1 and (d / state.SNAPSHOT_NAME).exists()
    assert len(fresh) == 60 and not fresh.needs_compaction()
    assert s.refresh() is False or len(s) == 60  # s follows the compaction
    assert len(s) == 60
    assert fresh.compact_if_needed() is False


def _run_together(*targets) -> list[BaseException]:
    """Run each function in its own thread until all return; the exceptions they raised."""
    errors: list[BaseException] = []

    def guarded(target):
        try:
            target()
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_compaction_while_other_instances_append_and_refresh(stores, d):
    writer, compactor, reader = loaded(stores, d), loaded(stores, d), loaded(stores, d)
    done = threading.Event()
    seen_lost: list[str] = []

    def write():
        try:
            for i in range(250):
                writer.apply([(f"w{i}", "read", True)])
                if i % 5 == 0:
                    writer.apply([(f"w{i}", "starred", True)])
        finally:
            done.set()

    def compact():
        while not done.is_set():
            compactor.compact()
            time.sleep(0.005)

    def read():
        seen: set[str] = set()
        while not done.is_set():
            reader.refresh()
            now = {e.key for e in reader.events() if e.field == "read" and e.value}
            seen_lost.extend(seen - now)  # a mark once seen never disappears
            seen |= now
            time.sleep(0.001)

    errors = _run_together(write, compact, read)
    assert errors == [] and seen_lost == []
    expected = {f"w{i}" for i in range(250)}
    reader.refresh()
    compactor.refresh()
    for s in (reader, compactor, loaded(stores, d)):
        assert {e.key for e in s.events() if e.field == "read" and e.value} == expected
        assert all(s.is_starred(f"w{i}") for i in range(0, 250, 5))
        assert len(s) == 250


# -- crashes and concurrency ---------------------------------------------------------------


def _acked(out: Path) -> tuple[set[str], set[str]]:
    read, starred = set(), set()
    for line in out.read_text(errors="replace").splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[2] == ".":
            (read if parts[0] == "ACK" else starred).add(parts[1])
    return read, starred


def _spawn(directory: Path, prefix: str, count: int, out: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(directory), prefix, str(count), *args],
        stdout=out.open("w"), stderr=subprocess.PIPE, cwd=REPO)


def test_sigkill_at_random_moments_loses_no_acknowledged_mark(stores, tmp_path):
    directory = tmp_path / "marks"
    rng = random.Random(20261201)
    read_acked: set[str] = set()
    star_acked: set[str] = set()
    kinds = [["--batch", "1"], ["--batch", "1", "--compact-every", "3"],
             ["--batch", "40", "--compact-every", "2"], ["--batch", "1", "--compact-every", "1"],
             ["--batch", "500"], ["--batch", "1", "--refresh"]]
    for round_ in range(8):
        procs = []
        for w in range(2):
            out = tmp_path / f"out-{round_}-{w}.txt"
            args = rng.choice(kinds) + ["--star-every", "3"]
            procs.append((_spawn(directory, f"r{round_}w{w}-", 10**6, out, *args), out))
        deadline = time.monotonic() + 20
        for proc, out in procs:  # let each get going, then kill at a random moment
            while out.stat().st_size == 0 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.25))
        for proc, _ in procs:
            proc.send_signal(signal.SIGKILL)
        for proc, out in procs:
            proc.wait()
            assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
            proc.stderr.close()
            r, s = _acked(out)
            read_acked |= r
            star_acked |= s
        store = stores(directory)
        assert store.load() == []  # a kill never damages the store
        missing = [k for k in read_acked if not store.is_read(k)]
        assert missing == []
        assert [k for k in star_acked if not store.is_starred(k)] == []
        store.close()
    assert len(read_acked) > 50  # the writers really got going


def test_concurrent_writer_processes_lose_nothing(stores, tmp_path):
    directory = tmp_path / "marks"
    watcher = loaded(stores, directory)
    procs = []
    for w in range(4):
        out = tmp_path / f"out-{w}.txt"
        args = ["--shared", "40", "--star-every", "4"]
        if w == 0:
            args += ["--compact-every", "15"]
        if w == 1:
            args += ["--batch", "7"]
        if w == 2:
            args += ["--refresh"]
        procs.append((_spawn(directory, f"w{w}-", 150, out, *args), out))
    seen: set[str] = set()
    lost: list[str] = []
    while any(p.poll() is None for p, _ in procs):
        watcher.refresh()
        lost += [k for k in seen if not watcher.is_read(k)]
        seen |= {e.key for e in watcher.events() if e.field == "read" and e.value}
        time.sleep(0.01)
    read_acked: set[str] = set()
    star_acked: set[str] = set()
    for proc, out in procs:
        assert proc.returncode == 0, proc.stderr.read().decode()
        proc.stderr.close()
        r, s = _acked(out)
        read_acked |= r
        star_acked |= s
    assert len(read_acked) == 4 * 150 + 40 and lost == []
    watcher.refresh()
    fresh = loaded(stores, directory)
    for s in (watcher, fresh):
        assert [k for k in read_acked if not s.is_read(k)] == []
        assert [k for k in star_acked if not s.is_starred(k)] == []
        assert len(s) == len(read_acked)


def test_lock_wait_is_bounded(stores, d):
    s = loaded(stores, d, lock_timeout=0.2)
    s.apply([("a", "read", True)])
    fd = os.open(d / state.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(StateError, match="locked by another process"):
            s.apply([("b", "read", True)])
        assert time.monotonic() - started < 5
        assert not s.is_read("b")
    finally:
        os.close(fd)
    s.apply([("b", "read", True)])
    assert loaded(stores, d).is_read("b")


# -- torn writes and corruption ------------------------------------------------------------


def test_torn_final_line_is_ignored_and_never_glued(stores, d):
    s = loaded(stores, d)
    s.apply([("a", "read", True), ("b", "read", True)])
    with open(d / state.LOG_NAME, "ab") as fh:
        fh.write(b'{"id": "torn", "field": "read", "val')  # a crash in mid-append
    other = stores(d)
    assert other.load() == []  # not damage: a write that was never acknowledged
    assert other.is_read("a") and other.is_read("b") and not other.is_read("torn")
    other.apply([("c", "read", True)])
    assert all(json.loads(line) for line in log_lines(d))  # the torn bytes did not glue on
    assert s.refresh() and s.is_read("c")
    fresh = stores(d)
    assert fresh.load() == [] and len(fresh) == 3 and asides(d) == []


def test_torn_line_from_this_process_is_truncated_before_appending(stores, d):
    s = loaded(stores, d)
    s.apply([("a", "read", True)])
    with open(d / state.LOG_NAME, "ab") as fh:
        fh.write(b'{"id": "x", "fie')
    s.apply([("b", "read", True)])
    assert log_lines(d)[-1].startswith('{"id": "b"')
    assert len(loaded(stores, d)) == 2


def _damage_then_check(stores, d, damage, expect_kept):
    s = loaded(stores, d)
    s.apply([(f"k{i}", "read", True) for i in range(100)])
    s.compact()
    s.apply([(f"l{i}", "starred", True) for i in range(50)])
    s.close()
    path, original = damage(d)
    store = stores(d)
    warnings = store.load()
    assert len(warnings) == 1, warnings
    assert "damaged" in warnings[0] and "moved the original to" in warnings[0]
    kept = {e.key for e in store.events() if e.value}
    expect_kept(kept)
    (aside,) = asides(d)
    assert aside.name.startswith(path.name + ".corrupt-") and aside.parent == d
    assert aside.read_bytes() == original and str(aside) in warnings[0]
    again = stores(d)
    assert again.load() == []  # told once
    assert {e.key for e in again.events() if e.value} == kept
    again.apply([("after", "read", True)])
    assert stores(d).load() == [] and asides(d) == [aside]
    return warnings[0]


def test_truncated_snapshot(stores, d):
    def damage(d):
        path = d / state.SNAPSHOT_NAME
        data = path.read_bytes()
        data = data[: len(data) // 2]
        path.write_bytes(data)
        return path, data

    def expect(kept):
        assert 40 < len({k for k in kept if k.startswith("k")}) < 100  # the intact lines
        assert {f"l{i}" for i in range(50)} <= kept  # the log is untouched

    _damage_then_check(stores, d, damage, expect)


def test_garbage_in_the_middle_of_the_snapshot(stores, d):
    def damage(d):
        path = d / state.SNAPSHOT_NAME
        data = bytearray(path.read_bytes())
        mid = len(data) // 2
        data[mid:mid + 5] = b"\xff\x00\xfe\xc3("  # invalid UTF-8 and a NUL, in one line
        path.write_bytes(bytes(data))
        return path, bytes(data)

    def expect(kept):
        assert len({k for k in kept if k.startswith("k")}) >= 98  # only the damaged lines lost
        assert {f"l{i}" for i in range(50)} <= kept

    msg = _damage_then_check(stores, d, damage, expect)
    assert "marks.snapshot" in msg


def test_garbage_in_the_middle_of_the_log(stores, d):
    def damage(d):
        path = d / state.LOG_NAME
        lines = path.read_bytes().split(b"\n")
        lines[10] = b"\x00\x00\xff garbage \xfe"
        lines[20] = lines[20][:15]  # a cut-off line in the middle
        data = b"\n".join(lines)
        path.write_bytes(data)
        return path, data

    def expect(kept):
        assert {f"k{i}" for i in range(100)} <= kept
        assert len({k for k in kept if k.startswith("l")}) == 48

    msg = _damage_then_check(stores, d, damage, expect)
    assert "2 damaged lines" in msg and "marks.log" in msg


def test_empty_log_file(stores, d):
    def damage(d):
        path = d / state.LOG_NAME
        path.write_bytes(b"")
        return path, b""

    def expect(kept):
        assert kept == {f"k{i}" for i in range(100)}

    assert "empty" in _damage_then_check(stores, d, damage, expect)


def test_empty_snapshot_file(stores, d):
    def damage(d):
        path = d / state.SNAPSHOT_NAME
        path.write_bytes(b"")
        return path, b""

    def expect(kept):
        assert kept == {f"l{i}" for i in range(50)}

    assert "empty" in _damage_then_check(stores, d, damage, expect)


def test_damaged_log_header(stores, d):
    def damage(d):
        path = d / state.LOG_NAME
        data = path.read_bytes()
        data = b"#" + data[1:]
        path.write_bytes(data)
        return path, data

    def expect(kept):
        assert kept == {f"k{i}" for i in range(100)} | {f"l{i}" for i in range(50)}

    assert "header" in _damage_then_check(stores, d, damage, expect)


def test_damage_found_by_refresh_is_repaired_and_reported_once(stores, d):
    a, b = loaded(stores, d), loaded(stores, d)
    a.apply([("a", "read", True)])
    with open(d / state.LOG_NAME, "ab") as fh:
        fh.write(b"garbage line\n")
    a.apply([("b", "read", True)])
    # a met the damage while catching up under the lock, repaired it and holds the warning
    (warning,) = a.take_warnings()
    assert "damaged" in warning and "1 damaged line" in warning
    assert a.take_warnings() == [] and len(asides(d)) == 1
    assert b.refresh() is True and b.is_read("a") and b.is_read("b")
    assert b.take_warnings() == []
    with open(d / state.LOG_NAME, "ab") as fh:
        fh.write(b"more garbage\n")
    assert b.refresh() is True  # now b meets it first
    (warning,) = b.take_warnings()
    assert "damaged" in warning and len(asides(d)) == 2
    assert b.is_read("a") and b.is_read("b") and stores(d).load() == []


def test_unreadable_store_raises(stores, d, monkeypatch):
    s = loaded(stores, d)
    s.apply([("a", "read", True)])
    real_open = os.open

    def deny(path, *args, **kwargs):
        if str(path).endswith(state.LOG_NAME):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(StateError) as info:
        stores(d).load()
    assert str(info.value) == f"cannot read marks from {d / state.LOG_NAME}: Permission denied"
    monkeypatch.undo()
    assert asides(d) == []  # never treated as damage


@pytest.mark.skipif(IS_ROOT, reason="root can read a file without read permission")
def test_unreadable_file_mode_raises(stores, d):
    s = loaded(stores, d)
    s.apply([("a", "read", True)])
    s.compact()
    (d / state.SNAPSHOT_NAME).chmod(0)
    try:
        with pytest.raises(StateError, match="cannot read marks from .*Permission denied"):
            stores(d).load()
    finally:
        (d / state.SNAPSHOT_NAME).chmod(0o644)


@pytest.mark.parametrize("fail", ["write", "fsync"])
def test_failing_write_raises_and_leaves_memory_unchanged(stores, d, monkeypatch, fail):
    s = loaded(stores, d)
    s.apply([("a", "read", True)])
    before = snapshot(s)

    def broken(*args):
        if fail == "write":
            raise OSError(errno.ENOSPC, "No space left on device")
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, fail, broken)
    with pytest.raises(StateError) as info:
        s.apply([("b", "read", True), ("a", "read", False)])
    monkeypatch.undo()
    reason = "No space left on device" if fail == "write" else "Input/output error"
    assert str(info.value) == f"cannot write marks to {d / state.LOG_NAME}: {reason}"
    assert snapshot(s) == before and s.is_read("a") and not s.is_read("b") and len(s) == 1
    s.apply([("c", "read", True)])  # the store still works afterwards
    fresh = stores(d)
    assert fresh.load() == [] and fresh.is_read("c") and fresh.is_read("a")
    assert not fresh.is_read("b")  # the failed batch left no trace


def test_failing_first_write_creates_nothing_half_done(stores, d, monkeypatch):
    s = loaded(stores, d)
    monkeypatch.setattr(os, "write", lambda *a: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(StateError, match="No space left on device"):
        s.apply([("a", "read", True)])
    monkeypatch.undo()
    assert len(s) == 0 and not (d / state.LOG_NAME).exists()
    assert [p.name for p in d.iterdir() if "tmp" in p.name] == []


def test_failing_compaction_keeps_everything(stores, d, monkeypatch):
    s = loaded(stores, d)
    s.apply([("a", "read", True)])
    monkeypatch.setattr(os, "rename", lambda *a: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(StateError, match="cannot compact"):
        s.compact()
    monkeypatch.undo()
    assert s.is_read("a")
    s.apply([("b", "read", True)])
    assert len(loaded(stores, d)) == 2


@pytest.mark.skipif(IS_ROOT, reason="root can write to a read-only directory")
def test_read_only_store(stores, d):
    s = loaded(stores, d)
    s.apply([("a", "read", True)])
    (d / state.LOG_NAME).chmod(0o444)
    d.chmod(0o555)
    try:
        ro = stores(d)
        assert ro.load() == [] and ro.is_read("a")
        with pytest.raises(StateError, match="cannot write marks"):
            ro.apply([("b", "read", True)])
        assert not ro.is_read("b")
    finally:
        d.chmod(0o755)
        (d / state.LOG_NAME).chmod(0o644)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from([state.LOG_NAME, state.SNAPSHOT_NAME]),
       edits=st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=6),
                                st.integers(0, 6)), min_size=1, max_size=4),
       cut=st.one_of(st.none(), st.floats(0, 1)))
def test_any_damage_is_survived_and_reported_once(tmp_path_factory, target, edits, cut):
    directory = tmp_path_factory.mktemp("damage")
    with StateStore(directory) as s:
        s.load()
        s.apply([(f"s{i}", "read", True) for i in range(30)])
        s.compact()
        s.apply([(f"l{i}", "starred", True) for i in range(30)])
    path = directory / target
    original = path.read_bytes()
    data = bytearray(original)
    for where, replacement, length in edits:  # overwrite, insert or delete a few bytes
        at = int(where * len(data))
        data[at:at + length] = replacement
    if cut is not None:
        data = data[: int(cut * len(data))]
    path.write_bytes(bytes(data))
    with StateStore(directory) as damaged:
        warnings = damaged.load()
        assert len(warnings) <= 1
        state_after = {(e.key, e.field) for e in damaged.events() if e.value}
    # every line that survived byte for byte (and still ends in a newline) is kept
    intact = set(bytes(data).split(b"\n")[:-1]) & set(original.split(b"\n"))
    for line in intact:
        text = line.decode()
        if target == state.LOG_NAME and text.startswith('{"id"'):
            obj = json.loads(text)
            assert (obj["id"], obj["field"]) in state_after
        elif target == state.SNAPSHOT_NAME and "\t" in text:
            assert (text.split("\t")[0], "read") in state_after
    if warnings:
        assert len(asides(directory)) == 1
        assert asides(directory)[0].read_bytes() == bytes(data)
    with StateStore(directory) as again:
        assert again.load() == []
        assert {(e.key, e.field) for e in again.events() if e.value} == state_after
