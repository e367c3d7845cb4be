"""User configuration (`config.toml`) and the filter history. No Textual here.

The configuration lives in the user config directory (platformdirs; `XDG_CONFIG_HOME` on
Linux, or `ARXIV_READER_CONFIG_DIR`)::

    # arxiv-reader configuration
    dwell_seconds = 2.0          # a paper shown this long is marked read; 0 turns it off

    [queries]                    # saved filters, applied with the keys 1-9
    1 = "cat:cs.CV is:unread"
    2 = "ti:segmentation | ti:detection"

    [keys]                       # remap keys by binding id (the ids are listed in the README)
    "app.toggle_read" = "m,x"

The filter history is plain text, one query a line, in the user state directory.
"""

from __future__ import annotations

import json
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .paths import user_dir

HISTORY_LIMIT = 200


def config_dir() -> Path:
    return user_dir("config")


def history_path() -> Path:
    return user_dir("state") / "history.txt"


@dataclass
class Config:
    dwell_seconds: float = 2.0
    queries: dict[int, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    """Binding id to a comma-separated list of keys (Textual's keymap)."""
    path: Path | None = None

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
    keys = data.get("keys", {})
    if isinstance(keys, dict) and all(isinstance(v, str) and v.strip() for v in keys.values()):
        config.keys = {str(k): v for k, v in keys.items()}
    else:
        warnings.append(f"{path}: [keys] must map binding ids to key names")
    for key in data:
        if key not in ("dwell_seconds", "queries", "keys"):
            warnings.append(f"{path}: unknown setting {key!r} ignored")
    return config, warnings


def save_config(config: Config) -> None:
    """Write the configuration (atomically). Raises OSError."""
    assert config.path is not None
    lines = [
        "# arxiv-reader configuration (rewritten by the app when you save a query)",
        f"dwell_seconds = {config.dwell_seconds!r}",
        "",
        "[queries]",
    ]
    # A JSON string with ASCII escapes is a valid TOML basic string.
    lines += [f"{n} = {json.dumps(text)}" for n, text in sorted(config.queries.items())]
    if config.keys:
        lines += ["", "[keys]"] + [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in sorted(config.keys.items())]
    config.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = config.path.with_name(config.path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, config.path)


def load_history(path: Path | None = None) -> list[str]:
    path = path or history_path()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.split("\n") if line.strip()][-HISTORY_LIMIT:]


def save_history(entries: list[str], path: Path | None = None) -> None:
    """Best effort: losing the filter history is not worth an error."""
    path = path or history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("\n".join(e.replace("\n", " ") for e in entries[-HISTORY_LIMIT:]) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
