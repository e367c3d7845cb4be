"""Fetch arXiv listings into the library: `arxiv-reader fetch [CATEGORY ...]` and `fetch --api QUERY`.

Each category's RSS listing is saved unchanged as ``LIBRARY/YYYY-MM-DD-CATEGORY.xml``, dated by the
announcement date the feed gives (never the local clock); an API search as
``LIBRARY/api-YYYY-MM-DD-SLUG.xml``. A response is saved only when it is whole and is a feed, and
always atomically (temporary file, fsync, rename): the library never holds half a file.

Politeness is built in rather than configured away: one request at a time, at least
`fetch_interval_s` between two requests to one host (never below 3 s for arxiv.org), a timeout,
at most three retries with exponential backoff and only on 5xx, 429 and timeouts (honouring
``Retry-After``), and a ``User-Agent`` naming the project and its version. The clock and the
sleep are injectable, so tests check the waits without waiting.

HTTP bodies are untrusted: XML goes through defusedxml (no entity expansion, no external
resources), the size is capped while reading, and nothing from a server reaches the terminal
unsanitised. No Textual here.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import os
import re
import socket
import ssl
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from . import __version__
from .config import CATEGORY_RE, Config
from .formats._common import rfc_date
from .text import sanitize

USER_AGENT = f"arxiv-digest-reader/{__version__} (arxiv-reader fetch; Python urllib)"
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
MAX_RETRIES = 3
BACKOFF_S = 2.0
"""The first retry waits this long, each next one twice as long (2, 4, 8 s), or Retry-After if longer."""
MAX_WAIT_S = 300.0
"""A server that asks for a longer pause than this fails the request instead of stalling the fetch."""
ARXIV_MIN_INTERVAL_S = 3.0
MAX_REDIRECTS = 5
TOTAL_TIME_FACTOR = 10
"""A response still arriving after this many timeouts in all is abandoned (a server trickling bytes
resets the socket timeout with each one)."""
CHUNK = 64 * 1024

_ATOM = "{http://www.w3.org/2005/Atom}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
_RSS1 = "{http://purl.org/rss/1.0/}"
_DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
_REDIRECT_CODES = (301, 302, 303, 307, 308)


def one_line(text: object, limit: int = 200) -> str:
    """`text` made safe to print on one line: no escape sequences or controls, at most `limit` characters."""
    clean = " ".join(sanitize(str(text)).split())
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


class FetchError(Exception):
    """A request or a response that cannot be used. `str()` is the one line to show: URL and reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{one_line(url)}: {one_line(reason)}")
        self.url = url
        self.reason = reason


class FeedError(ValueError):
    """A body that is not a usable feed; the message is the reason."""


# ------------------------------------------------------------------------------------ the feed


@dataclass(frozen=True)
class FeedInfo:
    """What `fetch` needs to know of a feed: its kind, its announcement date, how many entries."""

    kind: Literal["rss", "atom", "rdf"]
    date: dt.date | None
    entries: int
    error: str | None = None
    """The arXiv API's error entry (an Atom feed whose one entry is the error), if any."""


def _announce_date(text: str | None) -> dt.date | None:
    """An RFC 822 or ISO timestamp as the formats read it: its UTC date (the listing's own day)."""
    found = rfc_date(text) if text and text.strip() else None
    return dt.date.fromisoformat(found) if found else None


def _rss_info(root: Element) -> FeedInfo:
    channel = root.find("channel")
    if channel is None:
        raise FeedError("an RSS document without a channel")
    items = channel.findall("item") or root.findall("item")
    # The channel's pubDate is the announcement; the items repeat it; lastBuildDate is a build time.
    date = _announce_date(channel.findtext("pubDate"))
    if date is None:
        item_dates = [d for d in (_announce_date(i.findtext("pubDate")) for i in items) if d is not None]
        date = max(item_dates) if item_dates else _announce_date(channel.findtext("lastBuildDate"))
    return FeedInfo("rss", date, len(items))


def _atom_info(root: Element) -> FeedInfo:
    entries = root.findall(f"{_ATOM}entry")
    error = None
    if len(entries) == 1 and "/api/errors" in (entries[0].findtext(f"{_ATOM}id") or ""):
        error = entries[0].findtext(f"{_ATOM}summary") or "the API reports an error"
    return FeedInfo("atom", _announce_date(root.findtext(f"{_ATOM}updated")), len(entries), error)


