"""The linter's rules for the feed's namespaced tags: podcast: elements against the namespace's
XSD (with podcast:season's name optional, as the namespace's docs say), psc:chapters,
podcast:podping, the main enclosure among its alternates, and the atom links (self, hub)."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from podpub.standards.namespaces import ATOM, PODCAST, PSC
from podpub.standards.text import is_http_url

SCHEMA = Path(__file__).parent / "schemas" / "podcast-wrapper.xsd"
XS = {"xs": "http://www.w3.org/2001/XMLSchema"}
# Normal play time (RFC 2326), as Podlove Simple Chapters writes a start: 12.5 or 00:01:02.345
NPT = re.compile(r"^(\d+(\.\d+)?|(\d+:)?[0-5]?\d:[0-5]\d(\.\d+)?)$")
PSC_VERSIONS = {"1.1", "1.2"}
Issue = tuple[str, str, str]  # level, where, text: what lint.py makes a Finding of


def lint_tags(channel: Any, location: str | None) -> Iterator[Issue]:
    yield from _namespace(channel)
    yield from _links(channel, location)
    yield from _podping(channel)
    for index, item in enumerate(channel.findall("item"), start=1):
        yield from _simple_chapters(item, f"item[{index}]")
        yield from _default_alternate(item, f"item[{index}]")


def _namespace(channel: Any) -> Iterator[Issue]:
    """podcast: elements against the namespace's XSD (for the elements it declares)."""
    schema, declared = _schema()
    for element in channel.iter(f"{PODCAST}*"):
        name = etree.QName(element).localname
        if name not in declared:
            continue
        if not schema.validate(etree.ElementTree(copy.deepcopy(element))):
            message = schema.error_log.last_error.message if schema.error_log else "invalid"
            yield ("error", _path(element), f"violates podcast.xsd: {message}")


@functools.cache
def patched_podcast_xsd() -> bytes:
    """podcast.xsd as shipped, but for podcast:season's name, which the XSD requires and the
    namespace's own documentation makes optional (feed/schemas/README.md)."""
    xsd = etree.parse(str(SCHEMA.with_name("podcast.xsd")))
    path = "/xs:schema/xs:element[@name='season']//xs:attribute[@name='name']"
    for attribute in xsd.xpath(path, namespaces=XS):
        attribute.set("use", "optional")
    return bytes(etree.tostring(xsd))


class _Patched(etree.Resolver):  # type: ignore[misc]
    """Serves the wrapper's include of podcast.xsd from the patched copy."""

    def resolve(self, url: str, pubid: str, context: Any) -> Any:
        if url.endswith("podcast.xsd"):
            return self.resolve_string(patched_podcast_xsd(), context)
        return None


@functools.cache
def _schema() -> tuple[Any, frozenset[str]]:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Patched())
    schema = etree.XMLSchema(etree.parse(str(SCHEMA), parser))
    names = etree.fromstring(patched_podcast_xsd()).xpath(
        "/xs:schema/xs:element/@name", namespaces=XS
    )
    return schema, frozenset(str(n) for n in names)


def _path(element: Any) -> str:
    parent = element.getparent()
    prefix = "channel"
    if parent.tag == "item":
        prefix = f"item[{len(parent.xpath('preceding-sibling::item')) + 1}]"
    return f"{prefix}/podcast:{etree.QName(element).localname}"


def _links(channel: Any, location: str | None) -> Iterator[Issue]:
    """The self link (the page's own address: hubs and apps go by it) and the WebSub hubs."""
    own = [link.get("href", "") for link in channel.findall(f"{ATOM}link[@rel='self']")]
    hubs = [link.get("href", "") for link in channel.findall(f"{ATOM}link[@rel='hub']")]
    if not own:
        if hubs:
            yield ("error", "channel/atom:link", "hub links need a self link (the topic)")
        else:
            yield ("warning", "channel/atom:link", "no rel=self link: give the feed's URL")
    elif location and own[0] != location:
        yield ("warning", "channel/atom:link", f"self link {own[0]} is not this page ({location})")
    for number, hub in enumerate(hubs, start=1):
        if not is_http_url(hub):
            yield ("error", "channel/atom:link", f"hub {hub!r} is not an http(s) URL")
        elif hub in hubs[: number - 1]:
            yield ("warning", "channel/atom:link", f"hub {hub} is listed twice")


def _podping(channel: Any) -> Iterator[Issue]:
    found = list(channel.iter(f"{PODCAST}podping"))
    for element in found:
        if element.getparent() is not channel:
            yield ("error", _path(element), "belongs in the channel, not in an item")
        value = element.get("usesPodping")
        if value not in {"true", "false"}:
            yield ("error", _path(element), f"usesPodping {value!r}: use true or false")
    if len(found) > 1:
        yield ("error", "channel/podcast:podping", f"appears {len(found)} times; once")


def _simple_chapters(item: Any, where: str) -> Iterator[Issue]:
    lists = item.findall(f"{PSC}chapters")
    if len(lists) > 1:
        yield ("error", f"{where}/psc:chapters", f"appears {len(lists)} times; once")
    for chapters in lists:
        if chapters.get("version") not in PSC_VERSIONS:
            version = chapters.get("version")
            yield ("warning", f"{where}/psc:chapters", f"version {version!r}: use 1.2")
        yield from _psc_chapters(chapters.findall(f"{PSC}chapter"), f"{where}/psc:chapters")


def _psc_chapters(chapters: list[Any], where: str) -> Iterator[Issue]:
    previous = -1.0
    for number, chapter in enumerate(chapters, start=1):
        start = chapter.get("start", "")
        if not NPT.match(start):
            yield ("error", where, f"chapter {number}: start {start!r}: use HH:MM:SS.mmm")
        elif (seconds := clock_seconds(start)) <= previous:
            yield ("error", where, f"chapter {number} starts at {start}, not after the one before")
        else:
            previous = seconds
        if not (chapter.get("title") or "").strip():
            yield ("error", where, f"chapter {number} has no title")
        for attribute in ("href", "image"):
            value = chapter.get(attribute)
            if value is not None and not is_http_url(value):
                yield ("error", where, f"chapter {number}: {attribute} {value!r} is not a URL")


def clock_seconds(text: str) -> float:
    """Seconds of a checked time such as 12.5, 02:03 or 01:02:03.5."""
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def _default_alternate(item: Any, where: str) -> Iterator[Issue]:
    """The alternate marked default is the enclosure itself: same URL, same type and size."""
    enclosure = item.find("enclosure")
    defaults = [
        a for a in item.findall(f"{PODCAST}alternateEnclosure") if a.get("default") == "true"
    ]
    if len(defaults) > 1:
        yield ("error", f"{where}/podcast:alternateEnclosure", "more than one default")
    for alternate in defaults[:1]:
        sources = [s.get("uri") for s in alternate.findall(f"{PODCAST}source")]
        same = enclosure is not None and enclosure.get("url") in sources
        if not same or any(alternate.get(a) != enclosure.get(a) for a in ("type", "length")):
            yield (
                "error",
                f"{where}/podcast:alternateEnclosure",
                "the default one must be the enclosure itself (its URL, type and length)",
            )
