"""`arxiv-reader config path|show|check`, and the configured library as every command's default."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sample_digests" / "arxiv-cs.CV-2019-07-09.md"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reader", *args], capture_output=True, text=True, timeout=120)


def config_file() -> Path:
    path = Path(os.environ["ARXIV_READER_CONFIG_DIR"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_config_path() -> None:
    proc = run("config", "path")
    assert proc.returncode == 0 and proc.stdout == f"{config_file()}\n"


def test_config_show_defaults_and_set_keys(tmp_path: Path) -> None:
    proc = run("config", "show")
    assert proc.returncode == 0 and proc.stderr == ""
    assert "# library = (not set)" in proc.stdout
    assert tomllib.loads(proc.stdout)["navigator"] == "auto"
    config_file().write_text(f'library = "{tmp_path}"\ntheme = "nord"\n', encoding="utf-8")
    data = tomllib.loads(run("config", "show").stdout)
    assert data["library"] == str(tmp_path) and data["theme"] == "nord" and data["dwell_seconds"] == 2.0


def test_broken_config_is_reported_on_stderr_and_commands_go_on() -> None:
    config_file().write_text("dwell_seconds = 'slow'\nwho = 1\n", encoding="utf-8")
    proc = run("list", str(SEED))
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 46
    assert proc.stderr.splitlines() == [
        f"{config_file()}:1: dwell_seconds: must be a number of seconds >= 0; using 2",
        f"{config_file()}:2: who: unknown setting, ignored",
    ]
    check = run("config", "check")
    assert check.returncode == 1 and check.stderr == proc.stderr and "Traceback" not in check.stderr
    config_file().write_text("[queries\n", encoding="utf-8")
    proc = run("config", "show")
    assert proc.returncode == 0 and proc.stderr.startswith(f"{config_file()}:1: ")
    assert "Traceback" not in proc.stderr
    config_file().write_text("", encoding="utf-8")
    ok = run("config", "check")
    assert ok.returncode == 0 and ok.stdout == f"no problems in {config_file()}\n"


def test_commands_use_the_configured_library(tmp_path: Path) -> None:
    lib = tmp_path / "my library"
    lib.mkdir()
    shutil.copy(SEED, lib / "arxiv-cs.CV-2019-07-10.md")
    config_file().write_text(f"library = {str(lib)!r}\n", encoding="utf-8")
    listed = run("list", "--json")
    assert listed.returncode == 0 and f'"source": "{lib}' in listed.stdout
    checked = run("check")
    assert checked.returncode == 0 and checked.stdout == "no problems in 1 file (46 papers)\n"
    exported = run("export", "--format", "json")
    assert exported.returncode == 0 and exported.stdout.count("\n") == 46 and str(lib) in exported.stdout


def test_missing_configured_library_is_one_line_error(tmp_path: Path) -> None:
    config_file().write_text(f"library = {str(tmp_path / 'nowhere')!r}\n", encoding="utf-8")
    proc = run("list")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"arxiv-reader: error: the library {tmp_path / 'nowhere'} set in {config_file()} does not exist"]


def test_without_a_configured_library_the_samples() -> None:
    proc = run("check")
    assert proc.returncode == 0 and proc.stdout == "no problems in 1 file (46 papers)\n"
