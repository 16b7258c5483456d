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

import yaml

from podpub.artwork import check_image
from podpub.chapters import (
    Chapter,
    chapters_from_front_matter,
    episode_chapters,
    parse_time,
    with_opening_chapter,
)
from podpub.errors import Problems
from podpub.feed_settings import Person, Soundbite, read_persons
from podpub.fields import CONTROL, Fields, describe
from podpub.files import write_atomic
from podpub.transcripts import Transcript, find_transcript

EPISODE_FILE = "episode.md"
# libyaml's safe loader when PyYAML was built with it (10× faster on a 5,000-episode show)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
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


def load_episodes(
    episodes_dir: Path, slugs: tuple[str, ...] = ()
) -> tuple[list[Episode], Problems]:
    """Parse every episode; problems are collected, not raised, so they can be reported together."""
    problems = Problems()
    folders = discover(episodes_dir)
    known = {folder.name for folder in folders}
    for slug in slugs:
        if slug not in known:
            problems.add(
                episodes_dir / slug,
                f"no such episode (expected {episodes_dir / slug / EPISODE_FILE})",
            )
    episodes = [ep for folder in folders if (ep := parse_episode(folder, problems))]
    check_unique(episodes, problems)
    if slugs:
        episodes = [ep for ep in episodes if ep.slug in slugs]
    return episodes, problems


def parse_episode(folder: Path, problems: Problems) -> Episode | None:
    path = folder / EPISODE_FILE
    if not SLUG.match(folder.name):
        problems.add(
            folder, "folder name is not a valid slug: use lowercase ASCII letters, digits and '-'"
        )
        return None
    split = _split_front_matter(path, problems)
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
        "type": f.choice("type", {"full", "trailer", "bonus"}, "full"),
        "explicit": f.boolean("explicit", False) if "explicit" in f.data else None,
        "audio": _read_audio(f, folder),
        "image": _read_file(f, folder, "image"),
        "summary": f.text("summary"),
        "link": f.text("link"),
        "chapters": _read_chapters(f, folder),
        "transcript": find_transcript(folder, f.where, f.problems),
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
        if chapter.image and not is_url(chapter.image):
            where = f"{f.where}: chapters[{index}].image"
            path = (folder / chapter.image).resolve()
            if not path.is_relative_to(folder.resolve()):
                f.problems.add(where, f"{chapter.image!r} points outside the episode folder")
            else:
                check_image(path, where, f.problems)
    title = f.data.get("title")
    return with_opening_chapter(chapters, title if isinstance(title, str) else "")


def is_url(text: str) -> bool:
    return text.startswith(("https://", "http://"))


def _split_front_matter(path: Path, problems: Problems) -> tuple[dict[str, Any], str] | None:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(path, f"is not UTF-8 text (byte {exc.start}); save it as UTF-8")
        return None
    except OSError as exc:
        problems.add(path, f"cannot be read: {exc.strerror}")
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    control = _control_character(text)
    if control:
        problems.add(path, f"{control}, which no feed can carry; remove it")
        return None
    if not text.startswith("---\n") or "\n---" not in text[3:]:
        problems.add(path, "must start with YAML front matter between two '---' lines")
        return None
    header, _, notes = text[4:].partition("\n---")
    notes = notes.partition("\n")[2]
    try:
        meta = yaml.load(header, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 2})" if mark else ""
        problems.add(path, f"front matter is not valid YAML{line}: {getattr(exc, 'problem', exc)}")
        return None
    if not isinstance(meta, dict):
        problems.add(path, f"front matter must be a mapping of fields, found {describe(meta)}")
        return None
    return meta, notes.strip() + "\n"


def _control_character(text: str) -> str | None:
    found = CONTROL.search(text)
    if found is None:
        return None
    line = text.count("\n", 0, found.start()) + 1
    return f"line {line} contains the control character U+{ord(found.group()):04X}"


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
    return value


def _read_guid(f: Fields) -> str | None:
    value = f.data.get("guid")
    if value is None:
        return None  # given at first publish and then never changed
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
        f.fail("guid", f"expected a single token such as a UUID, found {describe(value)}")
        return None
    return value.strip()


def _read_audio(f: Fields, folder: Path) -> Path | None:
    """The source recording: the `audio` field, else the one audio file in the folder."""
    if "audio" in f.data:
        return _read_file(f, folder, "audio")
    candidates = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)
    return candidates[0] if len(candidates) == 1 else None


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
