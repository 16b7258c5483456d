"""An episode made ready to upload: each render copied and tagged (or, when storage already
holds the very file, kept as it is), the companions gathered, and the record that will say what
was published."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from podpub.files import sha256_file
from podpub.publishing.companions import Companions, prepare_companions
from podpub.publishing.rendercache import Rendered, RenderJob
from podpub.show.artwork import embedded_cover
from podpub.show.chapters import shifted
from podpub.show.config import Config
from podpub.show.episodes import Episode
from podpub.show.records import Alternate, Record
from podpub.standards.language import id3_language
from podpub.storage import content_type_for
from podpub.tags import EpisodeTags, audio_bitrate, audio_duration, tag, tags_sha256


@dataclass(frozen=True)
class Kept:
    """A published file that storage holds as its record says (size and sha256): kept as it
    is while its tags stand, else fetched and tagged again; never rendered again."""

    size: int
    sha256: str
    duration_s: float
    bitrate: int
    figures: dict[str, float]
    ffmpeg: str | None

    @property
    def stored(self) -> tuple[int, str]:
        """(size, sha256): what storage must hold for it to be kept."""
        return self.size, self.sha256


@dataclass(frozen=True)
class Staged:
    """One encoding ready to upload: a tagged copy of its render, or the stored file kept."""

    job: RenderJob
    path: Path | None  # None: the stored object is kept as it is
    sha256: str
    size: int
    duration_s: float
    bitrate: int

    @property
    def key(self) -> str:
        return self.job.audio_key


@dataclass(frozen=True)
class StagedEpisode:
    episode: Episode  # its chapters moved by the intro and trimmed silence
    guid: str
    main: Staged
    alternates: tuple[Staged, ...]
    companions: Companions
    figures: dict[str, float]  # the main render's loudness figures
    ffmpeg: str | None  # what rendered the main encoding
    tags_sha256: str

    @property
    def files(self) -> list[tuple[str, Path | None, str]]:
        """(key, file or None when kept, sha256) in upload order: companions, the main audio,
        the alternates."""
        found: list[tuple[str, Path | None, str]] = [
            (a.key, a.path, a.sha256) for a in self.companions.assets
        ]
        return found + [(s.key, s.path, s.sha256) for s in (self.main, *self.alternates)]

    @property
    def audio_keys(self) -> set[str]:
        return {s.key for s in (self.main, *self.alternates)}


def stage_episode(
    config: Config,
    episode: Episode,
    guid: str,
    renders: list[tuple[RenderJob, Rendered | Kept]],
    out: Path,
) -> StagedEpisode:
    """Tag copies of the renders and gather the companions in `out`: what will be uploaded."""
    first = renders[0][1]
    offset = first.figures.get("chapters_offset_s", 0.0)
    episode, companions, tags = _tagging(config, episode, guid, offset, out)
    staged = [_staged(job, source, out / job.audio_key, tags) for job, source in renders]
    return StagedEpisode(
        episode,
        guid,
        staged[0],
        tuple(staged[1:]),
        companions,
        first.figures,
        first.ffmpeg,
        tags_sha256(tags),
    )


def _tagging(
    config: Config, episode: Episode, guid: str, offset_s: float, out: Path
) -> tuple[Episode, Companions, EpisodeTags]:
    """The episode with its chapters where the program puts them, its companions, its tags."""
    episode = replace(episode, chapters=shifted(episode.chapters, offset_s))
    out.mkdir(parents=True, exist_ok=True)
    companions = prepare_companions(episode, config.storage.public_base_url, out)
    return episode, companions, episode_tags(config, episode, guid, companions.chapter_art)


def planned_tags_sha256(
    config: Config, episode: Episode, guid: str, offset_s: float, out: Path
) -> str:
    """The fingerprint of the tags the episode's files will carry (see tags.tags_sha256)."""
    return tags_sha256(_tagging(config, episode, guid, offset_s, out)[2])


def _staged(job: RenderJob, source: Rendered | Kept, tagged: Path, tags: EpisodeTags) -> Staged:
    if isinstance(source, Kept):
        return Staged(job, None, source.sha256, source.size, source.duration_s, source.bitrate)
    shutil.copyfile(source.audio, tagged)  # a copy: a change of tags never re-encodes
    tag(tagged, tags)
    size, duration = tagged.stat().st_size, audio_duration(tagged)
    return Staged(job, tagged, sha256_file(tagged), size, duration, audio_bitrate(tagged))


def episode_tags(
    config: Config, episode: Episode, guid: str, chapter_art: dict[str, bytes]
) -> EpisodeTags:
    show = config.show
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
        transcript=episode.transcript.text if episode.transcript else None,
    )


def build_record(
    config: Config, staged: StagedEpisode, published_at: str, episode_sha256: str
) -> Record:
    """What published.json will say once the staged files are stored; `episode_sha256` is
    the fingerprint of the episode's fields as its episode.md gives them."""
    main, figures, companions = staged.main, staged.figures, staged.companions
    return Record(
        guid=staged.guid,
        audio_key=main.key,
        audio_bytes=main.size,
        audio_sha256=main.sha256,
        audio_type=content_type_for(main.key),
        duration_s=round(main.duration_s, 3),
        render_key=main.job.render_key,
        integrated_lufs=figures["integrated_lufs"],
        true_peak_dbtp=figures["true_peak_dbtp"],
        source_lufs=figures["source_lufs"],
        gain_db=figures["gain_db"],
        published_at=published_at,
        storage=config.storage.url,
        chapters_key=companions.chapters_key,
        transcript_key=companions.transcript_key,
        image_key=companions.image_key,
        chapters_offset_s=figures.get("chapters_offset_s", 0.0),
        alternates=tuple(_alternate(s) for s in staged.alternates),
        ffmpeg=staged.ffmpeg,
        tags_sha256=staged.tags_sha256,
        episode_sha256=episode_sha256,
        audio_bitrate=main.bitrate,
    )


def _alternate(staged: Staged) -> Alternate:
    kind = content_type_for(staged.key)
    key = staged.job.render_key
    return Alternate(staged.key, staged.size, staged.sha256, kind, staged.bitrate, key)


def kept_files(record: Record) -> dict[str, Kept]:
    """render key → what the record says was stored for it (main and alternates)."""
    figures = {
        "integrated_lufs": record.integrated_lufs,
        "true_peak_dbtp": record.true_peak_dbtp,
        "source_lufs": record.source_lufs,
        "gain_db": record.gain_db,
        "chapters_offset_s": record.chapters_offset_s,
    }
    kept = {
        record.render_key: Kept(
            record.audio_bytes,
            record.audio_sha256,
            record.duration_s,
            record.audio_bitrate,  # 0 in records older than the field: see plan._stored_renders
            figures,
            record.ffmpeg,
        )
    }
    for alternate in record.alternates:
        if alternate.render_key:
            kept[alternate.render_key] = Kept(
                alternate.bytes,
                alternate.sha256,
                record.duration_s,
                alternate.bitrate,
                figures,
                record.ffmpeg,
            )
    return kept
