"""An offline feed validator: what Apple Podcasts and the Podcasting 2.0 spec reject, each
finding naming the element and the fix. `publish` runs it on every feed before writing it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree
from PIL import Image, UnidentifiedImageError

from podpub.feed.lint_tags import clock_seconds, lint_tags
from podpub.show.artwork import image_facts
from podpub.standards.apple import (
    EPISODE_TYPES,
    MAX_TEXT_BYTES,
    SHOW_TYPES,
    artwork_problems,
    category_problem,
)
from podpub.standards.language import is_language
from podpub.standards.namespaces import ATOM, ATOM_NS, ITUNES, ITUNES_NS, PODCAST_NS, PSC_NS

MISSING = -1  # Remote.size of a URL whose server says it holds nothing there
DURATION = re.compile(r"^(\d+|(\d+:)?[0-5]?\d:[0-5]\d)$")
HTML_END_TAG = re.compile(r"</[a-zA-Z][a-zA-Z0-9]*>")


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    where: str  # the element, e.g. "item[2]/enclosure"
    text: str  # what is wrong and how to fix it


@dataclass(frozen=True)
class Remote:
    """What the linter may look at beyond the XML: sizes and bytes of the URLs it names. `size`
    answers None when it cannot tell, MISSING when the server says there is no such file."""

    size: Callable[[str], int | None] = lambda url: None
    content: Callable[[str], bytes | None] = lambda url: None


def lint_feed(
    xml: bytes, remote: Remote | None = None, location: str | None = None
) -> list[Finding]:
    """Every finding for one feed document, errors and warnings; `location` is the URL the
    document is served from, when known (its self link must say the same)."""
    remote = remote or Remote()
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [Finding("error", "feed", f"is not well-formed XML: {exc}")]
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        return [Finding("error", "feed", "is not an RSS 2.0 feed (<rss><channel>)")]
    return [
        *_channel(channel, remote),
        *_items(channel, remote),
        *(Finding(*issue) for issue in lint_tags(channel, location)),
        *_urls(channel),
    ]


def _channel(channel: Any, remote: Remote) -> Iterator[Finding]:
    for tag in ("title", "description", "link", "language"):
        if not (channel.findtext(tag) or "").strip():
            yield Finding("error", f"channel/{tag}", "is missing; Apple requires it")
    yield from _markup(channel, "channel", ("title", "description"))
    yield from _explicit(channel, "channel", required=True)
    yield from _too_long(channel, "channel")
    language = channel.findtext("language")
    if language and not is_language(language.strip()):
        yield Finding(
            "error", "channel/language", f"{language!r} is not an ISO 639 code such as 'fr'"
        )
    kind = channel.findtext(f"{ITUNES}type")
    if kind is not None and kind not in SHOW_TYPES:
        yield Finding("error", "channel/itunes:type", f"{kind!r}: use episodic or serial")
    for index, item in enumerate(channel.iter("item"), start=1):
        if kind == "serial" and item.find(f"{ITUNES}episode") is None:
            yield Finding(
                "error",
                f"item[{index}]/itunes:episode",
                "is missing: a serial show (itunes:type serial) numbers every episode",
            )
    email = channel.findtext(f"{ITUNES}owner/{ITUNES}email")
    if not (email or "").strip():
        yield Finding("error", "channel/itunes:owner", "has no itunes:email; Apple verifies it")
    if not (channel.findtext(f"{ITUNES}author") or "").strip():
        yield Finding(
            "warning", "channel/itunes:author", "is missing; apps show it under the title"
        )
    yield from _categories(channel)
    yield from _artwork(channel, "channel", remote, required=True)
    yield from _new_feed_url(channel)


def _new_feed_url(channel: Any) -> Iterator[Finding]:
    """itunes:new-feed-url belongs in the feed at its new address, naming itself: pointing
    anywhere else, it tells every app to move its subscribers away (right only while moving)."""
    new = (channel.findtext(f"{ITUNES}new-feed-url") or "").strip()
    own = [
        link.get("href") for link in channel.iterfind(f"{ATOM}link") if link.get("rel") == "self"
    ]
    if new and own and new not in own:
        yield Finding(
            "warning",
            "channel/itunes:new-feed-url",
            f"points to {new}, not to this feed ({own[0]}): apps move their subscribers there. "
            "Keep it only while the show moves (see `podpub move`)",
        )


def _markup(element: Any, where: str, tags: tuple[str, ...]) -> Iterator[Finding]:
    """HTML in a plain-text field: apps show the tags as text (the W3C validator warns)."""
    for tag in tags:
        found = HTML_END_TAG.search(element.findtext(tag) or "")
        if found:
            yield Finding(
                "warning", f"{where}/{tag}", f"holds HTML ({found[0]}); apps show it as text"
            )


def _explicit(element: Any, where: str, required: bool) -> Iterator[Finding]:
    value = element.findtext(f"{ITUNES}explicit")
    if value is None:
        if required:
            yield Finding("error", f"{where}/itunes:explicit", "is missing; use true or false")
    elif value not in {"true", "false"}:
        yield Finding("error", f"{where}/itunes:explicit", f"{value!r}: use true or false")


def _too_long(element: Any, where: str) -> Iterator[Finding]:
    text = element.findtext("description") or ""
    if len(text.encode()) > MAX_TEXT_BYTES:
        size = len(text.encode())
        yield Finding("error", f"{where}/description", f"is {size} bytes; Apple allows 4000")


def _categories(channel: Any) -> Iterator[Finding]:
    categories = channel.findall(f"{ITUNES}category")
    if not categories:
        yield Finding(
            "error", "channel/itunes:category", "is missing; pick one of Apple's categories"
        )
    for category in categories:
        name, sub = category.get("text", ""), category.find(f"{ITUNES}category")
        problem = category_problem(name, sub.get("text", "") if sub is not None else None)
        if problem:
            yield Finding("error", "channel/itunes:category", problem)


def _artwork(element: Any, where: str, remote: Remote, required: bool) -> Iterator[Finding]:
    image = element.find(f"{ITUNES}image")
    href = image.get("href", "") if image is not None else ""
    if not href:
        if required:
            yield Finding("error", f"{where}/itunes:image", "is missing; Apple requires artwork")
        return
    data = remote.content(href)
    if data is None:
        yield Finding("warning", f"{where}/itunes:image", f"could not fetch {href} to check it")
        return
    for problem in artwork_problems_of(data, href):
        yield Finding("error", f"{where}/itunes:image", problem)


def artwork_problems_of(data: bytes, name: str) -> list[str]:
    """Apple's artwork rules, on the fetched bytes."""
    try:
        facts = image_facts(data)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return [f"{name} is not a readable JPEG or PNG"]
    return artwork_problems(name, *facts)


