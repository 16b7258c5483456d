"""An episode as published, in one JSON document stored beside its audio: its record and the
fields of its front matter that the feed shows. With one per episode, what a storage target
holds is knowable from the target alone, so a checkout that lacks another host's episode still
lists it, exactly as published. A removed episode leaves a tombstone, so that no stale checkout
brings it back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from podpub.errors import Problems
from podpub.show.chapters import Chapter
from podpub.show.episodes import Episode, slug_problem
from podpub.show.feed_settings import Person, Soundbite
from podpub.show.fields import text_values
from podpub.show.records import Record, record_from_json, wrong_field
from podpub.show.transcripts import Transcript
from podpub.standards.apple import EPISODE_TYPES
from podpub.standards.text import not_xml_character

SNAPSHOTS = ".podpub/records/"  # the storage prefix of the snapshots


def snapshot_key(slug: str) -> str:
    return f"{SNAPSHOTS}{slug}.json"


@dataclass(frozen=True)
class Snapshot:
    slug: str
    guid: str
    episode: Episode | None  # None for a tombstone
    record: Record | None
    etag: str = ""  # of the stored object, for a conditional rewrite
    data: bytes = b""  # as stored

    @property
    def removed(self) -> bool:
        return self.record is None


def episode_fields(episode: Episode) -> dict[str, Any]:
    """The fields of an episode that the feed and the site show, as JSON values."""
    return {
        "title": episode.title,
        "date": episode.date.isoformat(),
        "number": episode.number,
        "season": episode.season,
        "type": episode.type,
        "explicit": episode.explicit,
        "summary": episode.summary,
        "link": episode.link,
        "notes": episode.notes,
        "chapters": [asdict(c) for c in episode.chapters],
        "persons": [asdict(p) for p in episode.persons],
        "soundbites": [asdict(b) for b in episode.soundbites],
        "transcript": episode.transcript.path.suffix if episode.transcript else None,
    }


def episode_sha256(episode: Episode) -> str:
    """A fingerprint of `episode_fields`: records keep it, so that a checkout that missed
    another host's edit of an episode's notes or fields is seen to disagree with the target."""
    text = json.dumps(episode_fields(episode), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def snapshot_json(episode: Episode, record: Record) -> bytes:
    document = {"slug": episode.slug, "guid": record.guid, "episode": episode_fields(episode)}
    document["record"] = asdict(record)
    return _dumps(document)


def tombstone_json(slug: str, guid: str) -> bytes:
    return _dumps({"slug": slug, "guid": guid, "removed": True})


def _dumps(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def parse_snapshot(
    data: bytes, etag: str, key: str, episodes_dir: Path, where: str, problems: Problems
) -> Snapshot | None:
    """A stored snapshot, or None with the problem recorded: it is input like any other, and
    one damaged by hand must not stop every checkout that publishes to the target."""
    try:
        snapshot = _parse(data, etag, episodes_dir)
        if snapshot_key(snapshot.slug) != key:
            raise ValueError(f"its slug {snapshot.slug!r} is not the one its key names")
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        problems.add(where, f"is not a podpub snapshot ({exc}); restore it or delete it")
        return None
    return snapshot


def _parse(data: bytes, etag: str, episodes_dir: Path) -> Snapshot:
    document = json.loads(data)
    slug, guid = document["slug"], document["guid"]
    if not isinstance(slug, str) or slug_problem(slug) or not isinstance(guid, str):
        raise ValueError(f"{slug!r} / {guid!r} is not a slug and a GUID")
    if document.get("removed"):
        return Snapshot(slug, guid, None, None, etag, data)
    record = record_from_json(json.dumps(document["record"]))
    episode = _episode(slug, episodes_dir / slug, document["episode"], guid)
    problem = wrong_field(episode) or _unfeedable(document["episode"])
    if problem or episode.date.tzinfo is None or episode.type not in EPISODE_TYPES:
        raise ValueError(problem or "its date has no time zone, or its type is unknown")
    return Snapshot(slug, guid, episode, record, etag, data)


def _unfeedable(fields: dict[str, Any]) -> str | None:
    for path, text in text_values(fields):
        if code := not_xml_character(text):
            return f"{path} holds the character {code}"
    return None


def _episode(slug: str, folder: Path, fields: dict[str, Any], guid: str) -> Episode:
    suffix = fields["transcript"]
    return Episode(
        slug=slug,
        folder=folder,
        title=str(fields["title"]),
        date=datetime.fromisoformat(fields["date"]),
        guid=guid,
        number=fields["number"],
        season=fields["season"],
        type=str(fields["type"]),
        explicit=fields["explicit"],
        audio=None,
        image=None,
        summary=fields["summary"],
        link=fields["link"],
        chapters=tuple(Chapter(**c) for c in fields["chapters"]),
        transcript=Transcript(folder / f"transcript{suffix}", ()) if suffix else None,
        draft=False,
        notes=str(fields["notes"]),
        persons=tuple(Person(**p) for p in fields["persons"]),
        soundbites=tuple(Soundbite(**b) for b in fields["soundbites"]),
    )
