"""What podpub writes into an episode's audio file, and where each field goes: one table from
field to ID3 frame and MP4 atom, in the style of beets' mediafile."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from podpub.show.chapters import Chapter


@dataclass(frozen=True)
class EpisodeTags:
    title: str
    artist: str
    album: str
    date: datetime
    guid: str
    feed_url: str
    language: str = "eng"  # ISO 639-2, for COMM/USLT
    number: int | None = None
    season: int | None = None
    summary: str | None = None
    link: str | None = None
    cover_jpeg: bytes | None = None
    chapters: tuple[Chapter, ...] = ()
    chapter_art: dict[str, bytes] = field(default_factory=dict)  # chapter.image → JPEG
    transcript: str | None = None

    # Derived values, named so that the table below can refer to them.
    genre = "Podcast"
    podcast = True
    media_kind = 21  # iTunes' stik: podcast

    @property
    def year(self) -> str:
        return f"{self.date.year:04d}"

    @property
    def day_month(self) -> str:  # ID3v2.3's TDAT is DDMM
        return f"{self.date.day:02d}{self.date.month:02d}"

    @property
    def day(self) -> str:
        return self.date.date().isoformat()


TAGGING_VERSION = "1"  # bump when tagging writes other bytes for the same tags


def tags_sha256(tags: EpisodeTags) -> str:
    """A fingerprint of everything tagging writes: when it matches the published file's, the
    stored file already carries these tags and need not be fetched, tagged or stored again."""

    def plain(value: object) -> object:
        if isinstance(value, bytes):
            return hashlib.sha256(value).hexdigest()
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in sorted(value.items())}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    text = json.dumps([TAGGING_VERSION, plain(asdict(tags))], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Mapping:
    field: str  # an attribute of EpisodeTags; nothing is written when it is None
    id3: tuple[str, ...]  # ID3v2.3 frames
    mp4: tuple[str, ...]  # iTunes atoms


TAG_MAP: tuple[Mapping, ...] = (
    Mapping("title", ("TIT2",), ("\xa9nam",)),
    Mapping("artist", ("TPE1",), ("\xa9ART", "aART")),
    Mapping("album", ("TALB",), ("\xa9alb",)),
    Mapping("genre", ("TCON",), ("\xa9gen",)),
    Mapping("year", ("TYER",), ()),
    Mapping("day_month", ("TDAT",), ()),
    Mapping("day", (), ("\xa9day",)),
    Mapping("guid", ("TGID",), ("egid",)),
    Mapping("feed_url", ("WFED",), ("purl",)),
    Mapping("podcast", ("PCST",), ("pcst",)),
    Mapping("media_kind", (), ("stik",)),
    Mapping("number", ("TRCK",), ("trkn",)),
    Mapping("season", ("TPOS",), ("disk",)),
    Mapping("summary", ("COMM", "TDES"), ("desc", "ldes")),
    Mapping("link", ("WOAS",), ()),
    Mapping("transcript", ("USLT",), ("\xa9lyr",)),
    Mapping("cover_jpeg", ("APIC",), ("covr",)),
)
# Chapters are not a single value: CHAP frames under a CTOC (tags/id3.py) in an MP3, a
# QuickTime chapter track and a Nero chpl atom (written by ffmpeg) in an M4A.
