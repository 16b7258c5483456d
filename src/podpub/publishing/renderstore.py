"""The render cache in storage: untagged renders that every machine can reuse, keyed by the
render key as the local build cache is (`podpub render` fills it, `publish` takes from it).

    .podpub/renders/<render key>.<sha256[:16]>.<format>   the audio, named by its content
    .podpub/renders/<render key>.json                     its marker: the audio's key, size,
                                                          sha256, figures and ffmpeg

The marker is written last, after the audio is stored and verified, so a run killed at any
point leaves at most audio that no marker names, which nobody uses; a reader checks the bytes it
downloads against the marker's size and sha256 before it keeps them. Audio objects are never
overwritten: two machines rendering the same episode with the same ffmpeg make the same bytes,
hence the same key; with different ffmpeg builds, the first marker written stays (If-None-Match).
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass

from podpub.errors import StorageConflict, StorageError
from podpub.files import sha256_file, temp_name
from podpub.publishing.rendercache import BuildCache, Rendered, RenderJob
from podpub.storage import Storage, Stored

RENDERS = ".podpub/renders/"
AUDIO_CACHE = "public, max-age=31536000, immutable"  # named by its content
MARKER_CACHE = "no-cache"  # read by renderers, who must see the latest


@dataclass(frozen=True)
class StoredRender:
    """A finished render in storage, as its marker describes it."""

    audio_key: str
    size: int
    sha256: str
    figures: dict[str, float]
    ffmpeg: str | None


def marker_key(job: RenderJob) -> str:
    return f"{RENDERS}{job.render_key}.json"


def audio_key(job: RenderJob, sha256: str) -> str:
    return f"{RENDERS}{job.render_key}.{sha256[:16]}.{job.format}"


class RenderStore:
    """The render cache of one storage target, listed once (one LIST for a whole catalog)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @functools.cached_property
    def listing(self) -> dict[str, int]:
        return self.storage.listing(RENDERS)

    def find(self, job: RenderJob) -> StoredRender | None:
        """The finished render of this job, when its marker names audio stored at its size."""
        if marker_key(job) not in self.listing:
            return None
        found = _parse(self.storage.read(marker_key(job)), job)
        if found is None or self.listing.get(found.audio_key) != found.size:
            return None
        return found


def fetch(
    storage: Storage, job: RenderJob, found: StoredRender, cache: BuildCache
) -> Rendered | None:
    """A stored render into the build cache, its bytes checked against the marker first; None
    when they differ (the object was replaced or damaged) or it is gone: render it instead."""
    path = cache.audio_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        storage.get_file(found.audio_key, tmp)
        if tmp.stat().st_size != found.size or sha256_file(tmp) != found.sha256:
            return None
        os.replace(tmp, path)
    except StorageError:
        return None
    finally:
        tmp.unlink(missing_ok=True)
    return cache.store_figures(job, found.figures, found.ffmpeg)


def store(storage: Storage, job: RenderJob, rendered: Rendered) -> bool:
    """A render stored, verified, then marked finished; False when a finished render of this
    job was there already (another shard or machine got there first)."""
    current = storage.read(marker_key(job))
    if current and _finished(storage, _parse(current, job)):
        return False
    sha, size = sha256_file(rendered.audio), rendered.audio.stat().st_size
    key = audio_key(job, sha)
    stored = storage.head(key)
    if not (stored and stored.size == size and stored.sha256 == sha):
        storage.put_file(key, rendered.audio, sha, AUDIO_CACHE, None)
        stored = storage.head(key)
    if not (stored and stored.size == size and stored.sha256 == sha):
        raise StorageError.at(storage.describe(key), f"verification failed after upload ({stored})")
    marker = StoredRender(key, size, sha, rendered.figures, rendered.ffmpeg)
    try:
        etag = current.etag if current else None
        storage.write_if(marker_key(job), _marker_json(marker), MARKER_CACHE, etag)
    except StorageConflict:
        return False  # a marker written meanwhile: the first one stays
    return True


def _finished(storage: Storage, found: StoredRender | None) -> bool:
    if found is None:
        return False
    stored = storage.head(found.audio_key)
    return bool(stored and stored.size == found.size and stored.sha256 == found.sha256)


def _marker_json(marker: StoredRender) -> bytes:
    """The same render gives the same bytes, on every machine."""
    return json.dumps(vars(marker), sort_keys=True, indent=1).encode()


def _parse(stored: Stored | None, job: RenderJob) -> StoredRender | None:
    """A marker as read, or None when it is not one of ours (damaged, or for another job)."""
    if stored is None:
        return None
    try:
        data = json.loads(stored.data)
        found = StoredRender(
            str(data["audio_key"]),
            int(data["size"]),
            str(data["sha256"]),
            {str(k): float(v) for k, v in data["figures"].items()},
            data.get("ffmpeg"),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return found if found.audio_key.startswith(f"{RENDERS}{job.render_key}.") else None
