"""The feed's Podcasting 2.0 and Apple tags, read by feedparser and podcastparser and checked
against podcast.xsd with xmlschema (independent of the lxml-based linter); paging, scheduling,
and the podcast:guid kept in podcast.toml."""

from __future__ import annotations

import io
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import podcastparser
import xmlschema
from click.testing import CliRunner
from lxml import etree
from lxml import html as lxml_html
from PIL import Image

from podpub.cli import main
from podpub.feed.build import hex_references
from podpub.feed.lint import Finding, Remote, lint_feed
from podpub.feed.lint_tags import patched_podcast_xsd
from podpub.publishing.pipeline import publish, show_feed
from podpub.publishing.state import load_show
from podpub.show.episodes import load_episodes
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


PSC = "{http://podlove.org/simple-chapters}"
ATOM = "{http://www.w3.org/2005/Atom}"


def test_podcastparser_returns_the_chapters_from_the_feed_itself() -> None:
    """gPodder reads Podlove Simple Chapters inline, not the podcast:chapters file."""
    config = load_show(REPO / "podcast.toml")
    episodes, _ = load_episodes(config.episodes_dir)
    by_title = {e.title: e for e in episodes}
    parsed = podcastparser.parse("feed.xml", io.BytesIO(render_feed(config)))
    assert len(parsed["episodes"]) == 2
    for episode in parsed["episodes"]:
        source = by_title[episode["title"]].chapters
        assert source  # the demo episodes have chapters
        assert episode["chapters"] == [{"start": int(c.start), "title": c.title} for c in source]


def test_inline_chapters_and_the_json_file_say_the_same(cached_show: Path) -> None:
    folder = cached_show / "episodes" / VOUS
    Image.new("RGB", (800, 800), (200, 40, 40)).save(folder / "coeur.jpg", "JPEG")
    md = folder / "episode.md"
    edit(
        md,
        '    title: "Le futile et l’essentiel"\n',
        '    title: "Le futile & l’essentiel"\n    url: "https://fr.wikipedia.org/wiki/Futilit%C3%A9"\n',
    )
    edit(
        md,
        '    title: "L’humain au cœur de la relation"\n',
        '    title: "L’humain au cœur de la relation"\n    image: coeur.jpg\n',
    )
    assert (
        CliRunner()
        .invoke(main, ["--config", str(cached_show / "podcast.toml"), "publish"])
        .exit_code
        == 0
    )
    public = cached_show / "public"
    root = etree.fromstring((public / "feed.xml").read_bytes())
    item = next(i for i in root.iter("item") if "VOUS" in (i.findtext("title") or ""))
    json_url = item.find(f"{PODCAST}chapters").get("url")
    (json_file,) = public.glob(f"{VOUS}-chapters-*.chapters.json")
    assert json_url.endswith("/" + json_file.name)
    document = json.loads(json_file.read_text(encoding="utf-8"))
    from_json = [
        (c["startTime"], c["title"], c.get("url"), c.get("img")) for c in document["chapters"]
    ]
    inline = item.find(f"{PSC}chapters")
    assert inline.get("version") == "1.2"
    from_psc = [
        (_seconds(c.get("start")), c.get("title"), c.get("href"), c.get("image"))
        for c in inline.findall(f"{PSC}chapter")
    ]
    assert from_psc == from_json and len(from_psc) == 3
    image = from_psc[2][3]
    assert (public / image.rsplit("/", 1)[1]).is_file()  # the picture is stored where it points
    cover = Remote(content=lambda url: (REPO / "cover.jpg").read_bytes())
    assert lint_feed((public / "feed.xml").read_bytes(), cover) == []


def _seconds(npt: str) -> float:
    hours, minutes, seconds = npt.split(":")
    return round(int(hours) * 3600 + int(minutes) * 60 + float(seconds), 3)


