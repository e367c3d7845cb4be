"""Where the app keeps its files: one function, so every module agrees.

Each kind of file has a platformdirs directory (on Linux, honouring the XDG variables) and an
override, ``ARXIV_READER_<KIND>_DIR``, that tests, benchmarks and unusual setups use.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import platformdirs

APP = "arxiv-reader"
_PLATFORM = {
    "data": platformdirs.user_data_dir,      # read/star marks
    "config": platformdirs.user_config_dir,  # config.toml
    "state": platformdirs.user_state_dir,    # filter history
    "cache": platformdirs.user_cache_dir,    # parsed digests
}


DIGEST_PATTERNS = ("*.md", "*.txt", "*.xml", "*.atom", "*.rss", "*.rdf", "*.eml", "*.mbox")
"""The files a library folder is searched for: the default of the `file_patterns` config key."""


def valid_pattern(pattern: object) -> bool:
    """A file name pattern (``*.md``): a non-empty glob with no folder part and no NUL."""
    return (isinstance(pattern, str) and bool(pattern.strip()) and "/" not in pattern and os.sep not in pattern
            and "\0" not in pattern)


@functools.lru_cache(maxsize=16)
def name_matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a file name matches any of these glob patterns (case ignored, as ``*.MD`` is Markdown too)."""
    regex = re.compile("|".join(fnmatch.translate(p) for p in patterns) or "(?!)", re.IGNORECASE)
    return lambda name: regex.match(name) is not None


def user_dir(kind: str) -> Path:
    override = os.environ.get(f"ARXIV_READER_{kind.upper()}_DIR")
    if override:
        return Path(override).expanduser()
    return Path(_PLATFORM[kind](APP, appauthor=False))


class NotReadable(OSError):
    """A file that is there but is not read: a directory, a pipe or device, or too large."""


def unreadable_reason(st: os.stat_result, limit: int) -> str | None:
    """Why a file with this stat is not read, or None when it is a regular file within `limit`."""
    if stat.S_ISDIR(st.st_mode):
        return "is a directory"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a pipe, socket or device); skipped"
    if st.st_size > limit:
        return f"file too large ({st.st_size // 2**20} MB, the limit is {limit // 2**20} MB); skipped"
    return None


def read_regular(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most `limit`. O_NONBLOCK, so that a FIFO (or a file swapped for
    one) never blocks, and a link to /dev/zero is refused rather than read for ever: those raise
    `NotReadable`; other problems raise the usual `OSError`."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    try:
        problem = unreadable_reason(os.fstat(fd), limit)
        if problem:
            raise NotReadable(problem)
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    if left <= 0:
        raise NotReadable(f"file too large (over {limit // 2**20} MB); skipped")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
