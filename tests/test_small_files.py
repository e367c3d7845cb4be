"""The small files the reader reads at start (config, filter history, last view) never block on
a FIFO and are never read without end from a device (a link to /dev/zero)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader.config import load_config
from reader.history import load_history
from reader.paths import NotReadable, read_regular


def test_a_fifo_config_is_one_problem_and_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    os.mkfifo(path)
    config, problems = load_config(path)  # must not block
    assert config.dwell_seconds == 2.0
    assert len(problems) == 1 and "not a regular file" in problems[0] and problems[0].startswith(f"{path}:1:")


def test_a_config_linked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.symlink_to("/dev/zero")
    config, problems = load_config(path)
    assert len(problems) == 1 and "not a regular file" in problems[0]


def test_history_from_a_fifo_or_device_is_empty(tmp_path: Path) -> None:
    fifo = tmp_path / "history"
    os.mkfifo(fifo)
    assert load_history(fifo) == []
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    assert load_history(zero) == []


def test_read_regular_limits_the_size(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 2048)
    assert read_regular(big, 4096) == b"x" * 2048
    with pytest.raises(NotReadable, match="too large"):
        read_regular(big, 1024)
    with pytest.raises(NotReadable, match="directory"):
        read_regular(tmp_path, 1024)
