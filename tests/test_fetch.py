"""`arxiv-reader fetch` against a real HTTP server on 127.0.0.1, replaying real arXiv responses.

Every test asserts what is in the library afterwards. The server is started by the test; nothing
here reaches the internet (a DNS failure is simulated by failing the lookup itself). The fetcher's
clock and sleep are fakes that record each wait, so the politeness rules are checked exactly
without waiting for them.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader import __version__
from reader.cli import main
from reader.config import load_config, save_config
from reader.library import load
from reader.fetch import (
    FeedError,
    Fetcher,
    Settings,
    category_url,
    fetch_all,
    fetch_api,
    fetch_category,
    read_feed_info,
    retry_after_seconds,
    slug,
)

REAL = Path(__file__).parent / "data" / "real"
RSS = (REAL / "arxiv-rss2-quant-ph-2025-04-28.xml").read_bytes()
ATOM = (REAL / "arxiv-api-atom-2026.xml").read_bytes()
RSS_TYPE = "application/rss+xml; charset=utf-8"


def empty_day(rss: bytes = RSS) -> bytes:
    """The real feed as arXiv serves it on a day without an announcement: a channel, no items."""
    without_items = re.sub(rb"\s*<item>.*?</item>", b"", rss, flags=re.S)
    return without_items.replace(b"Mon, 28 Apr 2025 00:00:00 -0400", b"Sat, 05 Dec 2026 00:00:00 -0500")


# ------------------------------------------------------------------------------ the test server


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": RSS_TYPE})
    content_length: int | None = -1
    """-1: the body's length; None: no Content-Length header (the body ends when the connection closes)."""
    send_bytes: int | None = None
    """Send only this many bytes of the body, then close (a truncated transfer)."""
    hang: bool = False
    """Send nothing until the test ends (slower than any timeout)."""
    gate: threading.Event | None = None
    """Answer only once the test sets this event (to watch a fetch in progress)."""


class Server:
    """A scripted HTTP server: each path answers with its replies in turn, the last one repeating."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                server.requests.append((self.path, dict(self.headers.items())))
                replies = server.routes.get(urlsplit(self.path).path, [Reply(404, b"not found")])
                reply = replies.pop(0) if len(replies) > 1 else replies[0]
                if reply.hang:
                    server.release.wait(20)
                    return
                if reply.gate is not None:
                    reply.gate.wait(120)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.content_length is not None:
                    length = len(reply.body) if reply.content_length == -1 else reply.content_length
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(reply.body if reply.send_bytes is None else reply.body[: reply.send_bytes])

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        class Quiet(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up on a hung reply is expected here

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def route(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def paths(self) -> list[str]:
        return [urlsplit(p).path for p, _ in self.requests]

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


class FakeClock:
    """A monotonic clock that moves only when the fetcher sleeps; it records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))
        self.now += seconds


def make_fetcher(server: Server, clock: FakeClock, interval_s: float = 3.0, timeout_s: float = 10.0,
                 max_bytes: int = 50_000_000) -> Fetcher:
    settings = Settings(f"{server.url}/rss/{{category}}", f"{server.url}/api/query", interval_s, timeout_s, max_bytes)
    return Fetcher(settings, clock=clock.clock, sleep=clock.sleep)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    return folder


