"""A foreign channel → podcast.toml: the show's answers (as `podpub init` would ask them) and
the [podcast] and [feed] tables, each value kept as the feed says it when podpub can carry
it, and every value it cannot carry named in the report."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from podpub.errors import FeedError
from podpub.importing.extras import person
from podpub.importing.fetch import is_url, resolve
from podpub.importing.report import ImportReport
from podpub.importing.values import parse_date, parse_flag, squash
from podpub.show.feed_settings import MEDIUMS, is_uuid, podcast_guid
from podpub.show.newshow import CHECKS
from podpub.standards.apple import category_problem
from podpub.standards.namespaces import ATOM, ITUNES, PODCAST
from podpub.standards.text import is_http_url

GOOGLEPLAY = "{http://www.google.com/schemas/play-podcasts/1.0}"
EMAIL_IN_TEXT = re.compile(r"[^@\s()<>]+@[^@\s()<>]+\.[^@\s()<>.]+")


@dataclass
class Channel:
    """What podcast.toml will say: the answers init would ask for, and the other tables."""

    answers: dict[str, Any]  # ShowAnswers fields the feed gives (flags and prompts fill the rest)
    image_url: str | None
    date: datetime | None  # lastBuildDate or pubDate: a date for items that have none
    podcast: dict[str, Any] = field(default_factory=dict)
    feed: dict[str, Any] = field(default_factory=dict)
    lock_owner: str | None = None  # podcast:locked yes: whose consent an import needs
    self_url: str | None = None  # atom:link rel=self: what relative links in a file resolve to


def read_channel(channel: etree._Element, location: str, report: ImportReport) -> Channel:
    def text(tag: str) -> str:
        return squash(channel.findtext(tag))

    owner_email = text(f"{ITUNES}owner/{ITUNES}email") or _email_in(
        text("managingEditor"), text("webMaster"), text(f"{GOOGLEPLAY}email")
    )
    answers = {
        "title": text("title"),
        "description": (
            channel.findtext("description") or channel.findtext(f"{ITUNES}summary") or ""
        ).strip(),
        "author": text(f"{ITUNES}author")
        or text(f"{GOOGLEPLAY}author")
        or text(f"{ITUNES}owner/{ITUNES}name"),
        "owner_name": text(f"{ITUNES}owner/{ITUNES}name"),
        "email": owner_email,
        "language": text("language"),
        "categories": _categories(channel, report),
        "explicit": parse_flag(text(f"{ITUNES}explicit")),
        "type": text(f"{ITUNES}type").lower(),
        "link": resolve(location, text("link")),
        "copyright": text("copyright"),
    }
    found = {k: v for k, v in answers.items() if v not in ("", (), None)}
    for key in (
        "title",
        "author",
        "owner_name",
        "description",
        "email",
        "language",
        "type",
        "link",
    ):
        if key in found and (problem := CHECKS[key](str(found[key]))):
            report.decide("channel", key, f"{problem}; left for you to give")
            del found[key]
    image = channel.find(f"{ITUNES}image")
    image_url = resolve(
        location, (image.get("href") or "") if image is not None else text("image/url")
    )
    dates = (parse_date(text(tag))[0] for tag in ("lastBuildDate", "pubDate"))
    result = Channel(
        found, image_url if is_http_url(image_url) else None, next((d for d in dates if d), None)
    )
    _podcast_table(channel, location, result, report)
    _feed_table(channel, result, report)
    return result


def _email_in(*texts: str) -> str:
    """'podcast@example.org (Jane Doe)' → the address; managingEditor and friends write so."""
    for text in texts:
        if found := EMAIL_IN_TEXT.search(text):
            return found.group()
    return ""


def _categories(channel: etree._Element, report: ImportReport) -> tuple[str, ...]:
    found = []
    for node in channel.iterfind(f"{ITUNES}category"):
        name, sub_node = squash(node.get("text")), node.find(f"{ITUNES}category")
        sub = squash(sub_node.get("text")) if sub_node is not None else None
        if sub and category_problem(name, sub) and not category_problem(name, None):
            report.decide(
                "channel", "itunes:category", f"{name}/{sub} is not in Apple's list; kept {name}"
            )
            sub = None
        if problem := category_problem(name, sub):
            report.decide("channel", "itunes:category", f"{problem}; left out")
        elif (kept := f"{name}/{sub}" if sub else name) not in found:
            found.append(kept)
    return tuple(found)


def _podcast_table(
    channel: etree._Element, location: str, result: Channel, report: ImportReport
) -> None:
    table = result.podcast
    guid = squash(channel.findtext(f"{PODCAST}guid"))
    self_url = next(
        (link.get("href") for link in channel.iterfind(f"{ATOM}link") if link.get("rel") == "self"),
        None,
    )
    result.self_url = self_url if self_url and is_http_url(self_url) else None
    if guid and is_uuid(guid):
        table["guid"] = guid
    elif feed_url := (
        self_url if self_url and is_http_url(self_url) else location if is_url(location) else None
    ):
        table["guid"] = podcast_guid(feed_url)
        why = f"{guid!r} is not a UUID" if guid else "none in the feed"
        report.decide(
            "channel", "podcast:guid", f"{why}; computed from {feed_url} as the index does"
        )
    locked = channel.find(f"{PODCAST}locked")
    if locked is not None and squash(locked.text).lower() == "yes":
        table["locked"] = True
        result.lock_owner = squash(locked.get("owner")) or result.answers.get("email") or ""
    medium = squash(channel.findtext(f"{PODCAST}medium"))
    if medium in MEDIUMS and medium != "podcast":
        table["medium"] = medium
    license = channel.find(f"{PODCAST}license")
    if license is not None and squash(license.text):
        table["license"] = squash(license.text)
        if is_http_url(squash(license.get("url"))):
            table["license_url"] = squash(license.get("url"))
    _lists(channel, table, report)


def _lists(channel: etree._Element, table: dict[str, Any], report: ImportReport) -> None:
    funding = []
    for node in channel.iterfind(f"{PODCAST}funding"):
        url = squash(node.get("url"))
        if is_http_url(url):
            funding.append({"url": url, "text": squash(node.text) or url})
    persons = [
        p for node in channel.iterfind(f"{PODCAST}person") if (p := person(node, "channel", report))
    ]
    txt = [
        {
            "value": squash(node.text),
            **({"purpose": squash(node.get("purpose"))} if squash(node.get("purpose")) else {}),
        }
        for node in channel.iterfind(f"{PODCAST}txt")
        if squash(node.text)
    ]
    for key, value in (("funding", funding), ("persons", persons), ("txt", txt)):
        if value:
            table[key] = value


def _feed_table(channel: etree._Element, result: Channel, report: ImportReport) -> None:
    # The notes arrive as the old host wrote them, chapters included if it listed them there.
    result.feed["chapters_in_notes"] = False
    for tag in ("block", "complete"):
        if parse_flag(channel.findtext(f"{ITUNES}{tag}")):
            result.feed[tag] = True
    moved = squash(channel.findtext(f"{ITUNES}new-feed-url"))
    if moved:
        report.decide(
            "channel",
            "itunes:new-feed-url",
            f"the feed says it moved to {moved}; not kept (use podpub move)",
        )


def check_lock(channel: Channel, owner: str | None, location: str) -> None:
    """podcast:locked yes: the show's owner must say the import is theirs."""
    if channel.lock_owner is None:
        return
    if owner is None:
        raise FeedError.at(
            location,
            "is locked (podcast:locked yes): its owner may import it by "
            "confirming with --owner EMAIL, the address of the lock's owner",
        )
    if owner.strip().lower() != channel.lock_owner.lower():
        raise FeedError.at(
            location, f"is locked (podcast:locked yes) and {owner!r} is not its owner"
        )
