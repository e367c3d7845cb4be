"""Over SSH: a real OpenSSH server on 127.0.0.1, started by the test with a throwaway host key and
user key, an `ssh -tt` session inside tmux, and the reader driven through it with the DECISIONS
script (30 x j, /, 10 characters, Enter, m, s, Esc, q). The marks must be on disk afterwards.

Skipped, with the reason, where sshd or ssh is missing or the server cannot start (no privilege
separation directory, a sandbox that forbids it ...). `.ci/run` installs openssh-server when missing.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from reader.state import StateStore
from tests.test_e2e_tmux import Terminal, reader_command

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_digests"
SSHD = shutil.which("sshd") or next((p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.path.exists(p)), None)

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(SSHD is None, reason="OpenSSH's sshd is not installed (apt-get install openssh-server)"),
    pytest.mark.skipif(shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
                       reason="the OpenSSH client (ssh, ssh-keygen) is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sshd(tmp_path):
    """An sshd for this test only; yields (port, client options)."""
    d = tmp_path / "ssh"
    d.mkdir(mode=0o700)
    for name in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True, timeout=30)
    shutil.copy(d / "user_key.pub", d / "authorized_keys")
    port = free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_key'}\nPidFile {d / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\nStrictModes no\nUsePAM no\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
        "PubkeyAuthentication yes\nX11Forwarding no\nAllowTcpForwarding no\nPrintMotd no\nLogLevel VERBOSE\n")
    with open(d / "sshd.log", "wb") as log:  # the child keeps its own copy of the descriptor
        server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            if server.poll() is not None:
                why = (d / "sshd.log").read_text(errors="replace").strip()[-300:]
                hint = " (run as root, sshd needs it: mkdir -p /run/sshd)" if "/run/sshd" in why else ""
                pytest.skip(f"sshd cannot run here: {why}{hint}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.skip("sshd did not start listening within 10 s")
                time.sleep(0.1)
        options = ["-F", "/dev/null", "-i", str(d / "user_key"), "-p", str(port), "-o", "IdentitiesOnly=yes",
                   "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                   "-o", f"UserKnownHostsFile={d / 'known_hosts'}", "-o", "LogLevel=ERROR"]
        probe = subprocess.run(["ssh", *options, "127.0.0.1", "true"], capture_output=True, text=True, timeout=30)
        if probe.returncode != 0:
            pytest.skip(f"cannot log in to the test sshd: {probe.stderr.strip()[-300:]}; "
                        f"server: {(d / 'sshd.log').read_text(errors='replace').strip()[-300:]}")
        yield port, options
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def test_mark_and_star_over_ssh(sshd, tmp_path):
    _port, options = sshd
    env = {k: os.environ[k] for k in os.environ if k.startswith(("ARXIV_READER_", "XDG_"))}
    config = Path(env["ARXIV_READER_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("dwell_seconds = 0\n")
    remote = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), "TERM=xterm-256color",
                         *reader_command(), str(SAMPLES)])
    term = Terminal(["ssh", "-tt", *options, "127.0.0.1", remote], 100, 30, env={})
    try:
        term.wait_for("46 shown", timeout=60)
        term.keys(*["j"] * 30, "/")
        term.type("segmentati")
        term.wait_for("filter: segmentati")
        term.keys("Enter")
        time.sleep(0.3)
        screen = term.screen()
        shown = re.search(r"(\d{4}\.\d{5}) · cs\.CV · 2019-07-09", screen)
        assert shown, screen
        paper = shown.group(1)
        term.keys("m", "s")
        time.sleep(0.5)
        term.keys("Escape")
        term.wait_for("46 shown")
        time.sleep(0.3)  # an Esc just before would make the q an Alt+q
        term.keys("q")
        deadline = time.monotonic() + 15
        while "46 shown" in term.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "46 shown" not in term.screen(), "the app did not quit"
    finally:
        term.close()
    store = StateStore(Path(env["ARXIV_READER_DATA_DIR"]))
    store.load()
    assert [(e.key, e.field, e.value) for e in store.events()] == [(paper, "read", True), (paper, "starred", True)]
