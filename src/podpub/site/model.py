"""What the site holds, from the same inputs as the feed (podcast.toml, episode.md and the
records of this storage target): which episodes, in which order, on which page, under which
key, and how one page links to another."""

from __future__ import annotations

import itertools
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from podpub.show.chapters import Chapter, shifted
from podpub.show.config import Config, public_url
from podpub.show.episodes import Episode
from podpub.show.records import Record
from podpub.show.transcripts import Cue


@dataclass(frozen=True)
class SiteEpisode:
    """One published episode as its page shows it."""

    episode: Episode
    record: Record
    chapters: tuple[Chapter, ...]  # on the published audio's timeline
    audio_url: str  # the enclosure: the same URL as in the feed

    @property
    def slug(self) -> str:
        return self.episode.slug

    @property
    def cues(self) -> tuple[Cue, ...]:
        """The transcript on the published audio's timeline, moved as the chapters are."""
        transcript, offset = self.episode.transcript, self.record.chapters_offset_s
        if transcript is None:
            return ()
        return tuple(
            Cue(max(0.0, c.start + offset), max(0.0, c.end + offset), c.text)
            for c in transcript.cues
        )


@dataclass(frozen=True)
class Layout:
    """Where the site's files go: keys under the storage root, and their public URLs."""

    prefix: str  # "" or "folder/"
    base_url: str  # public_base_url, ending with /

    def key(self, path: str) -> str:
        return self.prefix + path

    def url(self, key: str) -> str:
        """The absolute URL of a key; a page's is its folder (a clean URL)."""
        return public_url(self.base_url, key.removesuffix("index.html"))

    @property
    def home(self) -> str:
        return self.key("index.html")

    def show_page(self, number: int) -> str:
        return self.home if number == 1 else self.key(f"page/{number}/index.html")

    def episode_page(self, slug: str) -> str:
        return self.key(f"episodes/{slug}/index.html")

    def embed_page(self, slug: str) -> str:
        return self.key(f"episodes/{slug}/embed/index.html")

    def oembed(self, slug: str) -> str:
        return self.key(f"episodes/{slug}/oembed.json")


def relative(here: str, target: str) -> str:
    """A link from the page stored at `here` to the object at `target`, relative, so that the
    site works wherever it is served; a page is linked by its folder."""
    folder = target.endswith("index.html")
    path = target.removesuffix("index.html").rstrip("/") or "."
    link = posixpath.relpath(path, posixpath.dirname(here) or ".")
    if folder:
        return "./" if link == "." else f"{link}/"
    return link


def site_episodes(
    config: Config, episodes: list[Episode], records: Mapping[str, Record], now: datetime
) -> list[SiteEpisode]:
    """The episodes the feed lists (due, with a record in this target), in the site's order:
    newest first; a serial show by season, newest season first, each season in its order."""
    found = [
        SiteEpisode(
            episode,
            record,
            shifted(episode.chapters, record.chapters_offset_s),
            public_url(config.storage.public_base_url, record.audio_key),
        )
        for episode in episodes
        if episode.is_due(now) and (record := records.get(episode.slug))
    ]
    found.sort(key=lambda e: (e.episode.date, e.slug), reverse=True)
    if config.show.type == "serial":
        found.sort(key=lambda e: (-(e.episode.season or 0), e.episode.number or 0))
    return found


Group = tuple[int | None, list[SiteEpisode]]  # (season, its episodes) on one page


def paginate(episodes: list[SiteEpisode], per_page: int) -> list[list[SiteEpisode]]:
    """The show's pages; there is always a first one, if only to say the show exists."""
    return [episodes[i : i + per_page] for i in range(0, len(episodes), per_page)] or [[]]


def season_groups(episodes: list[SiteEpisode], serial: bool) -> list[Group]:
    """A serial show's episodes under their season; an episodic show's in one group."""
    if not serial:
        return [(None, episodes)]
    return [
        (season, list(items))
        for season, items in itertools.groupby(episodes, key=lambda e: e.episode.season)
    ]
