"""Local-folder storage (file://): the embedded default, nothing to set up."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from podpub.callbacks import Progress
from podpub.errors import StorageConflict, StorageError
from podpub.files import sha256_file, temp_name, write_atomic
from podpub.storage.base import ObjectInfo, Stored, content_type_for


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise StorageError.at(key, f"key escapes the storage folder {self.root}")
        return path

    def describe(self, key: str) -> str:
        return str(self.root / key)

    def preflight(self) -> None:
        """The folder, or the nearest existing folder above it, must be writable (nothing is
        created here: `plan` runs this too and changes nothing)."""
        existing = self.root.absolute()
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir() or not os.access(existing, os.W_OK):
            raise StorageError.at(self.root, f"cannot write into {existing}")

    def head(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return ObjectInfo(path.stat().st_size, sha256_file(path), content_type_for(key))

    def put_file(
        self, key: str, path: Path, sha256: str, cache_control: str, progress: Progress | None
    ) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_name(target)
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        except OSError as exc:
            raise StorageError.at(target, f"cannot write: {exc.strerror}") from exc
        if progress:
            progress(target.stat().st_size, target.stat().st_size)

    def read(self, key: str) -> Stored | None:
        path = self._path(key)
        if not path.is_file():
            return None
        data = path.read_bytes()
        return Stored(data, hashlib.sha256(data).hexdigest())

    def write_if(self, key: str, data: bytes, cache_control: str, etag: str | None) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(path.parent):
                current = self.read(key)
                if (current.etag if current else None) != etag:
                    raise StorageConflict.at(self.describe(key), "changed since it was read")
                write_atomic(path, data)
        except OSError as exc:
            raise StorageError.at(self.describe(key), f"cannot write: {exc.strerror}") from exc


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself, so no lock file ends up among published objects."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
