"""The `[keys]` table checked against the app's bindings and Textual's key names.

A remap is refused, and its default kept, when the binding id is unknown (`app.toggle_red`),
a key name cannot be pressed (`"notakey!!"`), or a key is already another action's in the
same context (`"app.quit" = "j"`: `j` is the list's Down). Each problem is one
``FILE:LINE: keys.ID: message`` line (reader/config.py has the format).
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from textual.binding import Binding
from textual.keys import Keys
from textual.screen import ModalScreen

from ..config import Config, key_line

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
NAMED_KEYS = frozenset(k.value for k in Keys if not k.value.startswith("<")) | {"ctrl+at"}

Context = dict[str, tuple[str, ...]]
"""Binding id to its keys, for the bindings active together (one focused widget plus the app)."""


def key_name_ok(key: str) -> bool:
    """A key Textual can report: ``j``, ``J``, ``ctrl+s``, ``question_mark``, ``f5``, ``shift+tab``."""
    *mods, name = key.split("+")
    if not name or any(m not in MODIFIERS for m in mods):
        return False
    if key in NAMED_KEYS or name in NAMED_KEYS:
        return True
    if len(name) == 1:
        return name.isprintable() and not name.isspace()
    try:
        return len(unicodedata.lookup(name.upper().replace("_", " "))) == 1
    except KeyError:
        return False


def _split(keys: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in keys.split(","))


def _binding_classes() -> Iterator[tuple[str, bool, list[Binding]]]:
    """(class name, modal, bindings with ids) of every class in reader.ui that declares BINDINGS."""
    from . import app  # noqa: F401  (loads every widget of the app)

    seen: set[int] = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("reader.ui") or module is None:
            continue
        for obj in list(vars(module).values()):
            bindings = vars(obj).get("BINDINGS") if isinstance(obj, type) else None
            if not bindings or id(obj) in seen:
                continue
            seen.add(id(obj))
            found = [b for b in bindings if isinstance(b, Binding) and b.id]
            yield obj.__name__, issubclass(obj, ModalScreen), found


def contexts() -> list[Context]:
    """The sets of bindings active at once: the app's with each widget's; each modal screen's alone."""
    app_keys: Context = {}
    widgets: list[Context] = []
    for cls_name, modal, bindings in _binding_classes():
        own = {b.id: _split(b.key) for b in bindings if b.id}
        if cls_name == "ReaderApp":
            app_keys.update(own)
        elif modal:
            widgets.append(own)
        else:
            widgets.append({"": (), **own})  # "" marks a context that the app's bindings join
    from .bindings import APP_BINDINGS

    app_keys.update({b.id: _split(b.key) for b in APP_BINDINGS if isinstance(b, Binding) and b.id})
    out = [app_keys]
    for ctx in widgets:
        if "" in ctx:
            del ctx[""]
            out.append({**app_keys, **ctx})
        else:
            out.append(ctx)
    return out


def check_keys(config: Config) -> tuple[dict[str, str], list[str]]:
    """The keymap to apply (the valid remaps) and one line per refused remap."""
    path = config.path or Path("config.toml")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    problems: list[tuple[int, str]] = []

    def problem(binding_id: str, message: str, then: str = "keeping the default") -> None:
        line = key_line(text, binding_id, "keys")
        problems.append((line, f"{path}:{line}: keys.{binding_id}: {message}; {then}"))

    ctxs = contexts()
    known = {binding_id for ctx in ctxs for binding_id in ctx}
    keymap: dict[str, str] = {}
    for binding_id, keys in config.keys.items():
        if binding_id not in known:
            problem(binding_id, "unknown binding id (the ids are listed in the README)", "ignored")
            continue
        bad = [k for k in _split(keys) if not key_name_ok(k)]
        if bad:
            problem(binding_id, f"{bad[0]!r} is not a key name (examples: x, X, ctrl+x, f5, question_mark)")
            continue
        keymap[binding_id] = keys
    effective = [{i: _split(keymap[i]) if i in keymap else k for i, k in ctx.items()} for ctx in ctxs]
    for binding_id in list(keymap):
        clash = _clash(binding_id, effective)
        if clash is not None:
            key, other = clash
            problem(binding_id, f"{key!r} is already {other}'s key")
            del keymap[binding_id]
            for ctx, original in zip(effective, ctxs, strict=True):
                if binding_id in ctx:
                    ctx[binding_id] = original[binding_id]
    return keymap, [p for _, p in sorted(problems, key=lambda p: p[0])]


def _clash(binding_id: str, effective: list[Context]) -> tuple[str, str] | None:
    for ctx in effective:
        mine = ctx.get(binding_id)
        if mine is None:
            continue
        for other, keys in ctx.items():
            if other != binding_id and (same := set(mine) & set(keys)):
                return sorted(same)[0], other
    return None
