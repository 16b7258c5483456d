"""The one pipeline: load the show once → plan every step → validate the whole plan → execute.

`check` stops after validating the inputs and the plan offline, `plan` (and `publish
--dry-run`) after validating the plan against the storage target, `publish` executes it. The
invariants of docs/architecture.md live here: nothing is written before everything that can be
refused has been checked, assets go up before the feed, GUIDs are kept.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from podpub.callbacks import Log, ProgressFactory, quiet, unwatched
from podpub.errors import EpisodeError, FeedError, Problem, Problems
from podpub.feed.build import Pages
from podpub.feed.items import feed_pages
from podpub.feed.lint import Finding, lint_feed
from podpub.publishing.feeddiff import feed_diff
from podpub.publishing.feedwrite import storage_remote
from podpub.publishing.guards import NOTHING_ALLOWED, Allowances
from podpub.publishing.notifying import Notify
from podpub.publishing.parallel import ONE, Workers
from podpub.publishing.plan import Choice, Plan, chosen_episodes, plan_episode
from podpub.publishing.recording import Records
from podpub.publishing.renders import Render
from podpub.publishing.renderstore import RenderStore
from podpub.publishing.state import ShowState, load_state
from podpub.publishing.steps import (
    Feed,
    Report,
    Run,
    Site,
    Stage,
    Step,
    Upload,
)
from podpub.publishing.validate import check_inputs, check_plan
from podpub.show.config import Config, public_url
from podpub.show.episodes import Episode
from podpub.site.build import SiteFile, build_site
from podpub.storage import Storage, open_storage

# The steps of a publish, in order. A new step is added here, once: it then shows in `plan`,
# in `--json` and in the run summary.
STEPS: tuple[Step, ...] = (Render(), Stage(), Upload(), Records(), Feed(), Site(), Notify())


@contextlib.contextmanager
def planned(
    config: Config,
    choice: Choice,
    storage: Storage | None = None,
    offline: bool = False,
    progress: ProgressFactory = unwatched,
    workers: Workers = ONE,
) -> Iterator[Plan]:
    """Load, plan and validate; the plan's scratch folder lives as long as the context."""
    problems = Problems()
    state, selected = load_state(config, choice.slugs, problems)
    check_inputs(state, selected, choice.allow, problems)
    problems.raise_as(EpisodeError)
    if not offline:
        state.connect(storage or open_storage(config.storage, config.root), problems)
        problems.raise_as(EpisodeError)
    with tempfile.TemporaryDirectory(prefix="podpub-") as folder:
        scratch = Path(folder)
        plan = make_plan(state, selected, choice, scratch, scratch / "out")
        check_plan(plan, progress, workers)
        yield plan


def make_plan(
    state: ShowState, selected: list[Episode], choice: Choice, scratch: Path, out: Path
) -> Plan:
    chosen = chosen_episodes(state, selected, choice)
    ffmpeg = _ffmpeg_identity() if any(e.audio for e in chosen) else ""
    store = RenderStore(state.storage) if state.storage and chosen else None
    episodes = [plan_episode(state, e, choice, out, ffmpeg, store) for e in chosen]
    plan = Plan(state, choice, scratch, out, episodes, STEPS)
    plan.feed_episodes, plan.records = state.published(choice.allow.removal)
    plan.records.update(
        (e.slug, e.predicted_record(state, scratch / "predicted")) for e in episodes
    )
    plan.pages = feed_pages(state.config, plan.feed_episodes, plan.records, choice.now)
    # placeholders until the audio is at hand
    pending = {e.guid for e in episodes if e.pending or e.fetch or e.shared}
    first = {e.guid for e in episodes if e.record is None}
    plan.diff = feed_diff(state.live.pages, plan.pages, pending, first)
    _object_actions(plan)
    return plan


def _ffmpeg_identity() -> str:
    from podpub.audio.ffmpeg import ffmpeg_identity  # a subprocess: only when audio is involved

    return ffmpeg_identity()


