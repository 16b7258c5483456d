"""Where published objects live: a local folder (default) or S3-compatible storage."""

from __future__ import annotations

from pathlib import Path

from podpub.errors import StorageError
from podpub.storage.base import ObjectInfo, Storage, content_type_for
from podpub.storage.local import LocalStorage

__all__ = ["LocalStorage", "ObjectInfo", "Storage", "content_type_for", "open_storage"]


def open_storage(url: str, root: Path) -> Storage:
    """`file://folder` (relative to the show's folder) or `s3://bucket/prefix`."""
    if url.startswith("file://"):
        folder = Path(url.removeprefix("file://"))
        return LocalStorage(folder if folder.is_absolute() else root / folder)
    if url.startswith("s3://"):
        raise StorageError.at(url, "S3 storage is not available in this version yet; use file://")
    raise StorageError.at(url, "unknown storage URL; use file://FOLDER or s3://BUCKET/PREFIX")
