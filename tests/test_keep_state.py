"""Tests of the tags, notes, history and undo in reader.state (issue 18)."""

from __future__ import annotations

import datetime as dt
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reader.state as state
from reader.state import (
    Event, LaterChangeError, StateError, StateStore, comes_back_unread, is_updated, read_events_jsonl,
    write_events_jsonl,
)

WRITER = Path(__file__).with_name("state_writer.py")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def stores():
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


def loaded(make, directory: Path) -> StateStore:
    s = make(directory)
    assert s.load() == []
    return s


def history_lines(directory: Path) -> list[dict]:
    out = []
    for path in sorted((directory / state.HISTORY_DIR).glob("*.jsonl")):
        out += [json.loads(line) for line in path.read_text().splitlines() if line]
    return out


# -- tags and notes ----------------------------------------------------------------------------


def test_tags_and_notes_are_durable_and_survive_compaction(stores, d):
    s = loaded(stores, d)
    s.set_tag(["2401.00001", "2401.00002"], ["ml", "to-read"])
    s.remove_tag("2401.00002", "to-read")
    s.set_note("2401.00001", "first line\nsecond line")
    assert s.tags("2401.00001") == ("ml", "to-read")
    assert s.tags("2401.00002") == ("ml",)
    assert s.tags("2401.99999") == ()
    assert s.note("2401.00001") == "first line\nsecond line" and s.note("2401.00002") is None
    assert s.all_tags() == {"ml": 2, "to-read": 1}
    for _ in range(2):  # from the log, then from the snapshot
        fresh = loaded(stores, d)
        assert fresh.tags("2401.00001") == ("ml", "to-read") and fresh.tags("2401.00002") == ("ml",)
        assert fresh.note("2401.00001") == "first line\nsecond line"
        assert fresh.all_tags() == {"ml": 2, "to-read": 1}
        fresh.compact()


def test_an_empty_note_deletes_it_and_unchanged_values_write_nothing(stores, d):
    s = loaded(stores, d)
    assert len(s.set_note("k", "text")) == 1
    assert s.set_note("k", "text") == []
    assert s.set_tag("k", "a") and s.set_tag("k", "a") == []
    s.set_note("k", "")
    assert s.note("k") is None
    assert loaded(stores, d).note("k") is None


@pytest.mark.parametrize("tag", ["", "two words", "tab\there", "nl\n", "esc\x1b[31m", "bidi\u202e",
                                 "x" * 65, "nbsp\u00a0"])
def test_bad_tags_are_refused_and_nothing_is_written(stores, d, tag):
    s = loaded(stores, d)
    with pytest.raises(ValueError):
        s.set_tag("k", ["good", tag])
    assert s.tags("k") == () and not (d / state.LOG_NAME).exists()


def test_a_note_over_64_kb_is_refused(stores, d):
    s = loaded(stores, d)
    with pytest.raises(ValueError, match="64 KB"):
        s.set_note("k", "é" * (32 * 1024 + 1))
    s.set_note("k", "x" * 64 * 1024)
    assert len(loaded(stores, d).note("k") or "") == 64 * 1024


def test_odd_tags_and_notes_round_trip(stores, d, tmp_path):
    s = loaded(stores, d)
    s.set_tag("k", ['quo"te', "back\\slash", "ünï", "x" * 64])
    note = 'quotes " and \\ and \t tabs\nand lines \u2028 and emoji \U0001f600'
    s.set_note("k", note)
    out = tmp_path / "export.jsonl"
    with out.open("w") as fh:
        write_events_jsonl(s.export_events(), fh)
    for fresh in (loaded(stores, d), _compacted(stores, d)):
        assert fresh.tags("k") == tuple(sorted(['quo"te', "back\\slash", "ünï", "x" * 64]))
        assert fresh.note("k") == note
    other = loaded(stores, tmp_path / "other")
    with out.open() as fh:
        events, problems = read_events_jsonl(fh, "x")
    assert problems == []
    other.merge(events)
    assert other.tags("k") == s.tags("k") and other.note("k") == note


def _compacted(stores, d: Path) -> StateStore:
    s = loaded(stores, d)
    s.compact()
    return loaded(stores, d)


