"""What listeners already have, and the changes to it that podpub refuses unless the host says so.

The live feed in storage is the record of what every subscriber's app holds. Before any work,
publish predicts the feed it will write (GUIDs and enclosure keys are known before rendering)
and compares: a GUID that changes, an item that disappears, or an enclosure URL that moves while
the audio stays the same would each break something in every app, so each is refused with the
episode and the field named, unless explicitly allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree

from podpub.errors import Problem
from podpub.feed.build import page_key
from podpub.storage import Storage

MAX_PAGES = 10_000


@dataclass(frozen=True)
class LiveItem:
    guid: str
    title: str
    url: str


@dataclass(frozen=True)
class Allowances:
    """What the host explicitly allows this run (command-line flags)."""

    guid_change: frozenset[str] = frozenset()  # slugs
    removal: frozenset[str] = frozenset()  # slugs or GUIDs
    replace_audio: frozenset[str] = frozenset()  # slugs
    url_change: bool = False  # e.g. after moving to a CDN: every enclosure URL changes


NOTHING_ALLOWED = Allowances()


@dataclass(frozen=True)
class Planned:
    """What the next feed will say about one episode, predicted before rendering."""

    slug: str
    guid: str
    title: str
    url: str
    audio_replaced: bool  # its render key differs from the published one
    rehosted_from: str | None = None  # imported audio, now rendered here: where it was served


@dataclass
class LiveFeed:
    items: dict[str, LiveItem] = field(default_factory=dict)
    pages: list[bytes] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return bool(self.pages)


def read_live_feed(storage: Storage, feed_key: str) -> LiveFeed:
    """Every item of the stored feed, across its pages."""
    live = LiveFeed()
    for number in range(1, MAX_PAGES):
        stored = storage.read(page_key(feed_key, number))
        if stored is None:
            break
        live.pages.append(stored.data)
        live.items.update(parse_items(stored.data))
    return live


def parse_items(xml: bytes) -> dict[str, LiveItem]:
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return {}  # a feed we cannot read guards nothing; lint reports it
    items = {}
    for item in root.iter("item"):
        guid = (item.findtext("guid") or "").strip()
        enclosure = item.find("enclosure")
        if not guid or enclosure is None:
            continue
        items[guid] = LiveItem(guid, item.findtext("title") or "", enclosure.get("url", ""))
    return items


def guard(live: LiveFeed, planned: list[Planned], feed: str, allow: Allowances) -> list[Problem]:
    """Every refused change, naming the episode and the field."""
    by_guid = {p.guid: p for p in planned}
    problems = []
    for item in live.items.values():
        plan = by_guid.get(item.guid)
        if plan is None:
            problems.extend(_removed(item, planned, feed, allow))
        else:
            problems.extend(_moved(item, plan, feed, allow))
    return problems


def _removed(item: LiveItem, planned: list[Planned], feed: str, allow: Allowances) -> list[Problem]:
    same_audio = [p for p in planned if _name(p.url) == _name(item.url) or p.title == item.title]
    if same_audio:
        plan = same_audio[0]
        if plan.slug in allow.guid_change:
            return []
        return [
            Problem(
                f"episodes/{plan.slug}: guid",
                f"the live feed ({feed}) has this episode as {item.guid!r}, the new feed would say "
                f"{plan.guid!r}: every app would download it again as a new episode. Restore the "
                f"GUID, or pass --allow-guid-change {plan.slug}",
            )
        ]
    if item.guid in allow.removal:
        return []
    return [
        Problem(
            f"{feed}: item {item.title!r}",
            f"(guid {item.guid!r}) is in the live feed but would disappear from listeners' apps: "
            f"its episode folder is gone, is a draft or is dated in the future. Restore it, or "
            f"pass --allow-removal {item.guid}",
        )
    ]


def guard_rehosting(planned: list[Planned], allow: Allowances) -> list[Problem]:
    """Imported episodes whose audio podpub would now render and serve itself: the enclosure
    URL changes under the same GUID, once, when the host says so."""
    if allow.url_change:
        return []
    return [
        Problem(
            f"episodes/{plan.slug}: audio",
            f"was imported with its audio at {plan.rehosted_from}; publishing its recording "
            f"here moves the enclosure to {plan.url} under the same GUID (apps that have not "
            "downloaded it yet fetch the new file). Pass --allow-url-change to re-host it",
        )
        for plan in planned
        if plan.rehosted_from and plan.rehosted_from != plan.url
    ]


def _moved(item: LiveItem, plan: Planned, feed: str, allow: Allowances) -> list[Problem]:
    if item.url == plan.url or plan.rehosted_from == item.url:
        return []  # unchanged, or re-hosted imported audio: guard_rehosting asks about it
    if _name(item.url) != _name(plan.url):
        if plan.audio_replaced and plan.slug in allow.replace_audio:
            return []
        return [
            Problem(
                f"episodes/{plan.slug}: audio",
                f"the published audio ({item.url}) would be replaced by a new file: the source or "
                f"the audio settings changed. To replace what listeners have, pass "
                f"--replace-audio {plan.slug}",
            )
        ]
    if allow.url_change:
        return []
    return [
        Problem(
            f"episodes/{plan.slug}: enclosure",
            f"its URL would change from {item.url} to {plan.url} while the audio stays the same "
            "(public_base_url or storage changed); apps may download it again. Pass "
            "--allow-url-change if this is a planned move",
        )
    ]


def _name(url: str) -> str:
    return PurePosixPath(url.split("?")[0]).name
