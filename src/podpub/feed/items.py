"""The show's feed from episode.md and the records only (no audio, no ffmpeg): one item per
due episode published in this storage target, and the pages they make."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from podpub.feed.build import FeedItem, Pages, build_pages
from podpub.feed.podcastindex import AlternateLink, TranscriptLink
from podpub.show.artwork import cover_key
from podpub.show.chapters import shifted
from podpub.show.config import Config, public_url
from podpub.show.episodes import Episode
from podpub.show.records import Alternate, Record


def feed_pages(
    config: Config, episodes: list[Episode], records: Mapping[str, Record], now: datetime
) -> Pages:
    """Every page of the feed: the due episodes that have a record (slug → record)."""
    items = [
        feed_item(config, episode, record)
        for episode in episodes
        if episode.is_due(now) and (record := records.get(episode.slug))
    ]
    cover = public_url(config.storage.public_base_url, cover_key(config.show.image))
    return build_pages(config, items, cover)


def feed_item(config: Config, episode: Episode, record: Record) -> FeedItem:
    return FeedItem(
        guid=record.guid,
        title=episode.title,
        date=episode.date,
        notes_markdown=episode.notes,
        summary=episode.summary,
        enclosure_url=_url(config, record.audio_key) or "",
        enclosure_bytes=record.audio_bytes,
        enclosure_type=record.audio_type,
        duration_s=record.duration_s,
        link=episode.link or config.show.link,
        number=episode.number,
        season=episode.season,
        episode_type=episode.type,
        explicit=episode.explicit,
        image_url=_url(config, record.image_key),
        chapters=shifted(episode.chapters, record.chapters_offset_s),
        chapters_url=_url(config, record.chapters_key),
        transcript=_transcript_link(config, episode, record),
        persons=episode.persons,
        soundbites=episode.soundbites,
        alternates=tuple(_alternate(config, a) for a in record.alternates),
    )


def _alternate(config: Config, alternate: Alternate) -> AlternateLink:
    url = public_url(config.storage.public_base_url, alternate.key)
    return AlternateLink(url, alternate.type, alternate.bytes, alternate.bitrate, alternate.sha256)


def _url(config: Config, key: str | None) -> str | None:
    return public_url(config.storage.public_base_url, key) if key else None


def _transcript_link(config: Config, episode: Episode, record: Record) -> TranscriptLink | None:
    if not (record.transcript_key and episode.transcript):
        return None
    url = public_url(config.storage.public_base_url, record.transcript_key)
    return TranscriptLink(url, episode.transcript.content_type, config.show.language)
