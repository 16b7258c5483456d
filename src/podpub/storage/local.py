"""Local-folder storage (file://): the embedded default, nothing to set up."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from podpub.errors import StorageError
from podpub.files import sha256_file, temp_name, write_atomic
from podpub.storage.base import ObjectInfo, content_type_for


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

    def head(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return ObjectInfo(path.stat().st_size, sha256_file(path), content_type_for(key))

    def put_file(self, key: str, path: Path, sha256: str, cache_control: str) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_name(target)
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        except OSError as exc:
            raise StorageError.at(target, f"cannot write: {exc.strerror}") from exc

    def put_bytes(self, key: str, data: bytes, cache_control: str) -> None:
        try:
            write_atomic(self._path(key), data)
        except OSError as exc:
            raise StorageError.at(self.describe(key), f"cannot write: {exc.strerror}") from exc

    def get_bytes(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None
