"""One chapter model, read from the episode, written to every place chapters appear."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from podpub.errors import Problems
from podpub.fields import describe

TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d{1,3})?)$")


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
    if start is None or not isinstance(title, str) or not title.strip() or unknown:
        return None
    return Chapter(start, title.strip(), _optional_text(item, "url"), _optional_text(item, "image"))


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