def test_import_reports_bad_tag_and_note_lines(tmp_path):
    lines = [
        {"id": "a", "field": "tag:ok", "value": True, "time": 1.0},
        {"id": "a", "field": "tag:not ok", "value": True, "time": 1.0},
        {"id": "a", "field": "note", "value": 5, "time": 1.0},
        {"id": "a", "field": "note", "value": "x" * (64 * 1024 + 1), "time": 1.0},
        {"id": "a", "field": "tag:t", "value": "yes", "time": 1.0},
        {"id": "a", "field": "note", "value": None, "time": 2.0},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    with path.open() as fh:
        events, problems = read_events_jsonl(fh, "in")
    assert [(e.field, e.value) for e in events] == [("tag:ok", True), ("note", None)]
    assert [p.split(":")[1] for p in problems] == ["2", "3", "4", "5"]


# -- the tie rule and merging --------------------------------------------------------------------


def test_ties_in_any_order_give_one_result(stores, tmp_path):
    t = 1_700_000_000.5
    events = [Event("k", "note", "apple", t), Event("k", "note", "banana", t), Event("k", "note", None, t),
              Event("k", "tag:x", False, t), Event("k", "tag:x", True, t),
              Event("k", "read", True, t), Event("k", "read", False, t)]
    for n in range(6):
        order = events[:]
        random.Random(n).shuffle(order)
        s = loaded(stores, tmp_path / f"s{n}")
        for e in order:
            s.merge([e])
        assert (s.note("k"), s.tags("k"), s.is_read("k")) == ("banana", ("x",), True)
        assert [v.value for v in s.note_versions("k")] == ["banana", "apple", None]


def test_text_tie_compares_utf8_bytes_not_code_points(stores, d):
    # U+FFFF sorts before U+10000 in both, but U+E000 vs U+10000: bytes EE.. < F0..
    s = loaded(stores, d)
    s.merge([Event("k", "note", "\U00010000", 5.0), Event("k", "note", "\ue000", 5.0)])
    assert s.note("k") == "\U00010000"


def test_a_later_change_wins_and_the_loser_stays_a_version(stores, tmp_path):
    a, b = loaded(stores, tmp_path / "a"), loaded(stores, tmp_path / "b")
    a.set_note("k", "from a")
    time.sleep(0.002)
    b.set_note("k", "from b")
    a.merge(list(b.export_events()))
    b.merge(list(a.export_events()))
    assert a.note("k") == b.note("k") == "from b"
    assert [v.value for v in a.note_versions("k")] == ["from b", "from a"]
    assert [v.value for v in b.note_versions("k")] == ["from b", "from a"]


_KEYS = st.sampled_from(["2401.00001", "2401.00002", "title:x"])
_ACTIONS = st.one_of(
    st.tuples(_KEYS, st.sampled_from(["read", "starred", "tag:a", "tag:b"]), st.booleans()),
    st.tuples(_KEYS, st.just("note"), st.one_of(st.none(), st.text(max_size=8))),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(st.lists(_ACTIONS, max_size=4), max_size=3),
       second=st.lists(st.lists(_ACTIONS, max_size=4), max_size=3),
       imports=st.lists(st.sampled_from(["ab", "ba"]), min_size=1, max_size=5),
       compact=st.booleans())
def test_two_stores_importing_each_other_agree_and_keep_every_note_version(
        tmp_path_factory, first, second, imports, compact):
    root = tmp_path_factory.mktemp("pair")
    a, b = StateStore(root / "a"), StateStore(root / "b")
    try:
        for store, batches in ((a, first), (b, second)):
            for batch in batches:
                store.apply(batch)
        written = {(e.key, e.time, e.value) for s in (a, b) for e in _all_events(s) if e.field == "note"}
        for direction in imports + ["ab", "ba"]:
            src, dst = (a, b) if direction == "ab" else (b, a)
            dst.merge(list(src.export_events()))
            if compact:
                dst.compact()
        assert sorted(_state(a)) == sorted(_state(b))
        for s in (a, b):
            kept = {(e.key, e.time, e.value) for key in ("2401.00001", "2401.00002", "title:x")
                    for e in s.note_versions(key)}
            assert written <= kept
    finally:
        a.close()
        b.close()


def _all_events(s: StateStore) -> list[Event]:
    return s.history()


def _state(s: StateStore) -> list[tuple[str, str, object, float]]:
    return [(e.key, e.field, e.value, e.time) for e in s.events()]


# -- history, compaction, upgrade ----------------------------------------------------------------


def test_compaction_moves_every_event_to_monthly_history_files(stores, d):
    s = loaded(stores, d)
    s.set_note("k", "v1")
    s.set_note("k", "v2")
    s.apply([("k", "read", True)])
    s.compact()
    s.set_note("k", "v3")
    s.compact()
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    assert [p.name for p in (d / state.HISTORY_DIR).iterdir()] == [f"{month}.jsonl"]
    assert [x["value"] for x in history_lines(d) if x["field"] == "note"] == ["v1", "v2", "v3"]
    fresh = loaded(stores, d)
    assert [v.value for v in fresh.note_versions("k")] == ["v3", "v2", "v1"]
    assert [(e.field, e.value) for e in fresh.history()] == [
        ("note", "v3"), ("read", True), ("note", "v2"), ("note", "v1")]


def test_history_since_and_old_months(stores, d):
    s = loaded(stores, d)
    s.merge([Event("old", "read", True, dt.datetime(2025, 3, 2, tzinfo=dt.UTC).timestamp())])
    s.set_tag("new", "x")
    s.compact()
    names = sorted(p.name for p in (d / state.HISTORY_DIR).iterdir())
    assert names[0] == "2025-03.jsonl"
    assert [e.key for e in s.history()] == ["new", "old"]
    assert [e.key for e in s.history(since=dt.date(2025, 4, 1))] == ["new"]
    assert [e.key for e in s.history(since=dt.date(2025, 3, 2))] == ["new", "old"]


def _write_v1_store(d: Path) -> None:
    d.mkdir(parents=True)
    body = "2401.00001\tR\t1700000000.5\n"
    import zlib
    header = {"format": "arxiv-reader-marks", "version": 1, "kind": "snapshot", "generation": "g1",
              "created": 1.0, "marked_keys": 1,
              "sections": [{"field": "read", "lines": 1, "bytes": len(body), "crc32": zlib.crc32(body.encode())},
                           {"field": "starred", "lines": 0, "bytes": 0, "crc32": 0}]}
    (d / state.SNAPSHOT_NAME).write_text(json.dumps(header) + "\n" + body)
    log = {"format": "arxiv-reader-marks", "version": 1, "kind": "log", "generation": "l1", "snapshot": "g1",
           "follows": {"snapshot": "g1", "log": None}}
    event = {"id": "2401.00002", "field": "starred", "value": True, "time": 1700000001.25}
    (d / state.LOG_NAME).write_text(json.dumps(log) + "\n" + json.dumps(event) + "\n")


def test_a_version_1_store_is_upgraded_in_place(stores, d):
    _write_v1_store(d)
    s = stores(d)
    assert s.load() == []
    assert s.is_read("2401.00001") and s.is_starred("2401.00002")
    assert s.time_of("2401.00001", "read") == 1700000000.5
    for name in (state.SNAPSHOT_NAME, state.LOG_NAME):
        assert json.loads((d / name).read_text().splitlines()[0])["version"] == 2
    assert sorted((x["id"], x["field"]) for x in history_lines(d)) == [
        ("2401.00001", "read"), ("2401.00002", "starred")]
    s.set_tag("2401.00001", "kept")
    fresh = loaded(stores, d)
    assert fresh.is_read("2401.00001") and fresh.tags("2401.00001") == ("kept",)


def test_a_read_only_version_1_store_still_loads(stores, d):
    _write_v1_store(d)
    d.chmod(0o500)
    try:
        s = stores(d)
        s.load()
        assert s.is_starred("2401.00002")
    finally:
        d.chmod(0o700)


def test_a_newer_log_is_refused_and_left_alone(stores, d):
    s = loaded(stores, d)
    s.set_tag("k", "x")
    lines = (d / state.LOG_NAME).read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["version"] = 3
    text = json.dumps(header) + "\n" + "".join(lines[1:])
    (d / state.LOG_NAME).write_text(text)
    with pytest.raises(StateError, match="newer"):
        stores(d).load()
    assert (d / state.LOG_NAME).read_text() == text


def test_damaged_tag_and_note_lines_are_salvaged(stores, d):
    s = loaded(stores, d)
    s.set_tag("k", "x")
    s.set_note("k", "kept")
    with (d / state.LOG_NAME).open("a") as fh:
        fh.write('{"id": "k", "field": "note", "value": 7, "time": 9e9}\n')
    fresh = stores(d)
    warnings = fresh.load()
    assert len(warnings) == 1 and "1 damaged line" in warnings[0]
    assert fresh.tags("k") == ("x",) and fresh.note("k") == "kept"
    assert loaded(stores, d).note("k") == "kept"


# -- undo ---------------------------------------------------------------------------------------


def test_undo_restores_the_value_before_only_while_latest(stores, d):
    s = loaded(stores, d)
    s.set_note("k", "one")
    s.set_note("k", "two")
    latest = s.history()[0]
    assert latest.value == "two"
    s.undo(latest)
    assert s.note("k") == "one"
    with pytest.raises(LaterChangeError, match="a later change exists"):
        s.undo(latest)
    tagged = s.set_tag("k", "x")[0]
    s.set_tag("k", "y")
    s.compact()  # the events now live in the history
    s.undo(tagged)
    assert s.tags("k") == ("y",)
    first = [e for e in s.history() if e.field == "note" and e.value == "one"][-1]  # not the undo's
    with pytest.raises(LaterChangeError):
        s.undo(first)


def test_undo_of_a_first_event_restores_the_default(stores, d):
    s = loaded(stores, d)
    (event,) = s.apply([("k", "starred", True)])
    s.undo(event)
    assert not s.is_starred("k")
    (note,) = s.set_note("k", "text")
    s.undo(note)
    assert s.note("k") is None and [v.value for v in s.note_versions("k")] == [None, "text"]


# -- updated papers -------------------------------------------------------------------------------


def test_comes_back_unread_is_derived_from_the_read_time(stores, d):
    read_at = dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC).timestamp()
    assert is_updated(read_at, "2026-12-02") and not is_updated(read_at, "2026-12-01")
    assert not is_updated(None, "2026-12-02") and not is_updated(read_at, None)
    assert comes_back_unread(True, read_at, dt.date(2026, 12, 3), True)
    assert not comes_back_unread(True, read_at, dt.date(2026, 12, 3), False)
    assert not comes_back_unread(False, read_at, dt.date(2026, 12, 3), True)
    s = loaded(stores, d)
    s.apply([("k", "read", True)])
    today = dt.datetime.now(dt.UTC).date()
    assert not s.shows_unread("k", today, True)
    assert s.shows_unread("k", today + dt.timedelta(days=1), True)
    assert not s.shows_unread("k", today + dt.timedelta(days=1), False)
    assert s.shows_unread("never-read", None, False)


