"""The store's bulk merge (reader/state/bulk.py): the synced folder's start-up path.

It must give exactly what `StateStore.merge` gives, whatever the events, the store's state
before and the order; its fast parse must read exactly what the per-line parse reads; and a
crash in the middle of its append must lose nothing and be redone at the next start."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.state import Event, StateStore
from reader.state.bulk import Checked, _each_line, _slow_block, parse_checked
from reader.state.events import _event_line
from reader.sync import SyncFolder

_KEYS = st.sampled_from(["2401.00001", "2401.00002", "title:x", 'q"uote', "ü-key", "back\\slash"])
_TIMES = st.sampled_from([1.0, 2.0, 1764620000.123456])
_EVENTS = st.one_of(
    st.builds(Event, _KEYS, st.sampled_from(["read", "starred", "tag:a", "tag:b"]), st.booleans(), _TIMES),
    st.builds(Event, _KEYS, st.just("note"), st.one_of(st.none(), st.sampled_from(["x", "y", "ü\n2"])), _TIMES),
)


def _state(store: StateStore) -> tuple[set[Event], dict[str, list[Event]]]:
    keys = {e.key for e in store.events()}
    return set(store.events()), {k: store.note_versions(k) for k in sorted(keys)}


def _lines(events: list[Event]) -> bytes:
    return "".join(_event_line(e.key, e.field, e.value, e.time) for e in events).encode()


_FEW = st.sampled_from(["2401.00001", 'q"uote'])
_CLASHES = st.builds(Event, _FEW, st.sampled_from(["read", "tag:a"]), st.booleans(), _TIMES)  # ties


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.lists(_EVENTS, max_size=12), incoming=st.lists(st.one_of(_EVENTS, _CLASHES), max_size=30),
       compact=st.booleans(), via_text=st.booleans())
def test_bulk_merge_gives_the_state_event_by_event_merge_gives(tmp_path_factory, before, incoming, compact,
                                                               via_text):
    root = tmp_path_factory.mktemp("bulk")
    ref, bulk = StateStore(root / "ref"), StateStore(root / "bulk")
    for store in (ref, bulk):
        store.load()
        store.merge(before)
        if compact:
            store.compact()  # the state before is in the snapshot, not the overlay
    for e in incoming:
        ref.merge([e])
    batch = parse_checked(_lines(incoming)) if via_text else Checked.of(incoming)
    result = bulk.merge_checked(batch)
    assert _state(bulk) == _state(ref)
    again = StateStore(root / "bulk")  # and the same from the disk
    again.load()
    assert _state(again) == _state(ref)
    assert bulk.merge_checked(batch).span is None  # merging twice changes nothing
    assert result.keys <= {e.key for e in incoming}


@settings(max_examples=60, deadline=None)
@given(events=st.lists(st.builds(Event, _KEYS, st.sampled_from(["read", "starred"]), st.booleans(), _TIMES),
                       min_size=1, max_size=40))
def test_fast_parse_reads_what_the_per_line_parse_reads(events):
    data = _lines(events)
    fast = parse_checked(data)
    assert fast.events() == _slow_block(data).events()
    plain = all('"' not in e.key and "\\" not in e.key for e in events)
    assert (fast.bodies is not None) == plain  # copied byte for byte only when written as is
    if fast.bodies is not None:
        assert b"".join(fast.bodies) == data


_GOOD = b'{"id": "2401.00001", "field": "read", "value": true, "time": 1764620000.5}\n'
_ODD = [
    b'{"id": "2401.00002", "field": "read", "value": true, "time": 01.5}\n',  # leading zero
    b'{"id": "2401.00002", "field": "read", "value": true, "time": .5}\n',
    b'{"id": "2401.00002", "field": "read", "value": true, "time": 5.}\n',
    b'{"id": "2401.00002", "field": "read", "value": true, "time": 1.2.3}\n',
    b'{"id": "2401.00002", "field": "read", "value": true, "time": 1e400}\n',
    b'{"id": "", "field": "read", "value": true, "time": 5}\n',
    b'{"id": "a\tb", "field": "read", "value": true, "time": 5}\n',
    b'{"id": "a", "field": "read", "value": true, "time": 5, "field": "read", "value": true, "time": 6}\n',
    b'{"id": "a", "field": "read", "value": true, "time": 5}\n{"id": "b}\n',
    b'{"id": "\xff", "field": "read", "value": true, "time": 5}\n',
    b'{"format": "arxiv-reader-marks", "version": 2, "kind": "sync"}\n',
    b'{"id": "a", "field": "read", "value": "yes", "time": 5}\n',
    b'[' * 100_000 + b'\n',
]


def test_odd_lines_never_take_the_fast_path_nor_hide_their_neighbours():
    for odd in _ODD:
        data = _GOOD * 3 + odd + _GOOD
        got = parse_checked(data)
        assert got.bodies is None, odd
        assert got.events() == [Event(k, f, v, t) for k, f, v, t in _each_line(data)
                                if k and (f != "read" or isinstance(v, bool))], odd
        assert got.events().count(Event("2401.00001", "read", True, 1764620000.5)) == 4


def test_many_blocks_some_fast_some_not(monkeypatch):
    import reader.state.bulk as bulk

    monkeypatch.setattr(bulk, "BLOCK", 200)
    events = [Event(f"2401.{i:05d}", "read" if i % 3 else "starred", i % 2 == 0, 1.0 + i) for i in range(40)]
    events[17] = Event("2401.00017", "note", "a note", 18.0)
    data = _lines(events)
    got = parse_checked(data)
    assert got.events() == events
    assert got.bodies is None


def _machine(root: Path, name: str, shared: Path) -> tuple[StateStore, SyncFolder]:
    store = StateStore(root / name)
    store.load()
    return store, SyncFolder(store, shared)


def test_a_crash_in_the_middle_of_the_merge_loses_nothing_and_is_redone(tmp_path):
    shared = tmp_path / "Sync"
    a, fa = _machine(tmp_path, "a", shared)
    a.apply([(f"2401.{i:05d}", "read", True) for i in range(3000)])
    a.set_note("2401.00007", "a note from a")
    fa.push_new_local_events()
    b, fb = _machine(tmp_path, "b", shared)
    b.apply([("2401.00001", "starred", True), ("mine", "read", True)])
    fb.push_new_local_events()
    mine = set(b.events())
    b.close()
    fb.close()
    before = tmp_path / "b-before"
    shutil.copytree(tmp_path / "b", before)
    start = (before / "marks.log").stat().st_size
    b, fb = _machine(tmp_path, "b", shared)
    fb.catch_up()
    expected = _state(b)
    merged = (tmp_path / "b" / "marks.log").read_bytes()
    assert len(merged) > start + 3000 * 60
    b.close()
    fb.close()
    rng = random.Random(19)
    for cut in [start, start + 1, len(merged) - 1, *rng.sample(range(start, len(merged)), 12)]:
        crashed = tmp_path / f"b-{cut}"
        shutil.copytree(before, crashed)  # the sync state from before the merge (it is saved after)
        (crashed / "marks.log").write_bytes(merged[:cut])  # the append got this far
        store = StateStore(crashed)
        assert store.load() == []  # a torn last line is a write never acknowledged: no damage
        assert mine <= set(store.events())  # nothing that was there is lost
        folder = SyncFolder(store, shared)
        folder.catch_up()  # the next start merges again
        assert _state(store) == expected, cut
        folder.close()
        store.close()


def test_short_writes_of_a_multi_block_append_still_write_everything(tmp_path, monkeypatch):
    import os

    import reader.state.bulk as bulk

    monkeypatch.setattr(bulk, "BLOCK", 300)
    real_writev = os.writev

    def short_writev(fd, buffers):  # at most 100 bytes a call, across buffer boundaries
        data = b"".join(bytes(b) for b in buffers)[:100]
        return real_writev(fd, [data])

    monkeypatch.setattr(os, "writev", short_writev)
    events = [Event(f"2401.{i:05d}", "read", True, 10.0 + i) for i in range(50)]
    batch = parse_checked(_lines(events))
    assert batch.bodies is not None and len(batch.bodies) > 2
    store = StateStore(tmp_path / "s")
    store.load()
    result = store.merge_checked(batch)
    assert result.span is not None and result.span[2] - result.span[1] == len(_lines(events))
    again = StateStore(tmp_path / "s")
    assert again.load() == []
    assert set(again.events()) == set(events)


def test_a_merge_s_keys_behave_as_a_set():
    from reader.state.bulk import KeySet

    keys = KeySet([["a", "b"], ["b", "c"]])
    assert keys == {"a", "b", "c"} and len(keys) == 3 and "c" in keys and "d" not in keys
    assert {"d"} | keys == {"a", "b", "c", "d"} and keys | {"d"} == {"a", "b", "c", "d"}
    assert keys & {"a", "z"} == {"a"} and keys - {"a"} == {"b", "c"}
    assert not KeySet() and not KeySet([[]]) and KeySet() == set()


def test_nothing_past_the_end_given_is_read(monkeypatch):
    import reader.state.bulk as bulk

    monkeypatch.setattr(bulk, "BLOCK", 64)
    long_line = b'{"id": "' + b"x" * 200 + b'", "field": "read", "value": true, "time": 3}\n'
    data = _GOOD + long_line + _GOOD.replace(b"00001", b"00009")
    got = parse_checked(data, 0, len(_GOOD) + len(long_line))
    assert [e.key for e in got.events()] == ["2401.00001", "x" * 200]
    assert [e.key for e in parse_checked(data, len(_GOOD)).events()] == ["x" * 200, "2401.00009"]
