"""Validation before any work: podcast.toml, the artwork, the jingles and every episode
(GUIDs kept, audio readable to the end, chapters inside it). Every problem is collected and
reported at once."""

from __future__ import annotations

from pathlib import Path

from podpub.artwork import check_artwork
from podpub.audio.ffmpeg import check_complete, probe
from podpub.chapters import check_duration
from podpub.config import Config, load_config
from podpub.episodes import Episode, load_episodes
from podpub.errors import ConfigError, EpisodeError, PodpubError, Problem, Problems
from podpub.guards import NOTHING_ALLOWED, Allowances
from podpub.published import load_record


def load_show(config_path: Path, storage: str | None = None, base_url: str | None = None) -> Config:
    """podcast.toml with overrides; when it is wrong, the episodes' problems are reported too."""
    try:
        return load_config(config_path).with_overrides(storage, base_url)
    except ConfigError as exc:
        _, found = load_episodes(config_path.parent / "episodes")
        raise ConfigError(*exc.problems, *found.items) from None


def check(
    config: Config,
    slugs: tuple[str, ...] = (),
    need_audio: bool = True,
    allow: Allowances = NOTHING_ALLOWED,
) -> tuple[list[Episode], list[Problem]]:
    """Validate the show and the episodes; raise with every problem, return the warnings."""
    problems = Problems()
    check_artwork(config.show.image, f"{config.path}: show.image", problems)
    if need_audio:
        _check_jingles(config, problems)
    episodes, found = load_episodes(config.episodes_dir, slugs)
    problems.extend(found.items)
    problems.warnings.extend(found.warnings)
    for episode in episodes:
        _check_episode(episode, problems, need_audio, episode.slug in allow.guid_change)
    problems.raise_as(EpisodeError)
    return episodes, problems.warnings


def _check_jingles(config: Config, problems: Problems) -> None:
    for jingle in (config.audio.intro, config.audio.outro):
        if jingle:
            try:
                probe(jingle)
            except PodpubError as exc:
                problems.extend(exc.problems)


def _check_episode(
    episode: Episode, problems: Problems, need_audio: bool, guid_change_allowed: bool
) -> None:
    record = load_record(episode.folder)
    if record and episode.guid and record.guid != episode.guid and not guid_change_allowed:
        problems.add(
            f"{episode.md_path}: guid",
            f"was published as {record.guid!r}; changing it makes every app re-download the "
            f"episode. Restore it, or pass --allow-guid-change {episode.slug}",
        )
    if episode.image:
        check_artwork(episode.image, f"{episode.md_path}: image", problems)
    if need_audio and not episode.draft:
        if episode.audio is None:
            problems.add(
                episode.md_path, "no audio source: set `audio:` or put one audio file in the folder"
            )
            return
        try:
            info = probe(episode.audio)
            check_complete(episode.audio, info.duration_s)
        except PodpubError as exc:
            problems.extend(exc.problems)
            return
        if info.duration_s:
            check_duration(
                episode.chapters, info.duration_s, f"{episode.md_path}: chapters", problems
            )
