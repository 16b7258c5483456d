"""The feed a run will write against the live one, item by item and field by field: what
`plan` shows a host before anything changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from podpub.feed.build import Pages
from podpub.standards.namespaces import ITUNES, PODCAST

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
# Known only once the audio is rendered: not compared for an episode that waits for its render.
RENDERED_FIELDS = ("enclosure length", "duration")


@dataclass
class FeedDiff:
    added: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)  # added because their date has come
    changed: dict[str, list[str]] = field(default_factory=dict)  # title → "field: old → new"
    removed: list[str] = field(default_factory=list)


def feed_diff(live: list[bytes], planned: Pages, pending: set[str], first: set[str]) -> FeedDiff:
    """Items added, released, changed or removed. `pending`: the GUIDs whose audio is not
    rendered yet (their length and duration are placeholders); `first`: those published to
    this target for the first time (added, even when a live item has their GUID)."""
    old = {guid: f for xml in live for guid, f in item_fields(xml).items()}
    new = {guid: f for _, xml in planned for guid, f in item_fields(xml).items()}
    newest_live = max((d for f in old.values() if (d := _date(f["pubDate"]))), default=None)
    diff = FeedDiff()
    for guid, fields in new.items():
        if guid not in old or guid in first:
            diff.added.append(fields["title"])
            date = _date(fields["pubDate"])
            if newest_live and date and date > newest_live:
                diff.released.append(fields["title"])
    diff.removed = [f["title"] for guid, f in old.items() if guid not in new]
    for guid in old.keys() & new.keys() - first:
        skip = RENDERED_FIELDS if guid in pending else ()
        changes = [
            f"{name}: {old[guid][name]!r} → {new[guid][name]!r}"
            for name in ITEM_FIELDS
            if name not in skip and old[guid][name] != new[guid][name]
        ]
        if changes:
            diff.changed[new[guid]["title"]] = changes
    return diff


def _date(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None


def item_fields(xml: bytes) -> dict[str, dict[str, str]]:
    """guid → the compared fields of each item of a feed document."""
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return {}  # a live feed we cannot read has nothing to compare; lint reports it
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
