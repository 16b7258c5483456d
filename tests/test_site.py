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


def html_keys(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.html"))


def relative_targets(key: str, doc: html.HtmlElement) -> list[str]:
    """The keys a page's relative links and sources point at (a folder → its index.html)."""
    found = []
    for _, _, link, _ in doc.iterlinks():
        if urlsplit(link).scheme or link.startswith("#"):
            continue
        path = urlsplit(urljoin(f"http://site/{key}", link)).path.removeprefix("/")
        found.append(path + "index.html" if path.endswith("/") or not path else path)
    return found


@pytest.mark.parametrize("prefix", ["", "site"])
def test_pages_link_to_each_other_relatively_and_every_link_resolves(
    show: Path, prefix: str
) -> None:
    if prefix:
        (show / "podcast.toml").write_text(
            (show / "podcast.toml").read_text() + f'\n[site]\nprefix = "{prefix}"\n'
        )
    out = build(show)
    keys = html_keys(out)
    root = f"{prefix}/" if prefix else ""
    assert f"{root}index.html" in keys and f"{root}404.html" in keys
    assert f"{root}episodes/{VOUS}/embed/index.html" in keys
    for key in keys:
        doc = page(out, key)
        feeds = doc.xpath('//link[@rel="alternate"][@type="application/rss+xml"]/@href')
        assert feeds == ["https://podcast.example.org/reseaux/feed.xml"], key
        targets = relative_targets(key, doc)
        assert [t for t in targets if not (out / t).is_file()] == [], key
        if key.endswith("404.html"):  # served at any address: absolute links only
            assert targets == []
        else:
            assert any(t.endswith(".css") for t in targets), key
    sitemap = etree.fromstring((out / f"{root}sitemap.xml").read_bytes())
    locations = [e.text for e in sitemap.iter("{*}loc")]
    base = f"https://podcast.example.org/reseaux/{root}"
    assert locations == [base, f"{base}episodes/{VOUS}/", f"{base}episodes/{ISOLEMENT}/"]
    robots = (out / f"{root}robots.txt").read_text()
    assert f"Sitemap: {base}sitemap.xml" in robots


def test_oembed_is_advertised_and_offers_the_embed_page(show: Path) -> None:
    out = build(show)
    doc = page(out, f"episodes/{VOUS}/index.html")
    (href,) = doc.xpath('//link[@type="application/json+oembed"]/@href')
    base = "https://podcast.example.org/reseaux/"
    assert href == f"{base}episodes/{VOUS}/oembed.json"
    data = json.loads((out / href.removeprefix(base)).read_text())
    assert data["version"] == "1.0" and data["type"] == "rich"
    frame = html.fromstring(data["html"])
    assert frame.tag == "iframe" and frame.get("src") == f"{base}episodes/{VOUS}/embed/"
    assert int(frame.get("width")) == data["width"] and int(frame.get("height")) == data["height"]
    embed = page(out, f"episodes/{VOUS}/embed/index.html")
    assert embed.xpath('//meta[@name="robots"]/@content') == ["noindex"]
    assert embed.xpath("//audio/@src") == page(out, f"episodes/{VOUS}/index.html").xpath(
        "//audio/@src"
    )


def test_raw_html_in_notes_and_titles_is_shown_as_text(show: Path) -> None:
    md = show / "episodes" / VOUS / "episode.md"
    edit(md, 'title: "Essentiel', 'title: "</script><script>alert(1)</script> Essentiel')
    edit(md, "Dans les réseaux sociaux", "<img src=x onerror=alert(2)> Dans les réseaux sociaux")
    out = build(show)
    text = (out / f"episodes/{VOUS}/index.html").read_text()
    assert "alert(1)</script>" not in text and "<img src=x" not in text
    doc = html.fromstring(text)
    assert len(doc.xpath("//script")) == 2  # the JSON-LD and the player, nothing injected
    assert (
        json_ld(doc)["name"]
        == "</script><script>alert(1)</script> Essentiel dans les réseaux sociaux : VOUS !"
    )
    assert "<img src=x onerror=alert(2)> Dans les réseaux sociaux" in doc.xpath(
        'string(//section[@class="notes"])'
    )


def test_a_serial_show_is_grouped_by_season_and_paged(show: Path) -> None:
    edit(show / "podcast.toml", 'type = "episodic"', 'type = "serial"')
    (show / "podcast.toml").write_text(
        (show / "podcast.toml").read_text() + "\n[site]\nepisodes_per_page = 1\n"
    )
    edit(show / "episodes" / ISOLEMENT / "episode.md", "number: 25", "number: 1\nseason: 1")
    edit(show / "episodes" / VOUS / "episode.md", "number: 26", "number: 1\nseason: 2")
    out = build(show)
    first, second = page(out, "index.html"), page(out, "page/2/index.html")
    assert first.xpath("//main//h3/text()") == ["Saison 2"]
    assert second.xpath("//main//h3/text()") == ["Saison 1"]
    assert first.xpath('//a[@rel="next"]/@href') == ["page/2/"]
    assert second.xpath('//a[@rel="prev"]/@href') == ["../../"]
    assert "Page 2 sur 2" in second.xpath("string(//nav)")
    assert json_ld(page(out, f"episodes/{VOUS}/index.html"))["partOfSeason"] == {
        "@type": "PodcastSeason",
        "seasonNumber": 2,
    }


def test_subscribe_links_show_only_the_apps_set_and_the_interface_follows_the_language(
    show: Path,
) -> None:
    edit(show / "podcast.toml", 'language = "fr"', 'language = "en-GB"')
    (show / "podcast.toml").write_text(
        (show / "podcast.toml").read_text()
        + '\n[site]\ntheme_color = "#8A1538"\ncss = "mine.css"\n'
        + "[site.subscribe]\napple_podcasts = 1234567890\n"
        + 'overcast = "1234567890"\npocket_casts = "https://pca.st/abcd"\n'
    )
    (show / "mine.css").write_text("h1 { letter-spacing: .05em }\n")
    out = build(show)
    doc = page(out, "index.html")
    sheets = doc.xpath("//link[@rel='stylesheet']/@href")
    assert len(sheets) == 2 and (out / sheets[1]).read_bytes() == (show / "mine.css").read_bytes()
    apps = dict(
        zip(
            doc.xpath("//ul[@class='apps']//a/text()"),
            doc.xpath("//ul[@class='apps']//a/@href"),
            strict=True,
        )
    )
    assert apps == {
        "Apple Podcasts": "https://podcasts.apple.com/podcast/id1234567890",
        "Overcast": "https://overcast.fm/itunes1234567890",
        "Pocket Casts": "https://pca.st/abcd",
    }
    assert doc.xpath("//input[@id='feed-url']/@value") == [
        "https://podcast.example.org/reseaux/feed.xml"
    ]
    assert doc.xpath("/html/@lang") == ["en-GB"] and doc.xpath("//h2/text()")[:2] == [
        "Subscribe",
        "Episodes",
    ]
    assert "26 April 2012" in doc.xpath("string(//ul[@class='episodes'])")
    assert doc.xpath("//meta[@name='theme-color']/@content") == ["#8a1538"]


@pytest.mark.parametrize(
    ("setting", "field", "fault"),
    [
        ('theme_colour = "#000000"', "site.theme_colour", "did you mean 'theme_color'?"),
        ('theme_color = "#ffcc00"', "site.theme_color", "WCAG AA"),
        ('theme_color = "blue"', "site.theme_color", "#rrggbb"),
        ('prefix = "../up"', "site.prefix", "not a folder name"),
        ('css = "missing.css"', "site.css", "not found"),
        ("episodes_per_page = 0", "site.episodes_per_page", "at least 1"),
        ("enabled = 1", "site.enabled", "true or false"),
        ('subscribe = { spotify = "not an id" }', "site.subscribe.spotify", "Spotify id"),
        (
            'subscribe = { antennapod = "javascript:alert(1)" }',
            "site.subscribe.antennapod",
            "http(s)",
        ),
        ('subscribe = { stitcher = "https://x.org" }', "site.subscribe.stitcher", "unknown key"),
    ],
)
def test_check_refuses_a_wrong_site_table_naming_file_and_field(
    show: Path, setting: str, field: str, fault: str
) -> None:
    (show / "podcast.toml").write_text(
        (show / "podcast.toml").read_text() + f"\n[site]\n{setting}\n"
    )
    code, _, err = podpub(show, "check")
    assert code == 1 and "Traceback" not in err
    assert f"podcast.toml: {field}:" in err and fault in err, err


def test_templates_use_only_interface_words_both_languages_have() -> None:
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\.(\w+)", template.read_text()))
    assert used and used <= set(STRINGS["en"]) and set(STRINGS["en"]) == set(STRINGS["fr"])
    assert not [word for word in used if hasattr(dict, word)]  # t.copy would be dict.copy


def test_a_page_with_its_css_and_script_weighs_under_50_kb(published: Path) -> None:
    public = published / "public"
    for key in ("index.html", f"episodes/{VOUS}/index.html", f"episodes/{VOUS}/embed/index.html"):
        doc = page(public, key)
        own = [t for t in relative_targets(key, doc) if t.endswith((".css", ".js"))]
        weight = (public / key).stat().st_size + sum((public / t).stat().st_size for t in own)
        assert len(own) == 2 and weight < 50_000, (key, weight)


def test_a_second_publish_uploads_no_page_and_plan_lists_what_changes(published: Path) -> None:
    code, out, err = podpub(published, "plan", "--json")
    assert code == 0, err
    (site,) = [s for s in json.loads(out)["steps"] if s["name"] == "site"]
    assert len(site["actions"]) == 1 and re.fullmatch(
        r"skip \d+ unchanged file\(s\)", site["actions"][0]
    )
    edit(published / "episodes" / VOUS / "episode.md", "Mais n’oubliez", "Et n’oubliez")
    code, out, err = podpub(published, "plan", "--json")
    (site,) = [s for s in json.loads(out)["steps"] if s["name"] == "site"]
    changed = [a for a in site["actions"] if a.startswith("upload")]
    assert changed == [f"upload (changed): episodes/{VOUS}/index.html"]
    code, out, err = podpub(published, "publish", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [k for k in report["uploaded"] if k.endswith(".html")] == [f"episodes/{VOUS}/index.html"]
    assert report["site"] == "https://podcast.example.org/reseaux/"
    code, out, err = podpub(published, "publish", "--json")
    assert json.loads(out)["uploaded"] == []


def test_a_disabled_site_is_not_published(cached_show: Path) -> None:
    (cached_show / "podcast.toml").write_text(
        (cached_show / "podcast.toml").read_text() + "\n[site]\nenabled = false\n"
    )
    code, out, err = podpub(cached_show, "publish", "--json")
    assert code == 0, err
    (site,) = [s for s in json.loads(out)["steps"] if s["name"] == "site"]
    assert site == {"name": "site", "actions": [], "done": []}
    assert (cached_show / "public" / "feed.xml").is_file()
    assert not (cached_show / "public" / "index.html").exists()


def test_chapters_and_cues_move_with_the_intro_as_the_feed_s_chapters_do(show: Path) -> None:
    """An intro (or trimmed silence) moves every chapter but the first: the record says by how
    much; the page's chapters match the feed's, and the transcript moves with them."""
    record = show / "episodes" / VOUS / "published.json"
    edit(record, '"chapters_offset_s": 0.0', '"chapters_offset_s": 2.5')
    code, feed, err = podpub(show, "feed")
    assert code == 0, err
    notes = feedparser.parse(feed.encode()).entries[0].content[0].value
    in_feed = re.findall(r"(\d\d):(\d\d):(\d\d(?:\.\d+)?) ", notes)
    out = build(show)
    doc = page(out, f"episodes/{VOUS}/index.html")
    starts = [float(s) for s in doc.xpath("//ol[@class='chapters']/li/@data-start")]
    assert starts == [int(h) * 3600 + int(m) * 60 + float(s) for h, m, s in in_feed]
    assert starts == [0.0, 5.952 + 2.5, 18.371 + 2.5]
    cues = [float(s) for s in doc.xpath("//p[@class='cue']/@data-start")]
    assert cues == [2.5, 5.952 + 2.5, 18.371 + 2.5]
