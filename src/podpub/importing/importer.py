"""`podpub import FEED`: a podpub show written from a feed that lives elsewhere, so that
`podpub feed` gives back an equivalent feed — every GUID, enclosure, title and date kept.

The first import writes podcast.toml, the cover and every episode; a later one adds only the
items it has not seen (matched by GUID) and leaves the rest as the host may have edited it, so
importing the same feed again changes nothing."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from podpub.callbacks import ProgressFactory
from podpub.errors import Problems
from podpub.files import write_atomic
from podpub.importing.channel import Channel, check_lock, read_channel
from podpub.importing.document import read_feed
from podpub.importing.download import download
from podpub.importing.episodes import fetch_episode_files
from podpub.importing.fetch import is_url
from podpub.importing.items import Item, read_item
from podpub.importing.report import ImportedEpisode, ImportReport
from podpub.show.artwork import image_facts
from podpub.show.config import DEFAULT_STORAGE
from podpub.show.episodes import EPISODE_FILE, discover
from podpub.show.frontmatter import read_front_matter
from podpub.show.newshow import CONFIG_FILE, ShowAnswers, podcast_toml, write_scaffolding
from podpub.show.records import load_record, record_json
from podpub.show.scaffold import slugify

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # podcastparser's date for an item without one

# Turns what the channel says into the show's answers (flags, prompts, defaults): the CLI's.
Complete = Callable[[dict[str, Any]], ShowAnswers]


@dataclass(frozen=True)
class ImportOptions:
    folder: Path
    download: bool = False
    owner: str | None = None  # confirms the import of a podcast:locked feed


def import_feed(
    location: str,
    options: ImportOptions,
    complete: Complete,
    progress: ProgressFactory | None = None,
) -> ImportReport:
    report = ImportReport(location)
    feed = read_feed(location, report)
    report.pages = feed.pages
    channel = read_channel(feed.channel, location, report)
    check_lock(channel, options.owner, location)
    items = read_items(feed.items, channel, report)
    storage = _write_config(options.folder, channel, items, complete, report, progress)
    _write_episodes(options, items, storage, report, progress)
    return report


def read_items(elements: list[Any], channel: Channel, report: ImportReport) -> list[Item]:
    """Every item with audio, duplicates settled as apps settle them."""
    fallback = channel.date or EPOCH
    read = [
        read_item(el, n, _base(page, channel), fallback, report)
        for n, (page, el) in enumerate(elements, 1)
    ]
    return _unique([item for item in read if item], report)


def _base(page: str, channel: Channel) -> str:
    """What relative links resolve against: the page's URL, or for a file the feed's own."""
    return page if is_url(page) or not channel.self_url else channel.self_url


def _unique(items: list[Item], report: ImportReport) -> list[Item]:
    """One item per GUID and per enclosure: a repeat of both is the same episode (kept once);
    a GUID given to another recording goes to the later one's enclosure URL."""
    kept: list[Item] = []
    guids: dict[str, Item] = {}
    urls: set[str] = set()
    for item in items:
        where, url = item.where, item.record.audio_url or ""
        if url in urls:
            report.skip(
                where, "enclosure", f"{url} is already another item's audio (apps show one)"
            )
            continue
        if item.guid in guids:
            report.decide(
                where,
                "guid",
                f"{item.guid!r} is also an earlier item's; its GUID is its enclosure URL",
            )
            item.guid = item.front["guid"] = url
            item.record = replace(item.record, guid=url, guid_is_permalink=False)
        guids[item.guid] = item
        urls.add(url)
        kept.append(item)
    return kept


