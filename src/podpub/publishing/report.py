"""`podpub report SLUG`: the loudness report of an episode's render, drawn from the curves its
render left in the build cache (no pass over the audio), with the episode's chapters."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from podpub.errors import AudioError, EpisodeError, Problems
from podpub.publishing.rendercache import BuildCache, render_jobs
from podpub.publishing.state import load_state
from podpub.show.config import Config


def report_paths(config: Config, slug: str) -> list[Path]:
    """Where the report goes by default: .podpub/reports/SLUG.svg and .png."""
    folder = config.build_dir.parent / "reports"
    return [folder / f"{slug}.svg", folder / f"{slug}.png"]


def write_episode_report(config: Config, slug: str, outputs: Sequence[Path]) -> None:
    """Draw the report of the episode's main encoding; AudioError when it was not rendered."""
    from podpub.audio.curves import Curves
    from podpub.audio.plot import Mark, write_report

    problems = Problems()
    _, chosen = load_state(config, (slug,), problems)
    folder = str(config.episodes_dir / slug)
    mine = [p for p in problems.items if p.where.startswith(folder)]  # not other episodes'
    if mine or not chosen:
        raise EpisodeError(*mine)
    episode = chosen[0]
    if episode.audio is None:
        raise AudioError.at(episode.folder, "has no audio to report on")
    job = render_jobs(config, episode)[0]
    cache = BuildCache(config.build_dir / "render")
    rendered = cache.lookup(job)
    curves_path = cache.curves_path(job)
    if rendered is None or not curves_path.is_file():
        raise AudioError.at(
            episode.audio,
            f"no loudness figures for its current render in {cache.folder}: run "
            f"`podpub publish {slug}` (a render kept by an older podpub: delete "
            f"{job.render_key}.* there first; it renders to the same bytes)",
        )
    offset = rendered.chapters_offset_s
    marks = [Mark(chapter.start + offset, chapter.title) for chapter in episode.chapters]
    write_report(Curves.load(curves_path), outputs, f"{episode.title} — loudness", marks)
