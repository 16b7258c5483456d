"""The build cache of rendered audio: keyed by everything that changes the sound, so that an
unchanged episode is never encoded twice and an interrupted run picks up where it stopped."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from podpub.config import Config
from podpub.episodes import Episode
from podpub.files import sha256_file, write_atomic

if TYPE_CHECKING:  # the audio engine (numpy, scipy: ~1 s, ~80 MB) loads only when rendering
    from podpub.audio.render import Progress, RenderResult

RENDER_VERSION = "3"  # bump when the audio engine changes what it writes
PROGRAM_SETTINGS = ("intro", "outro", "crossfade_s", "trim_silence", "silence_threshold_db")


@functools.lru_cache(maxsize=1024)
def _source_sha(path: Path, size: int, mtime_ns: int) -> str:
    return sha256_file(path)  # cached: the guard and the render both need it, once per run


def render_key_for(config: Config, source: Path) -> str:
    """Build-cache key: the source's content and every setting that changes the audio — jingles
    by content, not by path, so the key (and the enclosure URL) is the same on every machine."""
    settings = asdict(config.audio)
    del settings["alternates"]  # other encodings have keys of their own
    for name in PROGRAM_SETTINGS:
        value = settings.pop(name)
        if config.audio.builds_program:  # otherwise they change nothing: leave keys as they were
            settings[name] = sha256_file(value) if isinstance(value, Path) else value
    stat = source.stat()
    source_sha = _source_sha(source, stat.st_size, stat.st_mtime_ns)
    text = f"{RENDER_VERSION}\n{source_sha}\n{json.dumps(settings, sort_keys=True)}"
    return hashlib.sha256(text.encode()).hexdigest()


def audio_key(config: Config, slug: str, render_key: str) -> str:
    """The enclosure's key: it changes when the audio does, and only then (invariant 4)."""
    return f"{slug}-{render_key[:12]}.{config.audio.format}"


def cached_render(config: Config, render_key: str) -> tuple[Path, Path]:
    folder = config.build_dir / "render"
    return folder / f"{render_key}.{config.audio.format}", folder / f"{render_key}.json"


def render_cached(
    config: Config, episode: Episode, render_key: str, progress: Progress | None
) -> tuple[Path, dict[str, float], bool]:
    """Normalize + encode, unless the build cache already holds this exact render.
    Returns the audio, its loudness figures, and whether it came from the cache."""
    from podpub.audio.program import build_program  # see TYPE_CHECKING above
    from podpub.audio.render import normalize_file

    assert episode.audio is not None
    audio, facts = cached_render(config, render_key)
    if audio.is_file() and facts.is_file():
        return audio, json.loads(facts.read_text()), True
    audio.parent.mkdir(parents=True, exist_ok=True)
    program = build_program(episode.audio, config.audio, audio.with_suffix(".program.flac"))
    try:
        result = normalize_file(program.path, audio, config.audio, progress)
    finally:
        if program.path != episode.audio:
            program.path.unlink(missing_ok=True)  # an intermediate: the render is what is kept
    figures = {**_loudness_figures(result), "chapters_offset_s": round(program.offset_s, 3)}
    write_atomic(facts, json.dumps(figures, sort_keys=True).encode())
    return audio, figures, False


def _loudness_figures(result: RenderResult) -> dict[str, float]:
    return {
        "integrated_lufs": round(result.after.integrated_lufs, 2),
        "true_peak_dbtp": round(result.after.true_peak_dbtp, 2),
        "source_lufs": round(result.before.integrated_lufs, 2),
        "gain_db": round(result.gain_db, 2),
    }
