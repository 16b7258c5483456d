"""`podpub publish` on the demo show, end to end, read back by real podcast parsers."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3

from tests.conftest import decoded_seconds, ebur128, podpub, snapshot

TITLES = {"Enjeux des réseaux sociaux : l’isolement", "Essentiel dans les réseaux sociaux : VOUS !"}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo show published once from scratch (no records, no build cache)."""
    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("published")
    for name in ("podcast.toml", "cover.jpg"):
        shutil.copy(REPO / name, root)
    shutil.copytree(REPO / "episodes", root / "episodes")
    for record in root.glob("episodes/*/published.json"):
        record.unlink()
    code, _, err = podpub(root, "publish")
    assert code == 0, err
    return root


def test_publish_leaves_a_feed_and_two_mp3s(published: Path) -> None:
    public = published / "public"
    assert (public / "feed.xml").is_file()
    assert len(list(public.glob("*.mp3"))) == 2


def test_podcastparser_reads_every_episode_with_exact_lengths(published: Path) -> None:
    public = published / "public"
    feed = podcastparser.parse(
        "https://podcast.example.org/reseaux/feed.xml",
        io.BytesIO((public / "feed.xml").read_bytes()),
    )
    assert feed["title"] == "Réseaux sociaux : l'essentiel"
    assert {e["title"] for e in feed["episodes"]} == TITLES
    for episode in feed["episodes"]:
        (enclosure,) = episode["enclosures"]
        local = public / enclosure["url"].rsplit("/", 1)[1]
        assert enclosure["file_size"] == local.stat().st_size
        assert enclosure["mime_type"] == "audio/mpeg"
        assert abs(episode["total_time"] - decoded_seconds(local)) < 1.0
        assert episode["guid"] and episode["published"] > 0


def test_feedparser_reads_the_itunes_fields(published: Path) -> None:
    feed = feedparser.parse((published / "public" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.language == "fr"
    assert not feed.feed.itunes_explicit  # feedparser maps only yes/true/explicit to True
    assert (
        b"<itunes:explicit>false</itunes:explicit>"
        in (published / "public" / "feed.xml").read_bytes()
    )
    assert feed.feed.image.href.endswith(".jpg")
    entries = {e.title: e for e in feed.entries}
    assert set(entries) == TITLES
    vous = entries["Essentiel dans les réseaux sociaux : VOUS !"]
    assert vous.itunes_episode == "26"
    assert "<li>le futile côtoie l’essentiel ;</li>" in vous.content[0].value
    assert "00:00:18.371 L’humain au cœur de la relation" in vous.content[0].value


def test_published_audio_is_normalized_tagged_and_recorded(published: Path) -> None:
    for folder in sorted((published / "episodes").iterdir()):
        record = json.loads((folder / "published.json").read_text())
        mp3 = published / "public" / record["audio_key"]
        assert record["audio_bytes"] == mp3.stat().st_size
        assert record["audio_sha256"] == hashlib.sha256(mp3.read_bytes()).hexdigest()
        measured = ebur128(mp3)
        assert measured["integrated"] == pytest.approx(-16.0, abs=0.5)
        assert measured["true_peak"] <= -1.0
        id3 = ID3(mp3)
        assert len(id3.getall("CHAP")) == 3 and id3.getall("APIC") and id3.getall("PCST")
        assert str(id3["TGID"]) == record["guid"]


def test_second_publish_changes_nothing(published: Path) -> None:
    before = snapshot(published)
    code, _, err = podpub(published, "publish")
    assert code == 0, err
    assert "rendered 0, reused 2; uploaded 0" in err
    assert snapshot(published) == before


def test_feed_rebuilds_byte_identically_without_audio_or_ffmpeg(
    published: Path, tmp_path: Path
) -> None:
    clean = tmp_path / "clean"
    shutil.copytree(published, clean, ignore=shutil.ignore_patterns("public", ".podpub", "*.flac"))
    env = {"PODPUB_FFMPEG": str(tmp_path / "no-ffmpeg-here"), "PATH": "/nonexistent"}
    code, out, err = podpub(clean, "feed", env=env)
    assert code == 0, err
    assert out.encode() == (published / "public" / "feed.xml").read_bytes()


def test_first_publish_writes_a_guid_once(show: Path) -> None:
    md = show / "episodes" / "2012-04-25-isolement" / "episode.md"
    md.write_text(
        "\n".join(line for line in md.read_text().splitlines() if not line.startswith("guid:"))
        + "\n"
    )
    (md.parent / "published.json").unlink()
    # the other episode's record names audio this fresh target lacks: not in this feed yet
    (show / "episodes" / "2012-04-26-vous" / "published.json").unlink()
    code, _, err = podpub(show, "publish", "2012-04-25-isolement")
    assert code == 0, err
    guid = json.loads((md.parent / "published.json").read_text())["guid"]
    assert f"guid: {guid}\n" in md.read_text()
    text = md.read_text()
    podpub(show, "publish", "2012-04-25-isolement")
    assert md.read_text() == text


def test_a_broken_episode_stops_everything_before_any_work(show: Path) -> None:
    (show / "episodes" / "2012-04-26-vous" / "audio.flac").write_bytes(b"not audio")
    code, _, err = podpub(show, "publish")
    assert code == 1
    assert "2012-04-26-vous/audio.flac: not a readable audio file" in err
    assert not (show / "public").exists() and not (show / ".podpub").exists()
