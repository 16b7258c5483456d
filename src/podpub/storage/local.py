"""Local-folder storage (file://): the embedded default, nothing to set up."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from podpub.callbacks import Progress
from podpub.errors import StorageConflict, StorageError
from podpub.files import sha256_unchanged, temp_name, write_atomic
from podpub.storage.base import STALE_AFTER_S, ObjectInfo, Stored, content_type_for


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
        return ObjectInfo(path.stat().st_size, sha256_unchanged(path), content_type_for(key))

    def put_file(
        self, key: str, path: Path, sha256: str, cache_control: str, progress: Progress | None
    ) -> None:
        target = self._path(key)
        _copy_atomic(path, target)
        if progress:
            progress(target.stat().st_size, target.stat().st_size)

    def get_file(self, key: str, path: Path) -> None:
        source = self._path(key)
        if not source.is_file():
            raise StorageError.at(self.describe(key), "is not stored (any more)")
        _copy_atomic(source, path)

    def listing(self, prefix: str = "") -> dict[str, int]:
        if not self.root.is_dir():
            return {}
        found = {}
        for path in self.root.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix) and path.is_file() and not _is_temporary(path):
                found[key] = path.stat().st_size
        return found

    def clean_up(self) -> list[str]:
        """Temporary files whose writer is gone (a killed run) or that are older than a day."""
        if not self.root.is_dir():
            return []
        removed = []
        for path in self.root.rglob(".*.tmp-*"):
            if _is_temporary(path) and _abandoned(path):
                path.unlink(missing_ok=True)
                removed.append(str(path))
        return removed

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


def _copy_atomic(source: Path, target: Path) -> None:
    """Copy through a temporary name; a failed copy (a full disk) leaves nothing behind."""
    tmp = temp_name(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise StorageError.at(target, f"cannot write: {exc.strerror}") from exc
    finally:
        tmp.unlink(missing_ok=True)


TEMPORARY = re.compile(r"^\..+\.tmp-(\d+)$")  # files.temp_name's pattern


def _is_temporary(path: Path) -> bool:
    return TEMPORARY.match(path.name) is not None


def _abandoned(path: Path) -> bool:
    match = TEMPORARY.match(path.name)
    assert match is not None
    try:
        os.kill(int(match[1]), 0)
    except ProcessLookupError:
        return True  # its writer is gone
    except (PermissionError, OverflowError):
        pass
    return time.time() - path.stat().st_mtime > STALE_AFTER_S
