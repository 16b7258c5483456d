"""The `records` step: what was published, written down — first in the storage target (each
episode's snapshot, a tombstone for each removal), then in this checkout (podcast:guid once,
each new episode's GUID, published.json). A run cut short between the two leaves a checkout
that disagrees with the target, which the next run names, rather than the reverse."""

from __future__ import annotations

from podpub.errors import StorageConflict, StorageError
from podpub.publishing.feeddiff import item_fields
from podpub.publishing.plan import Plan
from podpub.publishing.staging import build_record
from podpub.publishing.steps import Run
from podpub.show.episodes import Episode, write_guid
from podpub.show.feed_settings import podcast_guid, write_podcast_guid
from podpub.show.records import save_record
from podpub.show.snapshots import snapshot_json, snapshot_key, tombstone_json

SNAPSHOT_CACHE = "no-cache"  # read by publishers, who must see the latest


class Records:
    """Snapshots and tombstones in the target, then podcast:guid, GUIDs and published.json
    (which lets `podpub feed` rebuild the feed from a clean checkout)."""

    name = "records"

    def actions(self, plan: Plan) -> list[str]:
        lines = [f"store the snapshot of {slug}" for slug in _unsnapshotted(plan)]
        lines += [f"store a tombstone for {slug} ({guid})" for slug, guid in _tombstones(plan)]
        if not plan.config.podcast.guid:
            lines.append(f"write podcast:guid into {plan.config.path}")
        lines += [
            f"write guid into {e.episode.md_path}" for e in plan.episodes if not e.episode.guid
        ]
        return lines + [f"record {e.slug}" for e in plan.episodes]

    def run(self, run: Run) -> list[str]:
        config = run.plan.config
        for episode in run.plan.episodes:
            staged = run.staged[episode.slug]
            run.records[episode.slug] = build_record(
                config, staged, episode.published_at, episode.episode_sha256
            )
        done = _store_snapshots(run)
        if not config.podcast.guid:
            write_podcast_guid(config.path, podcast_guid(config.feed_url))
            done.append(f"wrote podcast:guid into {config.path}")
        for episode in run.plan.episodes:
            if not episode.episode.guid:
                write_guid(episode.episode, episode.guid)  # once, at first publish
                done.append(f"wrote guid into {episode.episode.md_path}")
            save_record(episode.episode.folder, run.records[episode.slug])
        return done


def _unsnapshotted(plan: Plan) -> list[str]:
    """Slugs whose snapshot this run writes: its own episodes, and this checkout's published
    episodes that the target holds no snapshot of (published before snapshots existed), but
    not those leaving the feed."""
    chosen = {e.slug for e in plan.episodes}
    leaving = {slug for slug, _ in _tombstones(plan)}
    state = plan.state
    return [
        e.slug
        for e in state.episodes
        if e.slug not in leaving
        and (e.slug in chosen or (_published_here(plan, e) and e.slug not in state.snapshots))
    ]


def _published_here(plan: Plan, episode: Episode) -> bool:
    return episode.is_due(plan.choice.now) and plan.state.local_record(episode) is not None


def _tombstones(plan: Plan) -> list[tuple[str, str]]:
    """(slug, GUID) of what leaves the feed by the host's leave (--allow-removal): what the
    target or this checkout says is published, and the planned feed no longer lists."""
    removal = plan.choice.allow.removal
    if not removal:
        return []
    listed = {guid for _, xml in plan.pages for guid in item_fields(xml)}
    state = plan.state
    found = {s.slug: s.guid for s in state.snapshots.values() if not s.removed}
    for episode in state.episodes:
        record = state.local_record(episode)
        if record and episode.slug not in state.snapshots:
            found[episode.slug] = record.guid
    return sorted((slug, guid) for slug, guid in found.items() if guid in removal - listed)


def _store_snapshots(run: Run) -> list[str]:
    state = run.plan.state
    by_slug = {e.slug: e for e in state.episodes}
    done = []
    for slug in _unsnapshotted(run.plan):
        record = run.records.get(slug) or state.local_record(by_slug[slug])
        assert record is not None
        if _store(run, slug, snapshot_json(by_slug[slug], record)):
            done.append(f"stored the snapshot of {slug}")
    for slug, guid in _tombstones(run.plan):
        _store(run, slug, tombstone_json(slug, guid))
        done.append(f"stored a tombstone for {slug} ({guid})")
    return done


def _store(run: Run, slug: str, data: bytes) -> bool:
    """Written only if the snapshot is still the one read when planning (a snapshot another
    publisher changed meanwhile is never overwritten blindly); False when it is unchanged."""
    key = snapshot_key(slug)
    current = run.plan.state.snapshots.get(slug)
    if current and current.data == data:
        run.report.skipped.append(key)
        return False
    try:
        run.storage.write_if(key, data, SNAPSHOT_CACHE, current.etag if current else None)
    except StorageConflict as exc:
        raise StorageError.at(
            run.storage.describe(key),
            "changed by another publisher while this run was publishing; run publish again",
        ) from exc
    run.report.uploaded.append(key)
    return True
