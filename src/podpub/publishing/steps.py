"""The steps of a publish, in order. Each says what it will do (for `plan`, `--json` and the
summary) and does it; a new step is one class here and one entry in pipeline.STEPS."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from podpub.callbacks import Log, ProgressFactory
from podpub.errors import StorageError
from podpub.feed.build import Pages
from podpub.feed.items import feed_pages
from podpub.files import sha256_file, write_atomic
from podpub.publishing.feedwrite import check_pages, storage_remote, write_pages
from podpub.publishing.plan import EpisodePlan, Plan
from podpub.publishing.rendercache import BuildCache, Rendered
from podpub.publishing.rendering import prepare, render_job
from podpub.publishing.staging import StagedEpisode, build_record, stage_episode
from podpub.show.artwork import cover_key
from podpub.show.episodes import write_guid
from podpub.show.feed_settings import podcast_guid, write_podcast_guid
from podpub.show.records import Record, save_record
from podpub.site.build import SiteFile, build_site
from podpub.site.model import Layout
from podpub.storage import Storage, content_type_for

IMMUTABLE_CACHE = "public, max-age=31536000, immutable"  # content-addressed keys
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


class Step(Protocol):
    name: str

    def actions(self, plan: Plan) -> list[str]:
        """What it will do, a line each (empty: nothing)."""
        ...

    def run(self, run: Run) -> list[str]:
        """Do it; what was done, a line each."""
        ...


class Render:
    """Pass 2 of every render the build cache lacks (pass 1 was done when validating)."""

    name = "render"

    def actions(self, plan: Plan) -> list[str]:
        return [f"{e.slug}: {e.render}" for e in plan.episodes]

    def run(self, run: Run) -> list[str]:
        done = []
        cache = BuildCache(run.plan.config.build_dir / "render")
        for episode in run.plan.episodes:
            run.log(f"{episode.slug}: {episode.episode.title}")
            run.rendered.update(episode.cached)
            for job in episode.pending:
                prepared = run.plan.prepared.get(job.render_key)
                if prepared is None:  # measured and published before: measure again here
                    tick = run.progress(f"measuring {episode.slug}")
                    scratch = run.plan.scratch / "programs"
                    run.plan.prepared.update(
                        (p.job.render_key, p) for p in prepare([job], scratch, tick)
                    )
                    prepared = run.plan.prepared[job.render_key]
                label = f"rendering {episode.slug}" + (
                    f" ({job.format})" if job != episode.jobs[0] else ""
                )
                run.rendered[job.render_key] = render_job(cache, prepared, run.progress(label))
                done.append(f"rendered {job.audio_key}")
            main = episode.jobs[0].render_key
            (run.report.reused if main in episode.cached else run.report.rendered).append(
                episode.slug
            )
        return done


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
    renders = [(job, run.rendered[job.render_key]) for job in episode.jobs]
    return stage_episode(run.plan.config, episode.episode, episode.guid, renders, run.plan.out)


class Upload:
    """The cover, then each episode's companions and audio; each object verified (HEAD) after."""

    name = "upload"

    def actions(self, plan: Plan) -> list[str]:
        cover = cover_key(plan.config.show.image)
        lines = [f"upload if changed: {cover}"]
        return lines + [f"{a}: {k}" for e in plan.episodes for k, a in e.objects.items()]

    def run(self, run: Run) -> list[str]:
        image = run.plan.config.show.image
        sha = sha256_file(image)
        _upload(run, cover_key(image, sha), image, sha, IMMUTABLE_CACHE)
        for staged in run.staged.values():
            for key, path, file_sha in staged.files:
                cache = AUDIO_CACHE if key in _audio_keys(staged) else IMMUTABLE_CACHE
                _upload(run, key, path, file_sha, cache)
            run.report.episodes.append(staged.episode.slug)
        return list(run.report.uploaded)


def _audio_keys(staged: StagedEpisode) -> set[str]:
    return {s.key for s in (staged.main, *staged.alternates)}


def _upload(run: Run, key: str, path: Path, sha: str, cache: str) -> None:
    """Upload unless the stored object already has this size and sha256; then verify it."""
    storage, report = run.storage, run.report
    size = path.stat().st_size
    existing = storage.head(key)
    if existing and existing.size == size and existing.sha256 == sha:
        report.skipped.append(key)
    else:
        storage.put_file(key, path, sha, cache, run.progress(f"uploading {key}"))
        report.uploaded.append(key)
    stored = storage.head(key)
    if not stored or stored.size != size or stored.content_type != content_type_for(key):
        raise StorageError.at(
            storage.describe(key), f"verification failed after upload (found {stored})"
        )
    report.verified.append(key)


class Records:
    """What was published, written down: podcast:guid (once), each new episode's GUID, and
    published.json, which lets `podpub feed` rebuild the feed from a clean checkout."""

    name = "records"

    def actions(self, plan: Plan) -> list[str]:
        lines = [] if plan.config.podcast.guid else [f"write podcast:guid into {plan.config.path}"]
        lines += [
            f"write guid into {e.episode.md_path}" for e in plan.episodes if not e.episode.guid
        ]
        return lines + [f"record {e.slug}" for e in plan.episodes]

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
        return done


class Feed:
    """The feed from every record of this target, linted, written last and conditionally."""

    name = "feed"

    def actions(self, plan: Plan) -> list[str]:
        diff = plan.diff
        lines = [f"+ {title}" for title in diff.added]
        lines += [f"~ {title}: " + "; ".join(c) for title, c in diff.changed.items()]
        return lines + [f"- {title}" for title in diff.removed] + [f"write {plan.where}"]

    def run(self, run: Run) -> list[str]:
        config, storage = run.plan.config, run.storage
        remote = storage_remote(storage, config.storage.public_base_url, sizes=False)

        def build() -> Pages:
            pages = feed_pages(
                config, run.plan.state.episodes, _current_records(run), run.plan.choice.now
            )
            run.report.warnings.extend(str(w) for w in check_pages(pages, remote))
            return pages

        written = write_pages(storage, build)
        run.report.uploaded.extend(written.written)
        run.report.skipped.extend(written.unchanged)
        run.report.feed = written.where
        return [f"wrote {key}" for key in written.written]


def _current_records(run: Run) -> dict[str, Record]:
    """Every record of this target, read again (another publisher may have added one since the
    run began), with this run's own."""
    run.plan.state.reread_records()
    return run.plan.state.records() | run.records


class Site:
    """The show's website from the same records as the feed, after it: assets first, then the
    pages; only the files that changed are uploaded (the same size and sha256 skip)."""

    name = "site"

    def actions(self, plan: Plan) -> list[str]:
        if not plan.config.site.enabled:
            return []
        files = build_site(plan.config, plan.state.episodes, plan.records, plan.choice.now)
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
        records = _current_records(run)
        files = build_site(config, run.plan.state.episodes, records, run.plan.choice.now)
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
