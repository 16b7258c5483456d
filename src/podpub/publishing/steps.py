"""The steps of a publish, in order. Each says what it will do (for `plan`, `--json` and the
summary) and does it; a new step is one class here (the render step has a module of its own,
publishing/renders.py) and one entry in pipeline.STEPS."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from podpub.callbacks import Log, ProgressFactory
from podpub.errors import FeedError, StorageError
from podpub.feed.build import Pages
from podpub.feed.items import feed_pages
from podpub.files import sha256_file, write_atomic
from podpub.publishing.feedwrite import FEED_CACHE, check_pages, storage_remote, write_pages
from podpub.publishing.parallel import ONE, Workers
from podpub.publishing.plan import EpisodePlan, Plan
from podpub.publishing.rendercache import Rendered
from podpub.publishing.staging import Kept, StagedEpisode, stage_episode
from podpub.show.artwork import cover_key
from podpub.show.records import Record
from podpub.site.build import SiteFile, build_site
from podpub.site.model import Layout
from podpub.storage import Storage, content_type_for

IMMUTABLE_CACHE = "public, max-age=31536000, immutable"  # content-addressed keys
# Audio keys change with the audio (invariant 4) but not with its tags: a corrected title is
# re-tagged in place, under the same URL, so that no app downloads the episode again. Its bytes
# and size change, so caches keep it as long as the feed that gives its length (five minutes),
# then revalidate by ETag: a 304 and no bytes while it is unchanged.
AUDIO_CACHE = FEED_CACHE
PAGE_CACHE = "public, max-age=300"  # the site's pages change with every episode, as the feed


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
    site: str = ""
    notified: list[str] = field(default_factory=list)  # the notifications that were answered
    warnings: list[str] = field(default_factory=list)
    steps: list[dict[str, object]] = field(default_factory=list)  # name, actions, done


@dataclass
class Run:
    """One execution of a plan: where it writes, what it has done so far."""

    plan: Plan
    storage: Storage
    report: Report
    log: Log
    progress: ProgressFactory
    rendered: dict[str, Rendered] = field(default_factory=dict)  # render key →
    staged: dict[str, StagedEpisode] = field(default_factory=dict)  # slug →
    records: dict[str, Record] = field(default_factory=dict)  # slug → this run's records
    workers: Workers = ONE  # renders at once


class Step(Protocol):
    name: str

    def actions(self, plan: Plan) -> list[str]:
        """What it will do, a line each (empty: nothing)."""
        ...

    def run(self, run: Run) -> list[str]:
        """Do it; what was done, a line each."""
        ...


class Stage:
    """Tagged copies of the renders and the companion files, in the run's scratch folder."""

    name = "stage"

    def actions(self, plan: Plan) -> list[str]:
        return [f"tag {job.audio_key}" for e in plan.episodes for job in e.jobs]

    def run(self, run: Run) -> list[str]:
        for episode in run.plan.episodes:
            run.staged[episode.slug] = episode.staged or _stage(run, episode)
        return [f"tagged {s.key}" for e in run.staged.values() for s in (e.main, *e.alternates)]


def _stage(run: Run, episode: EpisodePlan) -> StagedEpisode:
    sources: dict[str, Rendered | Kept] = {**run.rendered, **episode.kept}
    renders = [(job, sources[job.render_key]) for job in episode.jobs]
    return stage_episode(run.plan.config, episode.episode, episode.guid, renders, run.plan.out)


class Upload:
    """The cover, then each episode's companions and audio; each object verified (HEAD) after."""

    name = "upload"

    def actions(self, plan: Plan) -> list[str]:
        cover = cover_key(plan.config.show.image)
        lines = [f"upload if changed: {cover}"]
        return lines + [f"{a}: {k}" for e in plan.episodes for k, a in e.objects.items()]

    def run(self, run: Run) -> list[str]:
        done = [f"cleaned up {what}" for what in _clean_up(run)]
        image = run.plan.config.show.image
        sha = sha256_file(image)
        _upload(run, cover_key(image, sha), image, sha, IMMUTABLE_CACHE)
        for staged in run.staged.values():
            for key, path, file_sha in staged.files:
                cache = AUDIO_CACHE if key in staged.audio_keys else IMMUTABLE_CACHE
                _upload(run, key, path, file_sha, cache)
            run.report.episodes.append(staged.episode.slug)
        return done + [f"uploaded {key}" for key in run.report.uploaded]


def _clean_up(run: Run) -> list[str]:
    """What killed runs left behind; housekeeping, so a refusal is a warning, not a failure."""
    try:
        return run.storage.clean_up()
    except StorageError as exc:
        run.report.warnings += [
            f"{p} (could not clean up unfinished uploads)" for p in exc.problems
        ]
        return []


