"""An episode made ready to upload: each render copied and tagged, the companions gathered, and
the record that will say what was published."""

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
from podpub.tags import EpisodeTags, audio_bitrate, audio_duration, tag


@dataclass(frozen=True)
class Staged:
    """One encoding ready to upload: a tagged copy of its render."""

    job: RenderJob
    path: Path
    sha256: str

    @property
    def key(self) -> str:
        return self.job.audio_key

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass(frozen=True)
class StagedEpisode:
    episode: Episode  # its chapters moved by the intro and trimmed silence
    guid: str
    main: Staged
    alternates: tuple[Staged, ...]
    companions: Companions
    figures: dict[str, float]  # the main render's loudness figures

    @property
    def files(self) -> list[tuple[str, Path, str]]:
        """(key, file, sha256) in upload order: companions, the main audio, the alternates."""
        found = [(a.key, a.path, a.sha256) for a in self.companions.assets]
        return found + [(s.key, s.path, s.sha256) for s in (self.main, *self.alternates)]


def stage_episode(
    config: Config,
    episode: Episode,
    guid: str,
    renders: list[tuple[RenderJob, Rendered]],
    out: Path,
) -> StagedEpisode:
    """Tag copies of the renders and gather the companions in `out`: what will be uploaded."""
    figures = renders[0][1].figures
    episode = replace(
        episode, chapters=shifted(episode.chapters, figures.get("chapters_offset_s", 0.0))
    )
    out.mkdir(parents=True, exist_ok=True)
    companions = prepare_companions(episode, config.storage.public_base_url, out)
    tags = episode_tags(config, episode, guid, companions.chapter_art)
    staged = [_tagged_copy(job, rendered, out / job.audio_key, tags) for job, rendered in renders]
    return StagedEpisode(episode, guid, staged[0], tuple(staged[1:]), companions, figures)


def _tagged_copy(job: RenderJob, rendered: Rendered, tagged: Path, tags: EpisodeTags) -> Staged:
    """The cached render, copied and tagged, so a change of tags never re-encodes."""
    shutil.copyfile(rendered.audio, tagged)
    tag(tagged, tags)
    return Staged(job, tagged, sha256_file(tagged))


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


def build_record(config: Config, staged: StagedEpisode, published_at: str) -> Record:
    """What published.json will say once the staged files are stored."""
    main, figures, companions = staged.main, staged.figures, staged.companions
    return Record(
        guid=staged.guid,
        audio_key=main.key,
        audio_bytes=main.size,
        audio_sha256=main.sha256,
        audio_type=content_type_for(main.key),
        duration_s=round(audio_duration(main.path), 3),
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
    )


def _alternate(staged: Staged) -> Alternate:
    kind = content_type_for(staged.key)
    return Alternate(staged.key, staged.size, staged.sha256, kind, audio_bitrate(staged.path))
