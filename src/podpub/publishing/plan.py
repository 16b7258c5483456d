"""The plan of a run: for each chosen episode its GUID, its renders (and whether the build
cache holds them), the objects to upload, the feed it will make, and the steps that will carry
it out. Worked out before anything is written; `plan`, `check` and `publish` share it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from podpub.errors import Problem
from podpub.feed.build import Pages
from podpub.publishing.companions import prepare_companions
from podpub.publishing.feeddiff import FeedDiff
from podpub.publishing.guards import NOTHING_ALLOWED, Allowances
from podpub.publishing.rendercache import BuildCache, Rendered, RenderJob, render_jobs
from podpub.publishing.renderstore import RenderStore, StoredRender
from podpub.publishing.staging import (
    Kept,
    StagedEpisode,
    build_record,
    kept_files,
    planned_tags_sha256,
    stage_episode,
)
from podpub.publishing.state import ShowState
from podpub.show.config import Config
from podpub.show.episodes import Episode, new_guid
from podpub.show.records import Record
from podpub.show.snapshots import episode_sha256
from podpub.storage import Storage, content_type_for

if TYPE_CHECKING:
    from podpub.publishing.rendering import Prepared
    from podpub.publishing.steps import Step

PLACEHOLDER_SHA256 = "0" * 64  # for audio not rendered yet: a valid hash that hides nothing


@dataclass(frozen=True)
class Choice:
    """Which episodes a run is about, and what the host allows it to change."""

    now: datetime
    slugs: tuple[str, ...] = ()  # none: every episode
    only_new: bool = False  # `feed --upload`: only what this target does not hold yet
    allow: Allowances = NOTHING_ALLOWED


@dataclass
class EpisodePlan:
    episode: Episode
    guid: str
    published_at: str  # of the first publish, kept
    record: Record | None  # what this storage target holds of it now
    jobs: list[RenderJob]  # the main encoding first, then the alternates
    cached: dict[str, Rendered]  # render key → the build cache's render
    kept: dict[str, Kept] = field(default_factory=dict)  # render key → stored as it should be
    fetch: dict[str, Kept] = field(default_factory=dict)  # stored, but to be tagged again
    shared: dict[str, StoredRender] = field(default_factory=dict)  # in storage's render cache
    staged: StagedEpisode | None = None  # when nothing renders or fetches: tagged in scratch
    objects: dict[str, str] = field(default_factory=dict)  # key → what upload will do
    ffmpeg: str = ""  # the ffmpeg this machine renders with
    episode_sha256: str = ""  # the fingerprint of its fields as its episode.md gives them

    @property
    def slug(self) -> str:
        return self.episode.slug

    @property
    def pending(self) -> list[RenderJob]:
        """The renders neither the build cache nor the storage target holds."""
        have = self.cached.keys() | self.kept.keys() | self.fetch.keys() | self.shared.keys()
        return [job for job in self.jobs if job.render_key not in have]

    @property
    def render(self) -> str:
        """Why its main encoding is rendered, or where it comes from instead."""
        main = self.jobs[0].render_key
        if main in self.cached:
            return "reuse the build cache"
        if main in self.kept:
            return "reuse the stored audio (nothing to render)"
        if main in self.fetch:
            return "fetch the stored audio to tag it again (nothing to render)"
        if main in self.shared:
            return "fetch the render from storage's render cache (nothing to render)"
        if self.record is None:
            return "render (new)"
        if self.record.render_key != main:
            return "render (source or audio settings changed)"
        if self.record.ffmpeg and self.ffmpeg and self.record.ffmpeg != self.ffmpeg:
            return (
                f"render (neither cached nor stored; ffmpeg {self.ffmpeg} here, the published "
                f"audio came from {self.record.ffmpeg}: its bytes will differ)"
            )
        return "render (neither in the build cache nor in storage)"

    def predicted_record(self, state: ShowState, scratch: Path) -> Record:
        """The record publishing will write: exact when staged, else with placeholders where
        only the rendered audio can tell (its size, duration, hash and loudness)."""
        if self.staged:
            return build_record(state.config, self.staged, self.published_at, self.episode_sha256)
        main = self.jobs[0]
        companions = prepare_companions(self.episode, state.config.storage.public_base_url, scratch)
        return Record(
            guid=self.guid,
            audio_key=main.audio_key,
            audio_bytes=1,
            audio_sha256=PLACEHOLDER_SHA256,
            audio_type=content_type_for(main.audio_key),
            duration_s=1.0,
            render_key=main.render_key,
            integrated_lufs=0.0,
            true_peak_dbtp=0.0,
            source_lufs=0.0,
            gain_db=0.0,
            published_at=self.published_at,
            storage=state.config.storage.url,
            chapters_key=companions.chapters_key,
            transcript_key=companions.transcript_key,
            image_key=companions.image_key,
        )


@dataclass
class Plan:
    state: ShowState
    choice: Choice
    scratch: Path  # the run's own folder (programs, pass-1 figures), removed at its end
    out: Path  # where episodes are staged (tagged copies, companions): in the scratch folder
    episodes: list[EpisodePlan]
    steps: tuple[Step, ...]
    feed_episodes: list[Episode] = field(default_factory=list)  # this checkout's and others'
    records: dict[str, Record] = field(default_factory=dict)  # slug → after this run (predicted)
    pages: Pages = field(default_factory=list)  # the feed this run will write (predicted)
    diff: FeedDiff = field(default_factory=FeedDiff)
    refused: list[Problem] = field(default_factory=list)
    prepared: dict[str, Prepared] = field(default_factory=dict)  # render key → pass 1 done

    @property
    def config(self) -> Config:
        return self.state.config

    def to_json(self) -> dict[str, Any]:
        return {
            "storage": self.where,
            "episodes": [
                {"slug": e.slug, "render": e.render, "objects": e.objects} for e in self.episodes
            ],
            "added": self.diff.added,
            "released": self.diff.released,
            "changed": self.diff.changed,
            "removed": self.diff.removed,
            "refused": [str(p) for p in self.refused],
            "steps": [{"name": s.name, "actions": s.actions(self)} for s in self.steps],
        }

    @property
    def where(self) -> str:
        feed_key = self.state.config.storage.feed_key
        storage = self.state.storage
        return storage.describe(feed_key) if storage else feed_key


def plan_episode(
    state: ShowState,
    episode: Episode,
    choice: Choice,
    out: Path,
    ffmpeg: str,
    store: RenderStore | None = None,
) -> EpisodePlan:
    config = state.config
    # from any target, or the target's snapshot: the GUID and first date stay
    saved = state.saved.get(episode.slug) or state.record(episode)
    guid = episode.guid or (saved.guid if saved else new_guid())
    published_at = saved.published_at if saved else choice.now.isoformat(timespec="seconds")
    jobs = render_jobs(config, episode)
    cache = BuildCache(config.build_dir / "render")
    cached = {job.render_key: found for job in jobs if (found := cache.lookup(job))}
    record = state.record(episode)
    plan = EpisodePlan(episode, guid, published_at, record, jobs, cached, ffmpeg=ffmpeg)
    plan.episode_sha256 = episode_sha256(episode)
    stored = _stored_renders(state, plan)
    if record and _tags_stand(config, episode, guid, record, stored, out):
        plan.kept = stored  # already what tagging would make: nothing to tag, hash or upload
    else:  # old tags: a cached render is tagged again, a stored MP3 fetched and tagged again
        plan.fetch = {k: v for k, v in stored.items() if k not in cached and _retaggable(k, jobs)}
    if store:  # what neither this machine nor the published files hold: storage's render cache
        plan.shared = {job.render_key: hit for job in plan.pending if (hit := store.find(job))}
    if not plan.pending and not plan.fetch and not plan.shared:
        sources = plan.cached | plan.kept
        renders = [(job, sources[job.render_key]) for job in jobs]
        plan.staged = stage_episode(config, episode, guid, renders, out)
    return plan


def _retaggable(render_key: str, jobs: list[RenderJob]) -> bool:
    """An MP3's tags are all it carries beside its audio; an M4A's chapter track would stay
    when its chapters are gone, so a stored M4A with old tags is rendered again instead."""
    return next(job.format for job in jobs if job.render_key == render_key) == "mp3"


def _tags_stand(
    config: Config, episode: Episode, guid: str, record: Record, stored: dict[str, Kept], out: Path
) -> bool:
    """Whether the stored files already carry the tags tagging would give them now."""
    if not stored:
        return False
    offset = next(iter(stored.values())).figures.get("chapters_offset_s", 0.0)
    return record.tags_sha256 == planned_tags_sha256(config, episode, guid, offset, out)


def renders_published(
    config: Config,
    storage: Storage,
    episode: Episode,
    record: Record,
    jobs: list[RenderJob],
    out: Path,
) -> dict[str, Kept]:
    """The published files that `publish` takes as renders, as `plan_episode` decides: all of
    them while their tags stand; with old tags, only the MP3s (fetched and tagged again), not
    an M4A, which is rendered again (`_retaggable`)."""
    stored = published_renders(storage, record, jobs)
    if _tags_stand(config, episode, episode.guid or record.guid, record, stored, out):
        return stored
    return {key: kept for key, kept in stored.items() if _retaggable(key, jobs)}


def _stored_renders(state: ShowState, plan: EpisodePlan) -> dict[str, Kept]:
    """The files this target stores exactly as the record says (size and sha256): a fresh
    machine need not render them, nor any machine tag them again while their tags stand.
    Offline (`check`), the record is taken at its word: nothing is stored by a check."""
    if plan.record is None:
        return {}
    return published_renders(state.storage, plan.record, plan.jobs)


def published_renders(
    storage: Storage | None, record: Record, jobs: list[RenderJob]
) -> dict[str, Kept]:
    """render key → the published file of that job (`jobs[0]` the main encoding), when
    storage holds it exactly as the record says (size and sha256); no storage: all of them."""
    found = {}
    keys = {job.render_key: job.audio_key for job in jobs}
    main = jobs[0].render_key
    for render_key, kept in kept_files(record).items():
        if render_key not in keys or (render_key != main and not kept.bitrate):
            continue  # an alternate's feed entry states its bit rate: an unknown one is no use
        stored = storage.head(keys[render_key]) if storage else None
        if storage is None or (stored and (stored.size, stored.sha256) == kept.stored):
            found[render_key] = kept
    return found


def chosen_episodes(state: ShowState, selected: list[Episode], choice: Choice) -> list[Episode]:
    """The selected episodes that are due (and, with `only_new`, not stored in this target),
    but not those whose audio stays where it was imported from: nothing to render or upload."""
    return [
        e
        for e in selected
        if e.is_due(choice.now)
        and not (choice.only_new and state.record(e) is not None)
        and not state.stays_elsewhere(e)
    ]
