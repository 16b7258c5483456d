"""Orchestration of the stages: check → render → tag → store → feed → records.

The invariants of DESIGN.md §6 live here: validate everything before any irreversible work,
upload assets before the feed and verify them, keep GUIDs, rebuild nothing that is cached.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from podpub.artwork import embedded_cover
from podpub.audio.ffmpeg import add_mp4_chapters
from podpub.chapters import shifted
from podpub.checks import check
from podpub.companions import Companions, prepare_companions
from podpub.config import Config, id3_language
from podpub.episodes import Episode, new_guid, write_guid
from podpub.errors import Problems, StorageError
from podpub.feed_settings import podcast_guid, write_podcast_guid
from podpub.files import sha256_file
from podpub.guards import NOTHING_ALLOWED, Allowances, guard_live_feed
from podpub.lint import Finding, lint_feed
from podpub.published import Alternate, Published, load_record, save_record
from podpub.rendercache import audio_key, render_cached, render_key_for
from podpub.showfeed import check_pages, cover_key, render_pages, storage_remote, write_pages
from podpub.storage import Storage, content_type_for, open_storage
from podpub.tags import EpisodeTags, audio_bitrate, audio_duration, mp4_chapter_spans, write_tags
from podpub.transcripts import transcript_text

if TYPE_CHECKING:  # the audio engine (numpy, scipy: ~1 s, ~80 MB) loads only when rendering
    from podpub.audio.render import Progress

    ProgressFactory = Callable[[str], Progress]

IMMUTABLE_CACHE = "public, max-age=31536000, immutable"  # content-addressed keys (cover)
# Audio keys change with the audio (invariant 4) but not with its tags: a corrected title is
# re-tagged in place, so caches may keep the audio for a day, not for ever.
AUDIO_CACHE = "public, max-age=86400"

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class Report:
    """What a run did, for the summary and for `--json`."""

    episodes: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)
    feed: str = ""
    warnings: list[str] = field(default_factory=list)


def publish(
    config: Config,
    slugs: tuple[str, ...] = (),
    now: datetime | None = None,
    log: Log = _quiet,
    progress: ProgressFactory | None = None,
    storage: Storage | None = None,
    only_new: bool = False,
    allow: Allowances = NOTHING_ALLOWED,
) -> Report:
    """Publish every due episode (or the named ones; or, with `only_new`, those not stored in
    this target yet: scheduled episodes on their date), and then the feed."""
    now = now or datetime.now(UTC)
    episodes, warnings = check(config, slugs, allow=allow)
    report = Report(warnings=[str(w) for w in warnings])
    storage = storage or open_storage(config.storage, config.root)
    storage.preflight()
    chosen = [e for e in episodes if e.is_due(now) and not (only_new and _is_stored(config, e))]
    everything, _ = check(config, need_audio=False, allow=allow)  # the feed lists them all
    guard_live_feed(config, storage, chosen, everything, now, allow)
    config = _with_podcast_guid(config)
    cover = _upload_cover(config, storage, report, progress)
    for episode in chosen:
        log(f"{episode.slug}: {episode.title}")
        _publish_episode(config, storage, episode, now, report, progress)
    report.feed = _publish_feed(config, storage, everything, now, cover, report)
    return report


def _is_stored(config: Config, episode: Episode) -> bool:
    record = load_record(episode.folder)
    return record is not None and record.storage == config.storage.url


def lint_show(config: Config) -> list[tuple[str, Finding]]:
    """Lint the show's feed pages as publish would write them, looking at stored objects."""
    storage = open_storage(config.storage, config.root)
    remote = storage_remote(storage, config.storage.public_base_url)
    return [(key, f) for key, xml in render_feed_pages(config) for f in lint_feed(xml, remote)]


def _with_podcast_guid(config: Config) -> Config:
    """podcast:guid is derived from the feed URL once, then kept in podcast.toml for good."""
    if config.podcast.guid:
        return config
    guid = podcast_guid(config.feed_url)
    write_podcast_guid(config.path, guid)
    return replace(config, podcast=replace(config.podcast, guid=guid))


