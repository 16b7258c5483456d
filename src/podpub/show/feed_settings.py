"""The [podcast] (Podcasting 2.0) and [feed] tables of podcast.toml."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from podpub.files import write_atomic
from podpub.show.fields import Fields, describe
from podpub.standards.text import url_problem

# The Podcasting 2.0 spec (podcast:guid): podcast:guid is UUIDv5 of the feed URL without scheme and trailing slashes.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
MEDIUMS = {"podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "podcastL"}
PODCAST_KEYS = {
    "guid",
    "locked",
    "medium",
    "license",
    "license_url",
    "funding",
    "persons",
    "txt",
    "seasons",
}
FEED_KEYS = {"limit", "chapters_in_notes", "new_feed_url", "block", "complete"}


@dataclass(frozen=True)
class Link:
    url: str
    text: str


@dataclass(frozen=True)
class Person:
    name: str
    role: str | None = None
    group: str | None = None
    href: str | None = None
    img: str | None = None


@dataclass(frozen=True)
class Soundbite:
    """A short clip that shows off an episode (podcast:soundbite), from the front matter."""

    start: float
    duration: float
    title: str | None = None


@dataclass(frozen=True)
class Txt:
    value: str
    purpose: str | None = None


@dataclass(frozen=True)
class PodcastSettings:
    guid: str | None = None  # None until the first publish writes it into podcast.toml
    locked: bool = False
    medium: str = "podcast"
    license: str | None = None
    license_url: str | None = None
    funding: tuple[Link, ...] = ()
    persons: tuple[Person, ...] = ()
    txt: tuple[Txt, ...] = ()
    seasons: tuple[tuple[int, str], ...] = ()  # season number → its name (podcast:season)


@dataclass(frozen=True)
class FeedSettings:
    limit: int = 0  # items per page (RFC 5005 paging); 0: one complete feed
    chapters_in_notes: bool = True
    new_feed_url: str | None = None
    block: bool = False
    complete: bool = False


def podcast_guid(feed_url: str) -> str:
    bare = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", feed_url).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def read_podcast_settings(f: Fields) -> PodcastSettings:
    f.check_unknown(PODCAST_KEYS)
    guid = f.text("guid")
    if guid and not is_uuid(guid):
        f.fail("guid", f"{guid!r} is not a UUID; delete it and podpub writes the right one")
    return PodcastSettings(
        guid=guid,
        locked=f.boolean("locked", False),
        medium=f.choice("medium", MEDIUMS, "podcast"),
        license=f.text("license"),
        license_url=f.url("license_url"),
        funding=tuple(Link(**i) for i in _items(f, "funding", {"url", "text"}, urls={"url"})),
        persons=tuple(read_persons(f, "persons")),
        txt=tuple(
            Txt(i["value"], i.get("purpose")) for i in _items(f, "txt", {"value"}, {"purpose"})
        ),
        seasons=_season_names(f.table("seasons")),
    )


def _season_names(f: Fields) -> tuple[tuple[int, str], ...]:
    """[podcast.seasons]: 1 = "Origins", the names podcast:season gives each season."""
    names = []
    for key in f.data:
        name = f.text(key)
        if not key.isdigit() or int(key) < 1:
            f.fail(key, "is not a season number: use 1, 2, 3…")
        elif name:
            names.append((int(key), name))
    return tuple(sorted(names))


def read_persons(f: Fields, key: str) -> list[Person]:
    found = _items(f, key, {"name"}, {"role", "group", "href", "img"}, urls={"href", "img"})
    return [Person(**item) for item in found]


def read_feed_settings(f: Fields) -> FeedSettings:
    f.check_unknown(FEED_KEYS)
    return FeedSettings(
        limit=f.integer("limit", 0, 0, 100_000) or 0,
        chapters_in_notes=f.boolean("chapters_in_notes", True),
        new_feed_url=f.url("new_feed_url"),
        block=f.boolean("block", False),
        complete=f.boolean("complete", False),
    )


def _items(
    f: Fields,
    key: str,
    required: set[str],
    optional: frozenset[str] | set[str] = frozenset(),
    urls: frozenset[str] | set[str] = frozenset(),
) -> list[dict[str, str]]:
    """A list of tables with text values, e.g. funding = [{url = "…", text = "…"}]."""
    value = f.data.get(key, [])
    if not isinstance(value, list):
        f.fail(key, f"expected a list of tables, found {describe(value)}")
        return []
    items = []
    for index, item in enumerate(value, start=1):
        where = f"{key}[{index}]"
        if not isinstance(item, dict) or not all(
            isinstance(v, str) and v.strip() for v in item.values()
        ):
            f.fail(where, f"expected a table of text values, found {describe(item)}")
            continue
        missing, unknown = required - set(item), set(item) - required - set(optional)
        if missing or unknown:
            allowed = ", ".join(sorted(required | set(optional)))
            f.fail(where, f"needs {', '.join(sorted(required))}; allowed keys: {allowed}")
            continue
        bad_links = [
            (k, p) for k in sorted(urls & set(item)) if (p := url_problem(item[k].strip()))
        ]
        for link, problem in bad_links:
            f.fail(f"{where}.{link}", problem)
        if not bad_links:
            items.append({k: v.strip() for k, v in item.items()})
    return items


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def write_podcast_guid(config_path: Path, guid: str) -> None:
    """Keep podcast:guid in podcast.toml once computed, so a later feed URL change keeps it."""
    text = config_path.read_text(encoding="utf-8")
    header = re.compile(r"^\[podcast\][ \t]*(#.*)?$", re.M)  # the table, perhaps with a comment
    if header.search(text):
        text = header.sub(lambda m: f'{m[0]}\nguid = "{guid}"', text, count=1)
    else:
        text = (
            text.rstrip("\n") + f'\n\n[podcast]\nguid = "{guid}"  # podcast:guid, never change it\n'
        )
    write_atomic(config_path, text.encode())
