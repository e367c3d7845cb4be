"""OSC 8 hyperlinks for URLs in the abstract pane's text.

A terminal that supports OSC 8 opens these on the user's own machine (over SSH too). The rules
are those of the pane's PDF and page links: only http/https URLs made of RFC 3986 characters
(`abstract_pane.safe_url`), so no digest text can put an escape sequence or a control character
into the hyperlink sequence; overlong URLs are not linked. Trailing punctuation and unbalanced
closing brackets stay outside the link ("(see https://x.org/a_(b))." links ``https://x.org/a_(b)``).
"""

from __future__ import annotations

import re

from textual.content import Span
from textual.style import Style

from .abstract_pane import safe_url

MAX_URL = 2000
"""Longer URLs stay plain text (a terminal may cut the sequence; nobody types such a link)."""
_URL_IN_TEXT = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_TRAILING = ".,;:!?'*"
_PAIRS = {")": "(", "]": "["}


def _trim(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _PAIRS and url.count(last) > url.count(_PAIRS[last])):
            url = url[:-1]
        else:
            break
    return url


def link_spans(text: str) -> list[Span]:
    """Spans that make each safe URL in `text` an OSC 8 hyperlink to itself."""
    if "://" not in text:
        return []
    spans = []
    for match in _URL_IN_TEXT.finditer(text):
        url = _trim(match.group())
        if len(url) <= MAX_URL and "://" in url and url.split("://", 1)[1] and safe_url(url):
            spans.append(Span(match.start(), match.start() + len(url), Style(link=url, underline=True)))
    return spans
