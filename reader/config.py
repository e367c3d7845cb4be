"""User configuration (`config.toml`). No Textual here.

The configuration lives in the user config directory (platformdirs; `XDG_CONFIG_HOME` on
Linux, or `ARXIV_READER_CONFIG_DIR`)::

    # arxiv-reader configuration
    dwell_seconds = 2.0          # a paper shown this long is marked read; 0 turns it off

    [queries]                    # saved filters, applied with the keys 1-9
    1 = "cat:cs.CV is:unread"
    2 = "ti:segmentation | ti:detection"

    [keys]                       # remap keys by binding id (the ids are listed in the README)
    "app.toggle_read" = "m,x"

The filter history lives in `reader.history`; its names are re-exported here for old callers.
"""

from __future__ import annotations

import contextlib
import math
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .history import HISTORY_LIMIT, history_path, load_history, save_history
from .paths import user_dir

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

__all__ = [
    "HISTORY_LIMIT", "Config", "ConfigSaveError", "config_dir", "history_path", "load_config", "load_history",
    "save_config", "save_history", "save_queries",
]


def config_dir() -> Path:
    return user_dir("config")


@dataclass
class Config:
    dwell_seconds: float = 2.0
    queries: dict[int, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    """Binding id to a comma-separated list of keys (Textual's keymap)."""
    path: Path | None = None
    saved_queries: dict[int, str] = field(default_factory=dict, repr=False, compare=False)
    """The queries as they are in the file (as loaded or last saved): saving writes only the
    ones that differ, so an entry edited or removed by hand meanwhile is left alone."""

    def free_slot(self) -> int | None:
        return next((n for n in range(1, 10) if n not in self.queries), None)


def load_config(path: Path | None = None) -> tuple[Config, list[str]]:
    """The configuration, and one warning per problem (a bad file never stops the app)."""
    path = path or config_dir() / "config.toml"
    config = Config(path=path)
    warnings: list[str] = []
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return config, warnings
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        return config, [f"ignoring {path}: {err}"]
    dwell = data.get("dwell_seconds", config.dwell_seconds)
    if isinstance(dwell, (int, float)) and not isinstance(dwell, bool) and math.isfinite(dwell) and dwell >= 0:
        config.dwell_seconds = float(dwell)
    else:
        warnings.append(f"{path}: dwell_seconds must be a number of seconds >= 0; using 2")
    queries = data.get("queries", {})
    if not isinstance(queries, dict):
        warnings.append(f"{path}: [queries] must be a table")
        queries = {}
    for slot, text in queries.items():
        if str(slot) in {str(n) for n in range(1, 10)} and isinstance(text, str):
            config.queries[int(slot)] = text
        else:
            warnings.append(f"{path}: queries.{slot} ignored (keys are 1-9, values strings)")
    config.saved_queries = dict(config.queries)
    keys = data.get("keys", {})
    if isinstance(keys, dict) and all(isinstance(v, str) and v.strip() for v in keys.values()):
        config.keys = {str(k): v for k, v in keys.items()}
    else:
        warnings.append(f"{path}: [keys] must map binding ids to key names")
    for key in data:
        if key not in ("dwell_seconds", "queries", "keys"):
            warnings.append(f"{path}: unknown setting {key!r} ignored")
    return config, warnings


class ConfigSaveError(OSError):
    """The configuration file cannot be updated without losing what is in it.

    An `OSError` so that callers that already report a failed write report this too; `str()` is
    one line that says why.
    """


def _read_document(path: Path) -> TOMLDocument:
    """The file as a format-preserving document; a new one when it does not exist yet."""
    import tomlkit  # only when saving: it costs start-up time the app does not need
    import tomlkit.exceptions

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        doc = tomlkit.document()
        doc.add(tomlkit.comment("arxiv-reader configuration"))
        return doc
    except UnicodeDecodeError as err:
        raise ConfigSaveError(f"{path} is not UTF-8 text ({err.reason}); not saving over it") from err
    try:
        tomllib.loads(text)  # the reader's own parser must accept the file too
        doc = tomlkit.parse(text)
    except (tomllib.TOMLDecodeError, tomlkit.exceptions.TOMLKitError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigSaveError(f"{path} has an error ({reason}); fix it first, not saving over it") from err
    return doc


def _write_atomically(path: Path, text: str) -> None:
    target = path.resolve()  # a symlinked config (dotfiles) stays a symlink
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    with contextlib.suppress(FileNotFoundError):  # a private config stays private
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
    os.replace(tmp, target)


def save_queries(path: Path, queries: dict[int, str]) -> None:
    """Set these `[queries]` entries in the file, keeping everything else byte for byte.

    Comments, key order, other settings and entries not given are untouched. A file that cannot
    be parsed (or whose `queries` is not a table) is never rewritten: `ConfigSaveError`, whose
    text says why. Other `OSError`s come from reading or writing the file.
    """
    import tomlkit

    doc = _read_document(path)
    table = doc.get("queries")
    if table is None:
        table = tomlkit.table()
        doc.append("queries", table)
    elif not isinstance(table, dict):
        raise ConfigSaveError(f"{path}: queries is not a table; not saving over it")
    changed = False
    for slot, text in sorted(queries.items()):
        if table.get(str(slot)) != text:
            table[str(slot)] = text
            changed = True
    if not changed and path.exists():
        return
    text = tomlkit.dumps(doc)
    try:  # what we write must read back as what we meant
        written = tomllib.loads(text).get("queries", {})
    except tomllib.TOMLDecodeError as err:
        raise ConfigSaveError(f"{path}: saving would make the file unreadable ({err}); not saving") from err
    if any(written.get(str(slot)) != query for slot, query in queries.items()):
        raise ConfigSaveError(f"{path}: the [queries] table could not be updated in place; not saving")
    _write_atomically(path, text)


def save_config(config: Config) -> None:
    """Save the configuration's `[queries]` to its file; nothing else in the file changes.

    The app only ever changes saved queries; the rest of the file is the user's. Raises
    `ConfigSaveError` (an `OSError`) rather than overwrite a file it could not parse.
    """
    if config.path is None:
        raise ValueError("this configuration has no file")
    changed = {n: q for n, q in config.queries.items() if config.saved_queries.get(n) != q}
    save_queries(config.path, changed)
    config.saved_queries.update(changed)