def _rdf_info(root: Element) -> FeedInfo:
    channel = root.find(f"{_RSS1}channel")
    date = _announce_date(channel.findtext(_DC_DATE)) if channel is not None else None
    return FeedInfo("rdf", date, len(root.findall(f"{_RSS1}item")))


def read_feed_info(body: bytes) -> FeedInfo:
    """The kind, announcement date and entry count of an RSS 2.0, RSS 1.0 (RDF) or Atom feed.

    The one place `fetch` reads a feed: RSS 2.0 from the channel's ``pubDate``, else the newest
    item's ``pubDate``, else ``lastBuildDate``; Atom from the feed's ``updated``; RSS 1.0 from the
    channel's ``dc:date``. A timestamp is dated in UTC, as the formats date the digest (arXiv
    announces at 20:00 US Eastern and dates the listing by the next day), so the file's name and
    the digest the app shows name the same day.
    Raises FeedError when the body is not well-formed XML or not a feed. (When the formats
    package has its RSS and Atom readers, this can ask them instead.)
    """
    try:
        root = SafeET.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except ParseError as err:
        raise FeedError(f"not well-formed XML, truncated or damaged ({err})") from None
    except DefusedXmlException as err:
        raise FeedError(f"refused XML ({type(err).__name__}: entities or external references)") from None
    except (ValueError, LookupError, UnicodeError) as err:  # e.g. an unknown encoding declaration
        raise FeedError(f"not readable XML ({err})") from None
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag == "rss":
        return _rss_info(root)
    if tag == f"{_ATOM}feed":
        return _atom_info(root)
    if tag == _RDF:
        return _rdf_info(root)
    if tag.rsplit("}", 1)[-1].lower() == "html":
        raise FeedError("an HTML page, not a feed")
    raise FeedError(f"not an RSS or Atom feed (its root element is <{tag}>)")


_HTML_START = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)


def looks_like_html(body: bytes, content_type: str) -> bool:
    """An HTML page (an error page, a captive portal's login) rather than a feed."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("text/html", "application/xhtml+xml"):
        return True
    return _HTML_START.match(body[:65536].removeprefix(b"\xef\xbb\xbf")) is not None


# ------------------------------------------------------------------------------------ HTTP


@dataclass(frozen=True)
class Settings:
    fetch_url: str
    api_url: str
    interval_s: float
    timeout_s: float
    max_bytes: int

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        return cls(config.fetch_url, config.api_url, config.fetch_interval_s, config.fetch_timeout_s,
                   int(config.fetch_max_mb * 1_000_000))


@dataclass(frozen=True)
class Response:
    url: str
    """The URL that answered (after redirects)."""
    body: bytes
    content_type: str


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Redirect(Exception):
    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class _NoAutoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as errors, so that each hop goes through the politeness gate."""

    def redirect_request(self, req: urllib.request.Request, fp: object, code: int, msg: str,
                         headers: object, newurl: str) -> None:
        return None


