"""The show as one run sees it, loaded once: podcast.toml, every episode, the records of what
is published in this storage target (this checkout's and the target's own snapshots), and the
live feed that listeners' apps hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from podpub.errors import ConfigError, PodpubError, Problem, Problems
from podpub.publishing.catalog import conflicts, others, read_snapshots
from podpub.publishing.guards import LiveFeed, read_live_feed
from podpub.show.config import Config, load_config
from podpub.show.episodes import Episode, check_slugs, load_episodes
from podpub.show.records import Record, load_record
from podpub.show.snapshots import Snapshot
from podpub.storage import Storage


@dataclass
class ShowState:
    config: Config
    episodes: list[Episode]  # every episode that parsed, drafts and future ones included
    saved: dict[str, Record]  # slug → published.json, whichever target it names
    warnings: list[Problem] = field(default_factory=list)
    storage: Storage | None = None  # None: offline (check, feed)
    live: LiveFeed = field(default_factory=LiveFeed)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)  # slug → stored in the target
    durations: dict[str, float] = field(default_factory=dict)  # slug → seconds, as validated

    def local_record(self, episode: Episode) -> Record | None:
        """This checkout's published.json for this run's storage target (a record for another
        target does not count: that feed is not this one), or where it was imported from."""
        record = self.saved.get(episode.slug)
        if record and (record.storage == self.config.storage.url or record.audio_elsewhere):
            return record  # audio served from where it was imported belongs to every target
        return None

    def record(self, episode: Episode) -> Record | None:
        """What is published of this episode in this target: this checkout's record, else the
        target's snapshot of it (a clone that lacks the published.json still knows)."""
        record = self.local_record(episode)
        stored = self.snapshots.get(episode.slug)
        if (
            record is None
            and stored
            and stored.record
            and stored.guid == (episode.guid or stored.guid)
        ):
            return stored.record
        return record

    def records(self) -> dict[str, Record]:
        """slug → what is published in this target, for every episode that has it."""
        return {e.slug: r for e in self.episodes if (r := self.record(e))}

    def published(
        self, removed: frozenset[str] = frozenset()
    ) -> tuple[list[Episode], dict[str, Record]]:
        """What the feed lists: this checkout's episodes with their records, and the published
        episodes it lacks, as their snapshots say (but those whose GUID is being `removed`)."""
        records = self.records()
        elsewhere = [
            s for s in others(self.episodes, records, self.snapshots) if s.guid not in removed
        ]
        episodes = self.episodes + [s.episode for s in elsewhere if s.episode]
        return episodes, records | {s.slug: s.record for s in elsewhere if s.record}

    def conflicts(self, now: datetime, guid_change: frozenset[str] = frozenset()) -> list[Problem]:
        """Where this checkout and the target disagree (but GUID changes the host allows)."""
        if self.storage is None:
            return []
        local = {e.slug: r for e in self.episodes if (r := self.local_record(e))}
        return conflicts(self.episodes, local, self.snapshots, self.storage, now, guid_change)

    def reread_records(self) -> None:
        """Read every published.json and snapshot again: another publisher may have written
        one since the run began."""
        self.saved = _saved_records(self.episodes, Problems())
        if self.storage is not None:
            self.snapshots = read_snapshots(self.storage, self.config.episodes_dir, Problems())

    def stays_elsewhere(self, episode: Episode) -> bool:
        """An imported episode whose audio is served where it was and that has no recording
        of its own here: listed as published, never rendered or uploaded."""
        record = self.saved.get(episode.slug)
        return bool(record and record.audio_elsewhere and episode.audio is None)

    def due(self, now: datetime) -> list[Episode]:
        return [e for e in self.episodes if e.is_due(now)]

    def connect(self, storage: Storage, problems: Problems) -> None:
        """Fail now when the target cannot be written; read what listeners' apps hold and what
        the target says it holds."""
        storage.preflight()
        self.storage = storage
        self.live = read_live_feed(storage, self.config.storage.feed_key)
        self.snapshots = read_snapshots(storage, self.config.episodes_dir, problems)


def load_show(config_path: Path, storage: str | None = None, base_url: str | None = None) -> Config:
    """podcast.toml with overrides; when it is wrong, the episodes' problems are reported too."""
    try:
        return load_config(config_path).with_overrides(storage, base_url)
    except ConfigError as exc:
        _, found = load_episodes(config_path.parent / "episodes")
        raise ConfigError(*exc.problems, *found.items) from None


def load_state(
    config: Config, slugs: tuple[str, ...], problems: Problems
) -> tuple[ShowState, list[Episode]]:
    """The show, and the episodes this run is about (the named ones, or all); problems with the
    episode files are collected, not raised."""
    check_slugs(config.episodes_dir, slugs, problems)
    everything, found = load_episodes(config.episodes_dir)
    problems.extend(found.items)
    saved = _saved_records(everything, problems)
    state = ShowState(config, everything, saved, found.warnings)
    return state, [e for e in everything if not slugs or e.slug in slugs]


def _saved_records(episodes: list[Episode], problems: Problems) -> dict[str, Record]:
    saved = {}
    for episode in episodes:
        try:
            record = load_record(episode.folder)
        except PodpubError as exc:
            problems.extend(exc.problems)
            continue
        if record:
            saved[episode.slug] = record
    return saved