# -- crash safety ---------------------------------------------------------------------------------


def test_sigkill_loses_no_acknowledged_tag_or_note(stores, tmp_path):
    directory = tmp_path / "marks"
    rng = random.Random(18)
    tagged: set[str] = set()
    noted: set[str] = set()
    kinds = [["--batch", "1"], ["--batch", "1", "--compact-every", "2"], ["--batch", "30", "--compact-every", "1"]]
    for round_ in range(5):
        procs = []
        for w in range(2):
            out = tmp_path / f"out-{round_}-{w}.txt"
            args = [*rng.choice(kinds), "--tag-every", "2", "--note-every", "3"]
            proc = subprocess.Popen([sys.executable, str(WRITER), str(directory), f"r{round_}w{w}-", "1000000",
                                     *args], stdout=out.open("w"), stderr=subprocess.PIPE, cwd=REPO)
            procs.append((proc, out))
        deadline = time.monotonic() + 20
        for proc, out in procs:
            while out.stat().st_size == 0 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.2))
        for proc, _ in procs:
            proc.send_signal(signal.SIGKILL)
        for proc, out in procs:
            proc.wait()
            assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
            proc.stderr.close()
            for line in out.read_text(errors="replace").splitlines():
                parts = line.split(" ")
                if len(parts) == 3 and parts[2] == ".":
                    if parts[0] == "TAG":
                        tagged.add(parts[1])
                    elif parts[0] == "NOTE":
                        noted.add(parts[1])
        store = stores(directory)
        assert store.load() == []
        assert [k for k in tagged if store.tags(k) != ("kept",)] == []
        assert [k for k in noted if store.note(k) != f"note of {k}"] == []
        store.close()
    assert len(tagged) > 20 and len(noted) > 10


