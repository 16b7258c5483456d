"""What makes the site found and shared: schema.org JSON-LD, Open Graph and Twitter card
tags, oEmbed, the sitemap and robots.txt. Every URL here is absolute, as these standards want."""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from markupsafe import escape

from podpub.show.config import Config
from podpub.show.notes import clip_bytes, notes_html, plain_text
from podpub.site.model import Layout, SiteEpisode
from podpub.site.text import iso_duration

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
EMBED_WIDTH, EMBED_HEIGHT = 560, 190  # px: the <iframe> oEmbed offers
DESCRIPTION_CHARS = 300  # meta and og:description: what search results and cards show


def summary(item: SiteEpisode) -> str:
    """The episode in a sentence or two: its summary, else the start of its notes."""
    text = item.episode.summary or plain_text(notes_html(item.episode.notes))
    return clip_bytes(text, DESCRIPTION_CHARS)


def json_ld(data: dict[str, Any]) -> str:
    """For a <script type="application/ld+json">: '<' escaped so no text can close the tag."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return text.replace("<", "\\u003c")


def series(config: Config, layout: Layout, cover_url: str) -> dict[str, Any]:
    show = config.show
    return {
        "@type": "PodcastSeries",
        "name": show.title,
        "description": show.description,
        "url": layout.url(layout.home),
        "webFeed": config.feed_url,
        "image": cover_url,
        "inLanguage": show.language,
        "author": {"@type": "Person", "name": show.author},
    }


def episode_data(item: SiteEpisode, layout: Layout, image_url: str) -> dict[str, Any]:
    """schema.org PodcastEpisode: name, date, duration and the audio (associatedMedia)."""
    episode, record = item.episode, item.record
    data: dict[str, Any] = {
        "@type": "PodcastEpisode",
        "name": episode.title,
        "url": layout.url(layout.episode_page(item.slug)),
        "datePublished": episode.date.isoformat(),
        "duration": iso_duration(record.duration_s),
        "description": summary(item),
        "image": image_url,
        "associatedMedia": {
            "@type": "AudioObject",
            "contentUrl": item.audio_url,
            "encodingFormat": record.audio_type,
            "contentSize": str(record.audio_bytes),
            "duration": iso_duration(record.duration_s),
        },
    }
    if episode.number is not None:
        data["episodeNumber"] = episode.number
    if episode.season is not None:
        data["partOfSeason"] = {"@type": "PodcastSeason", "seasonNumber": episode.season}
    return data


def show_json_ld(series_data: dict[str, Any], episodes: list[dict[str, Any]]) -> str:
    return json_ld({"@context": "https://schema.org", **series_data, "episode": episodes})


def episode_json_ld(episode: dict[str, Any], series_data: dict[str, Any]) -> str:
    part_of = {k: series_data[k] for k in ("@type", "name", "url", "webFeed")}
    return json_ld({"@context": "https://schema.org", **episode, "partOfSeries": part_of})


def open_graph(
    title: str, description: str, url: str, image: str, site_name: str, audio: SiteEpisode | None
) -> list[tuple[str, str]]:
    """og:* properties: what a shared link shows (og:audio for an episode)."""
    tags = [
        ("og:type", "website"),
        ("og:title", title),
        ("og:description", description),
        ("og:url", url),
        ("og:image", image),
        ("og:site_name", site_name),
    ]
    if audio:
        tags += [("og:audio", audio.audio_url), ("og:audio:type", audio.record.audio_type)]
    return tags


def twitter_card(title: str, image: str, embed_url: str | None) -> list[tuple[str, str]]:
    """A player card for an episode (its embed page), a summary card for the show."""
    tags = [("twitter:title", title), ("twitter:image", image)]
    if embed_url is None:
        return [("twitter:card", "summary"), *tags]
    player = [
        ("twitter:player", embed_url),
        ("twitter:player:width", str(EMBED_WIDTH)),
        ("twitter:player:height", str(EMBED_HEIGHT)),
    ]
    return [("twitter:card", "player"), *tags, *player]


def oembed(config: Config, layout: Layout, item: SiteEpisode, image_url: str) -> bytes:
    """The oEmbed 1.0 "rich" response: an <iframe> of the episode's embed page."""
    embed = layout.url(layout.embed_page(item.slug))
    frame = (
        f'<iframe src="{escape(embed)}" width="{EMBED_WIDTH}" height="{EMBED_HEIGHT}" '
        f'title="{escape(item.episode.title)}" style="border:0" loading="lazy"></iframe>'
    )
    data = {
        "version": "1.0",
        "type": "rich",
        "title": item.episode.title,
        "author_name": config.show.author,
        "provider_name": config.show.title,
        "provider_url": layout.url(layout.home),
        "html": frame,
        "width": EMBED_WIDTH,
        "height": EMBED_HEIGHT,
        "thumbnail_url": image_url,
    }
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def sitemap(entries: list[tuple[str, str | None]]) -> bytes:
    """(absolute URL, last modified as ISO 8601) of every page search engines should know."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for location, modified in entries:
        url = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = location
        if modified:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = modified
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def robots(sitemap_url: str) -> bytes:
    """Crawlers may read everything; where the sitemap is. (Only read at a host's root.)"""
    return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap_url}\n".encode()
