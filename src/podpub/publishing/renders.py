"""The render step of a publish: each render the plan needs, taken from where it already is (a
published file to tag again, storage's render cache) or rendered — pass 2, pass 1 having been
done while validating — N episodes at once (publishing/parallel.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from podpub.callbacks import Progress
from podpub.publishing import parallel
from podpub.publishing.plan import EpisodePlan, Plan
from podpub.publishing.rendercache import BuildCache, Rendered, RenderJob
from podpub.publishing.rendering import Prepared, prepare, render_job
from podpub.publishing.renderstore import fetch
from podpub.publishing.staging import Kept

if TYPE_CHECKING:
    from podpub.publishing.steps import Run


class Render:
    """Every render the build cache lacks: a stored file whose tags changed is fetched, one in
    storage's render cache too (its bytes checked), the others rendered."""

    name = "render"

    def actions(self, plan: Plan) -> list[str]:
        return [f"{e.slug}: {e.render}" for e in plan.episodes]

    def run(self, run: Run) -> list[str]:
        done: list[str] = []
        cache = BuildCache(run.plan.config.build_dir / "render")
        missing: dict[str, list[RenderJob]] = {}  # slug → the encodings to render
        for episode in run.plan.episodes:
            run.log(f"{episode.slug}: {episode.episode.title}")
            run.rendered.update(episode.cached)
            for job in episode.jobs:
                if found := _taken(run, cache, episode, job):
                    run.rendered[job.render_key] = found[0]
                    done.append(found[1])
                elif job in episode.pending or job.render_key in episode.shared:
                    missing.setdefault(episode.slug, []).append(job)
        done += _render(run, cache, missing)
        for episode in run.plan.episodes:
            rendered = episode.jobs[0] in missing.get(episode.slug, [])
            (run.report.rendered if rendered else run.report.reused).append(episode.slug)
        return done


def _taken(
    run: Run, cache: BuildCache, episode: EpisodePlan, job: RenderJob
) -> tuple[Rendered, str] | None:
    """The render from storage, when storage holds it: (it, what was done)."""
    if job.render_key in episode.fetch:
        return _fetch(run, cache, job, episode.fetch), f"fetched {job.audio_key}"
    if found := episode.shared.get(job.render_key):
        if rendered := fetch(run.storage, job, found, cache):
            return rendered, f"fetched the render of {job.audio_key} from the render cache"
        run.log(f"{episode.slug}: the render cache's {job.format} did not match; rendering it")
    return None


def _fetch(run: Run, cache: BuildCache, job: RenderJob, stored: dict[str, Kept]) -> Rendered:
    """The published file, into the build cache: tagging replaces every tag it carries."""
    path = cache.audio_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    run.storage.get_file(job.audio_key, path)
    kept = stored[job.render_key]
    return cache.store_figures(job, kept.figures, kept.ffmpeg)


def _render(run: Run, cache: BuildCache, missing: dict[str, list[RenderJob]]) -> list[str]:
    plan, tasks = run.plan, []
    for slug, jobs in missing.items():
        prepared = [p for job in jobs if (p := plan.prepared.get(job.render_key))]
        seconds = plan.state.durations.get(slug, 1.0)
        passes = len(jobs) + (len(prepared) < len(jobs))  # pass 1 when published before
        args = (jobs, prepared, cache.folder, plan.scratch / "programs")
        tasks.append(parallel.Task(f"rendering {slug}", seconds, seconds * passes, render, args))
    done = []
    for outcome in parallel.run(tasks, run.workers, run.progress, "rendering"):
        if outcome.error:
            raise outcome.error
        assert outcome.value is not None
        run.rendered.update(outcome.value)
        jobs = outcome.task.args[0]
        done += [f"rendered {job.audio_key}" for job in jobs]
        run.workers.finished(f"rendered {jobs[0].slug}")
    return done


def render(
    jobs: list[RenderJob],
    prepared: list[Prepared],
    folder: Path,
    scratch: Path,
    progress: Progress | None,
) -> dict[str, Rendered]:
    """One episode's encodings into the build cache at `folder` (in a worker process, with
    --jobs): pass 1 first when it was not done while validating. Render key → its render."""
    ready = {p.job.render_key: p for p in prepared}
    if unmeasured := [job for job in jobs if job.render_key not in ready]:
        ready |= {p.job.render_key: p for p in prepare(unmeasured, scratch, progress)}
    cache = BuildCache(folder)
    return {job.render_key: render_job(cache, ready[job.render_key], progress) for job in jobs}
