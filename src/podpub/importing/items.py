"""One foreign item → one podpub episode: its front matter, notes and the record that lists it
as published with its files where they are. Each fix of a messy item is a decision in the
report, taken as podcast apps take it (gPodder's podcastparser is the reference)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from podpub.importing.extras import chapters, persons, soundbites, transcripts
from podpub.importing.fetch import content_length, resolve
from podpub.importing.notes import notes_markdown
from podpub.importing.report import ImportReport, item_name
from podpub.importing.values import (
    file_name,
    has_markup,
    media_type,
    parse_date,
    parse_duration,
    parse_flag,
    parse_number,
    squash,
    strip_tags,
)
from podpub.show.records import Record
from podpub.standards.apple import EPISODE_TYPES
from podpub.standards.namespaces import CONTENT_NS, ITUNES, PODCAST, PSC
from podpub.standards.text import is_http_url

KNOWN = {
    "guid", "title", "link", "pubDate", "description", "enclosure", f"{{{CONTENT_NS}}}encoded",
    f"{ITUNES}title", f"{ITUNES}summary", f"{ITUNES}subtitle", f"{ITUNES}duration",
    f"{ITUNES}episode", f"{ITUNES}season", f"{ITUNES}episodeType", f"{ITUNES}explicit",
    f"{ITUNES}image", f"{ITUNES}author", f"{ITUNES}keywords", f"{PODCAST}season",
    f"{PODCAST}episode", f"{PODCAST}chapters", f"{PODCAST}transcript", f"{PODCAST}person",
    f"{PODCAST}soundbite", f"{PSC}chapters", "author", "category", "comments",
}  # fmt: skip


@dataclass
class Item:
    """An item read: what episode.md and published.json will say, and what --download takes."""

    guid: str
    title: str
    date: datetime
    front: dict[str, Any]  # the front matter, in episode.md's order
    notes: str
    record: Record
    downloads: dict[str, str] = field(default_factory=dict)  # audio, image, chapters, transcript
    season_name: str | None = None
    where: str = ""  # "item 3 'Its title'", for the report

    @property
    def slug_text(self) -> str:
        return strip_tags(self.title)


def read_item(
    element: etree._Element, index: int, page: str, fallback_date: datetime, report: ImportReport
) -> Item | None:
    """The item as an episode, or None (recorded as skipped) when it has no audio."""
    title = _title(element)
    where = item_name(index, title or "(untitled)")
    enclosure = _enclosure(element, page, where, report)
    if enclosure is None:
        return None
    url, length, kind = enclosure
    if not title:
        title = file_name(url) or url
        report.decide(where, "title", f"missing; named after its file, {title!r}")
    elif has_markup(title):
        report.decide(where, "title", "holds HTML markup: kept as written (apps show it as text)")
    guid, permalink = _guid(element, url, where, report)
    date = _date(element, fallback_date, where, report)
    duration = parse_duration(element.findtext(f"{ITUNES}duration"))
    if element.find(f"{ITUNES}duration") is not None and duration is None:
        text = element.findtext(f"{ITUNES}duration")
        report.decide(where, "itunes:duration", f"{text!r} is not a duration; left out")
    _count_unknown(element, report)
    record = _record(guid, permalink, date, url, length, kind)
    item = Item(guid, title, date, {}, "", record, where=item_name(index, title))
    item.record = _linked(element, page, item.record, item, where, report)
    item.front = _front_matter(element, page, item, where, report)
    item.notes, item.front["summary"] = _notes(element, page, item.front.get("link"))
    if duration:
        item.record = _with(item.record, duration_s=float(duration))
    item.downloads["audio"] = url
    return item


def _title(element: etree._Element) -> str:
    return squash(element.findtext("title")) or squash(element.findtext(f"{ITUNES}title"))


def _enclosure(
    element: etree._Element, page: str, where: str, report: ImportReport
) -> tuple[str, int, str] | None:
    """(URL, length, type) of the item's audio: its first enclosure with a URL."""
    found = [e for e in element.iterfind("enclosure") if (e.get("url") or "").strip()]
    if not found:
        empty = element.find("enclosure") is not None
        report.skip(where, "enclosure", "empty enclosure: no audio" if empty else "no audio")
        return None
    enclosure = found[0]
    if len(found) > 1:
        report.decide(where, "enclosure", f"{len(found)} enclosures; the first is kept, as apps do")
    url = resolve(page, enclosure.get("url") or "")
    if not is_http_url(url):
        report.skip(where, "enclosure", f"{url!r} is not an http(s) URL apps can download")
        return None
    if url != (enclosure.get("url") or "").strip():
        report.decide(where, "enclosure", f"relative URL resolved to {url}")
    kind = media_type(enclosure.get("type") or "", url)
    declared = (enclosure.get("type") or "").strip()
    if kind != declared.lower():
        said = f"type {declared!r}" if declared else "no type"
        report.decide(where, "enclosure", f"{said}; read as {kind!r} from its file name")
    return url, _length(enclosure.get("length"), url, where, report), kind


def _length(text: str | None, url: str, where: str, report: ImportReport) -> int:
    value = squash(text)
    if value.isdigit() and int(value) > 0:
        return int(value)
    size = content_length(url)
    if size:
        report.decide(where, "enclosure", f"length {text!r}; the server says {size} bytes")
        return size
    report.decide(
        where,
        "enclosure",
        f"length {text!r} and no size from the server: lint refuses 0, so re-run the import "
        "when the audio answers, or import with --download",
    )
    return 0


