"""The files published beside an episode's audio: Podcasting 2.0 JSON chapters, the chapter
images they point at, and the transcript. Keys are content-addressed, so they never go stale."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from podpub.feed.items import CHAPTERS_SUFFIX, companion_key
from podpub.files import sha256_file, write_atomic
from podpub.show.artwork import embedded_cover
from podpub.show.chapters import Chapter, chapters_json
from podpub.show.config import public_url
from podpub.show.episodes import Episode
from podpub.standards.text import is_http_url

CHAPTER_ART_SIDE = 600  # px: chapter pictures embedded in the MP3 stay small


@dataclass(frozen=True)
class Asset:
    key: str
    path: Path
    sha256: str


@dataclass
class Companions:
    assets: list[Asset] = field(default_factory=list)
    chapters_key: str | None = None
    transcript_key: str | None = None
    image_key: str | None = None
    chapter_art: dict[str, bytes] = field(default_factory=dict)  # chapter.image → JPEG


def prepare_companions(episode: Episode, base_url: str, out_dir: Path) -> Companions:
    """Everything to upload beside the audio, and the chapter art to embed in it."""
    companions = Companions()
    image_urls = {
        c.image: _chapter_image(episode, c, base_url, companions)
        for c in episode.chapters
        if c.image
    }
    if episode.chapters:
        data = chapters_json(episode.chapters, image_urls.__getitem__)
        companions.chapters_key = _add_bytes(
            companions, episode.slug, "chapters", CHAPTERS_SUFFIX, data, out_dir
        )
    if episode.image:
        companions.image_key = _add_file(companions, episode.slug, "image", episode.image)
    if episode.transcript:
        path = episode.transcript.path
        companions.transcript_key = _add_file(companions, episode.slug, "transcript", path)
    return companions


def _chapter_image(
    episode: Episode, chapter: Chapter, base_url: str, companions: Companions
) -> str:
    assert chapter.image is not None
    if is_http_url(chapter.image):
        return chapter.image  # already online; nothing to embed or upload
    path = episode.folder / chapter.image
    companions.chapter_art[chapter.image] = embedded_cover(path, CHAPTER_ART_SIDE)
    return public_url(base_url, _add_file(companions, episode.slug, "img", path))


def _add_file(
    companions: Companions, slug: str, kind: str, path: Path, suffix: str | None = None
) -> str:
    sha = sha256_file(path)
    key = companion_key(slug, kind, sha, suffix or path.suffix)
    companions.assets.append(Asset(key, path, sha))
    return key


def _add_bytes(
    companions: Companions, slug: str, kind: str, suffix: str, data: bytes, out_dir: Path
) -> str:
    path = out_dir / f"{slug}-{kind}{suffix}"
    write_atomic(path, data)
    return _add_file(companions, slug, kind, path, suffix)
