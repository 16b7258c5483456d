"""One chapter model, read from the episode, written to every place chapters appear."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podpub.errors import Problems
from podpub.show.fields import describe
from podpub.standards.text import first_bad_line, is_http_url, url_problem

TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d{1,3})?)$")
CHAPTERS_FILE = "chapters.txt"  # an Audacity label export, or mp4chaps lines "HH:MM:SS Title"
AUDACITY_LINE = re.compile(r"^(\d+(?:\.\d+)?)\t(\d+(?:\.\d+)?)\t(.*)$")
MP4CHAPS_LINE = re.compile(r"^(\S+)\s+(.*)$")
JSON_CHAPTERS_VERSION = "1.2.0"


@dataclass(frozen=True)
class Chapter:
    start: float  # seconds on the episode's own timeline
    title: str
    url: str | None = None
    image: str | None = None


def parse_time(value: object) -> float | None:
    """Seconds from 'HH:MM:SS(.mmm)', 'MM:SS' or a plain number; None when malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    match = TIME.match(str(value).strip())
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    if int(minutes) >= 60 or float(seconds) >= 60:
        return None
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def format_time(seconds: float) -> str:
    """'HH:MM:SS' (with .mmm only when needed), as show notes and chapter files write it."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{text}.{millis:03d}" if millis else text


def chapters_from_front_matter(
    value: object, where: str, problems: Problems
) -> tuple[Chapter, ...]:
    """Read the `chapters:` list of an episode's front matter."""
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.add(
            f"{where}: chapters", f"expected a list of {{start, title}}, found {describe(value)}"
        )
        return ()
    chapters = []
    for index, item in enumerate(value, start=1):
        chapter = _chapter_from_mapping(item, f"{where}: chapters[{index}]", problems)
        if chapter:
            chapters.append(chapter)
    check_order(chapters, f"{where}: chapters", problems)
    return tuple(chapters)


def _chapter_from_mapping(item: object, where: str, problems: Problems) -> Chapter | None:
    if not isinstance(item, dict):
        problems.add(where, f"expected a mapping with start and title, found {describe(item)}")
        return None
    before = len(problems.items)
    start = parse_time(item.get("start"))
    title = item.get("title")
    if start is None:
        problems.add(
            f"{where}.start", f"{describe(item.get('start'))} is not a time like 00:01:30 or 90"
        )
    if not isinstance(title, str) or not title.strip():
        problems.add(f"{where}.title", "a chapter needs a non-empty title")
    unknown = set(item) - {"start", "title", "url", "image"}
    if unknown:
        problems.add(where, f"unknown keys {sorted(unknown)}; allowed: start, title, url, image")
    url, image = _optional_text(item, "url"), _optional_text(item, "image")
    if url and (problem := url_problem(url)):
        problems.add(f"{where}.url", problem)
    if image and ":" in image and not is_http_url(image):  # a file name has no scheme
        problems.add(f"{where}.image", f"{image!r} is neither an http(s) URL nor a file name")
    if len(problems.items) > before:
        return None
    assert start is not None and isinstance(title, str)
    return Chapter(start, title.strip(), url, image)


def _optional_text(item: dict[str, object], key: str) -> str | None:
    value = item.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def check_order(chapters: list[Chapter], where: str, problems: Problems) -> None:
    """Chapters must be strictly increasing; the first one starts the episode."""
    for before, after in itertools.pairwise(chapters):
        if after.start <= before.start:
            problems.add(
                where,
                f"chapter {after.title!r} at {format_time(after.start)} does not come after "
                f"{before.title!r} at {format_time(before.start)}; list chapters in order",
            )


def episode_chapters(
    front_matter: tuple[Chapter, ...], folder: Path, where: str, problems: Problems
) -> tuple[Chapter, ...]:
    """The one chapter source of an episode: front matter, else chapters.txt (never both)."""
    path = folder / CHAPTERS_FILE
    if not path.is_file():
        return front_matter
    if front_matter:
        problems.warn(where, f"has chapters and so does {path}; the front matter's are used")
        return front_matter
    return chapters_from_file(path, problems)


def chapters_from_file(path: Path, problems: Problems) -> tuple[Chapter, ...]:
    """Audacity labels (start<TAB>end<TAB>title, seconds) or mp4chaps (HH:MM:SS.mmm Title)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(path, f"cannot be read as UTF-8 text: {exc}")
        return ()
    if bad := first_bad_line(text):
        problems.add(
            f"{path}:{bad[0]}", f"contains the character {bad[1]}, which no feed can carry"
        )
        return ()
    lines = text.splitlines()
    numbered = [(n, line.strip("\r")) for n, line in enumerate(lines, 1) if line.strip()]
    audacity = bool(numbered) and AUDACITY_LINE.match(numbered[0][1]) is not None
    chapters = []
    for number, line in numbered:
        if audacity and line.startswith("\\"):
            continue  # Audacity's spectral-selection continuation lines
        chapter = _parse_line(line, audacity, f"{path}:{number}", problems)
        if chapter:
            chapters.append(chapter)
    check_order(chapters, str(path), problems)
    return tuple(chapters)


def _parse_line(line: str, audacity: bool, where: str, problems: Problems) -> Chapter | None:
    match = (AUDACITY_LINE if audacity else MP4CHAPS_LINE).match(line)
    if match is None:
        form = "start<TAB>end<TAB>title" if audacity else "HH:MM:SS(.mmm) Title"
        problems.add(where, f"{line!r} is not a chapter line ({form})")
        return None
    start = float(match[1]) if audacity else parse_time(match[1])
    title = (match[3] if audacity else match[2]).strip()
    if start is None:
        problems.add(where, f"{match[1]!r} is not a time like 00:01:30 or 00:01:30.500")
        return None
    if not title:
        problems.add(where, "a chapter needs a non-empty title")
        return None
    return Chapter(start, title)


def with_opening_chapter(chapters: tuple[Chapter, ...], title: str) -> tuple[Chapter, ...]:
    """Apps expect chapters to cover the whole episode: one starting at 0 is added if missing."""
    if chapters and chapters[0].start > 0:
        return (Chapter(0.0, title), *chapters)
    return chapters


def check_duration(
    chapters: tuple[Chapter, ...], duration_s: float, where: str, problems: Problems
) -> None:
    for chapter in chapters:
        if chapter.start >= duration_s:
            problems.add(
                where,
                f"chapter {chapter.title!r} starts at {format_time(chapter.start)}, at or after "
                f"the end of the audio ({format_time(duration_s)})",
            )


def shifted(chapters: tuple[Chapter, ...], offset_s: float) -> tuple[Chapter, ...]:
    """Chapters moved later by an intro's length; the first still starts at 0 and so takes the
    intro in."""
    if not offset_s:
        return chapters
    return tuple(
        Chapter(c.start + offset_s if i else 0.0, c.title, c.url, c.image)
        for i, c in enumerate(chapters)
    )


def chapters_json(chapters: tuple[Chapter, ...], image_url: Callable[[str], str]) -> bytes:
    """Podcasting 2.0 JSON chapters (version 1.2), deterministic bytes."""
    items = []
    for chapter in chapters:
        item: dict[str, object] = {"startTime": round(chapter.start, 3), "title": chapter.title}
        if chapter.url:
            item["url"] = chapter.url
        if chapter.image:
            item["img"] = image_url(chapter.image)
        items.append(item)
    document = {"version": JSON_CHAPTERS_VERSION, "chapters": items}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
