"""The RSS feed: feedgen plus our own extensions, rendered deterministically.

Nothing here reads the clock: lastBuildDate is the newest item's date, so the same inputs give
the same bytes.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import lxml.etree  # noqa: F401  (feedgen.util uses lxml.etree without importing it)
from feedgen.ext.base import BaseExtension
from feedgen.ext.podcast import PodcastExtension
from feedgen.ext.podcast_entry import PodcastEntryExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from podpub.feed.podcastindex import (
    AlternateLink,
    PodcastChannel,
    PodcastItem,
    Trailer,
    TranscriptLink,
)
from podpub.feed.podlove import PodloveChannel, PodloveItem
from podpub.show.chapters import Chapter
from podpub.show.config import Config, public_url
from podpub.show.feed_settings import Person, Soundbite, podcast_guid
from podpub.show.notes import clip_bytes, notes_html, plain_text
from podpub.standards.apple import MAX_TEXT_BYTES
from podpub.standards.namespaces import ATOM, ATOM_NS, HISTORY_NS, ITUNES_NS

Pages = list[tuple[str, bytes]]  # (key, XML): the feed itself first, then older pages


def _explicit(element: object, value: bool | None) -> None:
    if value is not None:
        xml_elem(f"{{{ITUNES_NS}}}explicit", element).text = "true" if value else "false"


class AppleChannel(PodcastExtension):  # type: ignore[misc]
    """feedgen's iTunes tags, with itunes:explicit as true/false (feedgen writes yes/no)."""

    def __init__(self) -> None:
        super().__init__()
        self.explicit: bool | None = None

    def extend_rss(self, rss_feed: Any) -> Any:
        feed = super().extend_rss(rss_feed)
        _explicit(feed[0], self.explicit)
        return feed


@dataclass
class WebSub(BaseExtension):  # type: ignore[misc]
    """`<atom:link rel="hub">` beside the self link, for each hub told of every change."""

    hubs: tuple[str, ...] = ()

    def extend_rss(self, rss_feed: Any) -> Any:
        anchor = rss_feed[0].find(f"{ATOM}link[@rel='self']")
        for hub in reversed(self.hubs):
            link = xml_elem(f"{{{ATOM_NS}}}link", rss_feed[0])
            link.set("href", hub)
            link.set("rel", "hub")
            anchor.addnext(link)
        return rss_feed


@dataclass
class History(BaseExtension):  # type: ignore[misc]
    """RFC 5005: `fh:complete` on a feed that holds every item; first/previous/next/last links
    between the pages of a paged one."""

    pages: list[str] = field(default_factory=list)
    index: int = 0

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        if len(self.pages) <= 1:
            xml_elem(f"{{{HISTORY_NS}}}complete", channel)
            return rss_feed
        links = {"first": 0, "last": len(self.pages) - 1}
        if self.index > 0:
            links["previous"] = self.index - 1
        if self.index < len(self.pages) - 1:
            links["next"] = self.index + 1
        for rel, page in links.items():
            link = xml_elem(f"{{{ATOM_NS}}}link", channel)
            link.set("rel", rel)
            link.set("href", self.pages[page])
        return rss_feed


class AppleItem(PodcastEntryExtension):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.explicit: bool | None = None

    def extend_rss(self, entry: Any) -> Any:
        item = super().extend_rss(entry)
        _explicit(item, self.explicit)
        return item


@dataclass(frozen=True)
class FeedItem:
    """Everything the feed says about one episode (from episode.md + published.json)."""

    guid: str
    title: str
    date: datetime
    notes_markdown: str
    summary: str | None
    enclosure_url: str
    enclosure_bytes: int
    enclosure_type: str
    duration_s: float  # 0: unknown (an imported item that did not say), left out of the feed
    link: str
    number: int | None = None
    season: int | None = None
    season_name: str | None = None  # podcast:season's name, from [podcast] seasons
    episode_type: str = "full"
    explicit: bool | None = None
    image_url: str | None = None
    chapters: tuple[Chapter, ...] = ()
    chapters_url: str | None = None
    transcripts: tuple[TranscriptLink, ...] = ()
    persons: tuple[Person, ...] = ()
    soundbites: tuple[Soundbite, ...] = ()
    alternates: tuple[AlternateLink, ...] = ()
    guid_is_permalink: bool = False


def build_pages(config: Config, items: list[FeedItem], cover_url: str) -> Pages:
    """(key, XML) of every feed page: one complete feed, or RFC 5005 pages of `[feed] limit`
    items each, newest (episodic) or oldest (serial) first. The first key is the feed itself."""
    ordered = sorted(items, key=lambda i: i.date, reverse=config.show.type == "episodic")
    limit = config.feed.limit or len(ordered) or 1
    chunks = [ordered[i : i + limit] for i in range(0, len(ordered), limit)] or [[]]
    keys = [page_key(config.storage.feed_key, n) for n in range(1, len(chunks) + 1)]
    urls = [public_url(config.storage.public_base_url, key) for key in keys]
    last_build = max((i.date for i in items), default=None)
    pages = []
    for index, chunk in enumerate(chunks):
        fg = _channel(config, items, cover_url, last_build)
        fg.link(href=urls[index], rel="self")  # each page its own URL, as RFC 5005 asks
        fg.link(href=config.show.link, rel="alternate")  # RSS <link> takes the last one set
        fg.history.pages = urls
        fg.history.index = index
        for item in chunk:
            _add_item(fg, item, config.feed.chapters_in_notes)
        pages.append((keys[index], hex_references(bytes(fg.rss_str(pretty=True)))))
    return pages


