"""The show's feed from episode.md and the records only (no audio, no ffmpeg): one item per
due episode published in this storage target, and the pages they make."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from podpub.feed.build import FeedItem, Pages, build_pages
from podpub.feed.podcastindex import AlternateLink, TranscriptLink
from podpub.files import sha256_file
from podpub.show.artwork import cover_key
from podpub.show.chapters import Chapter, shifted
from podpub.show.config import Config, public_url
from podpub.show.episodes import Episode
from podpub.show.records import Alternate, Record
from podpub.standards.text import is_http_url

CHAPTERS_SUFFIX = ".chapters.json"  # served as application/json+chapters (storage/base.py)


def companion_key(slug: str, kind: str, sha: str, suffix: str) -> str:
    """A file published beside an episode's audio (chapters, their pictures, the transcript):
    content-addressed, so it never goes stale in a cache."""
    return f"{slug}-{kind}-{sha[:12]}{suffix.lower()}"


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
    item = FeedItem(
        guid=record.guid,
        guid_is_permalink=record.guid_is_permalink,
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
        season_name=dict(config.podcast.seasons).get(episode.season or 0),
        episode_type=episode.type,
        explicit=episode.explicit,
        image_url=_url(config, record.image_key),
        chapters=_chapters(config, episode, record),
        chapters_url=_url(config, record.chapters_key),
        transcripts=_transcript_links(config, episode, record),
        persons=episode.persons,
        soundbites=episode.soundbites,
        alternates=_alternates(config, record),
    )
    return _linked_as_imported(item, record) if record.audio_url else item


def _chapters(config: Config, episode: Episode, record: Record) -> tuple[Chapter, ...]:
    """The episode's chapters on its published timeline, each picture as the URL the JSON
    chapters give it (a picture in the episode folder is stored beside the audio), so that
    psc:chapters and the JSON file say the same."""
    chapters = shifted(episode.chapters, record.chapters_offset_s)
    return tuple(
        replace(c, image=_chapter_image_url(config, episode, c.image)) if c.image else c
        for c in chapters
    )


def _chapter_image_url(config: Config, episode: Episode, image: str) -> str:
    path = episode.folder / image
    if is_http_url(image) or not path.is_file():
        return image
    key = companion_key(episode.slug, "img", sha256_file(path), path.suffix)
    return public_url(config.storage.public_base_url, key)


def _alternates(config: Config, record: Record) -> tuple[AlternateLink, ...]:
    """The other encodings; with them, the main one too, as the default (as the namespace's
    example does), so that an app choosing among them sees every choice."""
    if not record.alternates:
        return ()
    main = AlternateLink(
        enclosure_url(config, record),
        record.audio_type,
        record.audio_bytes,
        None,
        record.audio_sha256,
        default=True,
    )
    return (main, *(_alternate(config, a) for a in record.alternates))


def _linked_as_imported(item: FeedItem, record: Record) -> FeedItem:
    """An imported episode whose files stay where its old host serves them: the enclosure and
    the files beside it are linked as they are."""
    return replace(
        item,
        enclosure_url=record.audio_url or "",
        image_url=record.image_url or item.image_url,
        chapters_url=record.chapters_url or item.chapters_url,
        transcripts=tuple(
            TranscriptLink(t.url, t.type, t.language, t.rel) for t in record.transcripts
        ),
    )


def enclosure_url(config: Config, record: Record) -> str:
    """Where listeners download the episode's audio: from this target, or where it was."""
    return record.audio_url or public_url(config.storage.public_base_url, record.audio_key)


def _alternate(config: Config, alternate: Alternate) -> AlternateLink:
    url = public_url(config.storage.public_base_url, alternate.key)
    return AlternateLink(url, alternate.type, alternate.bytes, alternate.bitrate, alternate.sha256)


def _url(config: Config, key: str | None) -> str | None:
    return public_url(config.storage.public_base_url, key) if key else None


def _transcript_links(
    config: Config, episode: Episode, record: Record
) -> tuple[TranscriptLink, ...]:
    if not (record.transcript_key and episode.transcript):
        return ()
    url = public_url(config.storage.public_base_url, record.transcript_key)
    return (TranscriptLink(url, episode.transcript.content_type, config.show.language),)
