"""The Podcasting 2.0 and Podlove parts of a foreign item: chapters (psc:chapters inline, or a
podcast:chapters JSON file), persons, soundbites and transcripts, checked as podpub checks its
own, so that what is imported passes `podpub check`."""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from podpub.importing.fetch import resolve
from podpub.importing.report import ImportReport
from podpub.importing.values import squash
from podpub.show.chapters import format_time, parse_time
from podpub.show.records import LinkedTranscript
from podpub.standards.namespaces import PODCAST, PSC
from podpub.standards.text import is_http_url

PERSON_LINKS = ("href", "img")
MAX_SOUNDBITE_S = 300


def chapters(element: etree._Element, where: str, report: ImportReport) -> dict[str, Any]:
    """Podlove Simple Chapters → the front matter's `chapters:` list."""
    found = []
    for node in element.iterfind(f"{PSC}chapters/{PSC}chapter"):
        start, title = parse_time(squash(node.get("start"))), squash(node.get("title"))
        if start is None or not title:
            report.decide(
                where, "psc:chapter", f"start {node.get('start')!r}, title {title!r}: left out"
            )
            continue
        found.append(_chapter(start, title, node.get("href"), node.get("image")))
    return {"chapters": _in_order(found, where, report)} if found else {}


def chapters_from_json(
    data: bytes, url: str, where: str, report: ImportReport
) -> list[dict[str, Any]]:
    """A Podcasting 2.0 JSON chapters file → the front matter's `chapters:` list."""
    try:
        listed = json.loads(data)["chapters"]
        assert isinstance(listed, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        report.decide(where, "podcast:chapters", f"{url} is not a JSON chapters file; left linked")
        return []
    found = []
    for entry in listed:
        if not isinstance(entry, dict) or entry.get("toc") is False:
            continue  # chapters hidden from the table of contents stay out of podpub's
        start, title = parse_time(entry.get("startTime")), squash(str(entry.get("title") or ""))
        if start is not None and title:
            found.append(_chapter(start, title, entry.get("url"), entry.get("img")))
    return _in_order(found, where, report)


def _chapter(start: float, title: str, url: object, image: object) -> dict[str, Any]:
    chapter: dict[str, Any] = {"start": format_time(start), "title": title}
    for key, value in (("url", url), ("image", image)):
        if isinstance(value, str) and is_http_url(value.strip()):
            chapter[key] = value.strip()
    return chapter


def _in_order(
    found: list[dict[str, Any]], where: str, report: ImportReport
) -> list[dict[str, Any]]:
    """Chapters sorted by start, one per start time (podpub refuses chapters out of order)."""
    kept: dict[float, dict[str, Any]] = {}
    for chapter in found:
        kept.setdefault(parse_time(chapter["start"]) or 0.0, chapter)
    if len(kept) < len(found) or list(kept) != sorted(kept):
        report.decide(where, "chapters", "out of order or sharing a start: sorted, one per start")
    return [kept[start] for start in sorted(kept)]


def persons(element: etree._Element, where: str, report: ImportReport) -> dict[str, Any]:
    found = [
        p for node in element.iterfind(f"{PODCAST}person") if (p := person(node, where, report))
    ]
    return {"persons": found} if found else {}


def person(node: etree._Element, where: str, report: ImportReport) -> dict[str, str] | None:
    name = squash(node.text)
    if not name:
        report.decide(where, "podcast:person", "has no name; left out")
        return None
    entry = {"name": name}
    for key in ("role", "group"):
        if squash(node.get(key)):
            entry[key] = squash(node.get(key)).lower()
    for key in PERSON_LINKS:
        link = squash(node.get(key))
        if link and is_http_url(link):
            entry[key] = link
        elif link:
            report.decide(
                where, f"podcast:person {key}", f"{link!r} is not an http(s) URL; left out"
            )
    return entry


def soundbites(element: etree._Element, where: str, report: ImportReport) -> dict[str, Any]:
    found = []
    for node in element.iterfind(f"{PODCAST}soundbite"):
        start, duration = _seconds(node.get("startTime")), _seconds(node.get("duration"))
        if start is None or duration is None or not 0 < duration <= MAX_SOUNDBITE_S:
            report.decide(
                where,
                "podcast:soundbite",
                f"start {node.get('startTime')!r}, "
                f"duration {node.get('duration')!r}: left out (0 to 300 s)",
            )
            continue
        entry: dict[str, Any] = {"start": start, "duration": duration}
        if squash(node.text):
            entry["title"] = squash(node.text)
        found.append(entry)
    return {"soundbites": found} if found else {}


def _seconds(text: str | None) -> float | None:
    try:
        value = float(squash(text))
    except ValueError:
        return None
    return value if value >= 0 else None


def transcripts(
    element: etree._Element, page: str, where: str, report: ImportReport
) -> tuple[LinkedTranscript, ...]:
    found = []
    for node in element.iterfind(f"{PODCAST}transcript"):
        url, kind = resolve(page, node.get("url") or ""), squash(node.get("type"))
        if not is_http_url(url) or not kind:
            report.decide(where, "podcast:transcript", f"url {url!r}, type {kind!r}: left out")
            continue
        language, rel = squash(node.get("language")) or None, squash(node.get("rel")) or None
        found.append(LinkedTranscript(url, kind, language, rel))
    return tuple(found)
