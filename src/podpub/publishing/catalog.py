"""What a storage target says it holds, merged with what this checkout knows.

Every published episode has a snapshot in the target (show/snapshots.py). A checkout lists its
own published episodes and, exactly as published, those it lacks (another host's, or this
host's from another clone); where both know an episode and disagree, nothing is resolved
silently: the conflict is refused with both sides named.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from podpub.errors import Problem, Problems
from podpub.show.episodes import Episode
from podpub.show.records import Record, record_path
from podpub.show.snapshots import SNAPSHOTS, Snapshot, parse_snapshot, snapshot_key
from podpub.storage import Storage

READERS = 8  # snapshots read at once (one GET each)


def read_snapshots(storage: Storage, episodes_dir: Path, problems: Problems) -> dict[str, Snapshot]:
    """slug → the snapshot stored for it."""
    keys = sorted(storage.listing(SNAPSHOTS))

    def read(key: str) -> Snapshot | None:
        stored = storage.read(key)
        if stored is None:  # deleted between the listing and the read
            return None
        where = storage.describe(key)
        return parse_snapshot(stored.data, stored.etag, key, episodes_dir, where, problems)

    with ThreadPoolExecutor(READERS) as pool:
        found = [s for s in pool.map(read, keys) if s is not None]
    return {s.slug: s for s in found}


def others(
    episodes: list[Episode], records: dict[str, Record], snapshots: dict[str, Snapshot]
) -> list[Snapshot]:
    """The published episodes this checkout lacks: no folder of that slug, no such GUID."""
    slugs = {e.slug for e in episodes}
    guids = {e.guid for e in episodes if e.guid} | {r.guid for r in records.values()}
    return [
        s
        for s in snapshots.values()
        if not s.removed and s.slug not in slugs and s.guid not in guids
    ]


def conflicts(
    episodes: list[Episode],
    records: dict[str, Record],
    snapshots: dict[str, Snapshot],
    storage: Storage,
    now: datetime,
    guid_change: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Where this checkout and the target disagree about one episode, both sides named."""
    by_guid = {s.guid: s for s in snapshots.values() if not s.removed}
    problems = []
    for episode in episodes:
        stored = snapshots.get(episode.slug)
        record = records.get(episode.slug)
        guid = episode.guid or (record.guid if record else None)
        where = storage.describe(snapshot_key(episode.slug))
        if stored and stored.removed:
            if episode.is_due(now) and guid in (None, stored.guid):
                problems.append(_removed_elsewhere(episode, where))
        elif stored and guid and stored.guid != guid:
            if episode.slug not in guid_change:
                problems.append(_other_guid(episode, guid, stored, where))
        elif stored and record and record != stored.record:
            problems.append(_other_record(episode, record, stored, where))
        elif guid in by_guid and by_guid[guid].slug != episode.slug:
            problems.append(_same_guid(episode, guid, by_guid[guid], storage))
    return problems


def _removed_elsewhere(episode: Episode, where: str) -> Problem:
    return Problem(
        str(episode.md_path),
        f"{where} says {episode.slug} was removed from the feed (a tombstone left by "
        "--allow-removal), and this checkout would publish it again. Delete its folder or mark "
        "it a draft here; apps took the removal for good, so to bring it back, publish it as a "
        "new episode (a new slug and GUID)",
    )


def _other_guid(episode: Episode, guid: str, stored: Snapshot, where: str) -> Problem:
    return Problem(
        f"{episode.md_path}: guid",
        f"this checkout says {guid!r}, while {where} holds {episode.slug} as {stored.guid!r}: "
        "another checkout changed its GUID, or this folder is another episode under a published "
        "slug. Update this checkout (git pull); if it is another episode, rename its folder",
    )


def _other_record(episode: Episode, record: Record, stored: Snapshot, where: str) -> Problem:
    local = record_path(episode.folder)
    assert stored.record is not None
    return Problem(
        str(local),
        f"says {episode.slug} was published as {_facts(record)}, but {where} says it was "
        f"published as {_facts(stored.record)}: another checkout published it since this one "
        "was updated, or a run here stopped before writing this file. Update this checkout "
        f"(git pull), or delete {local.name} to take what is stored",
    )


def _same_guid(episode: Episode, guid: str, stored: Snapshot, storage: Storage) -> Problem:
    return Problem(
        f"{episode.md_path}: guid",
        f"{guid!r} is also the GUID of {stored.slug}, published in "
        f"{storage.describe(snapshot_key(stored.slug))}: apps would take them for one episode",
    )


def _facts(record: Record) -> str:
    episode = record.episode_sha256[:12] if record.episode_sha256 else "?"
    return (
        f"{record.audio_key} ({record.audio_bytes} bytes, sha256 {record.audio_sha256[:12]}…; "
        f"episode fields {episode}…)"
    )
