"""`podpub plan` (and `publish --dry-run`): what publish would do, worked out without changing
anything anywhere — renders, uploads, and the feed diff against the live feed."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from lxml import etree

from podpub.checks import check
from podpub.config import Config
from podpub.episodes import Episode, new_guid
from podpub.guards import (
    NOTHING_ALLOWED,
    Allowances,
    LiveFeed,
    guard,
    planned_items,
    read_live_feed,
)
from podpub.publish import render_feed_pages, stage_episode
from podpub.published import Published, load_record
from podpub.rendercache import audio_key, cached_render, render_key_for
from podpub.storage import Storage, open_storage

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
# The fields of an item that listeners' apps show or act on, compared one by one.
ITEM_FIELDS = {
    "title": "title",
    "pubDate": "pubDate",
    "description": "description",
    "enclosure url": "enclosure@url",
    "enclosure length": "enclosure@length",
    "duration": f"{ITUNES}duration",
    "episode": f"{ITUNES}episode",
    "season": f"{ITUNES}season",
    "episodeType": f"{ITUNES}episodeType",
    "explicit": f"{ITUNES}explicit",
    "image": f"{ITUNES}image@href",
    "chapters": f"{PODCAST}chapters@url",
    "transcript": f"{PODCAST}transcript@url",
}


@dataclass
class EpisodePlan:
    slug: str
    render: str  # why it is rendered, or that the build cache has it
    objects: dict[str, str] = field(
        default_factory=dict
    )  # key → upload / skip / upload after render


@dataclass
class Plan:
    storage: str
    episodes: list[EpisodePlan] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)  # added because their date has come
    changed: dict[str, list[str]] = field(default_factory=dict)  # title → "field: old → new"
    removed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def make_plan(
    config: Config,
    slugs: tuple[str, ...] = (),
    now: datetime | None = None,
    allow: Allowances = NOTHING_ALLOWED,
    storage: Storage | None = None,
) -> Plan:
    now = now or datetime.now(UTC)
    episodes, _ = check(config, slugs, allow=allow)
    storage = storage or open_storage(config.storage, config.root)
    storage.preflight()
    chosen = [e for e in episodes if e.is_due(now)]
    plan = Plan(storage.describe(config.storage.feed_key))
    with tempfile.TemporaryDirectory() as scratch:
        for episode in chosen:
            plan.episodes.append(_episode_plan(config, storage, episode, Path(scratch)))
    live = read_live_feed(storage, config.storage.feed_key)
    everything, _ = check(config, need_audio=False, allow=allow)
    planned = planned_items(config, chosen, everything, now)
    plan.refused = (
        [str(p) for p in guard(live, planned, config.storage.feed_key, allow)]
        if live.exists
        else []
    )
    _feed_diff(plan, live, config, chosen, now)
    return plan


def _episode_plan(config: Config, storage: Storage, episode: Episode, scratch: Path) -> EpisodePlan:
    assert episode.audio is not None
    record = _record(config, episode)
    render_key = render_key_for(config, episode.audio)
    audio, facts = cached_render(config, render_key)
    key = audio_key(config, episode.slug, render_key)
    if not (audio.is_file() and facts.is_file()):
        if record is None:
            reason = "new"
        elif record.render_key != render_key:
            reason = "source or audio settings changed"
        else:
            reason = "not in the build cache"
        return EpisodePlan(episode.slug, f"render ({reason})", {key: "upload after render"})
    guid = episode.guid or (record.guid if record else new_guid())
    staged = stage_episode(
        config, episode, guid, render_key, audio, json.loads(facts.read_text()), scratch
    )
    objects = {a.key: _action(storage, a.key, a.sha256) for a in staged.companions.assets}
    objects[staged.key] = _action(storage, staged.key, staged.sha256)
    return EpisodePlan(episode.slug, "reuse the build cache", objects)


def _record(config: Config, episode: Episode) -> Published | None:
    record = load_record(episode.folder)
    return record if record and record.storage == config.storage.url else None


def _action(storage: Storage, key: str, sha: str) -> str:
    stored = storage.head(key)
    if stored is None:
        return "upload"
    return "skip (unchanged)" if stored.sha256 == sha else "upload (changed)"


def _feed_diff(
    plan: Plan, live: LiveFeed, config: Config, chosen: list[Episode], now: datetime
) -> None:
    """The feed as the records now stand plus this run's new episodes, against the live one."""
    new: dict[str, dict[str, str]] = {}
    for _, xml in render_feed_pages(config, now):
        new.update(item_fields(xml))
    old: dict[str, dict[str, str]] = {}
    for xml in live.pages:
        old.update(item_fields(xml))
    dates = [d for f in old.values() if (d := _date(f["pubDate"]))]
    newest_live = max(dates, default=None)
    added = [f["title"] for guid, f in new.items() if guid not in old]
    added += [e.title for e in chosen if _record(config, e) is None]
    plan.added = added
    plan.released = [
        e.title for e in chosen if e.title in added and newest_live and e.date > newest_live
    ]
    coming = new.keys() | {e.guid for e in chosen if e.guid}  # published by this run
    plan.removed = [f["title"] for guid, f in old.items() if guid not in coming]
    for guid in old.keys() & new.keys():
        changes = [
            f"{name}: {old[guid][name]!r} → {new[guid][name]!r}"
            for name in ITEM_FIELDS
            if old[guid][name] != new[guid][name]
        ]
        if changes:
            plan.changed[new[guid]["title"]] = changes


def _date(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None


def item_fields(xml: bytes) -> dict[str, dict[str, str]]:
    """guid → the compared fields of each item of a feed document."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    items = {}
    for item in root.iter("item"):
        guid = item.findtext("guid") or ""
        items[guid] = {name: _value(item, path) for name, path in ITEM_FIELDS.items()}
    return items


def _value(item: etree._Element, path: str) -> str:
    tag, _, attribute = path.partition("@")
    element = item.find(tag)
    if element is None:
        return ""
    return (element.get(attribute) if attribute else element.text) or ""