def hex_references(xml: bytes) -> bytes:
    """The same document, with &amp; &lt; &gt; outside CDATA written as &#x26; &#x3C; &#x3E;:
    in plain text, the form that works in the widest range of aggregators, by the RSS Best
    Practices Profile (the W3C validator warns otherwise). CDATA (the HTML notes) stays."""
    parts, position = [], 0
    while (start := xml.find(b"<![CDATA[", position)) != -1:
        end = xml.index(b"]]>", start) + 3
        parts += [_hex(xml[position:start]), xml[start:end]]
        position = end
    return b"".join([*parts, _hex(xml[position:])])


def _hex(text: bytes) -> bytes:
    return text.replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;").replace(b"&gt;", b"&#x3E;")


def page_key(feed_key: str, number: int) -> str:
    """feed.xml, then feed-2.xml, feed-3.xml… for older pages."""
    if number == 1:
        return feed_key
    stem, dot, suffix = feed_key.rpartition(".")
    return f"{stem}-{number}.{suffix}" if dot else f"{feed_key}-{number}"


def _channel(
    config: Config, items: list[FeedItem], cover_url: str, last_build: datetime | None
) -> FeedGenerator:
    show, settings = config.show, config.feed
    fg = FeedGenerator()
    fg.register_extension("itunes", AppleChannel, AppleItem)
    fg.register_extension("podcast", PodcastChannel, PodcastItem)
    fg.register_extension("psc", PodloveChannel, PodloveItem)
    fg.register_extension("history", History, rss=True, atom=False)
    fg.register_extension("websub", WebSub, rss=True, atom=False)
    fg.title(show.title)
    fg.description(show.description)
    fg.language(show.language)
    if show.copyright:
        fg.copyright(show.copyright)
    fg.generator("podpub")
    fg.itunes.itunes_author(show.author)
    fg.itunes.itunes_owner(name=show.owner.name, email=show.owner.email)
    fg.itunes.itunes_image(cover_url)
    fg.itunes.itunes_type(show.type)
    fg.itunes.itunes_category([{"cat": c.name, "sub": c.sub} for c in show.categories])
    fg.itunes.explicit = show.explicit
    if settings.new_feed_url:
        fg.itunes.itunes_new_feed_url(settings.new_feed_url)
    if settings.block:
        fg.itunes.itunes_block(True)
    if settings.complete:
        fg.itunes.itunes_complete(True)
    fg.podcast.settings = config.podcast
    fg.podcast.guid = config.podcast.guid or podcast_guid(config.feed_url)
    fg.podcast.owner_email = show.owner.email
    fg.podcast.trailers = [_trailer(i) for i in items if i.episode_type == "trailer"]
    fg.podcast.podping = config.notify.podping
    fg.websub.hubs = config.notify.websub_hubs
    if last_build:
        fg.lastBuildDate(last_build)
    return fg


def _trailer(item: FeedItem) -> Trailer:
    return Trailer(
        item.title,
        item.enclosure_url,
        item.date,
        item.enclosure_bytes,
        item.enclosure_type,
        item.season,
    )


def html_text(text: str) -> str:
    """Plain text for an item's description, which RSS 2.0 reads as HTML: escaped, and clipped
    so that the escaped text stays within Apple's limit."""
    growth = len(html.escape(text, quote=False).encode()) - len(text.encode())
    return html.escape(clip_bytes(text, MAX_TEXT_BYTES - growth), quote=False)


def _add_item(fg: FeedGenerator, item: FeedItem, chapters_in_notes: bool) -> None:
    entry = fg.add_entry(order="append")
    notes = notes_html(item.notes_markdown, item.chapters if chapters_in_notes else ())
    entry.guid(item.guid, permalink=item.guid_is_permalink)
    entry.title(item.title)
    entry.link(href=item.link)
    entry.pubDate(item.date)
    entry.description(html_text(item.summary or plain_text(notes)))
    if notes:
        entry.content(notes.replace("]]>", "]]&gt;"), type="CDATA")
    entry.enclosure(item.enclosure_url, str(item.enclosure_bytes), item.enclosure_type)
    if item.duration_s:
        entry.itunes.itunes_duration(str(round(item.duration_s)))
    entry.itunes.itunes_episode_type(item.episode_type)
    if item.number is not None:
        entry.itunes.itunes_episode(item.number)
    if item.season is not None:
        entry.itunes.itunes_season(item.season)
    if item.image_url:
        entry.itunes.itunes_image(item.image_url)
    entry.itunes.explicit = item.explicit
    entry.podcast.chapters_url = item.chapters_url
    entry.podcast.transcripts = list(item.transcripts)
    entry.podcast.season, entry.podcast.episode = item.season, item.number
    entry.podcast.season_name = item.season_name
    entry.psc.chapters = item.chapters
    entry.podcast.persons, entry.podcast.soundbites = item.persons, item.soundbites
    entry.podcast.alternates = item.alternates
