"""What an import did and every decision it took about a messy feed, for the host to read
(and for `--json`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Decision:
    where: str  # "channel", or the item: "item 3 'Its title'"
    field: str  # what it is about: guid, pubDate, enclosure…
    text: str  # what was found and what podpub did


@dataclass
class ImportedEpisode:
    slug: str
    guid: str
    title: str
    status: str  # added | unchanged
    audio: str  # its URL where it stays, or the downloaded file


@dataclass
class Download:
    url: str
    file: str
    bytes: int
    status: str  # downloaded | resumed | present | failed: reason


@dataclass
class ImportReport:
    feed: str
    pages: list[str] = field(default_factory=list)
    config: str = ""  # podcast.toml
    config_status: str = ""  # written | kept
    cover: str | None = None
    episodes: list[ImportedEpisode] = field(default_factory=list)
    skipped: list[Decision] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    not_kept: Counter[str] = field(default_factory=Counter)  # element → items that had it

    def decide(self, where: str, about: str, text: str) -> None:
        self.decisions.append(Decision(where, about, text))

    def skip(self, where: str, about: str, text: str) -> None:
        self.skipped.append(Decision(where, about, text))

    @property
    def failed(self) -> list[Download]:
        return [d for d in self.downloads if d.status.startswith("failed")]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["not_kept"] = dict(sorted(self.not_kept.items()))
        return data


def item_name(index: int, title: str) -> str:
    short = title if len(title) <= 50 else title[:47] + "..."
    return f"item {index} {short!r}"
