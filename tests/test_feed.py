"""The feed's Podcasting 2.0 and Apple tags, read by feedparser and podcastparser and checked
against podcast.xsd with xmlschema (independent of the lxml-based linter); paging, scheduling,
and the podcast:guid kept in podcast.toml."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import podcastparser
import xmlschema
from click.testing import CliRunner
from lxml import etree

from podpub.cli import main
from podpub.publishing.pipeline import publish
from podpub.publishing.state import load_show
from podpub.show.feed_settings import podcast_guid
from tests.conftest import REPO, edit, render_feed

PODCAST = "{https://podcastindex.org/namespace/1.0}"
SCHEMAS = REPO / "src" / "podpub" / "feed" / "schemas"
VOUS, ISOLEMENT = "2012-04-26-vous", "2012-04-25-isolement"


def test_every_podcast_element_validates_against_the_xsd() -> None:
    schema = xmlschema.XMLSchema(str(SCHEMAS / "podcast-wrapper.xsd"))
    declared = {name.split("}")[-1] for name in schema.elements}
    root = etree.fromstring(render_feed(load_show(REPO / "podcast.toml")))
    checked = []
    for element in root.iter(f"{PODCAST}*"):
        name = etree.QName(element).localname
        if name in declared:
            schema.validate(etree.tostring(element).decode())
            checked.append(name)
    assert {"locked", "funding", "person", "chapters", "transcript", "episode"} <= set(checked)


def test_feedparser_reads_the_podcasting_20_tags() -> None:
    parsed = feedparser.parse(render_feed(load_show(REPO / "podcast.toml")))
    assert not parsed.bozo
    feed = parsed.feed
    assert feed.podcast_guid == podcast_guid("https://podcast.example.org/reseaux/feed.xml")
    assert feed.podcast_locked == {"owner": "podcast@example.org"}
    assert feed.podcast_medium == "podcast"
    vous = next(e for e in parsed.entries if "VOUS" in e.title)
    assert vous.id == "8b1d5e43-2c9f-4f0a-b6d3-26a04c2e2012"
    assert vous.itunes_episode == "26"  # (feedparser maps only yes/clean to explicit flags)
    links = etree.fromstring(render_feed(load_show(REPO / "podcast.toml")))
    item = next(i for i in links.iter("item") if "VOUS" in (i.findtext("title") or ""))
    chapters = item.find(f"{PODCAST}chapters")
    transcript = item.find(f"{PODCAST}transcript")
    assert chapters is not None and chapters.get("url", "").endswith(".json")
    assert transcript is not None and transcript.get("type") == "text/vtt"


def test_podcastparser_reads_what_gpodder_shows() -> None:
    """podcastparser knows the podcast: namespace only by its old GitHub URL, so it reads the
    Apple and RSS fields here; feedparser covers the podcast: ones above."""
    parsed = podcastparser.parse(
        "feed.xml", io.BytesIO(render_feed(load_show(REPO / "podcast.toml")))
    )
    assert parsed["title"] == "Réseaux sociaux : l'essentiel"
    assert parsed["cover_url"].endswith(".jpg")
    assert parsed["type"] == "episodic"
    titles = [e["title"] for e in parsed["episodes"]]
    assert titles == [
        "Essentiel dans les réseaux sociaux : VOUS !",
        "Enjeux des réseaux sociaux : l’isolement",
    ]
    for episode in parsed["episodes"]:
        assert episode["explicit"] is False and episode["total_time"] > 20
        assert episode["enclosures"][0]["mime_type"] == "audio/mpeg"


def test_podcast_guid_is_written_once_and_survives_a_feed_url_change(cached_show: Path) -> None:
    config = cached_show / "podcast.toml"
    text = config.read_text()
    config.write_text(re.sub(r"\nguid = .*\n", "\n", text))
    assert CliRunner().invoke(main, ["--config", str(config), "publish"]).exit_code == 0
    expected = podcast_guid("https://podcast.example.org/reseaux/feed.xml")
    assert f'guid = "{expected}"' in config.read_text()
    edit(
        config,
        'public_base_url = "https://podcast.example.org/reseaux/"',
        'public_base_url = "https://cdn.example.net/show/"',
    )
    feed = render_feed(load_show(config))
    assert f"<podcast:guid>{expected}</podcast:guid>".encode() in feed


def test_paging_splits_the_feed_with_rfc_5005_links(cached_show: Path) -> None:
    config = cached_show / "podcast.toml"
    edit(config, "chapters_in_notes = true", "chapters_in_notes = true\nlimit = 1")
    result = CliRunner().invoke(main, ["--config", str(config), "publish"])
    assert result.exit_code == 0, result.stderr
    public = cached_show / "public"
    first, second = (public / "feed.xml").read_bytes(), (public / "feed-2.xml").read_bytes()
    assert b"fh:complete" not in first + second
    links = {
        name: {
            link.get("rel"): link.get("href")
            for link in etree.fromstring(page).iter("{http://www.w3.org/2005/Atom}link")
            if link.get("rel") != "self"
        }
        for name, page in (("first", first), ("second", second))
    }
    base = "https://podcast.example.org/reseaux/"
    assert links["first"] == {
        "first": base + "feed.xml",
        "last": base + "feed-2.xml",
        "next": base + "feed-2.xml",
    }
    assert links["second"] == {
        "first": base + "feed.xml",
        "last": base + "feed-2.xml",
        "previous": base + "feed.xml",
    }
    assert [e.title for e in feedparser.parse(first).entries] == [
        "Essentiel dans les réseaux sociaux : VOUS !"
    ]
    assert [e.title for e in feedparser.parse(second).entries] == [
        "Enjeux des réseaux sociaux : l’isolement"
    ]


def test_a_complete_feed_says_so() -> None:
    assert b"<fh:complete/>" in render_feed(load_show(REPO / "podcast.toml"))


def test_scheduled_episodes_wait_for_their_date_then_feed_upload_releases_them(
    cached_show: Path,
) -> None:
    edit(
        cached_show / "episodes" / VOUS / "episode.md",
        "date: 2012-04-26T08:00:00+02:00",
        "date: 2031-01-01T08:00:00+01:00",
    )
    for record in cached_show.glob("episodes/*/published.json"):
        record.unlink()
    config = load_show(cached_show / "podcast.toml")
    publish(config, now=datetime(2030, 12, 31, tzinfo=UTC))
    public = cached_show / "public"
    assert not list(public.glob(f"{VOUS}*")) and list(public.glob(f"{ISOLEMENT}-*.mp3"))
    assert b"VOUS" not in (public / "feed.xml").read_bytes()
    report = publish(config, now=datetime(2031, 1, 2, tzinfo=UTC), only_new=True)
    assert report.episodes == [VOUS] and report.reused == [VOUS]
    assert b"VOUS" in (public / "feed.xml").read_bytes()


def test_the_feed_upload_command_publishes_only_what_is_new(cached_show: Path) -> None:
    config = str(cached_show / "podcast.toml")
    (cached_show / "episodes" / VOUS / "published.json").unlink()  # not yet in storage
    assert CliRunner().invoke(main, ["--config", config, "publish", ISOLEMENT]).exit_code == 0
    result = CliRunner().invoke(main, ["--config", config, "feed", "--upload"])
    assert result.exit_code == 0, result.stderr
    assert "published 1 episode(s)" in result.stderr
    assert b"VOUS" in (cached_show / "public" / "feed.xml").read_bytes()


def test_drafts_stay_out(cached_show: Path) -> None:
    edit(
        cached_show / "episodes" / VOUS / "episode.md", "number: 26\n", "number: 26\ndraft: true\n"
    )
    feed = render_feed(load_show(cached_show / "podcast.toml"))
    assert b"VOUS" not in feed and b"isolement" in feed


def test_serial_shows_list_the_oldest_first(show: Path) -> None:
    edit(show / "podcast.toml", 'type = "episodic"', 'type = "serial"')
    titles = [
        e.title for e in feedparser.parse(render_feed(load_show(show / "podcast.toml"))).entries
    ]
    assert titles[0].startswith("Enjeux")


def test_trailers_persons_and_soundbites(show: Path) -> None:
    md = show / "episodes" / VOUS / "episode.md"
    extra = "persons:\n  - {name: Marie Curie, role: guest}\nsoundbites:\n  - {start: 5.952, duration: 12, title: Le futile}\n"
    edit(md, "type: full\n", "type: trailer\n" + extra)
    root = etree.fromstring(render_feed(load_show(show / "podcast.toml")))
    trailer = root.find(f"channel/{PODCAST}trailer")
    assert trailer is not None and trailer.text == "Essentiel dans les réseaux sociaux : VOUS !"
    assert trailer.get("url", "").endswith(".mp3") and trailer.get("pubdate", "").startswith(
        "Thu, 26 Apr 2012"
    )
    item = next(i for i in root.iter("item") if "VOUS" in (i.findtext("title") or ""))
    person = item.find(f"{PODCAST}person")
    assert person is not None and person.text == "Marie Curie" and person.get("role") == "guest"
    bite = item.find(f"{PODCAST}soundbite")
    assert bite is not None and (bite.get("startTime"), bite.get("duration"), bite.text) == (
        "5.952",
        "12",
        "Le futile",
    )
