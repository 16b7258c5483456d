"""A foreign feed read as XML, page after page: lenient where real feeds are sloppy (markup
that is not well-formed, namespaces spelled several ways), strict about being a feed at all."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree, html

from podpub.errors import FeedError
from podpub.importing.fetch import read_document, resolve
from podpub.importing.report import ImportReport
from podpub.standards.namespaces import ATOM, ITUNES_NS, PODCAST_NS

MAX_PAGES = 1000
# Namespace URIs as feeds in the wild write them → the one podpub reads.
NAMESPACE_ALIASES = {
    "http://www.itunes.com/dtds/podcast-1.0.dtd": ITUNES_NS,  # compared in lower case
    "https://github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md": PODCAST_NS,
    "http://podcastindex.org/namespace/1.0": PODCAST_NS,
}
PAGE_RELS = ("next", "prev-archive")  # RFC 5005: paged feeds and archived feeds


@dataclass
class Feed:
    """The first page's channel and the items of every page, in order."""

    location: str  # the URL or file it was read from
    channel: etree._Element
    items: list[tuple[str, etree._Element]] = field(default_factory=list)  # (page, item)
    pages: list[str] = field(default_factory=list)


def read_feed(location: str, report: ImportReport) -> Feed:
    """Every page of the feed, following RFC 5005 links to the end."""
    channel = parse_page(location, read_document(location), report)
    feed = Feed(location, channel, pages=[location])
    page, seen = channel, {location}
    while len(feed.pages) <= MAX_PAGES:
        feed.items += [(feed.pages[-1], item) for item in page.iterfind("item")]
        following = _next_page(page, feed.pages[-1], seen)
        if following is None:
            break
        seen.add(following)
        feed.pages.append(following)
        page = parse_page(following, read_document(following, "next page"), report)
    return feed


def _next_page(channel: etree._Element, location: str, seen: set[str]) -> str | None:
    for link in channel.iterfind(f"{ATOM}link"):
        href = resolve(location, link.get("href") or "")
        if link.get("rel") in PAGE_RELS and href and href not in seen:
            return href
    return None


def parse_page(location: str, data: bytes, report: ImportReport) -> etree._Element:
    """The <channel> of one page; a document that is not an RSS feed is one clear error."""
    if not data.strip():
        raise FeedError.at(location, "is empty, not a feed")
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(data, parser)
    if parser.error_log and root is not None and root.tag == "rss":
        first = parser.error_log[0]
        report.decide(
            location,
            "xml",
            f"is not well-formed XML (line {first.line}: "
            f"{first.message}); read as far as it goes, as feed readers do",
        )
    if root is None or root.tag != "rss" or root.find("channel") is None:
        raise FeedError.at(location, _not_a_feed(data, root))
    _normalize_namespaces(root)
    channel = root.find("channel")
    assert channel is not None
    return channel


def _not_a_feed(data: bytes, root: etree._Element | None) -> str:
    if root is not None and etree.QName(root).localname == "feed":
        return "is an Atom feed; podpub imports RSS 2.0 podcast feeds"
    if root is None or root.tag == "html" or re.search(rb"<html", data[:2048], re.I):
        found = _feed_links(data)
        hint = f"; the page links to a feed: {found[0]}" if found else ""
        return f"is a web page, not a feed{hint}"
    return f"is not an RSS feed (its root element is <{etree.QName(root).localname}>)"


def _feed_links(data: bytes) -> list[str]:
    try:
        page = html.fromstring(data)
    except (etree.ParserError, ValueError):
        return []
    return [str(h) for h in page.xpath('//link[@type="application/rss+xml"]/@href')]


def _normalize_namespaces(root: etree._Element) -> None:
    """itunes: and podcast: under every spelling feeds use, renamed to the standard URIs."""
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith("{"):
            continue
        uri, _, name = element.tag[1:].partition("}")
        alias = NAMESPACE_ALIASES.get(uri.lower().rstrip("/"))
        if alias and alias != uri:
            element.tag = f"{{{alias}}}{name}"