def _guid(element: etree._Element, url: str, where: str, report: ImportReport) -> tuple[str, bool]:
    """(GUID, isPermaLink). Missing: the enclosure URL, which Apple and podcast apps keyed the
    item on; isPermaLink absent means true, as RSS 2.0 says (and podcastparser reads it)."""
    node = element.find("guid")
    guid = squash(node.text if node is not None else "")
    if not guid:
        report.decide(
            where, "guid", f"missing; the enclosure URL is its GUID, as apps keyed it: {url}"
        )
        return url, False
    declared = (node.get("isPermaLink") or "").strip().lower() if node is not None else ""
    return guid, declared != "false"


def _date(
    element: etree._Element, fallback: datetime, where: str, report: ImportReport
) -> datetime:
    text = element.findtext("pubDate") or ""
    found, note = parse_date(text)
    if found is None:
        why = f"{squash(text)!r} is not a date" if squash(text) else "missing"
        report.decide(where, "pubDate", f"{why}; dated {fallback.isoformat()} (the channel's date)")
        return fallback
    if note:
        report.decide(where, "pubDate", note)
    if found.year < 1900:
        report.decide(where, "pubDate", f"year {found.year}; dated {fallback.isoformat()}")
        return fallback
    return found


def _record(guid: str, permalink: bool, date: datetime, url: str, length: int, kind: str) -> Record:
    return Record(
        guid=guid,
        audio_key="",
        audio_bytes=length,
        audio_sha256="",
        audio_type=kind,
        duration_s=0.0,
        render_key="",
        integrated_lufs=0.0,
        true_peak_dbtp=0.0,
        source_lufs=0.0,
        gain_db=0.0,
        published_at=date.astimezone(UTC).isoformat(timespec="seconds"),
        storage="",
        guid_is_permalink=permalink,
        audio_url=url,
    )


def _with(record: Record, **changes: Any) -> Record:
    return Record(**{**record.__dict__, **changes})


def _linked(
    element: etree._Element, page: str, record: Record, item: Item, where: str, report: ImportReport
) -> Record:
    """The item's image, chapters and transcripts, linked where they are."""
    image = _href(element.find(f"{ITUNES}image"), "href", page)
    node = element.find(f"{PODCAST}chapters")
    chapters_url = _href(node, "url", page)
    linked = transcripts(element, page, where, report)
    for key, url in (("image", image), ("chapters", chapters_url)):
        if url:
            item.downloads[key] = url
    for transcript in linked:
        if transcript.type in ("text/vtt", "application/x-subrip", "application/srt"):
            item.downloads.setdefault("transcript", transcript.url)
    return _with(record, image_url=image, chapters_url=chapters_url, transcripts=linked)


def _href(node: etree._Element | None, attribute: str, page: str) -> str | None:
    if node is None:
        return None
    url = resolve(page, node.get(attribute) or "")
    return url if is_http_url(url) else None


def _front_matter(
    element: etree._Element, page: str, item: Item, where: str, report: ImportReport
) -> dict[str, Any]:
    front: dict[str, Any] = {"title": item.title, "date": item.date.isoformat(), "guid": item.guid}
    for key, tags in (("number", ("episode",)), ("season", ("season",))):
        text = element.findtext(f"{ITUNES}{tags[0]}") or element.findtext(f"{PODCAST}{tags[0]}")
        if (value := parse_number(text)) is not None:
            front[key] = value
        elif squash(text):
            report.decide(
                where, f"itunes:{tags[0]}", f"{squash(text)!r} is not a number from 1; left out"
            )
    season = element.find(f"{PODCAST}season")
    if season is not None and squash(season.get("name")):
        item.season_name = squash(season.get("name"))
    kind = squash(element.findtext(f"{ITUNES}episodeType")).lower()
    if kind in EPISODE_TYPES and kind != "full":
        front["type"] = kind
    if (explicit := parse_flag(element.findtext(f"{ITUNES}explicit"))) is not None:
        front["explicit"] = explicit
    link = resolve(page, element.findtext("link") or "")
    if is_http_url(link):
        front["link"] = link
    front.update(chapters(element, where, report))
    front.update(persons(element, where, report))
    front.update(soundbites(element, where, report))
    return front


def _notes(element: etree._Element, page: str, link: str | None) -> tuple[str, str | None]:
    """(notes in Markdown, a summary when the item's description says something else)."""
    content = element.findtext(f"{{{CONTENT_NS}}}encoded") or ""
    description = element.findtext("description") or ""
    summary = element.findtext(f"{ITUNES}summary") or ""
    source = next((t for t in (content, description, summary) if t.strip()), "")
    notes = notes_markdown(source, link or page)
    short = strip_tags(description) if content.strip() else ""
    return notes, short if short and short != strip_tags(content) else None


def _count_unknown(element: etree._Element, report: ImportReport) -> None:
    for child in element:
        if isinstance(child.tag, str) and child.tag not in KNOWN:
            report.not_kept[_prefixed(child)] += 1


def _prefixed(element: etree._Element) -> str:
    qname = etree.QName(element)
    prefix = element.prefix or ""
    return f"{prefix}:{qname.localname}" if prefix else qname.localname
