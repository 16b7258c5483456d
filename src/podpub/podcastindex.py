"""The Podcasting 2.0 namespace (podcastindex.org/namespace/1.0) as feedgen extensions:
feedgen knows nothing of it, so the elements are written here, as elements, never as strings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
CHAPTERS_TYPE = "application/json+chapters"


def _element(parent: Any, name: str, text: str | None = None, **attributes: str) -> Any:
    element = xml_elem(f"{{{PODCAST_NS}}}{name}", parent)
    for key, value in attributes.items():
        element.set(key, value)
    if text is not None:
        element.text = text
    return element


class PodcastChannel(BaseExtension):  # type: ignore[misc]
    """Channel-level podcast: tags."""

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        return rss_feed


@dataclass
class TranscriptLink:
    url: str
    type: str
    language: str


@dataclass
class PodcastItem(BaseEntryExtension):  # type: ignore[misc]
    """Item-level podcast: tags: chapters and transcripts."""

    chapters_url: str | None = None
    transcripts: list[TranscriptLink] = field(default_factory=list)

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, item: Any) -> Any:
        for transcript in self.transcripts:
            attributes = {"url": transcript.url, "type": transcript.type}
            _element(item, "transcript", language=transcript.language, rel="captions", **attributes)
        if self.chapters_url:
            _element(item, "chapters", url=self.chapters_url, type=CHAPTERS_TYPE)
        return item
