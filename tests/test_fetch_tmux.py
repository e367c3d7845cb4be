"""End to end, in tmux: the installed `arxiv-reader` fetching from a loopback server.

`arxiv-reader fetch` fills an empty library while the app runs on it, and the app shows the new
digest through live reload; then `R` fetches from inside the app, with its progress in the status
bar, and the new digest appears in the list and the navigator. The server (tests/test_fetch.py's,
on 127.0.0.1) replays real arXiv feeds: the RSS 2.0 listing of quant-ph for 2025-04-28 and the
RSS 1.0 listing of math announced on the evening of 2012-09-12 (US Eastern), the listing of
2012-09-13. `fetch_interval_s = 0` (allowed for hosts other than arxiv.org) keeps it fast.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_e2e_tmux import Terminal, reader_command
from .test_fetch import RSS, Reply, Server, empty_day

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

REAL = Path(__file__).parent / "data" / "real"
RDF = (REAL / "arxiv-rss1-math-2012-09-12.rdf").read_bytes()
QUANT_TITLE = "Self-Adjoint Time Operator in a Weighted Energy Space"  # the first item of the RSS
MATH_TITLE = "On the first time that an Ito process hits a barrier"  # the first item of the RDF


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


def configure(server: Server, library: Path) -> dict[str, str]:
    """config.toml in the test's own config directory; the environment for the installed command."""
    config = Path(os.environ["ARXIV_READER_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        f'dwell_seconds = 0\nlibrary = "{library}"\ncategories = ["quant-ph", "math"]\n'
        f'fetch_url = "{server.url}/rss/{{category}}"\nfetch_interval_s = 0\nfetch_timeout_s = 20\n',
        encoding="utf-8")
    return {k: os.environ[k] for k in os.environ if k.startswith(("ARXIV_READER_", "XDG_"))}


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_fetch_fills_an_empty_library_live_and_R_fetches_from_inside_the_app(server: Server, tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    env = configure(server, library)
    server.route("/rss/quant-ph", Reply(body=RSS))
    server.route("/rss/math", Reply(body=empty_day()))  # no announcement on the first fetch
    gate = threading.Event()
    term = Terminal(reader_command() + [str(library)], 120, 40, env=env)
    try:
        screen = term.wait_for("The library is empty. R fetches quant-ph, math into it.", timeout=60)
        assert "0 papers" in screen

        # From outside: the command fills the library; the running app picks it up (live reload).
        proc = subprocess.run(reader_command() + ["fetch"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, **env})
        assert (proc.returncode, proc.stderr) == (0, "")
        assert proc.stdout.splitlines() == [f"quant-ph: saved {library / '2025-04-28-quant-ph.xml'} (81 entries)",
                                            "math: no announcement (2026-12-05)"]
        assert files(library) == {"2025-04-28-quant-ph.xml": RSS}
        screen = term.wait_for("+81 papers: 2025-04-28 quant-ph", timeout=60)
        assert "81 papers" in screen and QUANT_TITLE[:40] in screen
        assert "The library is empty" not in screen

        # From inside: the next day math has an announcement; `R` fetches it, quant-ph is unchanged.
        server.route("/rss/math", Reply(body=RDF, headers={"Content-Type": "application/rdf+xml"}, gate=gate))
        term.keys("R")
        term.wait_for("fetching 1/2…", timeout=60)  # quant-ph done; math held back by the server
        assert files(library) == {"2025-04-28-quant-ph.xml": RSS}
        gate.set()
        term.wait_for("Fetch done: 1 saved, 1 unchanged.", timeout=60)
        screen = term.wait_for("+126 papers: 2012-09-13 math", timeout=60)
        assert "fetching" not in screen
        assert files(library) == {"2012-09-13-math.xml": RDF, "2025-04-28-quant-ph.xml": RSS}
        assert "207 papers" in screen
        # The navigator lists both days, each with its papers; the new one opens on its own papers.
        term.keys("d")
        screen = term.wait_for("Starred", timeout=30)
        assert re.search(r"2025-04-28 +81/81", screen) and re.search(r"2012-09-13 +126/126", screen), screen
        term.keys("End", "Enter")
        screen = term.wait_for("126 shown", timeout=30)
        assert MATH_TITLE[:29] in screen
        assert sorted(server.paths()) == ["/rss/math", "/rss/math", "/rss/quant-ph", "/rss/quant-ph"]
    finally:
        gate.set()
        term.close()
