"""Where the app keeps its files: one function, so every module agrees.

Each kind of file has a platformdirs directory (on Linux, honouring the XDG variables) and an
override, ``ARXIV_READER_<KIND>_DIR``, that tests, benchmarks and unusual setups use.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "arxiv-reader"
_PLATFORM = {
    "data": platformdirs.user_data_dir,      # read/star marks
    "config": platformdirs.user_config_dir,  # config.toml
    "state": platformdirs.user_state_dir,    # filter history
    "cache": platformdirs.user_cache_dir,    # parsed digests
}


def user_dir(kind: str) -> Path:
    override = os.environ.get(f"ARXIV_READER_{kind.upper()}_DIR")
    if override:
        return Path(override).expanduser()
    return Path(_PLATFORM[kind](APP, appauthor=False))
