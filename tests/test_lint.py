"""`podpub lint`: each rule has a feed that breaks it and the specific finding it must produce."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from PIL import Image

from podpub.cli import main
from podpub.feed.lint import Finding, Remote, lint_feed
from podpub.publishing.state import load_show
from tests.conftest import REPO, podpub, render_feed

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
COVER = (REPO / "cover.jpg").read_bytes()
COVER_KEY = f"cover-{hashlib.sha256(COVER).hexdigest()[:12]}.jpg"  # content-addressed


@pytest.fixture(scope="module")
def demo_feed() -> bytes:
    return render_feed(load_show(REPO / "podcast.toml"))


def local_remote(sizes: dict[str, int] | None = None, image: bytes = COVER) -> Remote:
    """What a reachable server would answer: our cover for images, given sizes for enclosures."""
    return Remote(size=lambda url: (sizes or {}).get(url), content=lambda url: image)


def errors(xml: bytes, remote: Remote | None = None) -> list[str]:
    found = lint_feed(xml, remote or local_remote())
    return [f"{f.where}: {f.text}" for f in found if f.level == "error"]


def edited(feed: bytes, change: Callable[[Any], None]) -> bytes:
    root = etree.fromstring(feed)
    change(root.find("channel"))
    return bytes(etree.tostring(root))


def set_text(path: str, text: str) -> Callable[[Any], None]:
    def change(channel: Any) -> None:
        channel.find(path).text = text

    return change


def remove(path: str) -> Callable[[Any], None]:
    def change(channel: Any) -> None:
        element = channel.find(path)
        element.getparent().remove(element)

    return change


def set_attribute(path: str, name: str, value: str) -> Callable[[Any], None]:
    def change(channel: Any) -> None:
        channel.find(path).set(name, value)

    return change


def drop_attribute(path: str, name: str) -> Callable[[Any], None]:
    def change(channel: Any) -> None:
        del channel.find(path).attrib[name]

    return change


def duplicate_first_item(channel: Any) -> None:
    channel.append(etree.fromstring(etree.tostring(channel.find("item"))))


def test_the_demo_feed_has_no_errors_and_no_warnings(demo_feed: bytes) -> None:
    assert lint_feed(demo_feed, local_remote()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (remove("title"), "channel/title: is missing"),
        (remove("language"), "channel/language: is missing"),
        (set_text("language", "French"), "channel/language: 'French' is not an ISO 639 code"),
        (set_text(f"{ITUNES}explicit", "yes"), "channel/itunes:explicit: 'yes': use true or false"),
        (remove(f"{ITUNES}explicit"), "channel/itunes:explicit: is missing"),
        (
            set_text(f"{ITUNES}type", "daily"),
            "channel/itunes:type: 'daily': use episodic or serial",
        ),
        (remove(f"{ITUNES}owner/{ITUNES}email"), "channel/itunes:owner: has no itunes:email"),
        (
            set_attribute(f"{ITUNES}category", "text", "Technologie"),
            "channel/itunes:category: 'Technologie' is not an Apple Podcasts category; did you mean 'Technology'?",
        ),
        (
            set_attribute(f"{ITUNES}category/{ITUNES}category", "text", "Dating"),
            "channel/itunes:category: 'Dating' is not a subcategory of 'Society & Culture'",
        ),
        (remove(f"{ITUNES}image"), "channel/itunes:image: is missing"),
        (
            set_text("description", "é" * 2001),
            "channel/description: is 4002 bytes; Apple allows 4000",
        ),
        (set_text("item/description", "x" * 4001), "item[1]/description: is 4001 bytes"),
        (remove("item/guid"), "item[1]/guid: is missing"),
        (remove("item/enclosure"), "item[1]/enclosure: is missing"),
        (set_attribute("item/enclosure", "length", "0"), "item[1]/enclosure: length '0'"),
        (
            set_attribute("item/enclosure", "type", "text/html"),
            "item[1]/enclosure: type 'text/html'",
        ),
        (
            set_text("item/pubDate", "26/04/2012"),
            "item[1]/pubDate: '26/04/2012' is not an RFC 2822 date",
        ),
        (
            set_text(f"item/{ITUNES}duration", "long"),
            "item[1]/itunes:duration: 'long': use seconds",
        ),
        (set_text(f"item/{ITUNES}duration", "0"), "item[1]/itunes:duration: '0': use seconds"),
        (set_text(f"item/{ITUNES}episode", "0"), "item[1]/itunes:episode: '0': use a whole number"),
        (set_text(f"item/{ITUNES}episode", "-3"), "item[1]/itunes:episode: '-3'"),
        (set_text(f"item/{ITUNES}episodeType", "teaser"), "item[1]/itunes:episodeType: 'teaser'"),
        (set_text(f"item/{ITUNES}explicit", "clean"), "item[1]/itunes:explicit: 'clean'"),
        (
            duplicate_first_item,
            "item[3]/guid: '8b1d5e43-2c9f-4f0a-b6d3-26a04c2e2012' is used by 2 items",
        ),
        (duplicate_first_item, "item[3]/enclosure: the same URL is used by another item"),
        (remove(f"item/{PODCAST}chapters"), None),  # optional: no error
        (
            drop_attribute(f"item/{PODCAST}chapters", "type"),
            "item[1]/podcast:chapters: violates podcast.xsd",
        ),
        (set_text(f"{PODCAST}locked", "maybe"), "channel/podcast:locked: violates podcast.xsd"),
        (
            set_text(f"item/{PODCAST}episode", "vingt-six"),
            "item[1]/podcast:episode: violates podcast.xsd",
        ),
    ],
)
def test_each_rule_reports_its_element_and_fix(
    demo_feed: bytes, change: Callable[[Any], None], expected: str | None
) -> None:
    found = errors(edited(demo_feed, change))
    if expected is None:
        assert found == []
    else:
        assert any(e.startswith(expected) for e in found), found


def test_serial_shows_need_episode_numbers(demo_feed: bytes) -> None:
    def serial_without_numbers(channel: Any) -> None:
        channel.find(f"{ITUNES}type").text = "serial"
        number = channel.find(f"item/{ITUNES}episode")
        number.getparent().remove(number)

    assert (
        "item[1]/itunes:episode: is missing: a serial show (itunes:type serial) numbers every episode"
        in errors(edited(demo_feed, serial_without_numbers))
    )


def test_an_enclosure_length_that_differs_from_the_file_is_an_error(demo_feed: bytes) -> None:
    root = etree.fromstring(demo_feed)
    url = root.find("channel/item/enclosure").get("url")
    found = errors(demo_feed, local_remote({url: 12345}))
    assert any(f"but {url} has 12345 bytes" in e for e in found), found


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (Image.new("RGB", (1400, 1000)), "is 1400x1000 px; artwork must be square"),
        (Image.new("RGB", (600, 600)), "is 600x600 px"),
        (Image.new("RGB", (6000, 6000)), "is 6000x6000 px"),
        (Image.new("CMYK", (1400, 1400)), "is in CMYK colour mode; save it as RGB"),
    ],
)
def test_artwork_is_checked_on_its_bytes(
    demo_feed: bytes, image: Image.Image, expected: str
) -> None:
    data = io.BytesIO()
    image.save(data, "JPEG")
    found = errors(demo_feed, local_remote(image=data.getvalue()))
    assert any(e.startswith("channel/itunes:image: ") and expected in e for e in found), found


def test_a_png_named_jpg_is_an_error(demo_feed: bytes) -> None:
    data = io.BytesIO()
    Image.new("RGB", (1400, 1400)).save(data, "PNG")
    found = errors(demo_feed, local_remote(image=data.getvalue()))
    assert any("holds PNG data but its name says JPEG; rename or convert it" in e for e in found)


def test_unfetchable_artwork_and_plain_http_are_warnings(demo_feed: bytes) -> None:
    feed = demo_feed.replace(b"https://podcast.example.org", b"http://podcast.example.org")
    found = lint_feed(feed, Remote())
    assert all(f.level == "warning" for f in found)
    assert (
        Finding(
            "warning",
            "channel/itunes:image",
            f"could not fetch http://podcast.example.org/reseaux/{COVER_KEY} to check it",
        )
        in found
    )
    assert any("is not HTTPS" in f.text for f in found)


def test_not_xml_and_not_rss_are_errors() -> None:
    assert errors(b"<rss><channel>")[0].startswith("feed: is not well-formed XML")
    assert errors(b"<feed/>") == ["feed: is not an RSS 2.0 feed (<rss><channel>)"]


def test_the_lint_command_exits_1_with_json_findings(demo_feed: bytes, tmp_path: Path) -> None:
    bad = tmp_path / "feed.xml"
    bad.write_bytes(edited(demo_feed, set_text(f"{ITUNES}explicit", "yes")))
    result = CliRunner().invoke(main, ["lint", str(bad), "--json", "--offline"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert {
        "feed": str(bad),
        "level": "error",
        "where": "channel/itunes:explicit",
        "text": "'yes': use true or false",
    } in report["findings"]


def test_the_lint_command_passes_the_demo_show(live: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(live / "podcast.toml"), "lint"])
    assert result.exit_code == 0, result.stderr


def test_lint_finds_an_enclosure_deleted_from_storage(live: Path) -> None:
    """A feed must never point at a missing file: lint says so, and publish refuses it."""
    (mp3,) = (live / "public").glob("2012-04-25-isolement-*.mp3")
    mp3.unlink()
    result = CliRunner().invoke(main, ["--config", str(live / "podcast.toml"), "lint"])
    assert result.exit_code == 1
    assert f"{mp3.name} is missing: apps cannot download it" in result.stderr
    code, _, err = podpub(live, "publish", "2012-04-26-vous")
    assert code == 1 and "store it again with `podpub publish 2012-04-25-isolement`" in err
    assert podpub(live, "publish")[0] == 0 and mp3.is_file()  # publishing it stores it again


def test_publish_refuses_to_write_a_feed_with_errors(cached_show: Path) -> None:

    config = cached_show / "podcast.toml"
    text = config.read_text()
    start = text.index('description = "') + len('description = "')
    config.write_text(text[:start] + "é" * 2100 + text[start:])
    result = CliRunner().invoke(main, ["--config", str(config), "publish"])
    assert result.exit_code == 1
    assert "podcast.toml: show.description: is 4" in result.stderr
    assert "(feed.xml: channel/description)" in result.stderr
    assert not (cached_show / "public" / "feed.xml").exists()


def test_the_lint_command_fetches_over_http(
    cached_show: Path, http_folder: tuple[Path, str]
) -> None:
    """`podpub lint URL` against a real HTTP server: the feed, its artwork and each enclosure's
    size (HEAD) are fetched from where the feed says they are."""
    served, base = http_folder
    code, _, err = podpub(
        cached_show, "publish", "--storage", f"file://{served}", "--base-url", base
    )
    assert code == 0, err

    def lint() -> tuple[int, list[dict[str, str]]]:
        result = CliRunner().invoke(main, ["lint", base + "feed.xml", "--json"])
        return result.exit_code, json.loads(result.stdout)["findings"]

    code, findings = lint()
    assert code == 0 and {f["level"] for f in findings} == {"warning"}
    assert all("is not HTTPS" in f["text"] for f in findings)  # a local server speaks http

    (mp3,) = served.glob("2012-04-26-vous-*.mp3")
    mp3.write_bytes(mp3.read_bytes()[:-100])
    Image.new("RGB", (600, 600)).save(next(served.glob("cover-*.jpg")), "JPEG")
    code, findings = lint()
    texts = [f["text"] for f in findings if f["level"] == "error"]
    assert code == 1
    assert any(t.endswith(f"but {base}{mp3.name} has {mp3.stat().st_size} bytes") for t in texts)
    assert any("is 600x600 px; allowed: 1400 to 3000 px" in t for t in texts)

    next(served.glob("cover-*.jpg")).unlink()
    code, findings = lint()
    assert any(f["text"].startswith("could not fetch") for f in findings if f["level"] == "warning")


PSC_NS = "http://podlove.org/simple-chapters"
ATOM_NS = "http://www.w3.org/2005/Atom"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"


def inline_chapters(*chapters: dict[str, str], version: str = "1.2") -> Callable[[Any], None]:
    """Replace the first item's psc:chapters with these."""

    def change(channel: Any) -> None:
        item = channel.find("item")
        for old in item.findall(f"{{{PSC_NS}}}chapters"):
            item.remove(old)
        element = etree.SubElement(item, f"{{{PSC_NS}}}chapters", version=version)
        for chapter in chapters:
            etree.SubElement(element, f"{{{PSC_NS}}}chapter", chapter)

    return change


