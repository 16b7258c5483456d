"""published.json: what was published for an episode, committed so that `podpub feed` can rebuild
the feed byte for byte in a clean checkout (no audio, no ffmpeg)."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

from podpub.errors import EpisodeError
from podpub.files import write_atomic

RECORD_FILE = "published.json"
T = TypeVar("T")


@dataclass(frozen=True)
class Alternate:
    """Another encoding of the episode, stored beside the main one (podcast:alternateEnclosure)."""

    key: str
    bytes: int
    sha256: str
    type: str
    bitrate: int  # bits per second of the audio stream
    render_key: str | None = None  # of its render: lets a fresh machine reuse the stored file


@dataclass(frozen=True)
class LinkedTranscript:
    """A transcript of an imported episode, left where its old host serves it."""

    url: str
    type: str
    language: str | None = None
    rel: str | None = None


@dataclass(frozen=True)
class Record:
    guid: str
    audio_key: str
    audio_bytes: int
    audio_sha256: str
    audio_type: str
    duration_s: float
    render_key: str
    integrated_lufs: float
    true_peak_dbtp: float
    source_lufs: float
    gain_db: float
    published_at: str  # first publish, UTC ISO 8601; kept on later publishes
    storage: str  # the target it was stored in: a feed for another target must not list it
    chapters_key: str | None = None  # Podcasting 2.0 JSON chapters
    transcript_key: str | None = None
    image_key: str | None = None  # the episode's own artwork
    chapters_offset_s: float = 0.0  # chapters move by the intro's length and trimmed silence
    alternates: tuple[Alternate, ...] = ()
    ffmpeg: str | None = None  # the ffmpeg that rendered it: another one renders other bytes
    tags_sha256: str | None = None  # of everything tagged into the file (see tags.tags_sha256)
    # of the episode's fields the feed and the site show (see snapshots.episode_sha256): a
    # checkout whose record lacks another host's edit of them disagrees with the target's
    episode_sha256: str | None = None
    audio_bitrate: int = 0  # bits per second of the main encoding (0: not recorded)
    guid_is_permalink: bool = False  # <guid isPermaLink="true">, as an imported feed had it
    # An imported episode whose files stay where its old host serves them (`podpub import`):
    # the feed links them as they are; nothing is rendered or uploaded for it, and the audio
    # fields above (key, hash, render key, loudness) are empty.
    audio_url: str | None = None
    image_url: str | None = None
    chapters_url: str | None = None
    transcripts: tuple[LinkedTranscript, ...] = ()

    @property
    def audio_elsewhere(self) -> bool:
        """Its audio is served from where it was imported, not from a storage target."""
        return self.audio_url is not None


def record_path(folder: Path) -> Path:
    return folder / RECORD_FILE


def load_record(folder: Path) -> Record | None:
    path = record_path(folder)
    if not path.is_file():
        return None
    try:
        return record_from_json(path.read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise EpisodeError.at(path, f"is damaged ({exc}); restore it from version control") from exc


def record_from_json(text: str) -> Record:
    """A record, or ValueError naming what is wrong with it (a file written by hand or by
    something else is input like any other)."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, found {type(data).__name__}")
    data["alternates"] = tuple(_part(Alternate, a) for a in data.get("alternates", ()))
    data["transcripts"] = tuple(_part(LinkedTranscript, t) for t in data.get("transcripts", ()))
    record = _part(Record, data)
    if problem := wrong_field(record):
        raise ValueError(problem)
    return record


def _part(kind: type[T], data: object) -> T:
    if not isinstance(data, dict):
        raise ValueError(f"expected an object for {kind.__name__}, found {type(data).__name__}")
    return kind(**data)


def wrong_field(value: object, where: str = "") -> str | None:
    """The first field of a dataclass (and of those it holds) whose value is not of its
    declared type, or None: what json.loads gives is checked before anything trusts it."""
    hints = typing.get_type_hints(type(value))
    for item in dataclasses.fields(value):  # type: ignore[arg-type]
        found = getattr(value, item.name)
        name = f"{where}{item.name}"
        if not _is_a(found, hints[item.name]):
            return f"{name}: {found!r} is not of type {hints[item.name]}"
        for index, part in enumerate(found if isinstance(found, tuple) else (found,)):
            if dataclasses.is_dataclass(part) and (
                problem := wrong_field(part, f"{name}[{index}].")
            ):
                return problem
    return None


def _is_a(value: object, hint: object) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_is_a(value, arg) for arg in args)
    if origin is tuple:
        return isinstance(value, tuple) and all(_is_a(v, args[0]) for v in value)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else True


# Fields added after records were first written: left out while unset (empty), so that the
# records already committed keep their bytes (and `publish` leaves the checkout clean).
LATER_FIELDS = {
    "guid_is_permalink",
    "audio_url",
    "image_url",
    "chapters_url",
    "transcripts",
    "ffmpeg",
    "tags_sha256",
    "episode_sha256",
    "audio_bitrate",
}
LATER_ALTERNATE_FIELDS = {"render_key"}


def record_json(record: Record) -> str:
    data = _without_unset(asdict(record), LATER_FIELDS)
    data["alternates"] = [
        _without_unset(asdict(a), LATER_ALTERNATE_FIELDS) for a in record.alternates
    ]
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _without_unset(data: dict[str, object], later: set[str]) -> dict[str, object]:
    return {k: v for k, v in data.items() if v or k not in later}


def save_record(folder: Path, record: Record) -> None:
    """Written only when it changes, so republishing leaves the checkout untouched."""
    text = record_json(record)
    path = record_path(folder)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, text.encode())