def _host(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or "").lower()


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """A ``Retry-After`` header in seconds (it may be a number of seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now())


def _describe(reason: object) -> str:
    """A network failure in words."""
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host name ({reason.strerror or reason}); offline?"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"the server's certificate cannot be verified ({reason.verify_message or reason})"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


class Fetcher:
    """GET with the politeness rules; one request at a time. `clock` (seconds, monotonic) and
    `sleep` are injectable so that tests can check the waits without waiting."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 opener: urllib.request.OpenerDirector | None = None) -> None:
        self.settings = settings
        self._clock = clock
        self._sleep = sleep
        # build_opener keeps urllib's defaults: proxies from the environment, verified HTTPS.
        self._opener = opener or urllib.request.build_opener(_NoAutoRedirect)
        self._last: dict[str, float] = {}

    def interval_for(self, url: str) -> float:
        host = _host(url)
        if host == "arxiv.org" or host.endswith(".arxiv.org"):
            return max(ARXIV_MIN_INTERVAL_S, self.settings.interval_s)
        return self.settings.interval_s

    def _wait_turn(self, url: str, not_before: float) -> None:
        last = self._last.get(_host(url))
        earliest = not_before if last is None else max(not_before, last + self.interval_for(url))
        delay = earliest - self._clock()
        if delay > 0:
            self._sleep(delay)

    def get(self, url: str) -> Response:
        """The body of `url`, whole. Raises FetchError (with the URL and the reason)."""
        attempt = redirects = 0
        not_before = float("-inf")
        while True:
            self._wait_turn(url, not_before)
            try:
                return self._once(url)
            except _Redirect as hop:
                redirects += 1
                target = urllib.parse.urljoin(url, hop.location)
                if redirects > MAX_REDIRECTS:
                    raise FetchError(url, f"more than {MAX_REDIRECTS} redirects") from None
                if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
                    raise FetchError(url, f"redirected to a URL that is not http(s): {target}") from None
                url, attempt, not_before = target, 0, float("-inf")
            except _Retry as failure:
                if attempt >= MAX_RETRIES:
                    raise FetchError(url, f"{failure.reason} (after {MAX_RETRIES} retries)") from None
                delay = max(BACKOFF_S * 2**attempt, failure.retry_after or 0.0)
                if delay > MAX_WAIT_S:
                    raise FetchError(url, f"{failure.reason}; the server asks to wait {delay:.0f} s") from None
                attempt += 1
                not_before = self._clock() + delay

    def _once(self, url: str) -> Response:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": ACCEPT})
        timeout = self.settings.timeout_s
        try:
            with self._opener.open(request, timeout=timeout) as answer:
                body = self._read_body(url, answer)
                return Response(answer.geturl() or url, body, answer.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as err:
            with err:
                raise self._http_error(url, err) from None
        except urllib.error.URLError as err:
            if isinstance(err.reason, TimeoutError):
                raise _Retry(f"no answer within {timeout:g} s") from None
            raise FetchError(url, _describe(err.reason)) from None
        except TimeoutError:
            raise _Retry(f"no answer within {timeout:g} s") from None
        except (http.client.HTTPException, OSError, ValueError) as err:
            raise FetchError(url, f"the connection failed ({_describe(err)})") from None
        finally:
            self._last[_host(url)] = self._clock()

    @staticmethod
    def _http_error(url: str, err: urllib.error.HTTPError) -> Exception:
        """What an HTTP error status means here: a redirect, a retry, or a failure."""
        status = f"HTTP {err.code} {one_line(err.reason, 60)}".rstrip()
        location = err.headers.get("Location") if err.headers else None
        if err.code in _REDIRECT_CODES and location:
            return _Redirect(location)
        if err.code == 429 or 500 <= err.code <= 599:
            return _Retry(status, retry_after_seconds(err.headers.get("Retry-After") if err.headers else None))
        return FetchError(url, status)

    def _read_body(self, url: str, answer: http.client.HTTPResponse) -> bytes:
        cap = self.settings.max_bytes
        declared = answer.headers.get("Content-Length", "").strip()
        expected = int(declared) if declared.isdigit() else None
        if expected is not None and expected > cap:
            raise FetchError(url, f"the response ({expected:,} bytes) is over fetch_max_mb ({cap / 1e6:g} MB)")
        chunks: list[bytes] = []
        size = 0
        limit = self.settings.timeout_s * TOTAL_TIME_FACTOR
        deadline = self._clock() + limit
        try:
            while chunk := answer.read1(CHUNK):  # read1: what has arrived, so the deadline is checked
                size += len(chunk)
                if size > cap:
                    raise FetchError(url, f"the response is over fetch_max_mb ({cap / 1e6:g} MB)")
                if self._clock() > deadline:
                    raise FetchError(url, f"too slow: the response took more than {limit:g} s")
                chunks.append(chunk)
        except http.client.IncompleteRead:
            raise FetchError(url, f"truncated: the connection closed after {size:,} bytes") from None
        if expected is not None and size < expected:
            raise FetchError(url, f"truncated: {size:,} of {expected:,} bytes")
        return b"".join(chunks)


# ------------------------------------------------------------------------------------ saving


Status = Literal["saved", "updated", "unchanged", "empty", "failed"]


@dataclass(frozen=True)
class Outcome:
    """What happened to one category (or one API search): `line` is what to tell the user."""

    name: str
    status: Status
    line: str
    path: Path | None = None


def save_if_changed(path: Path, body: bytes) -> Literal["saved", "updated", "unchanged"]:
    """Write `body` to `path` atomically (temporary file, fsync, rename), unless the file already
    holds exactly these bytes. Raises OSError."""
    try:
        if path.read_bytes() == body:
            return "unchanged"
        status: Literal["saved", "updated"] = "updated"
    except FileNotFoundError:
        status = "saved"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
    return status


def category_url(template: str, category: str) -> str:
    # str.replace, not str.format: the template comes from a config file.
    return template.replace("{category}", urllib.parse.quote(category, safe=".-"))


def api_query_url(api_url: str, query: str, max_results: int) -> str:
    params = urllib.parse.urlencode({"search_query": query, "start": 0, "max_results": max_results})
    return f"{api_url}{'&' if '?' in api_url else '?'}{params}"


def slug(query: str, limit: int = 40) -> str:
    """A file-name-safe slug of a search query: ``all:"deep learning"`` -> ``all-deep-learning``."""
    words = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")
    return words[:limit].rstrip("-") or "query"


def _checked(response: Response) -> FeedInfo:
    if looks_like_html(response.body, response.content_type):
        raise FetchError(response.url, "an HTML page, not a feed")
    try:
        return read_feed_info(response.body)
    except FeedError as err:
        raise FetchError(response.url, str(err)) from None


def _save(name: str, path: Path, body: bytes, detail: str) -> Outcome:
    try:
        status = save_if_changed(path, body)
    except OSError as err:
        return Outcome(name, "failed", f"{name}: cannot write {one_line(path)}: {one_line(err.strerror or err)}")
    if status == "unchanged":
        return Outcome(name, status, f"{name}: unchanged ({one_line(path.name)})", path)
    return Outcome(name, status, f"{name}: {status} {one_line(path)} ({detail})", path)


def fetch_category(fetcher: Fetcher, library: Path, category: str) -> Outcome:
    """Fetch one category's listing into `library`. Never raises for network or content problems."""
    url = category_url(fetcher.settings.fetch_url, category)
    try:
        response = fetcher.get(url)
        info = _checked(response)
    except FetchError as err:
        return Outcome(category, "failed", f"{category}: {err}")
    day = f" ({info.date.isoformat()})" if info.date else ""
    if info.entries == 0:
        return Outcome(category, "empty", f"{category}: no announcement{day}")
    if info.date is None:
        return Outcome(category, "failed", f"{category}: {one_line(url)}: the feed gives no announcement date")
    return _save(category, library / f"{info.date.isoformat()}-{category}.xml", response.body,
                 f"{info.entries} entr{'y' if info.entries == 1 else 'ies'}")


def fetch_api(fetcher: Fetcher, library: Path, query: str, max_results: int) -> Outcome:
    """Save one arXiv API search into `library` as ``api-YYYY-MM-DD-SLUG.xml``."""
    name = f"api {one_line(query, 60)!r}"
    url = api_query_url(fetcher.settings.api_url, query, max_results)
    try:
        response = fetcher.get(url)
        info = _checked(response)
    except FetchError as err:
        return Outcome(name, "failed", f"{name}: {err}")
    if info.error is not None:
        return Outcome(name, "failed", f"{name}: {one_line(url)}: the API says: {one_line(info.error)}")
    if info.kind != "atom" or info.date is None:
        return Outcome(name, "failed", f"{name}: {one_line(url)}: not an arXiv API answer (no Atom <updated> date)")
    if info.entries == 0:
        return Outcome(name, "empty", f"{name}: no results ({info.date.isoformat()})")
    return _save(name, library / f"api-{info.date.isoformat()}-{slug(query)}.xml", response.body,
                 f"{info.entries} result{'s' * (info.entries != 1)}")


def fetch_all(fetcher: Fetcher, library: Path, categories: Iterable[str],
              report: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Fetch each category in turn; `report` hears about each as it finishes (for progress)."""
    outcomes = []
    for category in categories:
        outcome = fetch_category(fetcher, library, category)
        if report is not None:
            report(outcome)
        outcomes.append(outcome)
    return outcomes


def bad_categories(categories: Iterable[str]) -> list[str]:
    return [c for c in categories if not CATEGORY_RE.fullmatch(c)]
