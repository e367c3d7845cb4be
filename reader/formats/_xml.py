"""Safe XML for the feed formats: `defusedxml` refuses entity declarations (no "billion laughs"
expansion) and external entities or DTD fetches, which the standard library parser would allow.

`parse_xml` keeps whatever was read before an error, so a truncated feed still yields the
entries that were complete; `item_lines` gives each entry's line, which ElementTree does not.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

_DECL_RE = re.compile(r"\A\s*<\?xml[^>]*\?>")
_PROLOG = r"\A\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*|<\?[^>]*\?>\s*)*(?:<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)?"


def root_re(names: str) -> re.Pattern[str]:
    """A regex that finds a document whose root element is one of `names` (``rss|rdf:RDF``)."""
    return re.compile(rf"{_PROLOG}(?:<!--.*?-->\s*)*<(?:{names})[\s>]", re.DOTALL)


def local(tag: object) -> str:
    """``{http://www.w3.org/2005/Atom}entry`` to ``entry``."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def parse_xml(text: str, item: str) -> tuple[ET.Element | None, set[int], str | None, int]:
    """(root, ids of the `item` elements that were closed, error message or None, error line)."""
    # The text is already decoded: the declaration's encoding must not be applied again.
    data = _DECL_RE.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1).encode("utf-8", "replace")
    root: ET.Element | None = None
    closed: set[int] = set()
    try:
        for event, elem in iterparse(io.BytesIO(data), events=("start", "end")):
            if event == "start":
                if root is None:
                    root = elem
            elif local(elem.tag) == item:
                closed.add(id(elem))
    except ET.ParseError as err:
        line = err.position[0] if getattr(err, "position", None) else 1
        return root, closed, f"XML is not well-formed ({_short(err)}); later entries lost", line
    except DefusedXmlException:
        return None, closed, "XML declares entities or external references; refused for safety", 1
    except Exception as err:  # defensive: the parser must never take the reader down
        return root, closed, f"XML could not be read ({type(err).__name__})", 1
    return root, closed, None, 1


def _short(err: Exception) -> str:
    return str(err).split(":", 1)[0][:80]


def item_lines(text: str, names: str) -> Iterator[int]:
    """The 1-based line of each ``<item>``/``<entry>`` start tag, in document order."""
    pattern = re.compile(rf"<(?:[\w.-]+:)?(?:{names})[\s>/]")
    line, last = 1, 0
    for m in pattern.finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        yield line


def child_text(elem: ET.Element, name: str) -> str | None:
    for child in elem:
        if local(child.tag) == name:
            return "".join(child.itertext())
    return None


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if local(c.tag) == name]