def add(parent: str, tag: str, text: str | None = None, **attributes: str) -> Callable[[Any], None]:
    def change(channel: Any) -> None:
        element = etree.SubElement(
            channel if parent == "channel" else channel.find(parent), tag, attributes
        )
        element.text = text

    return change


def both(*changes: Callable[[Any], None]) -> Callable[[Any], None]:
    def change(channel: Any) -> None:
        for one in changes:
            one(channel)

    return change


def default_alternate(url: str) -> Callable[[Any], None]:
    def change(channel: Any) -> None:
        enclosure = channel.find("item/enclosure")
        alternate = etree.SubElement(
            channel.find("item"),
            f"{{{PODCAST_NS}}}alternateEnclosure",
            type=enclosure.get("type"),
            length=enclosure.get("length"),
            default="true",
        )
        etree.SubElement(alternate, f"{{{PODCAST_NS}}}source", uri=url)

    return change


HUB = f"{{{ATOM_NS}}}link"
FIRST = {"start": "00:00:00", "title": "Début"}
TAG_RULES: list[tuple[str, Callable[[Any], None], str, str]] = [
    (
        "a start that is not a time",
        inline_chapters(FIRST, {"start": "5s", "title": "x"}),
        "error",
        "item[1]/psc:chapters: chapter 2: start '5s': use HH:MM:SS.mmm",
    ),
    (
        "chapters out of order",
        inline_chapters({"start": "00:01:00", "title": "a"}, {"start": "00:00:30.5", "title": "b"}),
        "error",
        "item[1]/psc:chapters: chapter 2 starts at 00:00:30.5, not after the one before",
    ),
    (
        "a chapter without a title",
        inline_chapters(FIRST, {"start": "12.5", "title": " "}),
        "error",
        "item[1]/psc:chapters: chapter 2 has no title",
    ),
    (
        "a chapter link that is not http",
        inline_chapters({**FIRST, "href": "javascript:alert(1)"}),
        "error",
        "item[1]/psc:chapters: chapter 1: href 'javascript:alert(1)' is not a URL",
    ),
    (
        "an unknown chapters version",
        inline_chapters(FIRST, version="2.0"),
        "warning",
        "item[1]/psc:chapters: version '2.0': use 1.2",
    ),
    (
        "podping that is neither true nor false",
        add("channel", f"{{{PODCAST_NS}}}podping", usesPodping="yes"),
        "error",
        "channel/podcast:podping: usesPodping 'yes': use true or false",
    ),
    (
        "podping in an item",
        add("item", f"{{{PODCAST_NS}}}podping", usesPodping="true"),
        "error",
        "item[1]/podcast:podping: belongs in the channel, not in an item",
    ),
    (
        "a hub that is not a URL",
        add("channel", HUB, rel="hub", href="ftp://hub.example.org/"),
        "error",
        "channel/atom:link: hub 'ftp://hub.example.org/' is not an http(s) URL",
    ),
    (
        "a hub listed twice",
        both(
            add("channel", HUB, rel="hub", href="https://h.example/"),
            add("channel", HUB, rel="hub", href="https://h.example/"),
        ),
        "warning",
        "channel/atom:link: hub https://h.example/ is listed twice",
    ),
    (
        "a hub without a self link",
        both(
            remove(f"{{{ATOM_NS}}}link[@rel='self']"),
            add("channel", HUB, rel="hub", href="https://h.example/"),
        ),
        "error",
        "channel/atom:link: hub links need a self link (the topic)",
    ),
    (
        "a default alternate that is not the enclosure",
        default_alternate("https://podcast.example.org/reseaux/autre.mp3"),
        "error",
        "item[1]/podcast:alternateEnclosure: the default one must be the enclosure itself",
    ),
    (
        "HTML in a title",
        set_text("item/title", "Le <b>gras</b>"),
        "warning",
        "item[1]/title: holds HTML (</b>); apps show it as text",
    ),
    (
        "a season name over 128 characters",
        add("item", f"{{{PODCAST_NS}}}season", "2", name="x" * 129),
        "error",
        "item[1]/podcast:season: violates podcast.xsd",
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "level", "expected"), TAG_RULES, ids=[r[0] for r in TAG_RULES]
)
def test_the_new_tags_are_checked(
    demo_feed: bytes, name: str, change: Callable[[Any], None], level: str, expected: str
) -> None:
    found = [
        f"{f.where}: {f.text}"
        for f in lint_feed(edited(demo_feed, change), local_remote())
        if f.level == level
    ]
    assert any(text.startswith(expected) for text in found), found


def test_the_demo_feed_uses_the_new_tags_without_a_finding(demo_feed: bytes) -> None:
    """The control for the rules above: the demo's own psc:chapters and self link pass, and so
    do a season without a name (as the namespace's docs allow), hubs and podping."""
    feed = edited(
        demo_feed,
        both(
            add("item", f"{{{PODCAST_NS}}}season", "2"),
            add("channel", HUB, rel="hub", href="https://pubsubhubbub.appspot.com/"),
            add("channel", f"{{{PODCAST_NS}}}podping", usesPodping="true"),
        ),
    )
    root = etree.fromstring(feed)
    assert root.find(f"channel/item/{{{PSC_NS}}}chapters") is not None
    assert lint_feed(feed, local_remote(), "https://podcast.example.org/reseaux/feed.xml") == []
