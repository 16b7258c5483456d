"""Rendering for publishing: pass 1 of every pending render before anything is written (so a
silent or far too quiet episode stops the run while nothing is stored), pass 2 into the build
cache afterwards. The audio engine (numpy, scipy: ~1 s, ~80 MB) is imported only here, and
only when something renders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from podpub.callbacks import Progress
from podpub.publishing.rendercache import BuildCache, Rendered, RenderJob

if TYPE_CHECKING:
    from podpub.audio.program import Program
    from podpub.audio.render import RenderResult


@dataclass(frozen=True)
class Prepared:
    """Pass 1 of one encoding, done: the program to encode and its saved measurement."""

    job: RenderJob
    program: Program
    analysis: Path


def prepare(jobs: list[RenderJob], scratch: Path, progress: Progress | None) -> list[Prepared]:
    """Build one episode's program (jingles, trimming) and measure it once for all its
    encodings; AudioError when an encoding could not reach its target."""
    from podpub.audio.measure import Analysis
    from podpub.audio.program import build_program
    from podpub.audio.render import analyze, check_level

    first = jobs[0]
    scratch.mkdir(parents=True, exist_ok=True)
    program = build_program(first.source, first.settings, scratch / f"{first.slug}.program.flac")
    analysis = analyze(program.path, first.settings, progress)
    path = scratch / f"{first.slug}.analysis.npz"
    analysis.save(path)
    for job in jobs[1:]:
        check_level(program.path, Analysis.load(path), job.settings)
    return [Prepared(job, program, path) for job in jobs]


def render_job(cache: BuildCache, prepared: Prepared, progress: Progress | None) -> Rendered:
    """Pass 2 into the build cache; the figures, written last, mark the render as finished."""
    from podpub.audio.ffmpeg import ffmpeg_identity
    from podpub.audio.measure import Analysis
    from podpub.audio.render import render

    job = prepared.job
    audio = cache.audio_path(job)
    audio.parent.mkdir(parents=True, exist_ok=True)
    analysis = Analysis.load(prepared.analysis)
    result = render(prepared.program.path, analysis, audio, job.settings, progress)
    if result.curves is not None:  # what the loudness report draws, so it needs no second pass
        result.curves.save(cache.curves_path(job))
    figures = {**loudness_figures(result), "chapters_offset_s": round(prepared.program.offset_s, 3)}
    return cache.store_figures(job, figures, ffmpeg_identity())


def loudness_figures(result: RenderResult) -> dict[str, float]:
    return {
        "integrated_lufs": round(result.after.integrated_lufs, 2),
        "true_peak_dbtp": round(result.after.true_peak_dbtp, 2),
        "source_lufs": round(result.before.integrated_lufs, 2),
        "gain_db": round(result.gain_db, 2),
    }