def test_tag_counts_over_a_snapshot_and_later_changes(stores, d):
    s = loaded(stores, d)
    s.set_tag(["a", "b", "c"], "ml")
    s.set_tag(["a"], ["cv", "z"])
    s.compact()
    s = loaded(stores, d)
    assert s.all_tags() == {"cv": 1, "ml": 3, "z": 1}
    s.remove_tag(["a", "b"], "ml")
    s.remove_tag("a", "z")
    s.set_tag("d", "cv")
    s.set_note("c", "only a note changed")
    assert s.all_tags() == {"cv": 2, "ml": 1}
    assert s.tags("a") == ("cv",) and s.tags("c") == ("ml",) and s.tags("d") == ("cv",)
    s.compact()
    assert loaded(stores, d).all_tags() == {"cv": 2, "ml": 1}


def test_a_snapshot_key_that_prefixes_another_is_not_confused(stores, d):
    s = loaded(stores, d)
    s.set_tag("2401.0001", "short")
    s.set_tag("2401.00011", "long")
    s.set_note('quo"te', "q")
    s.compact()
    fresh = loaded(stores, d)
    assert fresh.tags("2401.0001") == ("short",) and fresh.tags("2401.00011") == ("long",)
    assert fresh.tags("2401.000") == () and fresh.note('quo"te') == "q" and fresh.note("quo") is None


