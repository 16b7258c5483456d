"""The values of a foreign feed as podcast apps read them: dates in odd RFC 822 variants,
durations as seconds or H:MM:SS, yes/no/clean flags, numbers, media types."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from dateutil import parser as dateparser

from podpub.standards.text import NOT_XML

# Zone names RFC 822 does not know but feeds write (email.utils knows UT, GMT and the US ones).
ZONES = {
    "CET": 1, "CEST": 2, "MET": 1, "MEST": 2, "WET": 0, "WEST": 1, "EET": 2, "EEST": 3,
    "BST": 1, "MSK": 3, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "ACST": 9.5, "AWST": 8,
    "NZST": 12, "NZDT": 13, "HST": -10, "AKST": -9, "AKDT": -8, "EST": -5, "EDT": -4,
    "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "GMT": 0, "UTC": 0,
    "UT": 0, "Z": 0,
}  # fmt: skip
DURATION = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+)(?:[.,]\d+)?$")
MEDIA_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/x-m4a",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/opus",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    ".mov": "video/quicktime",
}
TRUE_WORDS, FALSE_WORDS = {"yes", "true", "explicit"}, {"no", "false", "clean"}


def squash(text: str | None) -> str:
    """Whitespace collapsed, as apps show a title; characters XML cannot carry dropped."""
    return NOT_XML.sub("", re.sub(r"\s+", " ", text or "").strip())


def strip_tags(text: str) -> str:
    return squash(re.sub(r"<[^>]*>", " ", text))


def has_markup(text: str) -> bool:
    return re.search(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^>]*)?/?>", text) is not None


def parse_date(text: str) -> tuple[datetime | None, str | None]:
    """(the date with its offset, a note when the text was not plain RFC 2822)."""
    text = squash(re.sub(r"\([^)]*\)", " ", text))  # "(CEST)" comments
    if not text:
        return None, None
    try:
        found = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        found = None
    if found is not None and found.tzinfo is not None:
        return found, None
    try:
        found = dateparser.parse(text, tzinfos=_zone)
    except (ValueError, OverflowError):
        return None, None
    if found.tzinfo is None:
        return found.replace(tzinfo=UTC), f"{text!r} has no time zone; read as UTC"
    return found, f"{text!r} is not RFC 2822; read as {found.isoformat()}"


def _zone(name: str | None, offset: int | None) -> timezone | int | None:
    hours = ZONES.get((name or "").upper())
    if hours is None:
        return offset
    return timezone(timedelta(hours=hours))


def parse_duration(text: str | None) -> int | None:
    """Whole seconds from '1830', '30:30', '0:30:30' or '1830.5' (fractions dropped, as apps
    do); None for anything else."""
    match = DURATION.match(squash(text))
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    if minutes is None and hours is not None:
        hours, minutes = None, hours  # 'MM:SS'
    total = int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds)
    return total or None


def parse_flag(text: str | None) -> bool | None:
    value = squash(text).lower()
    return True if value in TRUE_WORDS else False if value in FALSE_WORDS else None


def parse_number(text: str | None) -> int | None:
    """A whole number from 1, as itunes:episode and itunes:season must be."""
    value = squash(text)
    return int(value) if value.isdigit() and int(value) > 0 else None


def media_type(declared: str, url: str) -> str:
    """The enclosure's type: the declared one when it is audio or video, else the one its
    file name says."""
    declared = squash(declared).lower()
    if declared.startswith(("audio/", "video/")):
        return declared
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return MEDIA_TYPES.get(suffix, declared)


def file_name(url: str) -> str:
    return PurePosixPath(urlsplit(url).path).name
