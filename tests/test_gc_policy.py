"""When the collector runs while a library loads (reader/gc_policy.py): no automatic or idle
passes during the load, Python's own setting back after it, nested and from several threads."""

from __future__ import annotations

import gc
import threading

from reader.gc_policy import IdleCollector, paused


def test_paused_stops_automatic_collection_and_gives_it_back() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_a_pause_in_another_thread_keeps_it_off_until_both_end() -> None:
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with paused():
            inside.set()
            leave.wait(10)

    t = threading.Thread(target=other)
    with paused():
        t.start()
        inside.wait(10)
    assert not gc.isenabled()  # the other thread still loads
    leave.set()
    t.join()
    assert gc.isenabled()


def test_paused_keeps_a_collector_that_was_off_off() -> None:
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_idle_collector_waits_while_a_library_loads() -> None:
    idle = IdleCollector()
    with paused():
        assert idle.tick(now=idle.last_input + 3600) is False  # idle and overdue, yet not now
    gc.collect()
    [object() for _ in range(10)]
    gc.collect(1)
    assert idle.tick(now=idle.last_input + 3600) is True


def test_garbage_frozen_with_a_load_is_swept_at_the_next_idle_moment() -> None:
    import weakref

    from reader.gc_policy import freeze_loaded

    class Node:
        other: object = None

    idle = IdleCollector()
    try:
        with paused():
            a, b = Node(), Node()
            a.other, b.other = b, a  # a cycle, garbage once dropped: only a pass frees it
            gone = weakref.ref(a)
            del a, b
            freeze_loaded()
        gc.collect()
        assert gone() is not None  # frozen with the library
        assert idle.tick(now=idle.last_input + 0.1) is False  # a key just came: not now
        assert idle.tick(now=idle.last_input + 5) is True
        assert gone() is None
    finally:
        gc.unfreeze()
