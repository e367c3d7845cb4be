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

Top-level keys besides ``dwell_seconds``: ``library`` (the folder opened without PATH, ``~``
expanded), ``browser`` (a command with ``%u`` for the URL, run without a shell), ``theme`` (a
Textual theme name) and ``navigator`` (``"auto"``, ``"show"`` or ``"hide"``); for `fetch`:
``categories``, ``fetch_url``, ``api_url``, ``fetch_interval_s``, ``fetch_timeout_s``, ``fetch_max_mb``
and ``fetch_on_start``; ``osc52_max_kb`` (the most `Y` sends to the clipboard);
``unread_on_update`` (a bool: a read paper comes back unread when a newer version is announced);
``sync_dir`` (the synced folder marks are shared through, ``~`` expanded; see `reader.sync`);
``file_patterns`` (the file names a library folder is searched for, globs such as ``"*.md"``). A
problem in the file is reported as ``FILE:LINE: KEY: message`` and the
default is used for that key.
The filter history lives in `reader.history`; its names are re-exported here for old callers.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shlex
import stat
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .history import HISTORY_LIMIT, history_path, load_history, save_history
from .paths import DIGEST_PATTERNS, NotReadable, read_regular, user_dir, valid_pattern

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

__all__ = [
    "HISTORY_LIMIT", "Config", "ConfigSaveError", "config_dir", "history_path", "load_config", "load_history",
    "save_config", "save_history", "save_queries",
]

CATEGORY_RE = re.compile(r"[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?")
"""An arXiv category as the listings name it: ``cs.CV``, ``quant-ph``, ``cond-mat.mes-hall``."""
DEFAULT_FETCH_URL = "https://rss.arxiv.org/rss/{category}"
DEFAULT_API_URL = "http://export.arxiv.org/api/query"


CONFIG_MAX_BYTES = 1 << 20
"""A larger config file is not read (a real one is a few KB)."""


def config_dir() -> Path:
    return user_dir("config")


