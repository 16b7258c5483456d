"""Render jobs and the build cache of rendered audio: keyed by everything that changes the
sound, so that an unchanged episode is never encoded twice and an interrupted run picks up
where it stopped."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from podpub.files import sha256_unchanged, write_atomic
from podpub.show.audio_settings import AudioSettings
from podpub.show.config import Config
from podpub.show.episodes import Episode

# Part of every render key, so of every enclosure URL: bump it only when the engine changes what
# listeners hear. A change that moves the bytes by rounding keeps the keys: what storage holds is
# kept (see plan._stored_renders), and only new renders come out of the new engine.
RENDER_VERSION = "3"
PROGRAM_SETTINGS = ("intro", "outro", "crossfade_s", "trim_silence", "silence_threshold_db")


@dataclass(frozen=True)
class RenderJob:
    """One encoding of one episode: the main one, or an alternate (podcast:alternateEnclosure)."""

    slug: str
    source: Path
    settings: AudioSettings  # of this encoding: its format, no alternates
    render_key: str

    @property
    def format(self) -> str:
        return self.settings.format

    @property
    def audio_key(self) -> str:
        """The enclosure's key: it changes when the audio does, and only then (invariant 4)."""
        return f"{self.slug}-{self.render_key[:12]}.{self.format}"


def render_jobs(config: Config, episode: Episode) -> list[RenderJob]:
    """The main encoding first, then the alternates."""
    assert episode.audio is not None
    formats = (config.audio.format, *config.audio.alternates)
    jobs = []
    for fmt in formats:
        settings = replace(config.audio, format=fmt, alternates=())
        key = render_key_for(settings, episode.audio)
        jobs.append(RenderJob(episode.slug, episode.audio, settings, key))
    return jobs


def render_key_for(settings: AudioSettings, source: Path) -> str:
    """Build-cache key: the source's content and every setting that changes the audio — jingles
    by content, not by path, so the key (and the enclosure URL) is the same on every machine."""
    values = asdict(settings)
    del values["alternates"]  # other encodings have keys of their own
    if not settings.leveler:  # keys made before the leveler existed stay as they were
        del values["leveler"]
    for name in PROGRAM_SETTINGS:
        value = values.pop(name)
        if settings.builds_program:  # otherwise they change nothing: leave keys as they were
            values[name] = sha256_unchanged(value) if isinstance(value, Path) else value
    text = f"{RENDER_VERSION}\n{sha256_unchanged(source)}\n{json.dumps(values, sort_keys=True)}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Rendered:
    """A render in the build cache: its audio and the figures measured on it."""

    audio: Path
    figures: dict[str, float]  # integrated_lufs, true_peak_dbtp, source_lufs, gain_db, …
    ffmpeg: str | None = None  # the ffmpeg that made it (None: not known, an older cache)

    @property
    def chapters_offset_s(self) -> float:
        return self.figures.get("chapters_offset_s", 0.0)


class BuildCache:
    """.podpub/build/render: <render key>.<format> beside <render key>.json (its figures) and
    <render key>.curves.npz (its loudness curves); the figures are written last, so a render
    without them is not finished."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def audio_path(self, job: RenderJob) -> Path:
        return self.folder / f"{job.render_key}.{job.format}"

    def figures_path(self, job: RenderJob) -> Path:
        return self.folder / f"{job.render_key}.json"

    def curves_path(self, job: RenderJob) -> Path:
        """The 20 ms loudness and gain curves of the render, for `podpub report`."""
        return self.folder / f"{job.render_key}.curves.npz"

    def lookup(self, job: RenderJob) -> Rendered | None:
        audio, figures = self.audio_path(job), self.figures_path(job)
        if not (audio.is_file() and figures.is_file()):
            return None
        facts = json.loads(figures.read_text())
        ffmpeg = facts.pop("ffmpeg", None)
        return Rendered(audio, facts, ffmpeg)

    def store_figures(
        self, job: RenderJob, figures: dict[str, float], ffmpeg: str | None
    ) -> Rendered:
        facts = {**figures, "ffmpeg": ffmpeg} if ffmpeg else figures
        write_atomic(self.figures_path(job), json.dumps(facts, sort_keys=True).encode())
        return Rendered(self.audio_path(job), figures, ffmpeg)
