"""The Podcasting 2.0 namespace (podcastindex.org/namespace/1.0) as feedgen extensions:
feedgen knows nothing of it, so the elements are written here, as elements, never as strings."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

from podpub.show.feed_settings import Link, Person, PodcastSettings, Soundbite, Txt
from podpub.standards.namespaces import PODCAST_NS

CHAPTERS_TYPE = "application/json+chapters"


def _element(parent: Any, tag: str, text: str | None = None, **attributes: str | None) -> Any:
    element = xml_elem(f"{{{PODCAST_NS}}}{tag}", parent)
    for key, value in attributes.items():
        if value is not None:
            element.set(key, value)
    if text is not None:
        element.text = text
    return element


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


@dataclass
class TranscriptLink:
    url: str
    type: str
    language: str | None
    rel: str | None = "captions"


@dataclass(frozen=True)
class AlternateLink:
    """Another encoding of the episode (podcast:alternateEnclosure), with its SRI hash."""

    url: str
    type: str
    length: int
    bitrate: int | None  # bits per second, averaged over the file
    sha256: str  # hex
    default: bool = False  # the enclosure itself, listed among its alternatives

    @property
    def integrity(self) -> str:
        return "sha256-" + base64.b64encode(bytes.fromhex(self.sha256)).decode()


@dataclass(frozen=True)
class Trailer:
    """A channel-level podcast:trailer, from an episode whose type is `trailer`."""

    title: str
    url: str
    date: datetime
    length: int
    type: str
    season: int | None = None


@dataclass
class PodcastChannel(BaseExtension):  # type: ignore[misc]
    """Channel-level podcast: tags."""

    settings: PodcastSettings = field(default_factory=PodcastSettings)
    guid: str | None = None
    owner_email: str | None = None
    trailers: list[Trailer] = field(default_factory=list)
    podping: bool = False

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        channel, settings = rss_feed[0], self.settings
        if self.guid:
            _element(channel, "guid", self.guid)
        _element(channel, "medium", settings.medium)
        if self.owner_email:
            _element(channel, "locked", "yes" if settings.locked else "no", owner=self.owner_email)
        if settings.license:
            _element(channel, "license", settings.license, url=settings.license_url)
        _funding(channel, settings.funding)
        _persons(channel, settings.persons)
        _txt(channel, settings.txt)
        for trailer in self.trailers:
            _trailer(channel, trailer)
        if self.podping:
            _element(channel, "podping", usesPodping="true")
        return rss_feed


def _funding(parent: Any, links: tuple[Link, ...]) -> None:
    for link in links:
        _element(parent, "funding", link.text, url=link.url)


def _persons(parent: Any, persons: tuple[Person, ...]) -> None:
    for p in persons:
        _element(parent, "person", p.name, role=p.role, group=p.group, href=p.href, img=p.img)


def _txt(parent: Any, records: tuple[Txt, ...]) -> None:
    for record in records:
        _element(parent, "txt", record.value, purpose=record.purpose)


def _trailer(parent: Any, trailer: Trailer) -> None:
    season = str(trailer.season) if trailer.season is not None else None
    _element(
        parent,
        "trailer",
        trailer.title,
        pubdate=format_datetime(trailer.date),
        url=trailer.url,
        length=str(trailer.length),
        type=trailer.type,
        season=season,
    )


@dataclass
class PodcastItem(BaseEntryExtension):  # type: ignore[misc]
    """Item-level podcast: tags."""

    chapters_url: str | None = None
    transcripts: list[TranscriptLink] = field(default_factory=list)
    season: int | None = None
    season_name: str | None = None
    episode: int | None = None
    persons: tuple[Person, ...] = ()
    soundbites: tuple[Soundbite, ...] = ()
    alternates: tuple[AlternateLink, ...] = ()

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, item: Any) -> Any:
        for transcript in self.transcripts:
            attributes = {"url": transcript.url, "type": transcript.type}
            rel, language = transcript.rel, transcript.language
            _element(item, "transcript", language=language, rel=rel, **attributes)
        if self.chapters_url:
            _element(item, "chapters", url=self.chapters_url, type=CHAPTERS_TYPE)
        if self.season is not None:  # a name only when the host gave one (feed/schemas/README)
            _element(item, "season", str(self.season), name=self.season_name)
        if self.episode is not None:
            _element(item, "episode", str(self.episode))
        _persons(item, self.persons)
        for bite in self.soundbites:
            start, duration = _number(bite.start), _number(bite.duration)
            _element(item, "soundbite", bite.title, startTime=start, duration=duration)
        for alternate in self.alternates:
            _alternate(item, alternate)
        return item


def _alternate(item: Any, alternate: AlternateLink) -> None:
    attributes = {"type": alternate.type, "length": str(alternate.length)}
    if alternate.bitrate is not None:
        attributes["bitrate"] = str(alternate.bitrate)
    if alternate.default:
        attributes["default"] = "true"
    element = _element(item, "alternateEnclosure", **attributes)
    _element(element, "source", uri=alternate.url)
    _element(element, "integrity", type="sri", value=alternate.integrity)