def test_other_instances_see_tags_and_notes_after_refresh_and_compaction(stores, d):
    a, b = loaded(stores, d), loaded(stores, d)
    a.set_tag("k", "x")
    a.set_note("k", "v1")
    assert b.refresh() and b.tags("k") == ("x",) and b.note("k") == "v1"
    a.compact()
    a.set_note("k", "v2")
    b.refresh()
    assert b.note("k") == "v2" and [v.value for v in b.note_versions("k")] == ["v2", "v1"]
    b.remove_tag("k", "x")
    a.refresh()
    assert a.tags("k") == ()


def test_loading_never_reads_the_history(stores, d, monkeypatch):
    s = loaded(stores, d)
    s.set_note("k", "v1")
    s.compact()
    s.set_note("k", "v2")

    def forbidden(*args, **kwargs):
        raise AssertionError("the history was read")

    monkeypatch.setattr(state.history, "history_files", forbidden)
    monkeypatch.setattr(state.history, "read_events", forbidden)
    fresh = loaded(stores, d)
    assert fresh.note("k") == "v2" and fresh.tags("k") == ()
    fresh.set_tag("k", "x")
    monkeypatch.undo()
    assert [v.value for v in fresh.note_versions("k")] == ["v2", "v1"]


def test_a_torn_history_line_is_skipped_and_never_glued(stores, d):
    s = loaded(stores, d)
    s.set_note("k", "v1")
    s.compact()
    (path,) = (d / state.HISTORY_DIR).iterdir()
    with path.open("a") as fh:
        fh.write('{"id": "k", "field": "no')  # a crash in the middle of an append
    s.set_note("k", "v2")
    s.compact()
    assert [v.value for v in loaded(stores, d).note_versions("k")] == ["v2", "v1"]
    assert path.read_text().count("\n") == 3 and path.read_text().endswith("\n")


def test_an_event_left_in_both_log_and_history_counts_once(stores, d):
    s = loaded(stores, d)
    s.set_note("k", "v1")
    log = (d / state.LOG_NAME).read_text()
    s.compact()
    (d / state.LOG_NAME).write_text(log)  # as after a crash between the history append and the rename
    fresh = loaded(stores, d)
    assert [v.value for v in fresh.note_versions("k")] == ["v1"]
    assert [e.value for e in fresh.history()] == ["v1"]


def test_importing_again_and_again_writes_nothing_new(stores, tmp_path):
    a, b = loaded(stores, tmp_path / "a"), loaded(stores, tmp_path / "b")
    a.set_note("k", "a1")
    a.set_note("k", "a2")
    b.set_note("k", "b1")
    b.set_tag("k", "x")
    b.merge(list(a.export_events()))
    a.merge(list(b.export_events()))
    sizes = [(tmp_path / n / state.LOG_NAME).stat().st_size for n in "ab"]
    for _ in range(3):
        b.merge(list(a.export_events()))
        a.merge(list(b.export_events()))
    assert [(tmp_path / n / state.LOG_NAME).stat().st_size for n in "ab"] == sizes
    assert [v.value for v in a.note_versions("k")] == [v.value for v in b.note_versions("k")] == ["b1", "a2", "a1"]