def _publish_episode(
    config: Config,
    storage: Storage,
    episode: Episode,
    now: datetime,
    report: Report,
    progress: ProgressFactory | None,
) -> None:
    assert episode.audio is not None
    previous = load_record(episode.folder)
    guid = episode.guid or (previous.guid if previous else new_guid())
    render_key = render_key_for(config, episode.audio)
    tick = progress(f"rendering {episode.slug}") if progress else None
    rendered, figures, cached = render_cached(config, episode, render_key, tick)
    (report.reused if cached else report.rendered).append(episode.slug)
    staged = stage_episode(
        config, episode, guid, render_key, rendered, figures, config.build_dir / "out"
    )
    for asset in staged.companions.assets:
        _upload(storage, asset.key, asset.path, asset.sha256, IMMUTABLE_CACHE, report, progress)
    _upload(storage, staged.key, staged.tagged, staged.sha256, AUDIO_CACHE, report, progress)
    alternates = tuple(
        _publish_alternate(config, storage, episode, guid, fmt, report, progress)
        for fmt in config.audio.alternates
    )
    if not episode.guid:
        write_guid(episode, guid)  # once, at first publish; never recomputed
    report.episodes.append(episode.slug)
    published_at = previous.published_at if previous else now.isoformat(timespec="seconds")
    record = _record(config, guid, render_key, figures, staged, alternates, published_at)
    save_record(episode.folder, record)


def _record(
    config: Config,
    guid: str,
    render_key: str,
    figures: dict[str, float],
    staged: Staged,
    alternates: tuple[Alternate, ...],
    published_at: str,
) -> Published:
    return Published(
        guid=guid,
        audio_key=staged.key,
        audio_bytes=staged.tagged.stat().st_size,
        audio_sha256=staged.sha256,
        audio_type=content_type_for(staged.key),
        duration_s=round(audio_duration(staged.tagged), 3),
        render_key=render_key,
        integrated_lufs=figures["integrated_lufs"],
        true_peak_dbtp=figures["true_peak_dbtp"],
        source_lufs=figures["source_lufs"],
        gain_db=figures["gain_db"],
        published_at=published_at,
        storage=config.storage.url,
        chapters_key=staged.companions.chapters_key,
        transcript_key=staged.companions.transcript_key,
        image_key=staged.companions.image_key,
        chapters_offset_s=staged.offset_s,
        alternates=alternates,
    )


def _publish_alternate(
    config: Config,
    storage: Storage,
    episode: Episode,
    guid: str,
    audio_format: str,
    report: Report,
    progress: ProgressFactory | None,
) -> Alternate:
    """The same episode in another encoding, rendered, tagged and stored like the main one."""
    assert episode.audio is not None
    config = replace(config, audio=replace(config.audio, format=audio_format, alternates=()))
    render_key = render_key_for(config, episode.audio)
    tick = progress(f"rendering {episode.slug} ({audio_format})") if progress else None
    rendered, figures, _ = render_cached(config, episode, render_key, tick)
    out = config.build_dir / "out"
    staged = stage_episode(config, episode, guid, render_key, rendered, figures, out)
    _upload(storage, staged.key, staged.tagged, staged.sha256, AUDIO_CACHE, report, progress)
    size, bitrate = staged.tagged.stat().st_size, audio_bitrate(staged.tagged)
    return Alternate(staged.key, size, staged.sha256, content_type_for(staged.key), bitrate)


@dataclass(frozen=True)
class Staged:
    """An episode ready to upload: its tagged audio and its companions, in the build folder."""

    key: str
    tagged: Path
    sha256: str
    companions: Companions
    offset_s: float


def stage_episode(
    config: Config,
    episode: Episode,
    guid: str,
    render_key: str,
    rendered: Path,
    figures: dict[str, float],
    out: Path,
) -> Staged:
    """Tag a copy of the render and gather the companions in `out`: what will be uploaded."""
    offset = figures.get("chapters_offset_s", 0.0)
    episode = replace(episode, chapters=shifted(episode.chapters, offset))  # intro, trimming
    key = audio_key(config, episode.slug, render_key)
    out.mkdir(parents=True, exist_ok=True)
    companions = prepare_companions(episode, config.storage.public_base_url, out)
    tagged = out / key
    _tagged_copy(rendered, tagged, _episode_tags(config, episode, guid, companions.chapter_art))
    return Staged(key, tagged, sha256_file(tagged), companions, offset)


