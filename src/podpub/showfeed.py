"""The show's feed, from episode.md and published.json only (no audio, no ffmpeg): its items,
its pages, the lint gate, and the write to storage that always comes last."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from podpub.chapters import shifted
from podpub.config import Config, public_url
from podpub.episodes import Episode
from podpub.errors import FeedError, Problem, StorageConflict, StorageError
from podpub.feed import FeedItem, build_feeds
from podpub.lint import Remote, lint_feed
from podpub.podcastindex import AlternateLink, TranscriptLink
from podpub.published import Alternate, Published, load_record
from podpub.storage import Storage

FEED_CACHE = "public, max-age=300"
FEED_ATTEMPTS = 5  # conditional feed writes lost to concurrent publishers before giving up

Pages = list[tuple[str, bytes]]  # (key, XML): the feed itself first, then older pages
BuildPages = Callable[[], Pages]


def cover_key(image: Path, sha: str) -> str:
    """Content-addressed, so apps that cache artwork by URL see a new cover at once."""
    return f"cover-{sha[:12]}{image.suffix.lower()}"


def feed_items(config: Config, episodes: list[Episode], now: datetime) -> list[FeedItem]:
    """Items for the due episodes whose audio is stored in this feed's storage target."""
    items = []
    for episode in episodes:
        record = load_record(episode.folder)
        if record and record.storage == config.storage.url and episode.is_due(now):
            items.append(_item(config, episode, record))
    return items


def _item(config: Config, episode: Episode, record: Published) -> FeedItem:
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


def _transcript_link(config: Config, episode: Episode, record: Published) -> TranscriptLink | None:
    if not (record.transcript_key and episode.transcript):
        return None
    url = public_url(config.storage.public_base_url, record.transcript_key)
    return TranscriptLink(url, episode.transcript.content_type, config.show.language)


def render_pages(config: Config, episodes: list[Episode], now: datetime, cover: str) -> Pages:
    items = feed_items(config, episodes, now)
    return build_feeds(config, items, public_url(config.storage.public_base_url, cover))


def storage_remote(storage: Storage, base_url: str, sizes: bool = True) -> Remote:
    """Let the linter look at stored objects (sizes, artwork) through the storage itself;
    without `sizes` it reads artwork only (one request, not one HEAD per episode)."""

    def key(url: str) -> str | None:
        return url.removeprefix(base_url) if url.startswith(base_url) else None

    def size(url: str) -> int | None:
        found = storage.head(k) if (k := key(url)) else None
        return found.size if found else None

    def content(url: str) -> bytes | None:
        found = storage.read(k) if (k := key(url)) else None
        return found.data if found else None

    return Remote(size if sizes else Remote().size, content)


def check_pages(pages: Pages, remote: Remote) -> list[Problem]:
    """Lint every page; raise FeedError (nothing is written) when one has errors."""
    warnings: list[Problem] = []
    errors: list[Problem] = []
    for key, xml in pages:
        for finding in lint_feed(xml, remote):
            problem = Problem(f"{key}: {finding.where}", finding.text)
            (errors if finding.level == "error" else warnings).append(problem)
    if errors:
        raise FeedError(*errors)
    return warnings


@dataclass
class FeedWrite:
    where: str
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def write_pages(storage: Storage, build: BuildPages) -> FeedWrite:
    """Older pages first, the feed itself last and conditionally: a concurrent publisher's feed
    is never overwritten blindly; on conflict the records (theirs included) are read again."""
    for _ in range(FEED_ATTEMPTS):
        pages = build()
        (main_key, main), older = pages[0], pages[1:]
        current = storage.read(main_key)
        result = FeedWrite(storage.describe(main_key))
        for key, xml in older:
            _write_page(storage, key, xml, result)
        if current and current.data == main:
            result.unchanged.append(main_key)
            return result
        try:
            storage.write_if(main_key, main, FEED_CACHE, current.etag if current else None)
        except StorageConflict:
            continue
        result.written.append(main_key)
        return result
    raise StorageError.at(
        storage.describe(pages[0][0]),
        f"changed by other publishers {FEED_ATTEMPTS} times while writing it; run publish again",
    )


def _write_page(storage: Storage, key: str, xml: bytes, result: FeedWrite) -> None:
    current = storage.read(key)
    if current and current.data == xml:
        result.unchanged.append(key)
        return
    storage.write_if(key, xml, FEED_CACHE, current.etag if current else None)
    result.written.append(key)
