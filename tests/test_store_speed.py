"""The faster paths of the marks store give what the plain paths give, and a deferred compaction
is as crash-safe as one done inside `load` (reader/state/fastlog.py, view.py, deferred.py)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reader.state as state
from reader.state import StateStore, deferred
from reader.state.events import _LOG_ANY, _event_line, _groups_event
from reader.state.fastlog import Columns, events_of
from reader.state.format import _Snapshot, _SnapExtras
from reader.state.view import _View

REPO = Path(__file__).resolve().parent.parent

keys = st.sampled_from(["2401.00001", "2401.00002", "k", "é-ü", "title:a b"])
fields = st.sampled_from(["read", "starred", "note", "tag:ml", "tag:to-read", "tag:x"])
notes = st.one_of(st.none(), st.sampled_from(["", "a", "b", 'say "hi"\nthere', "tab\there", "\\", "é"]),
                  st.text(max_size=8))
times = st.sampled_from([1.0, 2.0, 2.5, 1764620000.123456, 3.0])


@st.composite
def events(draw: st.DrawFn) -> tuple[str, str, object, float]:
    field = draw(fields)
    value = draw(notes) if field == "note" else draw(st.booleans())
    return draw(keys), field, value, draw(times)


def plain_events(text: str) -> list[tuple[object, ...]] | None:
    """What the per-line path takes from `text` (None: not every line is a valid event)."""
    found = _LOG_ANY.findall(text)
    if len(found) != text.count("\n"):
        return None
    out = [_groups_event(*g) for g in found]
    return None if None in out else out


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), max_size=30), st.lists(st.sampled_from([
    '{"id": "k", "field": "note", "value": true, "time": 1.0}\n',
    '{"id": "k", "field": "read", "value": "text", "time": 1.0}\n',
    '{"id": "k", "field": "tag:ml", "value": null, "time": 1.0}\n',
    '{"id": "k", "field": "note", "value": "\\q", "time": 1.0}\n',
    '{"id": "k", "field": "tag:a b", "value": true, "time": 1.0}\n',
    '{"id": "k", "field": "read", "value": true, "time": 1.0} \n',
    'not json\n']), max_size=1), st.randoms())
def test_reading_a_log_at_once_gives_what_reading_it_line_by_line_gives(evs, bad, rng):
    lines = [_event_line(k, f, v, t) for k, f, v, t in evs] + bad
    rng.shuffle(lines)
    text = "".join(lines)
    fast = events_of(text)
    plain = plain_events(text)
    if fast is not None:
        assert fast == plain
        assert [type(v) for *_, v, _ in fast] == [type(v) for *_, v, _ in plain]
    elif not bad and "\\u" not in text and evs:
        pytest.fail("a log of valid event lines was left to the per-line path")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), max_size=40), st.lists(events(), max_size=10))
def test_replaying_tags_and_notes_gives_what_offering_them_one_by_one_gives(evs, old):
    extras = state.fields._Extras()
    for k, f, v, t in old:
        if f not in state.FIELDS:
            extras.offer(k, f, t, v or None if f == "note" else v)
    snap = _Snapshot(None, {f: [] for f in state.FIELDS}, 0, _SnapExtras.of(extras))
    evs = [(k, f, (v or None) if f == "note" else v, t) for k, f, v, t in evs]
    fast, plain = _View(snap), _View(snap)
    updated = fast.replay(evs)
    count = 0
    for k, f, v, t in evs:
        if f in state.FIELDS:
            count += plain.replay([(k, f, v, t)])
        else:
            count += plain.offer_extra(k, f, t, v)
    assert updated == count
    assert fast.extras.tags == plain.extras.tags and fast.extras.notes == plain.extras.notes
    assert fast.note_log == plain.note_log and fast.overlay == plain.overlay
    only = [e for e in evs if e[1] not in state.FIELDS]  # as read from a log of tags and notes only
    columns = _View(snap)
    got = columns.replay(Columns(*map(list, zip(*only, strict=True)), kinds=frozenset(e[1] for e in only))
                         if only else [])
    assert got == _View(snap).replay(only)
    assert columns.extras.tags == plain.extras.tags and columns.extras.notes == plain.extras.notes
    assert columns.note_log == plain.note_log


# -- deferred compaction --------------------------------------------------------------------------


@pytest.fixture
def long_log(tmp_path, monkeypatch) -> tuple[Path, dict[tuple[str, str], object]]:
    """A store whose log holds more than COMPACT_LOG_EVENTS tag and note events, and its state."""
    directory = tmp_path / "marks"
    store = StateStore(directory)
    store.load()
    changes: list[tuple[str, str, object]] = []
    for i in range(state.COMPACT_LOG_EVENTS // 2 + 500):
        changes.append((f"2401.{i:05d}", "tag:ml", True))
        changes.append((f"2401.{i:05d}", "note", f'note {i}: "quoted"\nsecond line'))
    store.apply(changes[: len(changes) // 2])
    store.set_note("2401.00000", "an earlier version")
    store.apply(changes[len(changes) // 2:])
    expected = {(e.key, e.field): e.value for e in store.events()}
    store.close()
    return directory, expected


def state_of(directory: Path) -> dict[tuple[str, str], object]:
    s = StateStore(directory)
    assert s.load() == []
    try:
        return {(e.key, e.field): e.value for e in s.events()}
    finally:
        planned, s._deferred = s._deferred, None  # (leave the files exactly as they are)
        if planned is not None:
            planned[1].set()
            planned[0].join()
        s.close()


def test_load_returns_before_compacting_and_the_worker_compacts(long_log, monkeypatch):
    directory, expected = long_log
    monkeypatch.setattr(deferred, "COMPACT_DELAY", 0.0)
    s = StateStore(directory)
    assert s.load() == []
    assert s.note("2401.00003") == 'note 3: "quoted"\nsecond line' and s.tags("2401.00003") == ("ml",)
    planned = s._deferred
    assert planned is not None
    planned[0].join(30)
    assert not s.needs_compaction()
    assert len((directory / state.LOG_NAME).read_text().splitlines()) == 1
    assert {(e.key, e.field): e.value for e in s.events()} == expected
    assert "an earlier version" in [e.value for e in s.note_versions("2401.00000")]
    s.close()
    assert state_of(directory) == expected


def test_close_does_a_compaction_not_started_yet(long_log, monkeypatch):
    directory, expected = long_log
    monkeypatch.setattr(deferred, "COMPACT_DELAY", 3600.0)
    s = StateStore(directory)
    s.load()
    s.close()
    assert len((directory / state.LOG_NAME).read_text().splitlines()) == 1
    assert state_of(directory) == expected


def test_a_short_command_compacts_at_exit(long_log):
    """A process that loads and exits without closing the store still compacts (after its work)."""
    directory, expected = long_log
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from reader.state import StateStore
        s = StateStore({str(directory)!r})
        s.load()
        print(s.note("2401.00001"))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout == 'note 1: "quoted"\nsecond line\n'
    assert len((directory / state.LOG_NAME).read_text().splitlines()) == 1
    assert state_of(directory) == expected


@pytest.mark.parametrize("seed", range(6))
def test_a_crash_during_a_deferred_compaction_loses_nothing(long_log, tmp_path, seed):
    """Kill the process at a random point of its deferred compaction: the store loads with every
    mark, and every note version is in the history or the log."""
    directory, expected = long_log
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from reader.state import StateStore, deferred
        deferred.COMPACT_DELAY = 0.0
        s = StateStore({str(directory)!r})
        s.load()
        print("LOADED", flush=True)
        s._deferred[0].join()
        print("DONE", flush=True)
        sys.stdin.read()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "LOADED\n"
        time.sleep(random.Random(seed).uniform(0.0, 0.4))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert state_of(directory) == expected
    versions: set[str] = set()
    for path in [directory / state.LOG_NAME, *sorted((directory / state.HISTORY_DIR).glob("*.jsonl"))]:
        if path.exists():
            for line in path.read_text().splitlines():
                obj = json.loads(line)
                if obj.get("field") == "note":
                    versions.add(obj["value"])
    assert "an earlier version" in versions
    s = StateStore(directory)
    s.load()
    s.close()  # the next load (here: its close) finishes the job
    assert len((directory / state.LOG_NAME).read_text().splitlines()) == 1
    assert state_of(directory) == expected
