"""Podlove Simple Chapters (`psc:chapters`) in the feed: the chapter list inline in each item,
read by apps and players that do not fetch Podcasting 2.0 JSON chapters (gPodder among them),
and the form in which a Podlove show's chapters arrive when it is imported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

from podpub.show.chapters import Chapter
from podpub.standards.namespaces import PSC_NS
from podpub.standards.text import is_http_url

PSC_VERSION = "1.2"


class PodloveChannel(BaseExtension):  # type: ignore[misc]
    """Declares the namespace on the channel; the chapters belong to the items."""

    def extend_ns(self) -> dict[str, str]:
        return {"psc": PSC_NS}


@dataclass
class PodloveItem(BaseEntryExtension):  # type: ignore[misc]
    chapters: tuple[Chapter, ...] = ()

    def extend_ns(self) -> dict[str, str]:
        return {"psc": PSC_NS}

    def extend_rss(self, item: Any) -> Any:
        if not self.chapters:
            return item
        chapters = xml_elem(f"{{{PSC_NS}}}chapters", item)
        chapters.set("version", PSC_VERSION)
        for chapter in self.chapters:
            element = xml_elem(f"{{{PSC_NS}}}chapter", chapters)
            element.set("start", normal_play_time(chapter.start))
            element.set("title", chapter.title)
            if chapter.url:
                element.set("href", chapter.url)
            if chapter.image and is_http_url(chapter.image):  # a file's URL is the JSON's
                element.set("image", chapter.image)
        return item


def normal_play_time(seconds: float) -> str:
    """'HH:MM:SS.mmm' (RFC 2326 normal play time), as psc:chapter's start attribute wants."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
