"""The storage seam: every backend stores whole objects under keys and reports what it holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from podpub.callbacks import Progress

CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".json": "application/json",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".xml": "application/rss+xml",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
CONTENT_TYPES_BY_NAME = {"sitemap.xml": "application/xml"}  # not a feed, though it is XML
# Double endings first: JSON chapters are typed as the JSON chapters spec asks.
CONTENT_TYPES_BY_ENDING = {".chapters.json": "application/json+chapters"}


def content_type_for(key: str) -> str:
    path = Path(key)
    if path.name in CONTENT_TYPES_BY_NAME:
        return CONTENT_TYPES_BY_NAME[path.name]
    for ending, kind in CONTENT_TYPES_BY_ENDING.items():
        if path.name.lower().endswith(ending):
            return kind
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


# An upload or temporary file this old belongs to a run that died: another publisher's
# upload in progress is never that old (a 2-hour episode is ~115 MB).
STALE_AFTER_S = 6 * 3600


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    sha256: str | None
    content_type: str | None


@dataclass(frozen=True)
class Stored:
    """An object's bytes and the version tag (ETag) a conditional write must match."""

    data: bytes
    etag: str


class Storage(Protocol):
    def describe(self, key: str) -> str:
        """Where `key` lives, for messages (e.g. s3://bucket/prefix/key)."""
        ...

    def preflight(self) -> None:
        """Fail now, before any work, when the target cannot be written (missing bucket…)."""
        ...

    def head(self, key: str) -> ObjectInfo | None:
        """Size, stored sha256 and content type of an object, or None when it is absent."""
        ...

    def put_file(
        self, key: str, path: Path, sha256: str, cache_control: str, progress: Progress | None
    ) -> None:
        """Store a file whole: readers see the old object or the new one, never a part."""
        ...

    def read(self, key: str) -> Stored | None: ...

    def get_file(self, key: str, path: Path) -> None:
        """Download an object whole into `path` (through a temporary name)."""
        ...

    def listing(self, prefix: str = "") -> dict[str, int]:
        """Key → size of every object whose key starts with `prefix`."""
        ...

    def clean_up(self) -> list[str]:
        """Remove what interrupted runs left behind (temporary files, multipart uploads older
        than STALE_AFTER_S); return what was removed."""
        ...

    def write_if(self, key: str, data: bytes, cache_control: str, etag: str | None) -> None:
        """Write only if the object still has `etag` (None: only if it does not exist yet);
        raise StorageConflict when another writer got there first."""
        ...
