"""An episode as published, in one JSON document stored beside its audio: its record and the
fields of its front matter that the feed shows. With one per episode, what a storage target
holds is knowable from the target alone, so a checkout that lacks another host's episode still
lists it, exactly as published. A removed episode leaves a tombstone, so that no stale checkout
brings it back."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from podpub.errors import Problems
from podpub.show.chapters import Chapter
from podpub.show.episodes import Episode
from podpub.show.feed_settings import Person, Soundbite
from podpub.show.records import Record, record_from_json, record_json
from podpub.show.transcripts import Transcript

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

    @property
    def removed(self) -> bool:
        return self.record is None


def snapshot_json(episode: Episode, record: Record) -> bytes:
    fields = {
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
    document = {"slug": episode.slug, "guid": record.guid, "episode": fields}
    document["record"] = json.loads(record_json(record))
    return _dumps(document)


def tombstone_json(slug: str, guid: str) -> bytes:
    return _dumps({"slug": slug, "guid": guid, "removed": True})


def _dumps(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def parse_snapshot(
    data: bytes, etag: str, episodes_dir: Path, where: str, problems: Problems
) -> Snapshot | None:
    """A stored snapshot, or None with the problem recorded (it is input like any other)."""
    try:
        document = json.loads(data)
        slug, guid = str(document["slug"]), str(document["guid"])
        if document.get("removed"):
            return Snapshot(slug, guid, None, None, etag)
        record = record_from_json(json.dumps(document["record"]))
        episode = _episode(slug, episodes_dir / slug, document["episode"], guid)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        problems.add(where, f"is not a podpub snapshot ({exc}); restore it or delete it")
        return None
    return Snapshot(slug, guid, episode, record, etag)


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
