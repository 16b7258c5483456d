"""The show as one run sees it, loaded once: podcast.toml, every episode, the records of what
is published in this storage target, and the live feed that listeners' apps hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from podpub.errors import ConfigError, PodpubError, Problem, Problems
from podpub.publishing.guards import LiveFeed, read_live_feed
from podpub.show.config import Config, load_config
from podpub.show.episodes import Episode, check_slugs, load_episodes
from podpub.show.records import Record, load_record
from podpub.storage import Storage


@dataclass
class ShowState:
    config: Config
    episodes: list[Episode]  # every episode that parsed, drafts and future ones included
    saved: dict[str, Record]  # slug → published.json, whichever target it names
    warnings: list[Problem] = field(default_factory=list)
    storage: Storage | None = None  # None: offline (check, feed)
    live: LiveFeed = field(default_factory=LiveFeed)

    def record(self, episode: Episode) -> Record | None:
        """What is published of this episode in this run's storage target (a record for another
        target does not count: that feed is not this one), or where it was imported from."""
        record = self.saved.get(episode.slug)
        if record and (record.storage == self.config.storage.url or record.audio_elsewhere):
            return record  # audio served from where it was imported belongs to every target
        return None

    def records(self) -> dict[str, Record]:
        """slug → what is published in this target, for every episode that has it."""
        return {e.slug: r for e in self.episodes if (r := self.record(e))}

    def reread_records(self) -> None:
        """Read every published.json again: another publisher may have written one."""
        self.saved = _saved_records(self.episodes, Problems())

    def stays_elsewhere(self, episode: Episode) -> bool:
        """An imported episode whose audio is served where it was and that has no recording
        of its own here: listed as published, never rendered or uploaded."""
        record = self.saved.get(episode.slug)
        return bool(record and record.audio_elsewhere and episode.audio is None)

    def due(self, now: datetime) -> list[Episode]:
        return [e for e in self.episodes if e.is_due(now)]

    def connect(self, storage: Storage) -> None:
        """Fail now when the target cannot be written; read what listeners' apps hold."""
        storage.preflight()
        self.storage = storage
        self.live = read_live_feed(storage, self.config.storage.feed_key)


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
