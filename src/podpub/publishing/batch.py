"""`podpub render`: the renders a show's episodes lack, made and put into storage's render cache
(publishing/renderstore.py), N at once, or a stable share of them (a shard) on each of several
machines. No tags, no feed: `publish` takes the renders from storage and does the rest.

An episode's renders are looked for in storage's render cache, then among the published files,
then in this machine's build cache (stored from there), and rendered only when none holds them.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from podpub.callbacks import Log, Progress, ProgressFactory, quiet, unwatched
from podpub.errors import EpisodeError, Problem, Problems, StorageError
from podpub.publishing import parallel
from podpub.publishing.guards import NOTHING_ALLOWED
from podpub.publishing.parallel import ONE, Workers
from podpub.publishing.plan import renders_published
from podpub.publishing.rendercache import BuildCache, RenderJob, render_jobs
from podpub.publishing.rendering import prepare, render_job
from podpub.publishing.renderstore import RenderStore, store
from podpub.publishing.state import ShowState, load_state
from podpub.publishing.validate import check_inputs
from podpub.show.config import Config, StorageSettings
from podpub.show.episodes import Episode
from podpub.storage import Storage, open_storage


@dataclass(frozen=True)
class Shard:
    """The I-th of N stable shares of the episodes, by a hash of the slug: an episode's shard
    never changes when others are added or removed."""

    index: int  # 1 … count
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """'I/N', with 1 ≤ I ≤ N; ValueError saying what is wrong."""
        index, slash, count = text.partition("/")
        if not (slash and index.strip().isdigit() and count.strip().isdigit()):
            raise ValueError(f"{text!r} is not I/N (e.g. 1/4: the first of four shards)")
        shard = cls(int(index), int(count))
        if not 1 <= shard.index <= shard.count:
            raise ValueError(f"{text!r}: I runs from 1 to N (a Kubernetes or AWS Batch index + 1)")
        return shard

    def holds(self, slug: str) -> bool:
        digest = hashlib.sha256(slug.encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


EVERY_EPISODE = Shard(1, 1)


@dataclass
class BatchReport:
    """What `podpub render` did, episode by episode (slugs), for the summary and `--json`."""

    shard: str
    episodes: list[str] = field(default_factory=list)  # this shard's
    rendered: list[str] = field(default_factory=list)  # rendered here, then stored
    stored: list[str] = field(default_factory=list)  # from this machine's build cache
    present: list[str] = field(default_factory=list)  # in the render cache already
    published: list[str] = field(default_factory=list)  # the published files are the renders
    hours_rendered: float = 0.0  # of audio
    wall_seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)  # the episodes that could not render


@dataclass(frozen=True)
class EpisodeWork:
    """What one episode needs: encodings to render, and renders to store from the build cache."""

    slug: str
    seconds: float
    render: list[RenderJob]
    store: list[RenderJob]


def render_catalog(
    config: Config,
    slugs: tuple[str, ...] = (),
    shard: Shard = EVERY_EPISODE,
    workers: Workers = ONE,
    log: Log = quiet,
    progress: ProgressFactory = unwatched,
) -> BatchReport:
    """Render what storage's render cache lacks, for the named episodes (or all but drafts) in
    this shard; the inputs are checked first, all of them, as publish checks them."""
    started = time.monotonic()
    state, episodes = _checked(config, slugs, shard)
    storage = open_storage(config.storage, config.root)
    storage.preflight()
    report = BatchReport(str(shard), [e.slug for e in episodes])
    with tempfile.TemporaryDirectory(prefix="podpub-render-") as scratch:
        items = _sorted_work(state, storage, episodes, report, Path(scratch) / "tags")
        log(f"shard {shard}: {len(episodes)} episode(s), {len(items)} to render or store")
        tasks = [_task(config, item, Path(scratch)) for item in items]
        for outcome in parallel.run(tasks, workers, progress, "rendering"):
            workers.finished(_account(report, outcome.task.args[0], outcome))
    report.wall_seconds = time.monotonic() - started
    return report


def shard_episodes(
    config: Config, slugs: tuple[str, ...], shard: Shard, problems: Problems
) -> tuple[ShowState, list[Episode]]:
    """The episodes this shard renders: the named ones (or all), but drafts and those whose
    audio stays where it was imported from. No audio is read: a machine can ask which sources
    to fetch (`podpub render --list`) before it has them."""
    state, selected = load_state(config, slugs, problems)
    episodes = [
        e for e in selected if shard.holds(e.slug) and not e.draft and not state.stays_elsewhere(e)
    ]
    return state, episodes


def _checked(
    config: Config, slugs: tuple[str, ...], shard: Shard
) -> tuple[ShowState, list[Episode]]:
    problems = Problems()
    state, episodes = shard_episodes(config, slugs, shard, problems)
    check_inputs(state, episodes, NOTHING_ALLOWED, problems)
    problems.raise_as(EpisodeError)
    return state, episodes


def _sorted_work(
    state: ShowState, storage: Storage, episodes: list[Episode], report: BatchReport, out: Path
) -> list[EpisodeWork]:
    """Each episode's work, the longest first: the last to start are the short ones, so the
    workers finish at about the same time. A published file counts as a render only when
    `publish` would take it as one (`out`: where the tags it would write are worked out)."""
    cache = BuildCache(state.config.build_dir / "render")
    renders = RenderStore(storage)
    work = []
    for episode in episodes:
        jobs = render_jobs(state.config, episode)
        record = state.record(episode)
        published = (
            renders_published(state.config, storage, episode, record, jobs, out) if record else {}
        )
        missing = [j for j in jobs if j.render_key not in published and not renders.find(j)]
        if not missing:
            (report.published if published else report.present).append(episode.slug)
            continue
        local = [j for j in missing if cache.lookup(j)]
        to_render = [j for j in missing if j not in local]
        seconds = state.durations.get(episode.slug, 1.0)
        work.append(EpisodeWork(episode.slug, seconds, to_render, local))
    return sorted(work, key=lambda w: (-w.seconds * bool(w.render), w.slug))


def _task(config: Config, item: EpisodeWork, scratch: Path) -> parallel.Task[list[bool]]:
    passes = 1 + len(item.render) if item.render else 1
    args = (item, config.build_dir / "render", scratch, config.storage, config.root)
    verb = "rendering" if item.render else "storing"
    return parallel.Task(
        f"{verb} {item.slug}", item.seconds, item.seconds * passes, render_and_store, args
    )


def _account(report: BatchReport, item: EpisodeWork, outcome: parallel.Outcome[list[bool]]) -> str:
    """The outcome into the report; the line that says it."""
    if outcome.error:
        report.problems.extend(outcome.error.problems)
        return f"failed {item.slug}: " + "; ".join(p.message for p in outcome.error.problems)
    minutes = f"{item.seconds / 60:.1f} min of audio"
    if item.render:
        report.rendered.append(item.slug)
        report.hours_rendered += item.seconds / 3600
        return f"rendered {item.slug} ({minutes})"
    (report.stored if any(outcome.value or ()) else report.present).append(item.slug)
    return f"stored {item.slug} from the build cache ({minutes})"


def render_and_store(
    item: EpisodeWork,
    folder: Path,
    scratch: Path,
    settings: StorageSettings,
    root: Path,
    progress: Progress | None,
) -> list[bool]:
    """One episode, in a worker process with --jobs: render what it lacks (pass 1 once for all
    its encodings), then store each render; whether each store wrote (False: another run
    had stored it meanwhile)."""
    storage = _storage(settings, root)
    cache = BuildCache(folder)
    written = []
    for job in item.store:
        rendered = cache.lookup(job)
        if rendered is None:  # removed from the build cache since it was planned
            raise StorageError.at(cache.audio_path(job), "vanished from the build cache")
        written.append(store(storage, job, rendered))
    if item.render:
        for prepared in prepare(item.render, scratch / item.slug, progress):
            rendered = render_job(cache, prepared, progress)
            written.append(store(storage, prepared.job, rendered))
    return written


@functools.cache
def _storage(settings: StorageSettings, root: Path) -> Storage:
    """One client per worker process, for all the episodes it renders."""
    return open_storage(settings, root)
