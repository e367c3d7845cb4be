"""A cached segment's row offsets are checked and narrowed at C speed (`_offsets`): the same
answer as the plain check, for every size and every kind of damage (a damaged entry is a miss)."""

from __future__ import annotations

import random
from array import array

import pytest

from reader.cache import CacheMiss
from reader.search.segments import _offsets

SIZES = [1, 2, 255, 256, 257, 300, 400, 511, 512, 513, 25_600, 65_535, 65_536, 65_537, 70_000]


def plain(rpost: array[int], n: int) -> array[int] | None:
    """What the check was before: None for damaged."""
    if rpost and not 0 <= min(rpost) <= max(rpost) < n:
        return None
    return array("H", rpost) if n <= 1 << 16 else rpost


@pytest.mark.parametrize("seed", range(8))
def test_offsets_agree_with_the_plain_check(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(1500):
        n = rng.choice([*SIZES, rng.randint(1, 70_000)])
        values = [rng.randrange(n) for _ in range(rng.randint(0, 40))]
        if values and rng.random() < 0.5:
            values[rng.randrange(len(values))] = rng.choice(
                [n, n + 1, n + 255, n + 256, -1, -65_536, 65_535, 65_536, 2**31 - 1, -(2**31), n - 1, 0,
                 rng.randint(-(2**31), 2**31 - 1)])  # fmt: skip
        rpost = array("i", values)
        want = plain(rpost, n)
        if want is None:
            with pytest.raises(CacheMiss):
                _offsets(rpost, n)
        else:
            got = _offsets(rpost, n)
            assert got.typecode == want.typecode and list(got) == list(want)


def test_an_offset_just_past_the_end_is_damage() -> None:
    for n in (256, 300, 512, 65_535):
        assert list(_offsets(array("i", [0, n - 1]), n)) == [0, n - 1]
        with pytest.raises(CacheMiss):
            _offsets(array("i", [0, n]), n)