def _object_actions(plan: Plan) -> None:
    """What upload will do with each object, as the storage target stands now."""
    storage = plan.state.storage
    if storage is None:
        return
    for episode in plan.episodes:
        if episode.staged is None:
            after = "upload after render"
            if episode.fetch:
                after = "upload after tagging again"
            elif not episode.pending:
                after = "upload after fetching the render"
            episode.objects = {episode.jobs[0].audio_key: after}
            continue
        for key, path, sha in episode.staged.files:
            stored = storage.head(key) if path else None
            if path is None:
                episode.objects[key] = "skip (unchanged)"  # verified when it was planned
            elif stored is None:
                episode.objects[key] = "upload"
            else:
                episode.objects[key] = (
                    "skip (unchanged)" if stored.sha256 == sha else "upload (changed)"
                )


def publish(
    config: Config,
    slugs: tuple[str, ...] = (),
    now: datetime | None = None,
    log: Log = quiet,
    progress: ProgressFactory = unwatched,
    storage: Storage | None = None,
    only_new: bool = False,
    allow: Allowances = NOTHING_ALLOWED,
    workers: Workers = ONE,
) -> Report:
    """Publish every due episode (or the named ones; or, with `only_new`, those not stored in
    this target yet: scheduled episodes on their date), and then the feed; `workers.jobs`
    episodes measured and rendered at once."""
    choice = Choice(now or datetime.now(UTC), slugs, only_new, allow)
    with planned(config, choice, storage, progress=progress, workers=workers) as plan:
        if plan.refused:
            raise FeedError(*plan.refused)
        return execute(plan, log, progress, workers)


def execute(
    plan: Plan, log: Log = quiet, progress: ProgressFactory = unwatched, workers: Workers = ONE
) -> Report:
    assert plan.state.storage is not None
    report = Report(warnings=[str(w) for w in plan.state.warnings])
    run = Run(plan, plan.state.storage, report, log, progress, workers=workers)
    for step in plan.steps:
        actions = step.actions(plan)
        done = step.run(run)
        report.steps.append({"name": step.name, "actions": actions, "done": done})
    return report


def check(config: Config, slugs: tuple[str, ...] = ()) -> tuple[list[Episode], list[Problem]]:
    """Everything publish would refuse about the inputs, offline: raise with every problem;
    return the selected episodes and the warnings."""
    choice = Choice(datetime.now(UTC), slugs)
    with planned(config, choice, offline=True) as plan:
        if plan.refused:
            raise EpisodeError(*plan.refused)
        selected = [e for e in plan.state.episodes if not slugs or e.slug in slugs]
        return selected, plan.state.warnings


def make_show_plan(
    config: Config,
    slugs: tuple[str, ...] = (),
    now: datetime | None = None,
    allow: Allowances = NOTHING_ALLOWED,
    storage: Storage | None = None,
) -> dict[str, object]:
    """The plan as data (what `plan --json` prints); changes nothing anywhere."""
    choice = Choice(now or datetime.now(UTC), slugs, allow=allow)
    with planned(config, choice, storage) as plan:
        return plan.to_json()


def _offline_state(config: Config) -> ShowState:
    """The show checked without its audio: what the feed and the site are made from."""
    problems = Problems()
    state, _ = load_state(config, (), problems)
    check_inputs(state, state.episodes, NOTHING_ALLOWED, problems, audio=False)
    problems.raise_as(EpisodeError)
    return state


def show_feed(config: Config, now: datetime | None = None) -> Pages:
    """The feed from metadata and records only: no audio, no ffmpeg, no storage."""
    state = _offline_state(config)
    return feed_pages(config, *state.published(), now or datetime.now(UTC))


def show_site(config: Config, now: datetime | None = None) -> list[SiteFile]:
    """The website from the same inputs as the feed: no audio, no ffmpeg, no storage."""
    state = _offline_state(config)
    return build_site(config, *state.published(), now or datetime.now(UTC))


def lint_show(config: Config) -> list[tuple[str, Finding]]:
    """Lint the show's feed pages as publish would write them, looking at stored objects."""
    storage = open_storage(config.storage, config.root)
    base = config.storage.public_base_url
    remote = storage_remote(storage, base)
    return [
        (key, f)
        for key, xml in show_feed(config)
        for f in lint_feed(xml, remote, public_url(base, key))
    ]
