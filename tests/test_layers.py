"""Only the view imports Textual: every other module of `reader` loads without Textual or rich.

Each module is imported in a fresh interpreter, so one module cannot hide another's import.
Modules are found by walking the package, so a new module is covered without editing this file.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import reader

ROOT = Path(__file__).resolve().parents[1]

# The view, and the benchmark's part that drives it, are the only places allowed Textual.
VIEW = ("reader.ui", "reader.bench.ui")
# Entry points that run a program when imported.
ENTRY_POINTS = ("reader.__main__", "reader.bench.__main__")
UI_LIBRARIES = ("textual", "rich")


def core_modules() -> list[str]:
    names = ["reader"]
    for info in pkgutil.walk_packages(reader.__path__, "reader."):
        name = info.name
        if name in ENTRY_POINTS or any(name == v or name.startswith(v + ".") for v in VIEW):
            continue
        names.append(name)
    return sorted(names)


CHECK = """
import importlib, json, sys
name = sys.argv[1]
importlib.import_module(name)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2:]))))
"""


def test_the_walk_finds_the_layers():
    modules = core_modules()
    for expected in ("reader.state", "reader.state.store", "reader.config", "reader.history",
                     "reader.bench.core", "reader.cli"):
        assert expected in modules
    assert not any(m.startswith("reader.ui") or m == "reader.bench.ui" for m in modules)


@pytest.mark.parametrize("module", core_modules())
def test_module_imports_no_ui_library(module):
    proc = subprocess.run([sys.executable, "-c", CHECK, module, *UI_LIBRARIES], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [], f"{module} loads a UI library"


def test_the_check_sees_a_ui_import():
    """The check itself works: the view does load Textual."""
    proc = subprocess.run([sys.executable, "-c", CHECK, "reader.bench.ui", *UI_LIBRARIES],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == ["rich", "textual"]
