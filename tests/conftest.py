"""Every test runs with its own data, cache and config directories, never the user's.

Hypothesis profiles, picked with the HYPOTHESIS_PROFILE environment variable (default "ci"):

- ``ci``: what CI runs. 1,500 examples for each property test that does not set its own count;
  the fuzz tests (tests/test_fuzz.py) generate well over 10,000 inputs between them.
- ``dev`` (alias ``long``): a longer hunt for developers, 25,000 examples per property test
  (minutes each), and the complexity checks of tests/test_fuzz.py over every pathological pattern.
  ``HYPOTHESIS_PROFILE=dev python -m pytest -q tests/test_fuzz.py``
- ``quick``: 50 examples each, for editing the tests themselves.

No profile has a deadline: a busy machine must not fail a test. Super-linear behaviour is caught by
the complexity checks instead (inputs 10x apart, see DECISIONS).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

_CI = settings(max_examples=1500, deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", _CI)
settings.register_profile("dev", _CI, max_examples=25_000)
settings.register_profile("long", _CI, max_examples=25_000)
settings.register_profile("quick", _CI, max_examples=50)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path, monkeypatch):
    for name in ("DATA", "CACHE", "CONFIG", "STATE"):
        path = tmp_path / f"user-{name.lower()}"
        monkeypatch.setenv(f"ARXIV_READER_{name}_DIR", str(path))
        monkeypatch.setenv(f"XDG_{name}_HOME", str(path))
    return tmp_path