@dataclass
class Config:
    dwell_seconds: float = 2.0
    queries: dict[int, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    """Binding id to a comma-separated list of keys (Textual's keymap)."""
    path: Path | None = None
    library: Path | None = None
    """The library opened when no PATH is given (``~`` expanded); None: the bundled samples."""
    browser: str | None = None
    """A command line with ``%u`` for the URL, split like a shell would but run without one."""
    theme: str | None = None
    """A Textual theme name; None: the app's default."""
    navigator: str = "auto"
    """``auto`` (shown when the terminal is at least 140 columns wide), ``show`` or ``hide``."""
    export_dir: Path | None = None
    """Where `E` proposes to write an export (``~`` expanded); None: the current directory."""
    unread_on_update: bool = False
    """A read paper shows unread again when a newer version of it is announced (derived from
    the read mark's time; nothing is stored)."""
    saved_queries: dict[int, str] = field(default_factory=dict, repr=False, compare=False)
    """The queries as they are in the file (as loaded or last saved): saving writes only the
    ones that differ, so an entry edited or removed by hand meanwhile is left alone."""
    categories: list[str] = field(default_factory=list)
    """What `fetch` fetches when no CATEGORY is given."""
    fetch_url: str = DEFAULT_FETCH_URL
    """The RSS listing of one category; ``{category}`` is replaced by its name."""
    api_url: str = DEFAULT_API_URL
    """The arXiv API endpoint that `fetch --api` queries."""
    fetch_interval_s: float = 3.0
    """Seconds at least between two requests to one host (never below 3 for an arxiv.org host)."""
    fetch_timeout_s: float = 30.0
    fetch_max_mb: float = 50.0
    """A response larger than this many megabytes (10**6 bytes) is refused."""
    fetch_on_start: bool = False
    osc52_max_kb: float = 100.0
    """`Y` sends BibTeX up to this many KB (1024 bytes) through OSC 52; past it, it writes a file."""
    sync_dir: Path | None = None
    """The synced folder marks are shared through (``~`` expanded); None: marks are not synced."""
    views: dict[str, str] = field(default_factory=dict)
    """``[views]``: smart views, name -> query (each parses; navigator rows with live counts)."""
    file_patterns: tuple[str, ...] = DIGEST_PATTERNS
    """The file names a library folder is searched for (globs matched against the name, case
    ignored); files named explicitly are read whatever their name."""

    def free_slot(self) -> int | None:
        return next((n for n in range(1, 10) if n not in self.queries), None)


NAVIGATOR_MODES = ("auto", "show", "hide")
TOP_LEVEL_KEYS = ("dwell_seconds", "library", "browser", "theme", "navigator", "export_dir", "queries", "keys",
                  "categories", "fetch_url", "api_url", "fetch_interval_s", "fetch_timeout_s", "fetch_max_mb",
                  "fetch_on_start", "osc52_max_kb",
                  "unread_on_update",
                  "watch", "hide", "sync_dir", "views", "file_patterns")


def key_line(text: str, key: str, table: str | None = None) -> int:
    """The line of `key` (in `[table]`, or at the top level) in a TOML text, found by a small
    scan (tomllib gives positions only for syntax errors); 1 when it cannot be found."""
    current: str | None = None
    pattern = re.compile(rf"""\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
    for n, line in enumerate(text.split("\n"), 1):
        header = re.match(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$", line)
        if header:
            current = header.group(1).strip("\"'")
            if table is None and current == key:
                return n
        elif current == table and pattern.match(line):
            return n
    return 1


def _syntax_line(err: tomllib.TOMLDecodeError) -> int:
    m = re.search(r"at line (\d+)", str(err))
    return int(m.group(1)) if m else 1


def load_config(path: Path | None = None) -> tuple[Config, list[str]]:
    """The configuration, and one ``FILE:LINE: KEY: message`` per problem. A bad file never
    stops the app: what could not be read keeps its default."""
    path = path or config_dir() / "config.toml"
    config = Config(path=path)
    try:
        text = read_regular(path, CONFIG_MAX_BYTES).decode("utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        return config, []
    except NotReadable as err:  # a FIFO or a link to /dev/zero never blocks the start
        return config, [f"{path}:1: {err}; using the defaults"]
    except UnicodeDecodeError as err:
        return config, [f"{path}:1: not UTF-8 text ({err.reason}); using the defaults"]
    except tomllib.TOMLDecodeError as err:
        return config, [f"{path}:{_syntax_line(err)}: {err}; using the defaults"]
    except OSError as err:
        return config, [f"{path}:1: cannot read: {err.strerror or err}; using the defaults"]

    found: list[tuple[int, str]] = []

    def warn(key: str, message: str, table: str | None = None) -> None:
        name = f"{table}.{_short(key)}" if table else _short(key)  # a key may hold any character
        line = key_line(text, key, table)
        found.append((line, f"{path}:{line}: {name}: {message}"))

    dwell = data.get("dwell_seconds", config.dwell_seconds)
    if isinstance(dwell, (int, float)) and not isinstance(dwell, bool) and math.isfinite(dwell) and dwell >= 0:
        config.dwell_seconds = float(dwell)
    else:
        warn("dwell_seconds", "must be a number of seconds >= 0; using 2")
    _load_new_keys(data, config, warn)
    _load_fetch_keys(data, config, warn)
    _load_tables(data, config, warn)
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            warn(key, "unknown setting, ignored")
    return config, [problem for _, problem in sorted(found, key=lambda f: f[0])]


def _load_tables(data: dict[str, object], config: Config, warn: Callable[..., None]) -> None:
    queries = data.get("queries", {})
    if not isinstance(queries, dict):
        warn("queries", "must be a table")
        queries = {}
    for slot, query in queries.items():
        if str(slot) in {str(n) for n in range(1, 10)} and isinstance(query, str):
            config.queries[int(slot)] = query
        else:
            warn(str(slot), "ignored (keys are 1-9, values strings)", "queries")
    config.saved_queries = dict(config.queries)
    keys = data.get("keys", {})
    if isinstance(keys, dict) and all(isinstance(v, str) and v.strip() for v in keys.values()):
        config.keys = {str(k): v for k, v in keys.items()}
    else:
        warn("keys", "must map binding ids to key names")
    _load_views(data, config, warn)


MAX_VIEWS = 100
"""More ``[views]`` than this are ignored (each is a navigator row with live counts)."""


def _load_views(data: dict[str, object], config: Config, warn: Callable[..., None]) -> None:
    """``[views]``: name = "query"; a view whose query does not parse is reported and skipped."""
    views = data.get("views")
    if views is None:
        return
    if not isinstance(views, dict):
        warn("views", "must be a table ([views]); ignored")
        return
    from .search import QueryError, parse  # only with views: the search package costs start-up time

    for name, query in views.items():
        shown = _short(str(name))
        if len(config.views) >= MAX_VIEWS:
            warn(str(name), f"more than {MAX_VIEWS} views; the rest ignored", "views")
            break
        if not str(name).strip() or not str(name).isprintable():
            warn(str(name), "a view name must be printable text; view skipped", "views")
            continue
        if not isinstance(query, str) or not query.strip():
            warn(str(name), f'needs a query: {shown} = "is:unread tag:ml"; view skipped', "views")
            continue
        try:
            parse(query)
        except QueryError as err:
            warn(str(name), f"bad query: {err}; view skipped", "views")
            continue
        config.views[str(name)] = query


def _short(text: str, limit: int = 40) -> str:
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _load_new_keys(data: dict[str, object], config: Config, warn: Callable[[str, str], None]) -> None:
    for key in ("library", "export_dir", "sync_dir"):
        folder = data.get(key)
        if folder is None:
            continue
        if isinstance(folder, str) and folder.strip() and "\0" not in folder:
            setattr(config, key, Path(folder).expanduser())
        else:
            warn(key, "must be a folder name (a string)")
    browser = data.get("browser")
    if browser is not None:
        try:
            ok = isinstance(browser, str) and bool(shlex.split(browser))
        except ValueError:
            ok = False
        if ok:
            config.browser = str(browser)
        else:
            warn("browser", 'must be a command such as "firefox --new-tab %u"')
    _load_looks(data, config, warn)
    unread_on_update = data.get("unread_on_update")
    if unread_on_update is not None:
        if isinstance(unread_on_update, bool):
            config.unread_on_update = unread_on_update
        else:
            warn("unread_on_update", "must be true or false; using false")
    patterns = data.get("file_patterns")
    if patterns is not None:
        if isinstance(patterns, list) and patterns and all(valid_pattern(p) for p in patterns):
            config.file_patterns = tuple(dict.fromkeys(str(p) for p in patterns))
        else:
            warn("file_patterns", 'must be a list of file name patterns such as ["*.md", "*.txt"]; using the default')


def _load_looks(data: dict[str, object], config: Config, warn: Callable[[str, str], None]) -> None:
    theme = data.get("theme")
    if theme is not None:
        if isinstance(theme, str) and theme.strip():
            config.theme = theme.strip()
        else:
            warn("theme", "must be a theme name (a string)")
    navigator = data.get("navigator")
    if navigator is not None:
        if navigator in NAVIGATOR_MODES:
            config.navigator = str(navigator)
        else:
            warn("navigator", 'must be "auto", "show" or "hide"; using "auto"')


def _is_url(value: object, template: bool = False) -> bool:
    return (isinstance(value, str) and re.match(r"https?://[^/\s]", value) is not None
            and not any(c.isspace() or ord(c) < 32 for c in value) and (not template or "{category}" in value))


def _number(value: object, low: float, high: float) -> float | None:
    """`value` as a float when it is a number in [low, high], else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high:
        return float(value)
    return None


def _load_fetch_keys(data: dict[str, object], config: Config, warn: Callable[[str, str], None]) -> None:
    categories = data.get("categories")
    if categories is not None:
        if isinstance(categories, list) and all(isinstance(c, str) and CATEGORY_RE.fullmatch(c) for c in categories):
            config.categories = [str(c) for c in categories]
        else:
            warn("categories", 'must be a list of arXiv categories such as ["cs.CV", "quant-ph"]')
    for key, template in (("fetch_url", True), ("api_url", False)):
        url = data.get(key)
        if url is None:
            continue
        if _is_url(url, template):
            setattr(config, key, str(url))
        else:
            warn(key, "must be an http:// or https:// URL" + (" with {category} in it" if template else ""))
    for key, low, high, text in (("fetch_interval_s", 0, 3600, "a number of seconds from 0 to 3600"),
                                 ("fetch_timeout_s", 0.001, 600, "a number of seconds above 0, up to 600"),
                                 ("fetch_max_mb", 0.001, 10_000, "a number of megabytes above 0"),
                                 ("osc52_max_kb", 0, 1_000_000, "a number of kilobytes, 0 or more")):
        if key in data:
            number = _number(data[key], low, high)
            if number is None:
                warn(key, f"must be {text}; using {getattr(config, key):g}")
            else:
                setattr(config, key, number)
    on_start = data.get("fetch_on_start")
    if on_start is not None:
        if isinstance(on_start, bool):
            config.fetch_on_start = on_start
        else:
            warn("fetch_on_start", "must be true or false")


def browser_command(command: str, url: str) -> list[str]:
    """The argument list that opens `url` with a configured `browser` command (no shell):
    ``%u`` replaced by the URL, or the URL added at the end when there is no ``%u``.
    Raises ValueError for a command that cannot be split (unbalanced quotes)."""
    args = shlex.split(command)
    if not any("%u" in a for a in args):
        return [*args, url]
    return [a.replace("%u", url) for a in args]


def _toml_value(value: object) -> str:
    # A JSON string with ASCII escapes is a valid TOML basic string; numbers print as TOML does.
    return json.dumps(value) if isinstance(value, str) else repr(value)


def show_config(config: Config) -> str:
    """The effective configuration, defaults included, as TOML; unset keys as comments."""
    lines = [f"# arxiv-reader configuration: {config.path}", "", f"dwell_seconds = {config.dwell_seconds!r}"]
    for key in ("library", "browser", "theme"):
        value = getattr(config, key)
        lines.append(f"{key} = {_toml_value(str(value))}" if value is not None else f"# {key} = (not set)")
    lines.append(f"navigator = {_toml_value(config.navigator)}")
    export_dir = config.export_dir
    lines.append(f"export_dir = {_toml_value(str(export_dir))}" if export_dir is not None
                 else "# export_dir = (not set: the current directory)")
    lines += _fetch_lines(config, show=True)
    lines.append("unread_on_update = true" if config.unread_on_update else "# unread_on_update = false (not set)")
    lines.append(f"sync_dir = {_toml_value(str(config.sync_dir))}" if config.sync_dir is not None
                 else "# sync_dir = (not set: marks are not shared)")
    patterns = f"file_patterns = [{', '.join(_toml_value(p) for p in config.file_patterns)}]"
    lines.append(patterns if config.file_patterns != DIGEST_PATTERNS else f"# {patterns} (not set)")
    lines += ["", "[queries]"]
    lines += [f"{n} = {_toml_value(q)}" for n, q in sorted(config.queries.items())]
    lines += ["", "[keys]"] + [f"{_toml_value(k)} = {_toml_value(v)}" for k, v in sorted(config.keys.items())]
    if config.views:
        lines += ["", "[views]"] + [f"{_toml_value(k)} = {_toml_value(v)}" for k, v in config.views.items()]
    return "\n".join(lines) + "\n"


def _fetch_lines(config: Config, show: bool) -> list[str]:
    """The fetch keys as TOML lines: all of them (`show`), else only those not at their default."""
    default = Config()
    lines = []
    if config.categories or show:
        cats = ", ".join(json.dumps(c) for c in config.categories)
        lines.append(f"categories = [{cats}]" if config.categories else "# categories = (not set)")
    for key in ("fetch_url", "api_url", "fetch_interval_s", "fetch_timeout_s", "fetch_max_mb", "fetch_on_start",
                "osc52_max_kb"):
        value = getattr(config, key)
        if show or value != getattr(default, key):
            lines.append(f"{key} = {str(value).lower() if isinstance(value, bool) else _toml_value(value)}")
    return lines


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
