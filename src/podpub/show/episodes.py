"""Discover, parse and validate episodes: episode.md = YAML front matter + Markdown show notes."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from podpub.errors import Problems
from podpub.files import write_atomic
from podpub.show.artwork import check_image
from podpub.show.chapters import (
    Chapter,
    chapters_from_front_matter,
    episode_chapters,
    parse_time,
    with_opening_chapter,
)
from podpub.show.feed_settings import Person, Soundbite, read_persons
from podpub.show.fields import Fields, describe
from podpub.show.frontmatter import read_front_matter
from podpub.show.transcripts import Transcript, find_transcript
from podpub.standards.apple import EPISODE_TYPES
from podpub.standards.text import is_http_url

EPISODE_FILE = "episode.md"
# Slugs name folders, storage keys and URLs: lowercase ASCII, and short enough that the longest
# key made from one ("<slug>-transcript-<12 hex>.srt") stays far inside file-name limits.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
MAX_SLUG = 100
EARLIEST_YEAR = 1900  # RFC 2822 dates in feeds: two-digit or tiny years are misread by apps
AUDIO_SUFFIXES = (".flac", ".wav", ".mp3", ".m4a", ".opus", ".ogg", ".aac", ".aif", ".aiff")
FRONT_MATTER_KEYS = {
    "title",
    "date",
    "guid",
    "number",
    "season",
    "type",
    "explicit",
    "audio",
    "image",
    "summary",
    "link",
    "chapters",
    "draft",
    "persons",
    "soundbites",
}


@dataclass(frozen=True)
class Episode:
    slug: str
    folder: Path
    title: str
    date: datetime
    guid: str | None
    number: int | None
    season: int | None
    type: str
    explicit: bool | None
    audio: Path | None
    image: Path | None
    summary: str | None
    link: str | None
    chapters: tuple[Chapter, ...]
    transcript: Transcript | None
    draft: bool
    notes: str
    persons: tuple[Person, ...] = ()
    soundbites: tuple[Soundbite, ...] = ()

    @property
    def md_path(self) -> Path:
        return self.folder / EPISODE_FILE

    def is_due(self, now: datetime) -> bool:
        """Drafts and future-dated episodes stay out of storage and the feed until due."""
        return not self.draft and self.date <= now


def discover(episodes_dir: Path) -> list[Path]:
    """Episode folders, sorted by name (slugs start with the date, so this is chronological)."""
    if not episodes_dir.is_dir():
        return []
    return sorted(p for p in episodes_dir.iterdir() if (p / EPISODE_FILE).is_file())


def load_episodes(episodes_dir: Path) -> tuple[list[Episode], Problems]:
    """Parse every episode; problems are collected, not raised, so they can be reported together."""
    problems = Problems()
    episodes = [ep for folder in discover(episodes_dir) if (ep := parse_episode(folder, problems))]
    check_unique(episodes, problems)
    return episodes, problems


def check_slugs(episodes_dir: Path, slugs: tuple[str, ...], problems: Problems) -> None:
    """Slugs named on the command line must be episode folders."""
    known = {folder.name for folder in discover(episodes_dir)}
    for slug in slugs:
        if slug not in known:
            where = episodes_dir / slug
            problems.add(where, f"no such episode (expected {where / EPISODE_FILE})")


def slug_problem(slug: str) -> str | None:
    if not SLUG.fullmatch(slug):
        return "is not a valid slug: use lowercase ASCII letters, digits and '-'"
    if len(slug) > MAX_SLUG:
        return f"is too long for a slug: {len(slug)} characters (at most {MAX_SLUG})"
    return None


def parse_episode(folder: Path, problems: Problems) -> Episode | None:
    path = folder / EPISODE_FILE
    if problem := slug_problem(folder.name):
        printable = folder.name.isprintable()
        problems.add(
            folder if printable else f"{folder.parent}/{folder.name!r}", f"folder name {problem}"
        )
        return None
    split = read_front_matter(path, problems)
    if split is None:
        return None
    meta, notes = split
    before = len(problems.items)
    f = Fields(meta, str(path), problems)
    f.check_unknown(FRONT_MATTER_KEYS, warn=True)
    values = _read_fields(f, folder)
    if len(problems.items) > before:
        return None
    return Episode(slug=folder.name, folder=folder, notes=notes, **values)


def _read_fields(f: Fields, folder: Path) -> dict[str, Any]:
    return {
        "title": f.text("title", required=True),
        "date": _read_date(f),
        "guid": _read_guid(f),
        "number": f.integer("number", None, low=1),
        "season": f.integer("season", None, low=1),
        "type": f.choice("type", EPISODE_TYPES, "full"),
        "explicit": f.boolean("explicit", False) if "explicit" in f.data else None,
        "audio": _read_audio(f, folder),
        "image": _read_file(f, folder, "image"),
        "summary": f.text("summary"),
        "link": f.url("link"),
        "chapters": _read_chapters(f, folder),
        "transcript": _read_transcript(f, folder),
        "draft": f.boolean("draft", False),
        "persons": tuple(read_persons(f, "persons")),
        "soundbites": _read_soundbites(f),
    }


def _read_soundbites(f: Fields) -> tuple[Soundbite, ...]:
    value = f.data.get("soundbites", [])
    items = value if isinstance(value, list) else [value]
    found = []
    for index, item in enumerate(items, start=1):
        where = f"soundbites[{index}]"
        start = parse_time(item.get("start")) if isinstance(item, dict) else None
        duration = item.get("duration") if isinstance(item, dict) else None
        if start is None or not isinstance(duration, int | float) or not 0 < duration <= 300:
            f.fail(where, "expected {start: HH:MM:SS or seconds, duration: seconds (≤ 300), title}")
            continue
        title = item.get("title")
        found.append(Soundbite(start, float(duration), title if isinstance(title, str) else None))
    return tuple(found)


def _read_chapters(f: Fields, folder: Path) -> tuple[Chapter, ...]:
    listed = chapters_from_front_matter(f.data.get("chapters"), f.where, f.problems)
    chapters = episode_chapters(listed, folder, f.where, f.problems)
    for index, chapter in enumerate(chapters, start=1):
        if chapter.image and not is_http_url(chapter.image):
            where = f"{f.where}: chapters[{index}].image"
            path = (folder / chapter.image).resolve()
            if not path.is_relative_to(folder.resolve()):
                f.problems.add(where, f"{chapter.image!r} points outside the episode folder")
            else:
                check_image(path, where, f.problems)
    title = f.data.get("title")
    return with_opening_chapter(chapters, title if isinstance(title, str) else "")


def _read_transcript(f: Fields, folder: Path) -> Transcript | None:
    transcript = find_transcript(folder, f.where, f.problems)
    if transcript and not _inside(folder, transcript.path, f, "transcript"):
        return None
    return transcript


def _inside(folder: Path, path: Path, f: Fields, key: str) -> bool:
    """A file the episode uses must be in its folder, symbolic links resolved: a link out of
    the show would publish whatever it points at."""
    if path.resolve().is_relative_to(folder.resolve()):
        return True
    f.fail(key, f"{path.name!r} points outside the episode folder (a symbolic link?)")
    return False


def _read_date(f: Fields) -> datetime | None:
    value = f.data.get("date")
    if value is None:
        f.fail(
            "date",
            "is required but missing (ISO 8601 with a time zone, e.g. 2012-04-26T08:00:00+02:00)",
        )
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            f.fail(
                "date", f"{value!r} is not an ISO 8601 date-time such as 2012-04-26T08:00:00+02:00"
            )
            return None
    if isinstance(value, date) and not isinstance(value, datetime):
        f.fail("date", f"{value} has no time and time zone; write e.g. {value}T08:00:00+02:00")
        return None
    if not isinstance(value, datetime):
        f.fail("date", f"expected an ISO 8601 date-time, found {describe(value)}")
        return None
    if value.tzinfo is None:
        f.fail("date", f"{value.isoformat()} has no time zone; add one, e.g. +02:00 or Z")
        return None
    if value.year < EARLIEST_YEAR:
        f.fail("date", f"{value.isoformat()}: the year {value.year} is before {EARLIEST_YEAR}")
        return None
    return value


def _read_guid(f: Fields) -> str | None:
    if "guid" not in f.data:
        return None  # given at first publish and then never changed
    value = f.data["guid"]
    # One line: a UUID for podpub's own, anything a feed carried for an imported one (GUIDs are
    # case-sensitive strings, and some hand-written feeds put spaces in them).
    if not isinstance(value, str) or not value.strip() or len(value.strip().splitlines()) != 1:
        f.fail("guid", f"expected one line of text such as a UUID, found {describe(value)}")
        return None
    return value.strip()


def _read_audio(f: Fields, folder: Path) -> Path | None:
    """The source recording: the `audio` field, else the one audio file in the folder."""
    if "audio" in f.data:
        return _read_file(f, folder, "audio")
    candidates = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)
    if len(candidates) != 1 or not _inside(folder, candidates[0], f, "audio"):
        return None
    return candidates[0]


def _read_file(f: Fields, folder: Path, key: str) -> Path | None:
    name = f.text(key)
    if name is None:
        return None
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        f.fail(key, f"{name!r} points outside the episode folder")
        return None
    return path


def check_unique(episodes: list[Episode], problems: Problems) -> None:
    """GUIDs and episode numbers identify episodes in listeners' apps: no two may share one."""
    identities: dict[str, Callable[[Episode], object]] = {
        "guid": lambda ep: ep.guid,
        "number": lambda ep: (ep.season, ep.number) if ep.number else None,
    }
    for field, identity in identities.items():
        counts = Counter(identity(ep) for ep in episodes)
        for ep in episodes:
            if identity(ep) is not None and counts[identity(ep)] > 1:
                others = [o.slug for o in episodes if identity(o) == identity(ep) and o is not ep]
                value = getattr(ep, field)
                problems.add(
                    f"{ep.md_path}: {field}", f"{value!r} is also used by {', '.join(others)}"
                )


def new_guid() -> str:
    return str(uuid.uuid4())


def write_guid(episode: Episode, guid: str) -> None:
    """Record a GUID in the front matter (once, at first publish), keeping the rest of the file."""
    text = episode.md_path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("\n")
    write_atomic(episode.md_path, f"{head}{sep}guid: {guid}\n{rest}".encode())
