"""A regular (non-editable) install carries the sample digests and the stylesheet."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_the_samples_and_the_stylesheet(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path),
                           str(ROOT)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    [wheel] = tmp_path.glob("arxiv_digest_reader-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "reader/sample_digests/arxiv-cs.CV-2019-07-09.md" in names
    assert "reader/ui/app.tcss" in names
    assert "reader/cli.py" in names and not any(n.startswith("tests/") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "arxiv-reader = reader.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
