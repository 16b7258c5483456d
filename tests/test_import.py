"""`podpub import`: feeds in the styles of Libsyn, Anchor/Spotify, WordPress PowerPress,
Castopod, Podlove (paged) and a messy hand-written one, served over real HTTP on 127.0.0.1,
imported, and turned back into a feed by `podpub feed`. podcastparser and feedparser read both
feeds: every item keeps its GUID, enclosure URL and length, title and date."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from collections import Counter
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import feedparser
import podcastparser
import pytest
from lxml import etree

from tests.conftest import REPO, podpub, snapshot

FEEDS = Path(__file__).parent / "feeds"
STYLES = ["libsyn", "anchor", "powerpress", "castopod", "podlove", "handwritten"]
BASE = "https://new.example.org/show/"


def serve(name: str, served: tuple[Path, str]) -> str:
    """The fixture (and its other pages) in the served folder, artwork URLs pointing at a real
    cover there; its URL."""
    folder, base = served
    shutil.copy(REPO / "cover.jpg", folder / "cover.jpg")
    for page in FEEDS.glob(f"{name}*.xml"):
        text = re.sub(
            r"https://[^\s\"<]+/(cover|art)\.(jpg|png)", f"{base}cover.jpg", page.read_text()
        )
        (folder / page.name).write_text(text)
    return f"{base}{name}.xml"


def import_show(url: str, show: Path, *extra: str) -> dict[str, Any]:
    owner = () if "--owner" in extra else ("--owner", "podcast@bikeshed.example.com")  # PowerPress'
    args = ("import", url, str(show), "--base-url", BASE, "--yes", "--json", *owner, *extra)
    code, out, err = podpub(show, *args)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def by_podcastparser(xml: bytes, url: str) -> dict[str, dict[str, Any]]:
    """podcastparser resolves a GUID that says it is a permalink against the feed's URL: the
    same URL is given for both feeds."""
    found: dict[str, dict[str, Any]] = {}
    for e in podcastparser.parse(url, io.BytesIO(xml))["episodes"]:
        enclosure = e["enclosures"][0] if e["enclosures"] else {}
        found.setdefault(e["guid"], {
            "title": e["title"], "date": e["published"], "url": enclosure.get("url"),
            "length": enclosure.get("file_size"),
        })  # fmt: skip
    return found


def by_feedparser(xml: bytes) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for e in feedparser.parse(xml).entries:
        enclosure = next(
            (link for link in e.get("links", []) if link.get("rel") == "enclosure"), {}
        )
        date = e.get("published_parsed")
        found.setdefault(e.get("id", ""), {
            "title": e.get("title"), "date": time.mktime(date) if date else None,
            "url": enclosure.get("href"), "length": enclosure.get("length"),
        })  # fmt: skip
    return found


@pytest.mark.parametrize("style", STYLES)
def test_the_round_trip_keeps_guid_enclosure_title_and_date(
    style: str, tmp_path: Path, http_folder: tuple[Path, str]
) -> None:
    url = serve(style, http_folder)
    show = tmp_path / "show"
    report = import_show(url, show)
    code, out_feed, err = podpub(show, "feed")
    assert code == 0, err
    output = out_feed.encode()
    pages = [(http_folder[0] / Path(p).name).read_bytes() for p in report["pages"]]
    kept = {e["guid"] for e in report["episodes"]}
    pp_out, fp_out = by_podcastparser(output, url), by_feedparser(output)
    permalinks = {
        g.text: g.get("isPermaLink") == "true" for g in etree.fromstring(output).iter("guid")
    }
    as_pp = {guid: urljoin(url, guid) if permalinks[guid] else guid for guid in kept}
    assert set(pp_out) == set(as_pp.values()) and set(fp_out) == kept
    pp_src: dict[str, dict[str, Any]] = {}
    fp_src: dict[str, dict[str, Any]] = {}
    for page_url, page in zip(report["pages"], pages, strict=True):
        for guid, fields in by_podcastparser(page, page_url).items():
            pp_src.setdefault(guid, fields)
        for guid, fields in by_feedparser(page).items():
            fp_src.setdefault(guid, fields)
    derived = [d for d in report["decisions"] if d["field"] == "guid"]
    compared = 0
    first_titles: dict[str, str] = {}  # in document order (podcastparser sorts by date)
    for page in pages:
        for item in etree.fromstring(page).iter("item"):
            first_titles.setdefault(
                (item.findtext("guid") or "").strip(), item.findtext("title") or ""
            )
    repeated = {
        g
        for g, n in Counter(
            g.text.strip() for p in pages for g in etree.fromstring(p).iter("guid") if g.text
        ).items()
        if n > 1
    }
    out_titles = {
        i.findtext("guid"): i.findtext("title") for i in etree.fromstring(output).iter("item")
    }
    for guid in kept:
        if guid in repeated:  # the first of the items sharing it keeps it
            assert out_titles[guid] == first_titles[guid]
            continue
        if as_pp[guid] not in pp_src:  # a repeated GUID given its enclosure URL: reported
            assert any(guid in d["text"] or "earlier item" in d["text"] for d in derived)
            continue
        compared += 1
        # feedparser has no id for an item without a GUID; podcastparser keys it on its audio
        pairs = [(pp_src[as_pp[guid]], pp_out[as_pp[guid]])]
        pairs += [(fp_src[guid], fp_out[guid])] if guid in fp_src else []
        for src, out in pairs:
            assert out["title"] == src["title"] and out["url"] == src["url"]
            if str(src["length"]).isdigit() and int(src["length"]) > 0:
                assert str(out["length"]) == str(src["length"])
        if guid in fp_src and pairs[0][0]["date"] == fp_src[guid]["date"]:  # both read it
            assert pairs[0][1]["date"] == fp_out[guid]["date"] == pairs[0][0]["date"]
    assert compared >= max(1, len(kept) - len(repeated) - 1)


@pytest.mark.parametrize("style", STYLES)
def test_a_second_import_changes_nothing(
    style: str, tmp_path: Path, http_folder: tuple[Path, str]
) -> None:
    url = serve(style, http_folder)
    show = tmp_path / "show"
    import_show(url, show)
    before = snapshot(show)
    again = import_show(url, show)
    assert snapshot(show) == before
    assert again["config_status"] == "kept"
    assert {e["status"] for e in again["episodes"]} == {"unchanged"}


def test_messy_items_are_handled_and_each_decision_reported(
    tmp_path: Path, http_folder: tuple[Path, str]
) -> None:
    report = import_show(serve("handwritten", http_folder), tmp_path / "show")
    said: dict[tuple[str, str], str] = {}
    for d in report["decisions"]:
        key = (d["where"].split(" '")[0], d["field"])
        said[key] = said.get(key, "") + d["text"] + "\n"
    assert "the enclosure URL is its GUID" in said[("item 1", "guid")]
    assert "relative URL resolved" in said[("item 1", "enclosure")]
    assert "HTML markup" in said[("item 1", "title")]
    assert "read as 2024-03-02T09:30:00+02:00" in said[("item 1", "pubDate")]
    assert "not a duration" in said[("item 3", "itunes:duration")]
    assert "earlier item" in said[("item 6", "guid")]
    skipped = {d["where"].split(" '")[0]: d["text"] for d in report["skipped"]}
    assert skipped.keys() == {"item 4", "item 7", "item 8"}  # duplicate, no audio, empty
    episodes = {e["title"]: e for e in report["episodes"]}
    assert episodes["Episode <b>5</b>: Chisels"]["slug"] == "2024-03-02-episode-5-chisels"
    assert (
        episodes["Episode 2b: Planes, take two"]["guid"]
        == "https://shed.example.net/audio/ep2b.mp3"
    )
    front = (tmp_path / "show/episodes/2024-02-20-episode-4-glue/episode.md").read_text()
    assert "date: '2024-02-20T18:00:00+01:00'" in front  # the offset kept
    record = json.loads(
        (tmp_path / "show/episodes/2024-02-20-episode-4-glue/published.json").read_text()
    )
    assert record["duration_s"] == 3725.0 and record["guid_is_permalink"] is True


def test_notes_become_markdown_with_links_lists_and_no_raw_html(
    tmp_path: Path, http_folder: tuple[Path, str]
) -> None:
    import_show(serve("powerpress", http_folder), tmp_path / "show")
    folder = next((tmp_path / "show/episodes").glob("*truing*"))
    notes = (folder / "episode.md").read_text().split("---\n", 2)[2]
    assert "[Spoke tension chart](https://bikeshed.example.com/spoke-tension/)" in notes
    assert "1. [Spoke tension chart]" in notes and "### Links" in notes
    assert "<" not in notes and "tracking" not in notes  # no raw HTML; scripts dropped


def test_podcasting_20_and_podlove_tags_come_through(
    tmp_path: Path, http_folder: tuple[Path, str]
) -> None:
    show = tmp_path / "show"
    import_show(serve("castopod", http_folder), show)
    feed = etree.fromstring(podpub(show, "feed")[1].encode())
    ns = {
        "podcast": "https://podcastindex.org/namespace/1.0",
        "psc": "http://podlove.org/simple-chapters",
    }
    assert (
        feed.findtext("channel/podcast:guid", namespaces=ns)
        == "7d1e0c1a-3b56-5c8f-9e2d-4a1b2c3d4e5f"
    )
    assert feed.find("channel/podcast:funding", ns).get("url") == "https://liberapay.com/fediverse"
    item = next(
        i for i in feed.iter("item") if i.findtext("title") == "Mastodon instances, explained"
    )
    assert item.find("podcast:season", ns).get("name") == "Beginnings"
    assert item.find("podcast:soundbite", ns).get("startTime") == "73.5"
    transcript = item.find("podcast:transcript", ns)
    assert transcript.get("url").endswith("instances.srt") and transcript.get("language") == "de"
    assert (
        feed.find(
            "channel/itunes:type", {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
        ).text
        == "serial"
    )
    other = tmp_path / "podlove"
    report = import_show(serve("podlove", http_folder), other)
    assert len(report["pages"]) == 2 and len(report["episodes"]) == 2  # the next page followed
    parsed = podcastparser.parse(BASE, io.BytesIO(podpub(other, "feed")[1].encode()))
    chapters = {e["title"]: e.get("chapters") for e in parsed["episodes"]}
    assert [c["title"] for c in chapters["RZ102 Mondlandung"]] == ["Intro", "Begrüßung", "Landung"]
    assert chapters["RZ101 Raketen"][1]["start"] == 3723


def test_a_locked_feed_needs_its_owner(tmp_path: Path, http_folder: tuple[Path, str]) -> None:
    url = serve("powerpress", http_folder)
    code, _, err = podpub(
        tmp_path / "a", "import", url, str(tmp_path / "a"), "--base-url", BASE, "--yes"
    )
    assert (
        code == 1 and "podcast:locked" in err and "--owner" in err and not (tmp_path / "a").exists()
    )
    code, _, err = podpub(
        tmp_path / "a",
        "import",
        url,
        str(tmp_path / "a"),
        "--base-url",
        BASE,
        "--yes",
        "--owner",
        "x@y.org",
    )
    assert code == 1 and "not its owner" in err
    import_show(url, tmp_path / "b", "--owner", "Podcast@BikeShed.example.com")
    assert "locked = true" in (tmp_path / "b/podcast.toml").read_text()


def test_what_is_not_a_feed_is_one_clear_error(
    tmp_path: Path, http_folder: tuple[Path, str]
) -> None:
    folder, base = http_folder
    (folder / "page.html").write_text(
        '<html><head><link rel="alternate" type="application/rss+xml" href="https://x.org/feed"></head></html>'
    )
    (folder / "atom.xml").write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'
    )
    for name, expected in (
        ("page.html", "web page, not a feed; the page links to a feed: https://x.org/feed"),
        ("atom.xml", "is an Atom feed"),
        ("missing.xml", "HTTP 404"),
    ):
        code, _, err = podpub(
            tmp_path, "import", base + name, str(tmp_path / "s"), "--base-url", BASE, "--yes"
        )
        assert code == 1 and expected in err and "Traceback" not in err, err


def test_missing_show_fields_are_a_usage_error_naming_the_flag(tmp_path: Path) -> None:
    feed = tmp_path / "bare.xml"
    feed.write_text(
        '<rss version="2.0"><channel><title>Bare</title><link>https://bare.example.org/</link>'
        "<description>d</description><item><title>One</title><guid>1</guid>"
        "<pubDate>Mon, 05 Feb 2024 08:00:00 GMT</pubDate>"
        '<enclosure url="https://bare.example.org/1.mp3" length="10" type="audio/mpeg"/></item></channel></rss>'
    )
    code, _, err = podpub(
        tmp_path, "import", str(feed), str(tmp_path / "s"), "--base-url", BASE, "--yes"
    )
    assert code == 2 and "--author" in err
    code, _, err = podpub(
        tmp_path,
        "import",
        str(feed),
        str(tmp_path / "s"),
        "--base-url",
        BASE,
        "--yes",
        "--author",
        "A",
        "--email",
        "a@b.org",
        "--language",
        "en",
        "--category",
        "Technology",
    )
    assert code == 0, err
    assert "note: channel: itunes:image: none in the feed" in err


def test_a_feed_that_is_not_well_formed_is_read_leniently(tmp_path: Path) -> None:
    feed = tmp_path / "sloppy.xml"
    text = (
        (FEEDS / "anchor.xml").read_text().replace("<![CDATA[Le ristretto]]>", "Ristretto & lungo")
    )
    feed.write_text(text)
    code, out, err = podpub(
        tmp_path, "import", str(feed), str(tmp_path / "s"), "--base-url", BASE, "--yes", "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert any(d["field"] == "xml" and "not well-formed" in d["text"] for d in report["decisions"])
    assert len(report["episodes"]) == 2


def test_dates_keep_their_offset_in_the_feed(tmp_path: Path, http_folder: tuple[Path, str]) -> None:
    show = tmp_path / "show"
    import_show(serve("libsyn", http_folder), show)
    feed = etree.fromstring(podpub(show, "feed")[1].encode())
    dates = {i.findtext("title"): i.findtext("pubDate") for i in feed.iter("item")}
    trailer = parsedate_to_datetime(dates["Season 2 Trailer"])
    assert trailer.utcoffset() is not None and trailer.utcoffset().total_seconds() == -5 * 3600


def test_records_written_before_import_keep_their_bytes() -> None:
    """The record's new fields stay out of published.json while unset: publishing an existing
    show leaves its committed records byte for byte (and `make demo` leaves git clean)."""
    from podpub.show.records import record_from_json, record_json

    for path in sorted((REPO / "episodes").glob("*/published.json")):
        text = path.read_text(encoding="utf-8")
        assert record_json(record_from_json(text)) == text