def _tagged_copy(rendered: Path, tagged: Path, tags: EpisodeTags) -> None:
    """The cached render, copied and tagged (M4A chapters come from ffmpeg, the rest from
    mutagen), so a change of tags never re-encodes."""
    if tagged.suffix == ".m4a" and tags.chapters:
        spans = mp4_chapter_spans(tags.chapters, audio_duration(rendered))
        add_mp4_chapters(rendered, tagged, spans)
    else:
        shutil.copyfile(rendered, tagged)
    write_tags(tagged, tags)


def _episode_tags(
    config: Config, episode: Episode, guid: str, chapter_art: dict[str, bytes]
) -> EpisodeTags:
    show = config.show
    transcript = episode.transcript
    return EpisodeTags(
        title=episode.title,
        artist=show.author,
        album=show.title,
        date=episode.date,
        guid=guid,
        feed_url=config.feed_url,
        number=episode.number,
        season=episode.season,
        summary=episode.summary,
        link=episode.link,
        chapters=episode.chapters,
        chapter_art=chapter_art,
        cover_jpeg=embedded_cover(episode.image or show.image),
        language=id3_language(show.language),
        transcript=transcript_text(transcript.path, Problems()) if transcript else None,
    )


def _upload(
    storage: Storage,
    key: str,
    path: Path,
    sha: str,
    cache: str,
    report: Report,
    progress: ProgressFactory | None,
) -> None:
    """Upload unless the stored object already has this size and sha256; then verify it."""
    size = path.stat().st_size
    existing = storage.head(key)
    if existing and existing.size == size and existing.sha256 == sha:
        report.skipped.append(key)
    else:
        tick = progress(f"uploading {key}") if progress else None
        storage.put_file(key, path, sha, cache, tick)
        report.uploaded.append(key)
    stored = storage.head(key)
    if not stored or stored.size != size or stored.content_type != content_type_for(key):
        raise StorageError.at(
            storage.describe(key), f"verification failed after upload (found {stored})"
        )
    report.verified.append(key)


def _upload_cover(
    config: Config, storage: Storage, report: Report, progress: ProgressFactory | None
) -> str:
    image = config.show.image
    sha = sha256_file(image)
    key = cover_key(image, sha)
    _upload(storage, key, image, sha, IMMUTABLE_CACHE, report, progress)
    return key


def render_feed(config: Config, now: datetime | None = None, cover: str | None = None) -> bytes:
    """The feed from metadata and published records only: no audio, no ffmpeg needed."""
    return render_feed_pages(config, now, cover)[0][1]


def render_feed_pages(
    config: Config,
    now: datetime | None = None,
    cover: str | None = None,
    episodes: list[Episode] | None = None,
) -> list[tuple[str, bytes]]:
    if episodes is None:
        episodes, _ = check(config, need_audio=False)
    image = config.show.image
    cover = cover or cover_key(image, sha256_file(image))
    return render_pages(config, episodes, now or datetime.now(UTC), cover)


def _publish_feed(
    config: Config,
    storage: Storage,
    episodes: list[Episode],
    now: datetime,
    cover: str,
    report: Report,
) -> str:
    """Lint, then write the feed pages (the feed itself last and conditionally). Enclosure
    sizes are not HEADed again here: every object was verified when it was uploaded."""
    remote = storage_remote(storage, config.storage.public_base_url, sizes=False)

    def build() -> list[tuple[str, bytes]]:
        pages = render_feed_pages(config, now, cover, episodes)
        report.warnings.extend(str(w) for w in check_pages(pages, remote))
        return pages

    written = write_pages(storage, build)
    report.uploaded.extend(written.written)
    report.skipped.extend(written.unchanged)
    return written.where