def _items(channel: Any, remote: Remote) -> Iterator[Finding]:
    items = channel.findall("item")
    guids = Counter(i.findtext("guid") for i in items if i.findtext("guid"))
    urls = Counter(e.get("url") for e in channel.iterfind("item/enclosure"))
    for index, item in enumerate(items, start=1):
        where = f"item[{index}]"
        yield from _item(item, where, remote)
        guid = item.findtext("guid")
        if guid and guids[guid] > 1:
            yield Finding("error", f"{where}/guid", f"{guid!r} is used by {guids[guid]} items")
        enclosure = item.find("enclosure")
        if enclosure is not None and urls[enclosure.get("url")] > 1:
            yield Finding("error", f"{where}/enclosure", "the same URL is used by another item")


def _item(item: Any, where: str, remote: Remote) -> Iterator[Finding]:
    if not (item.findtext("title") or "").strip():
        yield Finding("error", f"{where}/title", "is missing")
    yield from _markup(item, where, ("title",))
    if not (item.findtext("guid") or "").strip():
        yield Finding("error", f"{where}/guid", "is missing; without one apps duplicate episodes")
    yield from _pub_date(item, where)
    yield from _enclosure(item, where, remote)
    yield from _explicit(item, where, required=False)
    yield from _too_long(item, where)
    duration = item.findtext(f"{ITUNES}duration")
    if duration is not None and (not DURATION.match(duration) or not clock_seconds(duration)):
        yield Finding("error", f"{where}/itunes:duration", f"{duration!r}: use seconds, e.g. 1830")
    for tag in ("episode", "season"):
        value = item.findtext(f"{ITUNES}{tag}")
        if value is not None and not (value.isdigit() and int(value) > 0):
            yield Finding("error", f"{where}/itunes:{tag}", f"{value!r}: use a whole number from 1")
    kind = item.findtext(f"{ITUNES}episodeType")
    if kind is not None and kind not in EPISODE_TYPES:
        yield Finding(
            "error", f"{where}/itunes:episodeType", f"{kind!r}: use full, trailer or bonus"
        )
    yield from _artwork(item, where, remote, required=False)


