"""The steps of a publish, in order. Each says what it will do (for `plan`, `--json` and the
summary) and does it; a new step is one class here (the render step has a module of its own,
publishing/renders.py) and one entry in pipeline.STEPS."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from podpub.callbacks import Log, ProgressFactory
from podpub.errors import StorageConflict, StorageError
from podpub.feed.build import Pages
from podpub.feed.items import feed_pages
from podpub.files import sha256_file, write_atomic
from podpub.publishing.feedwrite import check_pages, storage_remote, write_pages
from podpub.publishing.parallel import ONE, Workers
from podpub.publishing.plan import EpisodePlan, Plan
from podpub.publishing.rendercache import Rendered
from podpub.publishing.staging import Kept, StagedEpisode, build_record, stage_episode
from podpub.show.artwork import cover_key
from podpub.show.episodes import write_guid
from podpub.show.feed_settings import podcast_guid, write_podcast_guid
from podpub.show.records import Record, save_record
from podpub.show.snapshots import snapshot_json, snapshot_key, tombstone_json
from podpub.site.build import SiteFile, build_site
from podpub.site.model import Layout
from podpub.storage import Storage, content_type_for

IMMUTABLE_CACHE = "public, max-age=31536000, immutable"  # content-addressed keys
SNAPSHOT_CACHE = "no-cache"  # read by publishers, who must see the latest
# Audio keys change with the audio (invariant 4) but not with its tags: a corrected title is
# re-tagged in place, so caches may keep the audio for a day, not for ever.
AUDIO_CACHE = "public, max-age=86400"
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


def _upload(run: Run, key: str, path: Path | None, sha: str, cache: str) -> None:
    """Upload unless the stored object already has this sha256 (a kept file, `path` None, must
    have it); then verify it: its sha256 and type."""
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
    if not stored or stored.sha256 != sha or stored.content_type != content_type_for(key):
        raise StorageError.at(
            storage.describe(key), f"verification failed after upload (found {stored})"
        )
    report.verified.append(key)


class Records:
    """What was published, written down: podcast:guid (once), each new episode's GUID, its
    published.json (which lets `podpub feed` rebuild the feed from a clean checkout), and its
    snapshot in the target (which lets any checkout list it); a tombstone for each removal."""

    name = "records"

    def actions(self, plan: Plan) -> list[str]:
        lines = [] if plan.config.podcast.guid else [f"write podcast:guid into {plan.config.path}"]
        lines += [
            f"write guid into {e.episode.md_path}" for e in plan.episodes if not e.episode.guid
        ]
        lines += [f"record {e.slug}" for e in plan.episodes]
        lines += [f"store the snapshot of {slug}" for slug in _unsnapshotted(plan)]
        return lines + [f"store a tombstone for {guid}" for guid in _tombstones(plan)]

    def run(self, run: Run) -> list[str]:
        done = []
        config = run.plan.config
        if not config.podcast.guid:
            write_podcast_guid(config.path, podcast_guid(config.feed_url))
            done.append(f"wrote podcast:guid into {config.path}")
        for episode in run.plan.episodes:
            if not episode.episode.guid:
                write_guid(episode.episode, episode.guid)  # once, at first publish
                done.append(f"wrote guid into {episode.episode.md_path}")
            record = build_record(config, run.staged[episode.slug], episode.published_at)
            save_record(episode.episode.folder, record)
            run.records[episode.slug] = record
        return done + _store_snapshots(run)


def _unsnapshotted(plan: Plan) -> list[str]:
    """Slugs whose snapshot the target lacks or holds stale: this run's, and published
    episodes of this checkout stored before snapshots existed."""
    chosen = {e.slug for e in plan.episodes}
    stored = plan.state.snapshots
    return [
        e.slug
        for e in plan.state.episodes
        if e.slug in chosen or (plan.state.local_record(e) and e.slug not in stored)
    ]


def _tombstones(plan: Plan) -> list[str]:
    """GUIDs leaving the feed by the host's leave (--allow-removal) that have a snapshot."""
    return sorted(
        s.guid
        for s in plan.state.snapshots.values()
        if s.guid in plan.choice.allow.removal and not s.removed
    )


def _store_snapshots(run: Run) -> list[str]:
    state = run.plan.state
    by_slug = {e.slug: e for e in state.episodes}
    done = []
    for slug in _unsnapshotted(run.plan):
        record = run.records.get(slug) or state.local_record(by_slug[slug])
        assert record is not None
        _store(run, slug, snapshot_json(by_slug[slug], record))
        done.append(f"stored the snapshot of {slug}")
    for guid in _tombstones(run.plan):
        slug = next(s.slug for s in state.snapshots.values() if s.guid == guid)
        _store(run, slug, tombstone_json(slug, guid))
        done.append(f"stored a tombstone for {slug} ({guid})")
    return done


def _store(run: Run, slug: str, data: bytes) -> None:
    """Written only if the snapshot is still the one read when planning: a snapshot another
    publisher changed meanwhile is never overwritten blindly."""
    key = snapshot_key(slug)
    current = run.plan.state.snapshots.get(slug)
    stored = run.storage.read(key)
    if stored and stored.data == data:
        run.report.skipped.append(key)
        return
    try:
        run.storage.write_if(key, data, SNAPSHOT_CACHE, current.etag if current else None)
        run.report.uploaded.append(key)
    except StorageConflict as exc:
        raise StorageError.at(
            run.storage.describe(key),
            "changed by another publisher while this run was publishing; run publish again",
        ) from exc


class Feed:
    """The feed from every record of this target, linted, written last and conditionally."""

    name = "feed"

    def actions(self, plan: Plan) -> list[str]:
        diff = plan.diff
        lines = [f"+ {title}" for title in diff.added]
        lines += [f"~ {title}: " + "; ".join(c) for title, c in diff.changed.items()]
        lines += [f"- {title}" for title in diff.removed]
        lines += [
            f"keep {slug}: not in this checkout, listed as stored "
            f"(--allow-removal {plan.records[slug].guid} removes it)"
            for slug in elsewhere(plan)
        ]
        return [*lines, f"write {plan.where}"]

    def run(self, run: Run) -> list[str]:
        config, storage, state = run.plan.config, run.storage, run.plan.state

        def build() -> Pages:
            state.reread_records()  # another publisher may have added an episode meanwhile
            remote = storage_remote(storage, config.storage.public_base_url)
            episodes, records = state.published(run.plan.choice.allow.removal)
            pages = feed_pages(config, episodes, records | run.records, run.plan.choice.now)
            run.report.warnings.extend(str(w) for w in check_pages(pages, remote))
            return pages

        for line in self.actions(run.plan)[:-1]:
            if line.startswith("keep "):
                run.log(line)
        written = write_pages(storage, config.storage.feed_key, build)
        run.report.uploaded.extend(written.written)
        run.report.skipped.extend(written.unchanged)
        run.report.feed = written.where
        return [f"wrote {key}" for key in written.written]


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
        files = build_site(plan.config, plan.feed_episodes, plan.records, plan.choice.now)
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
        for file in files:
            _upload_bytes(run, file, run.plan.scratch / "site")
        layout = Layout(config.site.prefix, config.storage.public_base_url)
        run.report.site = layout.url(layout.home)
        return [f"uploaded {key}" for key in run.report.uploaded[before:]]


def _upload_bytes(run: Run, file: SiteFile, folder: Path) -> None:
    path = folder / file.key
    write_atomic(path, file.data)
    _upload(run, file.key, path, file.sha256, IMMUTABLE_CACHE if file.immutable else PAGE_CACHE)
