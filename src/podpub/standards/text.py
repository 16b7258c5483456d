"""What text a feed can carry and which links it may hold.

Every text that reaches the feed's XML (podcast.toml, front matter, notes, chapters,
transcripts) is held to XML 1.0's character set, and every link to http(s): a `javascript:` or
`file:` link in a feed is an attack on whoever clicks it in an app or on the web.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# The characters XML 1.0 cannot carry, even escaped: C0 controls but tab and newlines, the
# surrogates, U+FFFE and U+FFFF. (lxml refuses them with a ValueError at build time.)
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def not_xml_character(text: str) -> str | None:
    """'U+0007' for the first character XML cannot carry, or None."""
    found = NOT_XML.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def first_bad_line(text: str) -> tuple[int, str] | None:
    """(line, 'U+0007') of the first character XML cannot carry in a whole file, or None."""
    found = NOT_XML.search(text)
    if found is None:
        return None
    return line_of(text, found.start()), f"U+{ord(found.group()):04X}"


def is_http_url(text: str) -> bool:
    """An absolute http(s) URL with a host, and nothing a feed or a page would misread."""
    if not text.startswith(("https://", "http://")) or NOT_XML.search(text):
        return False
    if any(c.isspace() for c in text):
        return False
    try:
        return bool(urlsplit(text).hostname)
    except ValueError:  # e.g. a malformed IPv6 host
        return False


def url_problem(text: str) -> str | None:
    """Why a link is refused, or None."""
    if is_http_url(text):
        return None
    return f"{text!r} is not an http(s) URL"