def _pub_date(item: Any, where: str) -> Iterator[Finding]:
    text = item.findtext("pubDate")
    if not text:
        yield Finding("error", f"{where}/pubDate", "is missing; apps sort episodes by it")
        return
    try:
        parsedate_to_datetime(text)
    except (TypeError, ValueError):
        yield Finding("error", f"{where}/pubDate", f"{text!r} is not an RFC 2822 date")


def _enclosure(item: Any, where: str, remote: Remote) -> Iterator[Finding]:
    enclosure = item.find("enclosure")
    if enclosure is None or not enclosure.get("url"):
        yield Finding("error", f"{where}/enclosure", "is missing; the episode has no audio")
        return
    url, length, kind = enclosure.get("url"), enclosure.get("length", ""), enclosure.get("type", "")
    if not length.isdigit() or int(length) == 0:
        yield Finding(
            "error", f"{where}/enclosure", f"length {length!r}: give the file's size in bytes"
        )
    elif (actual := remote.size(url)) == MISSING:
        yield Finding("error", f"{where}/enclosure", f"{url} is missing: apps cannot download it")
    elif actual is not None and actual != int(length):
        yield Finding(
            "error", f"{where}/enclosure", f"length {length} but {url} has {actual} bytes"
        )
    if not kind.startswith(("audio/", "video/")):
        yield Finding("error", f"{where}/enclosure", f"type {kind!r}: use audio/mpeg or audio/mp4")


def _urls(channel: Any) -> Iterator[Finding]:
    """Warnings: http:// URLs (Apple asks for HTTPS) and URLs that are not plain ASCII."""
    seen = set()
    for element in channel.iter():
        for attribute in ("url", "href", "uri", "image"):
            url = element.get(attribute)
            if not url or url in seen:
                continue
            seen.add(url)
            if url.startswith("http://"):
                yield Finding("warning", _tag(element), f"{url} is not HTTPS; Apple asks for HTTPS")
            if not url.isascii():
                yield Finding(
                    "warning", _tag(element), f"{url} has non-ASCII characters; percent-encode them"
                )


def _tag(element: Any) -> str:
    qname = etree.QName(element)
    prefixes = {ITUNES_NS: "itunes:", PODCAST_NS: "podcast:", PSC_NS: "psc:", ATOM_NS: "atom:"}
    prefix = prefixes.get(qname.namespace or "", "")
    return f"{prefix}{qname.localname}"


def http_remote(timeout: float = 10.0, max_bytes: int = 20_000_000) -> Remote:
    """Sizes by HEAD and bytes by GET, over HTTP(S); None when unreachable."""
    import urllib.error
    import urllib.request

    def size(url: str) -> int | None:
        try:
            with urllib.request.urlopen(
                urllib.request.Request(url, method="HEAD"), timeout=timeout
            ) as r:
                length = r.headers.get("Content-Length")
                return int(length) if length and length.isdigit() else None
        except urllib.error.HTTPError as exc:
            return MISSING if exc.code in {404, 410} else None
        except (OSError, ValueError):
            return None

    def content(url: str) -> bytes | None:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return bytes(response.read(max_bytes))
        except (OSError, ValueError):
            return None

    return Remote(size, content)