def _write_config(
    folder: Path,
    channel: Channel,
    items: list[Item],
    complete: Complete,
    report: ImportReport,
    progress: ProgressFactory | None,
) -> str:
    """podcast.toml, written the first time only; the storage URL records will name."""
    path = folder / CONFIG_FILE
    report.config = str(path)
    if path.is_file():
        report.config_status = "kept"
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return str(data.get("storage", {}).get("url", DEFAULT_STORAGE))
    answers = complete(channel.answers)
    folder.mkdir(parents=True, exist_ok=True)
    seasons = {
        str(i.front["season"]): i.season_name
        for i in items
        if i.season_name and "season" in i.front
    }
    podcast = {**channel.podcast, **({"seasons": seasons} if seasons else {})}
    answers = _cover(folder, channel, answers, report, progress)
    write_atomic(path, podcast_toml(answers, podcast, channel.feed).encode())
    write_scaffolding(folder)
    report.config_status = "written"
    return answers.storage


def _cover(
    folder: Path,
    channel: Channel,
    answers: ShowAnswers,
    report: ImportReport,
    progress: ProgressFactory | None,
) -> ShowAnswers:
    """The channel's artwork, fetched into the show (podpub serves its own cover)."""
    if not channel.image_url:
        report.decide(
            "channel", "itunes:image", "none in the feed: add cover.jpg (square RGB, 1400–3000 px)"
        )
        return answers
    part = folder / ".cover.download"
    fetched = download(channel.image_url, part, 0, progress("cover") if progress else None)
    try:
        fmt = (
            image_facts(part.read_bytes())[0]
            if fetched.status in ("downloaded", "resumed")
            else None
        )
    except OSError:
        fmt = None
    if fmt not in ("JPEG", "PNG"):
        part.unlink(missing_ok=True)
        part.with_name(part.name + ".part").unlink(missing_ok=True)
        report.decide(
            "channel",
            "itunes:image",
            f"{channel.image_url} could not be fetched as a JPEG or PNG "
            f"({fetched.status}): add cover.jpg (square RGB, 1400–3000 px)",
        )
        return answers
    name = "cover.png" if fmt == "PNG" else "cover.jpg"
    part.replace(folder / name)
    report.cover = str(folder / name)
    report.decide("channel", "itunes:image", f"fetched into {name}; podpub serves it from storage")
    return ShowAnswers(**{**answers.__dict__, "image": name})


def known_guids(episodes_dir: Path) -> dict[str, Path]:
    """GUID → episode folder, from each episode's record and front matter."""
    known: dict[str, Path] = {}
    for folder in discover(episodes_dir):
        record = load_record(folder)
        if record:
            known[record.guid] = folder
        split = read_front_matter(folder / EPISODE_FILE, Problems())
        if split and isinstance(split[0].get("guid"), str):
            known[split[0]["guid"].strip()] = folder
    return known


def _write_episodes(
    options: ImportOptions,
    items: list[Item],
    storage: str,
    report: ImportReport,
    progress: ProgressFactory | None,
) -> None:
    episodes_dir = options.folder / "episodes"
    known = known_guids(episodes_dir)
    taken = {p.name for p in episodes_dir.iterdir()} if episodes_dir.is_dir() else set()
    for item in items:
        folder = known.get(item.guid)
        status = "unchanged" if folder else "added"
        if folder is None:
            folder = episodes_dir / _free_slug(item, taken)
            taken.add(folder.name)
        audio = item.record.audio_url or ""
        if options.download:
            audio = fetch_episode_files(item, folder, status == "added", report, progress) or audio
        if status == "added":
            write_episode(folder, item, storage)
        report.episodes.append(ImportedEpisode(folder.name, item.guid, item.title, status, audio))


def _free_slug(item: Item, taken: set[str]) -> str:
    base = slugify(item.slug_text, item.date)
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def write_episode(folder: Path, item: Item, storage: str) -> None:
    front = {key: value for key, value in item.front.items() if value is not None}
    text = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=100)
    write_atomic(folder / EPISODE_FILE, f"---\n{text}---\n\n{item.notes}".encode())
    write_atomic(
        folder / "published.json", record_json(replace(item.record, storage=storage)).encode()
    )