def _upload(
    run: Run, key: str, path: Path | None, sha: str, cache: str, exact: bool = True
) -> None:
    """Upload unless the stored object already has this sha256 (a kept file, `path` None, must
    have it); then verify it: its type, and its sha256 unless not `exact` (a page another
    publisher may have rewritten since: the last one written wins, as on any website)."""
    storage, report = run.storage, run.report
    existing = storage.head(key)
    if (
        existing
        and existing.sha256 == sha
        and (path is None or existing.size == path.stat().st_size)
    ):
        report.skipped.append(key)
    elif path is None:
        raise StorageError.at(storage.describe(key), "changed in storage since the plan was made")
    else:
        storage.put_file(key, path, sha, cache, run.progress(f"uploading {key}"))
        report.uploaded.append(key)
    stored = storage.head(key)
    wrong = stored is None or (exact and stored.sha256 != sha)
    if wrong or stored is None or stored.content_type != content_type_for(key):
        raise StorageError.at(
            storage.describe(key), f"verification failed after upload (found {stored})"
        )
    report.verified.append(key)


class Feed:
    """The feed from every record of this target, linted, written last and conditionally."""

    name = "feed"

    def actions(self, plan: Plan) -> list[str]:
        diff = plan.diff
        lines = [f"+ {title}" for title in diff.added]
        lines += [f"~ {title}: " + "; ".join(c) for title, c in diff.changed.items()]
        lines += [f"- {title}" for title in diff.removed]
        lines += [_kept_line(plan, slug) for slug in elsewhere(plan)]
        return [*lines, f"write {plan.where}"]

    def run(self, run: Run) -> list[str]:
        config, storage, state = run.plan.config, run.storage, run.plan.state

        def build() -> Pages:
            state.reread_records()  # another publisher may have added an episode meanwhile
            allow = run.plan.choice.allow  # …or published one of ours differently
            if conflicts := state.conflicts(run.plan.choice.now, allow.guid_change):
                raise FeedError(*conflicts)
            remote = storage_remote(storage, config.storage.public_base_url)
            episodes, records = state.published(run.plan.choice.allow.removal)
            pages = feed_pages(config, episodes, records | run.records, run.plan.choice.now)
            base = config.storage.public_base_url
            run.report.warnings.extend(str(w) for w in check_pages(pages, remote, base))
            return pages

        for slug in elsewhere(run.plan):
            run.log(_kept_line(run.plan, slug))
        written = write_pages(storage, config.storage.feed_key, build)
        run.report.uploaded.extend(written.written)
        run.report.skipped.extend(written.unchanged)
        run.report.feed = written.where
        return [f"wrote {key}" for key in written.written]


def _kept_line(plan: Plan, slug: str) -> str:
    guid = plan.records[slug].guid
    return (
        f"keep {slug}: not in this checkout, listed as stored (--allow-removal {guid} removes it)"
    )


def elsewhere(plan: Plan) -> list[str]:
    """Slugs the feed lists from their snapshots: published, but not in this checkout."""
    local = {e.slug for e in plan.state.episodes}
    return [e.slug for e in plan.feed_episodes if e.slug not in local]


class Site:
    """The show's website from the same records as the feed, after it: assets first, then the
    pages; only the files that changed are uploaded (the same size and sha256 skip)."""

    name = "site"

    def actions(self, plan: Plan) -> list[str]:
        if not plan.config.site.enabled:
            return []
        built = build_site(plan.config, plan.feed_episodes, plan.records, plan.choice.now)
        files = _own_files(plan, built, elsewhere(plan))
        storage = plan.state.storage
        lines, unchanged = [], 0
        for file in files:
            stored = storage.head(file.key) if storage else None
            if stored is None:
                lines.append(f"upload: {file.key}")
            elif stored.size == len(file.data) and stored.sha256 == file.sha256:
                unchanged += 1
            else:
                lines.append(f"upload (changed): {file.key}")
        return lines + ([f"skip {unchanged} unchanged file(s)"] if unchanged else [])

    def run(self, run: Run) -> list[str]:
        config = run.plan.config
        if not config.site.enabled:
            return []
        state = run.plan.state  # as the feed step left it: read again, this run's included
        episodes, records = state.published(run.plan.choice.allow.removal)
        files = build_site(config, episodes, records | run.records, run.plan.choice.now)
        before = len(run.report.uploaded)
        local = {e.slug for e in state.episodes}
        files = _own_files(run.plan, files, [e.slug for e in episodes if e.slug not in local])
        for file in files:
            _upload_bytes(run, file, run.plan.scratch / "site")
        layout = Layout(config.site.prefix, config.storage.public_base_url)
        run.report.site = layout.url(layout.home)
        return [f"uploaded {key}" for key in run.report.uploaded[before:]]


def _own_files(plan: Plan, files: list[SiteFile], others: list[str]) -> list[SiteFile]:
    """Not the pages of episodes this checkout lacks: their own checkout made them from its
    episode.md (its transcript, its artwork), which a snapshot does not carry. The show's
    pages list them all the same."""
    layout = Layout(plan.config.site.prefix, plan.config.storage.public_base_url)
    theirs = tuple(layout.key(f"episodes/{slug}/") for slug in others)
    return [file for file in files if not file.key.startswith(theirs)] if theirs else files


def _upload_bytes(run: Run, file: SiteFile, folder: Path) -> None:
    path = folder / file.key
    write_atomic(path, file.data)
    cache = IMMUTABLE_CACHE if file.immutable else PAGE_CACHE
    _upload(run, file.key, path, file.sha256, cache, exact=file.immutable)
