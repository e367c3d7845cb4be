"""Where the app opens, and the "last view" record it reads for that (DECISIONS.md, "Opening").

On a first start, or when a newer digest arrived, the app opens on the newest digest with unread
papers; otherwise on the view, filter and cursor it showed at its last exit. The record is one
small JSON file per library in the state directory. No Textual.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .digests import ALL, Navigator, digest_view
from .paths import read_regular, user_dir


@dataclass(frozen=True, slots=True)
class LastView:
    """What the app showed at its last exit, per library."""

    view: str = ALL
    filter: str = ""
    cursor: str | None = None
    """The key of the paper under the cursor."""
    newest: tuple[str, ...] = ()
    """The newest announcement date then, followed by its digests' categories."""


@dataclass(frozen=True, slots=True)
class Opening:
    view: str
    cursor: str | None
    filter: str = ""
    restored: bool = False
    """True when the last view was restored rather than the newest digest chosen."""


def newest_marker(nav: Navigator) -> tuple[str, ...]:
    """What `LastView.newest` should hold for this library now."""
    date = nav.newest
    if date is None:
        return ()
    return (date, *(c or "" for c in nav.categories_on(date)))


def has_newer_digest(nav: Navigator, last: LastView | None) -> bool:
    """True on a first start, or when a digest newer than at the last exit exists: a later
    date, or a new category on the same newest date."""
    if last is None or not last.newest:
        return True
    now = newest_marker(nav)
    if not now:
        return False
    if now[0] != last.newest[0]:
        return now[0] > last.newest[0]
    return not set(now[1:]) <= set(last.newest[1:])


def opening(nav: Navigator, last: LastView | None, is_read: Callable[[str], bool]) -> Opening:
    """Where the app opens (DECISIONS.md, "Opening"): on a first start or when a newer digest
    arrived, the newest digest with unread papers, cursor on its first unread paper (all of the
    digest is shown); when everything is read, the newest digest. Otherwise the last view,
    filter and cursor (falling back to All when that view no longer exists)."""
    if has_newer_digest(nav, last):
        digests = nav.digests()
        for date, cat in digests:
            view = digest_view(date, cat)
            if nav.counts(view)[0]:
                keys = nav.keys(view)
                return Opening(view, next((k for k in keys if not is_read(k)), keys[0] if keys else None))
        if digests:
            view = digest_view(*digests[0])
            keys = nav.keys(view)
            return Opening(view, keys[0] if keys else None)
        return Opening(ALL, None)
    assert last is not None
    view = last.view if nav.has(last.view) else ALL
    return Opening(view, last.cursor, last.filter, restored=True)


def library_id(paths: Iterable[str | os.PathLike[str]]) -> str:
    """A short stable name for a library (its resolved paths, in any order)."""
    resolved = sorted(str(Path(p).expanduser().resolve()) for p in paths)
    return hashlib.sha256("\0".join(resolved).encode()).hexdigest()[:16]


def last_view_path(paths: Iterable[str | os.PathLike[str]]) -> Path:
    return user_dir("state") / "views" / f"{library_id(paths)}.json"


def load_last_view(paths: Iterable[str | os.PathLike[str]]) -> LastView | None:
    """The record saved at the last exit, or None (first start, or an unreadable record)."""
    try:
        data = json.loads(read_regular(last_view_path(paths), 1 << 20).decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    view, filt, cursor, newest = (data.get(k) for k in ("view", "filter", "cursor", "newest"))
    if not isinstance(view, str) or not isinstance(filt, str) or not (cursor is None or isinstance(cursor, str)):
        return None
    if not isinstance(newest, list) or not all(isinstance(x, str) for x in newest):
        return None
    return LastView(view, filt, cursor, tuple(newest))


def save_last_view(paths: Iterable[str | os.PathLike[str]], record: LastView) -> None:
    """Write the record atomically (a temporary file renamed over the old one). Raises OSError."""
    target = last_view_path(paths)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = {"view": record.view, "filter": record.filter, "cursor": record.cursor, "newest": list(record.newest)}
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
