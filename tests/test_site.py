"""The show's website as files: what the pages say (read back with lxml, feedparser and json),
how they link, what `check` refuses in [site], and how publishing stores them. The browser's
view of the same site is in test_site_browser.py."""

from __future__ import annotations

import calendar
import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
from lxml import etree, html

from podpub.site.text import STRINGS
from tests.browser import copy_show
from tests.conftest import REPO, edit, podpub, snapshot

VOUS = "2012-04-26-vous"
ISOLEMENT = "2012-04-25-isolement"
TEMPLATES = REPO / "src" / "podpub" / "site" / "templates"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, render_cache: Path) -> Path:
    """The demo show published (its renders from the run's cache): public/ holds the site."""
    show = copy_show(REPO, tmp_path_factory.mktemp("site") / "show")
    shutil.copytree(render_cache, show / ".podpub" / "build" / "render")
    code, _, err = podpub(show, "publish")
    assert code == 0, err
    return show


def build(show: Path, *args: str) -> Path:
    """`podpub site --output` into the show's folder `out`."""
    out = show / "out"
    code, _, err = podpub(show, "site", "--output", str(out), *args)
    assert code == 0, err
    return out


def page(folder: Path, key: str) -> html.HtmlElement:
    return html.fromstring((folder / key).read_bytes())


def json_ld(doc: html.HtmlElement) -> dict[str, object]:
    (script,) = doc.xpath('//script[@type="application/ld+json"]')
    data: dict[str, object] = json.loads(script.text)
    return data


def meta(doc: html.HtmlElement, name: str) -> str:
    (value,) = doc.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content')
    return str(value)


def test_the_site_rebuilds_byte_identically_without_audio_or_ffmpeg(
    published: Path, tmp_path: Path
) -> None:
    clean = tmp_path / "clean"
    shutil.copytree(published, clean, ignore=shutil.ignore_patterns("public", ".podpub", "*.flac"))
    env = {"PODPUB_FFMPEG": str(tmp_path / "no-ffmpeg-here"), "PATH": "/nonexistent"}
    code, out, err = podpub(clean, "site", "--output", str(tmp_path / "site"), "--json", env=env)
    assert code == 0, err
    built = snapshot(tmp_path / "site")
    stored = snapshot(published / "public")
    assert len(built) == len(json.loads(out)["files"]) >= 13
    assert {key: stored.get(key) for key in built} == built  # every file, the same bytes
    assert "index.html" in built and f"episodes/{VOUS}/index.html" in built


def iso_seconds(duration: str) -> float:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", duration)
    assert match, duration
    hours, minutes, seconds = (float(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def test_json_ld_and_open_graph_name_the_episode_its_audio_and_the_cover(
    published: Path,
) -> None:
    """Read against the feed, as podcast apps read it (feedparser)."""
    public = published / "public"
    feed = feedparser.parse((public / "feed.xml").read_bytes())
    entries = {e.title: e for e in feed.entries}
    cover = feed.feed.image.href
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    for slug in (VOUS, ISOLEMENT):
        key = f"episodes/{slug}/index.html"
        doc = page(public, key)
        data = json_ld(doc)
        entry = entries[str(data["name"])]
        enclosure = entry.enclosures[0].href
        assert data["@type"] == "PodcastEpisode"
        published_at = datetime.fromisoformat(str(data["datePublished"]))
        assert published_at.timestamp() == calendar.timegm(entry.published_parsed)
        assert abs(iso_seconds(str(data["duration"])) - int(entry.itunes_duration)) <= 0.5
        media = data["associatedMedia"]
        assert isinstance(media, dict) and media["contentUrl"] == enclosure
        series = data["partOfSeries"]
        assert isinstance(series, dict) and series["webFeed"] == self_link
        assert meta(doc, "og:audio") == enclosure and meta(doc, "og:image") == cover
        assert doc.xpath("//audio/@src") == [enclosure]
        canonical = doc.xpath('//link[@rel="canonical"]/@href')[0]
        assert canonical == meta(doc, "og:url") == data["url"]
        assert canonical == "https://podcast.example.org/reseaux/" + key.removesuffix("index.html")
    show = page(public, "index.html")
    data = json_ld(show)
    episodes = data["episode"]
    assert data["@type"] == "PodcastSeries" and isinstance(episodes, list)
    assert {e["name"] for e in episodes} == set(entries)
    assert meta(show, "og:image") == cover