def test_each_page_names_itself_in_its_self_link(cached_show: Path) -> None:
    edit(
        cached_show / "podcast.toml",
        "chapters_in_notes = true",
        "chapters_in_notes = true\nlimit = 1",
    )
    pages = show_feed(load_show(cached_show / "podcast.toml"))
    base = "https://podcast.example.org/reseaux/"
    assert [key for key, _ in pages] == ["feed.xml", "feed-2.xml"]
    for key, xml in pages:
        selves = etree.fromstring(xml).findall(f"channel/{ATOM}link[@rel='self']")
        assert [link.get("href") for link in selves] == [base + key]
        assert not [f for f in lint_feed(xml, location=base + key) if "self" in f.text]
    wrong = lint_feed(pages[1][1], location=base + "feed.xml")  # the check is live
    assert (
        Finding(
            "warning",
            "channel/atom:link",
            f"self link {base}feed-2.xml is not this page ({base}feed.xml)",
        )
        in wrong
    )


def test_a_season_has_a_name_only_when_the_host_gives_one(show: Path) -> None:
    edit(show / "episodes" / VOUS / "episode.md", "number: 26\n", "number: 26\nseason: 2\n")
    edit(show / "episodes" / ISOLEMENT / "episode.md", "number: 25\n", "number: 25\nseason: 1\n")
    with (show / "podcast.toml").open("a", encoding="utf-8") as config:
        config.write('\n[podcast.seasons]\n1 = "Les débuts"\n')
    feed = render_feed(load_show(show / "podcast.toml"))
    root = etree.fromstring(feed)
    seasons = {
        i.findtext("guid"): (i.find(f"{PODCAST}season").text, i.find(f"{PODCAST}season").attrib)
        for i in root.iter("item")
    }
    assert seasons["8b1d5e43-2c9f-4f0a-b6d3-26a04c2e2012"] == ("2", {})
    assert seasons["3f6c2a0e-8d1b-4c57-9a7e-25a04b1e2012"] == ("1", {"name": "Les débuts"})
    patched = xmlschema.XMLSchema(_patched_schema_folder(show.parent) / "podcast-wrapper.xsd")
    upstream = xmlschema.XMLSchema(str(SCHEMAS / "podcast-wrapper.xsd"))
    for element in root.iter(f"{PODCAST}season"):
        patched.validate(etree.tostring(element).decode())
    nameless = etree.tostring(next(e for e in root.iter(f"{PODCAST}season") if not e.attrib))
    assert not upstream.is_valid(nameless.decode())  # why the shipped XSD is patched in use
    assert [f for f in lint_feed(feed) if f.level == "error"] == []


def _patched_schema_folder(tmp: Path) -> Path:
    folder = tmp / "schemas"
    folder.mkdir(exist_ok=True)
    shutil.copy(SCHEMAS / "podcast-wrapper.xsd", folder)
    (folder / "podcast.xsd").write_bytes(patched_podcast_xsd())
    return folder


def test_plain_text_carries_ampersands_and_angle_brackets_as_hex_references(show: Path) -> None:
    title = "Questions & réponses : <live> & R&D > 2"
    md = show / "episodes" / VOUS / "episode.md"
    edit(md, 'title: "Essentiel dans les réseaux sociaux : VOUS !"', f'title: "{title}"')
    edit(md, 'summary: "Le futile', 'summary: "R&D <b> pas du HTML. Le futile')
    feed = render_feed(load_show(show / "podcast.toml"))
    outside_cdata = re.sub(rb"<!\[CDATA\[.*?\]\]>", b"", feed, flags=re.S)
    assert b"&amp;" not in outside_cdata and b"&lt;" not in outside_cdata
    assert "<title>Questions &#x26; réponses : &#x3C;live&#x3E;".encode() in feed
    entry = feedparser.parse(feed).entries[0]
    assert entry.title == title
    assert podcastparser.parse("f", io.BytesIO(feed))["episodes"][0]["title"] == title
    # the item description is HTML in RSS 2.0: the plain summary, escaped, shows as written
    assert lxml_html.fromstring(entry.summary).text_content().startswith("R&D <b> pas du HTML.")
    assert [f for f in lint_feed(feed) if "HTML" in f.text] == []


def test_hex_references_change_no_character_of_the_document() -> None:
    feed = bytes(render_feed(load_show(REPO / "podcast.toml")))
    edited = feed.replace(b"<title>R", b"<title>R &amp; D &lt;3 &gt; ").replace(
        b"Introduction", b"Intro &amp; &lt;tout&gt;"
    )
    again = hex_references(edited)
    assert again != edited
    canonical = [etree.tostring(etree.fromstring(x), method="c14n") for x in (edited, again)]
    assert canonical[0] == canonical[1]
