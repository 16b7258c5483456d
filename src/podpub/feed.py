"""The RSS feed: feedgen plus our own extensions, rendered deterministically.

Nothing here reads the clock: lastBuildDate is the newest item's date, so the same inputs give
the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import lxml.etree  # noqa: F401  (feedgen.util uses lxml.etree without importing it)
from feedgen.ext.podcast import PodcastExtension
from feedgen.ext.podcast_entry import PodcastEntryExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from podpub.chapters import Chapter
from podpub.config import Config
from podpub.notes import clip_bytes, notes_html, plain_text
from podpub.podcastindex import PodcastChannel, PodcastItem, TranscriptLink

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


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
    duration_s: float
    link: str
    number: int | None = None
    season: int | None = None
    episode_type: str = "full"
    explicit: bool | None = None
    image_url: str | None = None
    chapters: tuple[Chapter, ...] = ()
    chapters_url: str | None = None
    transcript: TranscriptLink | None = None


def build_feed(config: Config, items: list[FeedItem], cover_url: str) -> bytes:
    """RSS 2.0 with Apple tags; items newest first (episodic) or oldest first (serial)."""
    show = config.show
    fg = FeedGenerator()
    fg.register_extension("itunes", AppleChannel, AppleItem)
    fg.register_extension("podcast", PodcastChannel, PodcastItem)
    fg.title(show.title)
    fg.description(show.description)
    fg.link(href=config.feed_url, rel="self")
    fg.link(href=show.link, rel="alternate")  # RSS <link> takes the last one set
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
    ordered = sorted(items, key=lambda i: i.date, reverse=show.type == "episodic")
    for item in ordered:
        _add_item(fg, item)
    if items:
        fg.lastBuildDate(max(i.date for i in items))
    return bytes(fg.rss_str(pretty=True))


def _add_item(fg: FeedGenerator, item: FeedItem) -> None:
    entry = fg.add_entry(order="append")
    html = notes_html(item.notes_markdown, item.chapters)
    entry.guid(item.guid, permalink=False)
    entry.title(item.title)
    entry.link(href=item.link)
    entry.pubDate(item.date)
    entry.description(clip_bytes(item.summary or plain_text(html)))
    if html:
        entry.content(html.replace("]]>", "]]&gt;"), type="CDATA")
    entry.enclosure(item.enclosure_url, str(item.enclosure_bytes), item.enclosure_type)
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
    entry.podcast.transcripts = [item.transcript] if item.transcript else []
