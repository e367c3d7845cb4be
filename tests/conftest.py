"""Every test runs with its own data, cache and config directories, never the user's."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, monkeypatch):
    for name in ("DATA", "CACHE", "CONFIG", "STATE"):
        path = tmp_path / f"user-{name.lower()}"
        monkeypatch.setenv(f"ARXIV_READER_{name}_DIR", str(path))
        monkeypatch.setenv(f"XDG_{name}_HOME", str(path))
    return tmp_path
