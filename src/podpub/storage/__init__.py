"""Where published objects live: a local folder (default) or S3-compatible storage."""

from __future__ import annotations

from pathlib import Path

from podpub.callbacks import Progress
from podpub.errors import StorageError
from podpub.show.config import StorageSettings, storage_url_problem
from podpub.storage.base import ObjectInfo, Storage, Stored, content_type_for
from podpub.storage.local import LocalStorage

__all__ = [
    "LocalStorage",
    "ObjectInfo",
    "Progress",
    "Storage",
    "Stored",
    "content_type_for",
    "open_storage",
]


def open_storage(settings: StorageSettings, root: Path) -> Storage:
    """`file://folder` (relative to the show's folder) or `s3://bucket/prefix`."""
    url = settings.url
    if url.startswith("file://"):
        folder = Path(url.removeprefix("file://"))
        return LocalStorage(folder if folder.is_absolute() else root / folder)
    if url.startswith("s3://"):
        from podpub.storage.s3 import S3Storage  # boto3 takes ~0.3 s to import: only when used

        return S3Storage(url, settings)
    raise StorageError.at(url, storage_url_problem(url) or "unknown storage URL")