def files(folder: Path) -> dict[str, bytes]:
    """Everything in the library, temporary files included (there must be none)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------------------ a normal day


def test_a_normal_day_is_saved_unchanged_dated_by_the_feed(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(body=RSS))
    outcome = fetch_category(make_fetcher(server, FakeClock()), library, "quant-ph")
    assert files(library) == {"2025-04-28-quant-ph.xml": RSS}
    assert outcome.status == "saved"
    assert outcome.line == f"quant-ph: saved {library / '2025-04-28-quant-ph.xml'} (81 entries)"
    (path, headers), = server.requests
    assert path == "/rss/quant-ph"
    assert headers["User-Agent"].startswith(f"arxiv-digest-reader/{__version__} ")


def test_the_file_is_named_by_the_day_the_app_shows(server: Server, library: Path) -> None:
    """The legacy RDF feed of math is stamped 2012-09-12T20:30:00-05:00: announced that evening,
    US Eastern, it is the listing of 2012-09-13, the day the reader gives its digest. The file's
    name must say the same day (it once said 2012-09-12, the stamp's local date)."""
    rdf = (REAL / "arxiv-rss1-math-2012-09-12.rdf").read_bytes()
    server.route("/rss/math", Reply(body=rdf, headers={"Content-Type": "application/rdf+xml"}))
    outcome = fetch_category(make_fetcher(server, FakeClock()), library, "math")
    assert files(library) == {"2012-09-13-math.xml": rdf}
    assert outcome.line == f"math: saved {library / '2012-09-13-math.xml'} (126 entries)"
    assert {(d.date, d.category) for d in load([str(library)]).digests} == {("2012-09-13", "math")}


def test_the_same_day_again_is_unchanged_and_a_changed_feed_replaces_the_file(server: Server, library: Path) -> None:
    changed = RSS.replace(b"Self-Adjoint Time Operator", b"Self-Adjoint Time Operator (v2)")
    server.route("/rss/quant-ph", Reply(body=RSS), Reply(body=RSS), Reply(body=changed))
    fetcher = make_fetcher(server, FakeClock())
    assert fetch_category(fetcher, library, "quant-ph").status == "saved"
    stat = (library / "2025-04-28-quant-ph.xml").stat()
    again = fetch_category(fetcher, library, "quant-ph")
    assert again.status == "unchanged" and again.line == "quant-ph: unchanged (2025-04-28-quant-ph.xml)"
    after = (library / "2025-04-28-quant-ph.xml").stat()
    assert (after.st_ino, after.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)  # not even rewritten
    assert fetch_category(fetcher, library, "quant-ph").status == "updated"
    assert files(library) == {"2025-04-28-quant-ph.xml": changed}


def test_an_empty_day_writes_nothing_and_says_no_announcement(server: Server, library: Path) -> None:
    server.route("/rss/cs.CV", Reply(body=empty_day()))
    outcome = fetch_category(make_fetcher(server, FakeClock()), library, "cs.CV")
    assert outcome.status == "empty" and outcome.line == "cs.CV: no announcement (2026-12-05)"
    assert files(library) == {}


def test_an_api_search_is_saved_with_its_date_and_a_slug(server: Server, library: Path) -> None:
    server.route("/api/query", Reply(body=ATOM, headers={"Content-Type": "application/atom+xml"}))
    outcome = fetch_api(make_fetcher(server, FakeClock()), library, "all:testing", 10)
    assert files(library) == {"api-2026-04-12-all-testing.xml": ATOM}
    assert outcome.status == "saved" and outcome.line.endswith("(10 results)")
    query = parse_qs(urlsplit(server.requests[0][0]).query)
    assert query == {"search_query": ["all:testing"], "start": ["0"], "max_results": ["10"]}


def test_an_api_error_entry_is_a_failure(server: Server, library: Path) -> None:
    error = (b'<feed xmlns="http://www.w3.org/2005/Atom"><updated>2026-04-12T00:00:00Z</updated><entry>'
             b"<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>"
             b"<summary>incorrect id format for 1234</summary></entry></feed>")
    server.route("/api/query", Reply(body=error, headers={"Content-Type": "application/atom+xml"}))
    outcome = fetch_api(make_fetcher(server, FakeClock()), library, "id:1234", 5)
    assert outcome.status == "failed" and "incorrect id format for 1234" in outcome.line
    assert files(library) == {}


# ------------------------------------------------------------------------------ retries and politeness


def test_503_then_success_waits_and_saves(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(503, b"busy"), Reply(body=RSS))
    clock = FakeClock()
    assert fetch_category(make_fetcher(server, clock, interval_s=0), library, "quant-ph").status == "saved"
    assert clock.waits == [2.0]
    assert files(library) == {"2025-04-28-quant-ph.xml": RSS}


def test_backoff_doubles_and_gives_up_after_three_retries(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(502, b"bad gateway"))
    clock = FakeClock()
    outcome = fetch_category(make_fetcher(server, clock, interval_s=0), library, "quant-ph")
    assert clock.waits == [2.0, 4.0, 8.0] and len(server.requests) == 4
    assert outcome.status == "failed"
    assert outcome.line == f"quant-ph: {server.url}/rss/quant-ph: HTTP 502 Bad Gateway (after 3 retries)"
    assert files(library) == {}


def test_429_honours_retry_after(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(429, b"slow down", {"Retry-After": "7"}), Reply(body=RSS))
    clock = FakeClock()
    assert fetch_category(make_fetcher(server, clock), library, "quant-ph").status == "saved"
    assert clock.waits == [7.0]
    assert files(library) == {"2025-04-28-quant-ph.xml": RSS}


def test_a_retry_after_beyond_reason_fails_instead_of_stalling(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(503, b"", {"Retry-After": "86400"}))
    clock = FakeClock()
    outcome = fetch_category(make_fetcher(server, clock), library, "quant-ph")
    assert outcome.status == "failed" and "asks to wait 86400 s" in outcome.line
    assert clock.waits == [] and files(library) == {}


def test_other_4xx_are_not_retried(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(404, b"<html>no such page</html>", {"Content-Type": "text/html"}))
    clock = FakeClock()
    outcome = fetch_category(make_fetcher(server, clock), library, "quant-ph")
    assert outcome.line == f"quant-ph: {server.url}/rss/quant-ph: HTTP 404 Not Found"
    assert len(server.requests) == 1 and clock.waits == [] and files(library) == {}


def test_requests_to_one_host_are_spaced_by_the_interval(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(body=RSS))
    server.route("/rss/cs.CV", Reply(body=empty_day()))
    server.route("/rss/math.AP", Reply(body=empty_day()))
    clock = FakeClock()
    fetcher = make_fetcher(server, clock, interval_s=3)
    outcomes = fetch_all(fetcher, library, ["quant-ph", "cs.CV", "math.AP"])
    assert [o.status for o in outcomes] == ["saved", "empty", "empty"]
    assert clock.waits == [3.0, 3.0]


def test_arxiv_hosts_never_get_less_than_three_seconds() -> None:
    fetcher = Fetcher(Settings("https://rss.arxiv.org/rss/{category}", "http://export.arxiv.org/api/query", 0, 30, 1))
    assert fetcher.interval_for("https://rss.arxiv.org/rss/cs.CV") == 3.0
    assert fetcher.interval_for("http://export.arxiv.org/api/query") == 3.0
    assert fetcher.interval_for("https://arxiv.org/list/cs.CV/new") == 3.0
    assert fetcher.interval_for("https://notarxiv.org/x") == 0.0
    assert fetcher.interval_for("http://127.0.0.1:8000/x") == 0.0


def test_retry_after_as_seconds_or_http_date() -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:30 GMT", now=lambda: 1445412480.0) == 30.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412480.0) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


# ------------------------------------------------------------------------------ bad responses


def test_a_response_slower_than_the_timeout_is_retried_then_saved(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(hang=True), Reply(body=RSS))
    clock = FakeClock()
    fetcher = make_fetcher(server, clock, interval_s=0, timeout_s=0.3)
    assert fetch_category(fetcher, library, "quant-ph").status == "saved"
    assert clock.waits == [2.0] and files(library) == {"2025-04-28-quant-ph.xml": RSS}


def test_a_server_that_never_answers_fails_after_the_retries(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(hang=True))
    clock = FakeClock()
    outcome = fetch_category(make_fetcher(server, clock, interval_s=0, timeout_s=0.2), library, "quant-ph")
    assert outcome.status == "failed"
    assert outcome.line == f"quant-ph: {server.url}/rss/quant-ph: no answer within 0.2 s (after 3 retries)"
    assert clock.waits == [2.0, 4.0, 8.0] and files(library) == {}


def test_a_body_shorter_than_its_content_length_writes_nothing(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(body=RSS, send_bytes=len(RSS) // 2))
    outcome = fetch_category(make_fetcher(server, FakeClock()), library, "quant-ph")
    assert outcome.status == "failed" and outcome.line.startswith(f"quant-ph: {server.url}/rss/quant-ph: truncated")
    assert files(library) == {}


def test_xml_cut_short_writes_nothing(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(body=RSS[: len(RSS) // 2], content_length=None))
    outcome = fetch_category(make_fetcher(server, FakeClock()), library, "quant-ph")
    assert outcome.status == "failed" and "not well-formed XML" in outcome.line and server.url in outcome.line
    assert files(library) == {}


def test_an_oversized_body_writes_nothing(server: Server, library: Path) -> None:
    server.route("/rss/declared", Reply(body=RSS))
    server.route("/rss/undeclared", Reply(body=RSS, content_length=None))
    fetcher = make_fetcher(server, FakeClock(), max_bytes=100_000)
    declared = fetch_category(fetcher, library, "declared")
    assert declared.line == f"declared: {server.url}/rss/declared: the response ({len(RSS):,} bytes) is over" \
                            " fetch_max_mb (0.1 MB)"
    undeclared = fetch_category(fetcher, library, "undeclared")
    assert undeclared.line == f"undeclared: {server.url}/rss/undeclared: the response is over fetch_max_mb (0.1 MB)"
    assert files(library) == {}


@pytest.mark.parametrize("reply", [
    Reply(200, b"<html><body><h1>Service Unavailable</h1></body></html>", {"Content-Type": "text/html"}),
    Reply(200, b"<!DOCTYPE html>\n<html lang='en'><head><title>Login</title></head></html>",
          {"Content-Type": "application/xml"}),
    Reply(200, b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
          {"Content-Type": "text/xml"}),
], ids=["text/html", "doctype-served-as-xml", "xhtml"])
def test_an_html_error_page_writes_nothing(server: Server, library: Path, reply: Reply) -> None:
    server.route("/rss/cs.CV", reply)
    outcome = fetch_category(make_fetcher(server, FakeClock()), library, "cs.CV")
    assert outcome.line == f"cs.CV: {server.url}/rss/cs.CV: an HTML page, not a feed"
    assert files(library) == {}


def test_entity_expansion_is_refused(server: Server, library: Path) -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<rss><channel><pubDate>Mon, 28 Apr 2025 00:00:00 -0400</pubDate><item><title>&b;</title></item>"
            b"</channel></rss>")
    server.route("/rss/cs.CV", Reply(body=bomb))
    outcome = fetch_category(make_fetcher(server, FakeClock()), library, "cs.CV")
    assert outcome.status == "failed" and "refused XML" in outcome.line
    assert files(library) == {}


def test_a_redirect_is_followed_politely(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(301, b"", {"Location": "/mirror/quant-ph"}))
    server.route("/mirror/quant-ph", Reply(body=RSS))
    clock = FakeClock()
    assert fetch_category(make_fetcher(server, clock), library, "quant-ph").status == "saved"
    assert server.paths() == ["/rss/quant-ph", "/mirror/quant-ph"]
    assert clock.waits == [3.0]  # the second hop is a second request to the same host
    assert files(library) == {"2025-04-28-quant-ph.xml": RSS}


def test_a_redirect_loop_ends(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(302, b"", {"Location": "/rss/quant-ph"}))
    outcome = fetch_category(make_fetcher(server, FakeClock(), interval_s=0), library, "quant-ph")
    assert outcome.status == "failed" and "more than 5 redirects" in outcome.line
    assert len(server.requests) == 6 and files(library) == {}


def test_connection_refused_is_one_line(library: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    clock = FakeClock()
    fetcher = Fetcher(Settings(f"http://127.0.0.1:{port}/rss/{{category}}", "", 0, 5, 10**6),
                      clock=clock.clock, sleep=clock.sleep)
    outcome = fetch_category(fetcher, library, "cs.CV")
    assert outcome.line == f"cs.CV: http://127.0.0.1:{port}/rss/cs.CV: connection refused"
    assert files(library) == {}


def test_dns_failure_is_one_line(library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(host: object, *args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    clock = FakeClock()
    fetcher = Fetcher(Settings("https://rss.example.invalid/rss/{category}", "", 0, 5, 10**6),
                      clock=clock.clock, sleep=clock.sleep)
    outcome = fetch_category(fetcher, library, "cs.CV")
    assert outcome.line == ("cs.CV: https://rss.example.invalid/rss/cs.CV: cannot resolve the host name"
                            " (Name or service not known); offline?")
    assert clock.waits == [] and files(library) == {}


def test_a_response_that_trickles_past_the_total_limit_writes_nothing(server: Server, library: Path) -> None:
    class Ticking(FakeClock):
        def clock(self) -> float:  # every look at the clock finds a minute gone
            self.now += 60
            return self.now

    server.route("/rss/quant-ph", Reply(body=RSS))
    outcome = fetch_category(make_fetcher(server, Ticking(), interval_s=0, timeout_s=10), library, "quant-ph")
    assert outcome.line == f"quant-ph: {server.url}/rss/quant-ph: too slow: the response took more than 100 s"
    assert files(library) == {}


def test_a_file_that_cannot_be_written_is_a_failure_and_leaves_no_temporary_file(server: Server,
                                                                                 library: Path) -> None:
    (library / "2025-04-28-quant-ph.xml").mkdir()  # in the way
    server.route("/rss/quant-ph", Reply(body=RSS))
    outcome = fetch_category(make_fetcher(server, FakeClock()), library, "quant-ph")
    assert outcome.status == "failed"
    assert outcome.line == f"quant-ph: cannot write {library / '2025-04-28-quant-ph.xml'}: Is a directory"
    assert [p.name for p in library.iterdir()] == ["2025-04-28-quant-ph.xml"]


def test_proxy_variables_are_honoured(server: Server, library: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("no_proxy", "NO_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", server.url)  # the test server plays the proxy
    server.route("/rss/quant-ph", Reply(body=RSS))
    clock = FakeClock()
    fetcher = Fetcher(Settings("http://feeds.example.test/rss/{category}", "", 0, 5, 10**6),
                      clock=clock.clock, sleep=clock.sleep)
    assert fetch_category(fetcher, library, "quant-ph").status == "saved"
    assert [path for path, _ in server.requests] == ["http://feeds.example.test/rss/quant-ph"]
    assert files(library) == {"2025-04-28-quant-ph.xml": RSS}


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for 127.0.0.1, made for this test."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return cert, key


def test_https_certificates_are_verified(tls_files: tuple[Path, Path], library: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("https_proxy", "HTTPS_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    srv = Server(tls=tls_files)
    try:
        srv.route("/rss/quant-ph", Reply(body=RSS))
        clock = FakeClock()
        settings = Settings(f"{srv.url}/rss/{{category}}", "", 0, 5, 10**6)
        outcome = fetch_category(Fetcher(settings, clock=clock.clock, sleep=clock.sleep), library, "quant-ph")
        assert outcome.status == "failed" and "certificate cannot be verified" in outcome.line
        assert files(library) == {}
        monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))  # now the system trusts it
        outcome = fetch_category(Fetcher(settings, clock=clock.clock, sleep=clock.sleep), library, "quant-ph")
        assert outcome.status == "saved" and files(library) == {"2025-04-28-quant-ph.xml": RSS}
    finally:
        srv.close()


# ------------------------------------------------------------------------------ the command


def write_config(text: str) -> None:
    path = Path(os.environ["ARXIV_READER_CONFIG_DIR"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def configure(server: Server, library: Path, categories: str = "[]") -> None:
    write_config(f'library = "{library}"\nfetch_url = "{server.url}/rss/{{category}}"\n'
                 f'api_url = "{server.url}/api/query"\nfetch_interval_s = 0\ncategories = {categories}\n')


def test_cli_fetches_the_configured_categories(server: Server, library: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    server.route("/rss/quant-ph", Reply(body=RSS))
    server.route("/rss/cs.CV", Reply(body=empty_day()))
    configure(server, library, '["quant-ph", "cs.CV"]')
    assert main(["fetch"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"quant-ph: saved {library / '2025-04-28-quant-ph.xml'} (81 entries)",
                                "cs.CV: no announcement (2026-12-05)"]
    assert err == ""
    assert main(["fetch", "quant-ph"]) == 0
    assert capsys.readouterr().out == "quant-ph: unchanged (2025-04-28-quant-ph.xml)\n"
    assert files(library) == {"2025-04-28-quant-ph.xml": RSS}


def test_cli_one_failed_category_exits_1_and_the_others_are_saved(server: Server, library: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    server.route("/rss/quant-ph", Reply(body=RSS))
    configure(server, library)
    assert main(["fetch", "cs.XX", "quant-ph"]) == 1
    out, err = capsys.readouterr()
    assert err == f"cs.XX: {server.url}/rss/cs.XX: HTTP 404 Not Found\n"
    assert out.startswith("quant-ph: saved ")
    assert files(library) == {"2025-04-28-quant-ph.xml": RSS}


def test_cli_api_search(server: Server, library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("/api/query", Reply(body=ATOM, headers={"Content-Type": "application/atom+xml"}))
    configure(server, library, '["cs.CV"]')
    assert main(["fetch", "--api", "all:testing", "--max", "10"]) == 0  # --api alone: not the categories
    assert server.paths() == ["/api/query"]
    assert files(library) == {"api-2026-04-12-all-testing.xml": ATOM}


@pytest.mark.parametrize(("args", "message"), [
    (["fetch", "../etc"], "not an arXiv category: '../etc'"),
    (["fetch", "cs.CV", "cs CV"], "not an arXiv category: 'cs CV'"),
    (["fetch"], "no categories: name some"),
    (["fetch", "--max", "5", "cs.CV"], "--max goes with --api"),
    (["fetch", "--api", "x", "--max", "0"], "--max must be from 1 to 2000"),
    (["fetch", "--api", "x", "--max", "many"], "invalid int value"),
    (["fetch", "--api", " "], "--api needs a search query"),
])
def test_cli_usage_mistakes_exit_2_before_any_request(server: Server, library: Path, args: list[str], message: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    configure(server, library)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("arxiv-reader: error: ") and message in err and err.count("\n") == 1
    assert server.requests == [] and files(library) == {}


def test_the_installed_command_fetches_into_an_empty_library(server: Server, library: Path) -> None:
    server.route("/rss/quant-ph", Reply(body=RSS))
    server.route("/rss/cs.CV", Reply(body=empty_day()))
    configure(server, library, '["quant-ph", "cs.CV"]')
    with open(Path(os.environ["ARXIV_READER_CONFIG_DIR"]) / "config.toml", "a", encoding="utf-8") as fh:
        fh.write("fetch_timeout_s = 5\n")
    proc = subprocess.run([sys.executable, "-m", "reader", "fetch", "quant-ph", "cs.CV"], capture_output=True,
                          text=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines()[1] == "cs.CV: no announcement (2026-12-05)"
    assert files(library) == {"2025-04-28-quant-ph.xml": RSS}


def test_fetch_does_not_import_textual() -> None:
    code = "import sys, reader.fetch; print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout == "[]\n"


def test_cli_without_a_library_exits_2(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(f'fetch_url = "{server.url}/rss/{{category}}"\n')
    assert main(["fetch", "cs.CV"]) == 2
    assert "no library configured" in capsys.readouterr().err
    assert server.requests == []


def test_cli_offline_exits_1_with_one_line(library: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    def no_dns(host: object, *args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    write_config(f'library = "{library}"\n')  # the default URL, arXiv's; the lookup fails before any traffic
    assert main(["fetch", "cs.CV"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == ("cs.CV: https://rss.arxiv.org/rss/cs.CV: cannot resolve the host name"
                                 " (Temporary failure in name resolution); offline?\n")
    assert files(library) == {}


# ------------------------------------------------------------------------------ configuration


def test_fetch_config_keys_are_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('categories = ["cs.CV", "quant-ph"]\nfetch_url = "https://mirror.example/{category}.xml"\n'
                    'api_url = "https://api.example/q"\nfetch_interval_s = 5\nfetch_timeout_s = 12.5\n'
                    "fetch_max_mb = 2\nfetch_on_start = true\n", encoding="utf-8")
    config, problems = load_config(path)
    assert problems == []
    assert config.categories == ["cs.CV", "quant-ph"] and config.fetch_url == "https://mirror.example/{category}.xml"
    assert (config.api_url, config.fetch_interval_s, config.fetch_timeout_s, config.fetch_max_mb,
            config.fetch_on_start) == ("https://api.example/q", 5.0, 12.5, 2.0, True)
    assert Settings.from_config(config).max_bytes == 2_000_000


def test_bad_fetch_config_keys_keep_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('categories = ["cs.CV", "../x"]\nfetch_url = "https://mirror.example/no-placeholder"\n'
                    'api_url = "file:///etc/passwd"\nfetch_interval_s = -1\nfetch_timeout_s = 0\n'
                    'fetch_max_mb = "big"\nfetch_on_start = "yes"\n', encoding="utf-8")
    config, problems = load_config(path)
    assert [p.split(": ", 2)[:2] for p in problems] == [
        [f"{path}:{n}", key] for n, key in enumerate(["categories", "fetch_url", "api_url", "fetch_interval_s",
                                                      "fetch_timeout_s", "fetch_max_mb", "fetch_on_start"], 1)]
    assert (config.categories, config.fetch_url, config.api_url) == (
        [], "https://rss.arxiv.org/rss/{category}", "http://export.arxiv.org/api/query")
    assert (config.fetch_interval_s, config.fetch_timeout_s, config.fetch_max_mb, config.fetch_on_start) == (
        3.0, 30.0, 50.0, False)


def test_saving_the_config_keeps_the_fetch_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('categories = ["cs.CV"]\nfetch_interval_s = 10\nfetch_on_start = true\n', encoding="utf-8")
    config, _ = load_config(path)
    config.queries[1] = "ti:diffusion"  # what ctrl+s in the app does
    save_config(config)
    again, problems = load_config(path)
    assert problems == [] and again == config
    assert "fetch_url" not in path.read_text(encoding="utf-8")  # defaults are not written


def test_urls_and_slugs() -> None:
    assert category_url("https://rss.arxiv.org/rss/{category}", "cs.CV") == "https://rss.arxiv.org/rss/cs.CV"
    assert category_url("https://m.example/{0}{category}", "quant-ph") == "https://m.example/{0}quant-ph"
    assert slug('ti:"diffusion model" AND cat:cs.CV') == "ti-diffusion-model-and-cat-cs-cv"
    assert slug("???") == "query" and len(slug("a" * 500)) == 40


# ------------------------------------------------------------------------------ untrusted bodies

XMLISH = st.lists(st.sampled_from([
    "<rss>", "</rss>", "<channel>", "</channel>", "<item>", "</item>", "<pubDate>", "</pubDate>",
    "Mon, 28 Apr 2025 00:00:00 -0400", "Sun, 99 Foo 2025", "<feed xmlns='http://www.w3.org/2005/Atom'>",
    "</feed>", "<updated>", "</updated>", "2026-04-12T22:09:27Z", "9999-99-99", "<entry>", "</entry>",
    "<html>", "<!DOCTYPE html>", "<!DOCTYPE x [<!ENTITY e 'x'>]>", "&e;", "&amp;", "<?xml version='1.0'?>",
    "<?xml version='1.0' encoding='bogus'?>", "\x1b]52;c;AAAA\x07", "\x00", "\ufeff", "<![CDATA[", "]]>", "x",
]), max_size=25).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=2000), XMLISH))
def test_feed_info_never_fails_but_with_feed_error(body: bytes) -> None:
    try:
        info = read_feed_info(body)
    except FeedError as err:
        assert str(err)
    else:
        assert info.entries >= 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=3000), XMLISH), content_type=st.sampled_from(
    ["application/rss+xml", "text/html", "text/plain", "application/octet-stream\x1b[31m"]))
def test_random_bodies_never_crash_fetch(server: Server, body: bytes, content_type: str) -> None:
    server.route("/rss/cs.CV", Reply(body=body, headers={"Content-Type": content_type.replace("\x1b", "")}))
    with tempfile.TemporaryDirectory() as folder:
        library = Path(folder)
        clock = FakeClock()
        outcome = fetch_category(make_fetcher(server, clock, interval_s=0), library, "cs.CV")
        assert outcome.line.startswith("cs.CV: ") and "\n" not in outcome.line
        assert outcome.line.isprintable()
        if outcome.status == "saved":  # only a well-formed feed with items and a date
            info = read_feed_info(body)
            assert info.entries > 0 and info.date is not None
            assert files(library) == {f"{info.date.isoformat()}-cs.CV.xml": body}
        else:
            assert outcome.status in ("failed", "empty") and files(library) == {}
