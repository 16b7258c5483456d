"""format = "m4a": AAC in MP4 with iTunes atoms and chapters, on target, listed in the feed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import podcastparser
import pytest
from click.testing import CliRunner
from mutagen.mp4 import MP4

from podpub.cli import main
from tests.conftest import REPO, ebur128, run_ffmpeg, snapshot

VOUS, ISOLEMENT = "2012-04-26-vous", "2012-04-25-isolement"


@pytest.fixture(scope="module")
def m4a_show(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("m4a")
    shutil.copy(REPO / "cover.jpg", root)
    shutil.copytree(REPO / "episodes", root / "episodes")
    config = (REPO / "podcast.toml").read_text().replace("[audio]\n", '[audio]\nformat = "m4a"\n')
    (root / "podcast.toml").write_text(config)
    result = CliRunner().invoke(main, ["--config", str(root / "podcast.toml"), "publish"])
    assert result.exit_code == 0, result.stderr
    return root


def published(show: Path, slug: str) -> Path:
    (path,) = (show / "public").glob(f"{slug}-*.m4a")
    return path


def test_every_atom_is_written(m4a_show: Path) -> None:
    tags = MP4(published(m4a_show, VOUS)).tags
    assert tags is not None
    assert tags["\xa9nam"] == ["Essentiel dans les réseaux sociaux : VOUS !"]
    assert tags["\xa9ART"] == tags["aART"] == ["Le blog du social business"]
    assert tags["\xa9alb"] == ["Réseaux sociaux : l'essentiel"]
    assert tags["\xa9gen"] == ["Podcast"] and tags["\xa9day"] == ["2012-04-26"]
    assert tags["trkn"] == [(26, 0)] and tags["pcst"] and tags["stik"] == [21]
    assert tags["egid"] == ["8b1d5e43-2c9f-4f0a-b6d3-26a04c2e2012"]
    assert tags["purl"] == ["https://podcast.example.org/reseaux/feed.xml"]
    assert tags["desc"][0].startswith("Le futile côtoie")
    assert tags["\xa9lyr"][0].startswith("Podcast numéro vingt-six.")
    (cover,) = tags["covr"]
    assert cover.imageformat == cover.FORMAT_JPEG and bytes(cover)[:2] == b"\xff\xd8"


def test_chapters_are_read_by_mutagen_and_by_ffmpeg(m4a_show: Path) -> None:
    path = published(m4a_show, VOUS)
    expected = [
        (0.0, "Introduction"),
        (5.952, "Le futile et l’essentiel"),
        (18.371, "L’humain au cœur de la relation"),
    ]
    chapters = MP4(path).chapters
    assert chapters is not None
    assert [(round(c.start, 3), c.title) for c in chapters] == expected
    report = run_ffmpeg("-i", str(path)).stderr
    starts = [round(float(s), 3) for s in re.findall(r"Chapter #0:\d+: start (\d+\.\d+)", report)]
    titles = re.findall(r"Chapter #0:\d+:.*\n\s+Metadata:\n\s+title\s+: (.*)", report)
    assert list(zip(starts, titles, strict=True)) == expected


def test_the_aac_files_meet_the_loudness_target(m4a_show: Path) -> None:
    for path in (m4a_show / "public").glob("*.m4a"):
        figures = ebur128(path)
        assert abs(figures["integrated"] + 16.0) <= 0.5, (path.name, figures)
        assert figures["true_peak"] <= -1.0, (path.name, figures)


def test_the_feed_lists_the_m4a_enclosures_with_exact_lengths(m4a_show: Path) -> None:
    with (m4a_show / "public" / "feed.xml").open("rb") as feed:
        episodes = podcastparser.parse("feed.xml", feed)["episodes"]
    for episode in episodes:
        enclosure = episode["enclosures"][0]
        name = enclosure["url"].rsplit("/", 1)[1]
        assert enclosure["mime_type"] == "audio/mp4" and name.endswith(".m4a")
        assert enclosure["file_size"] == (m4a_show / "public" / name).stat().st_size


def test_republishing_an_m4a_show_changes_nothing(m4a_show: Path) -> None:
    before = snapshot(m4a_show / "public")
    result = CliRunner().invoke(
        main, ["--config", str(m4a_show / "podcast.toml"), "publish", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    assert '"uploaded": []' in result.stdout
    assert snapshot(m4a_show / "public") == before


def test_normalize_writes_m4a_when_the_output_says_so(tmp_path: Path) -> None:
    source = REPO / "episodes" / "2012-04-25-isolement" / "audio.flac"
    output = tmp_path / "out.m4a"
    result = CliRunner().invoke(main, ["normalize", str(source), str(output), "--json"])
    assert result.exit_code == 0, result.stderr
    assert MP4(output).info.codec == "mp4a.40.2"  # AAC-LC
    assert abs(ebur128(output)["integrated"] + 16.0) <= 0.5


def test_an_m4a_alternate_is_listed_with_its_integrity(tmp_path: Path) -> None:
    import base64
    import hashlib
    import json

    from lxml import etree

    root = tmp_path / "show"
    root.mkdir()
    shutil.copy(REPO / "cover.jpg", root)
    shutil.copytree(REPO / "episodes", root / "episodes")
    config = (
        (REPO / "podcast.toml").read_text().replace("[audio]\n", '[audio]\nalternates = ["m4a"]\n')
    )
    (root / "podcast.toml").write_text(config)
    (root / "episodes" / ISOLEMENT / "published.json").unlink()  # not in this new target
    result = CliRunner().invoke(main, ["--config", str(root / "podcast.toml"), "publish", VOUS])
    assert result.exit_code == 0, result.stderr
    record = json.loads((root / "episodes" / VOUS / "published.json").read_text())
    committed = json.loads((REPO / "episodes" / VOUS / "published.json").read_text())
    assert record["audio_key"] == committed["audio_key"]  # the main enclosure does not move
    podcast = "{https://podcastindex.org/namespace/1.0}"
    feed = etree.fromstring((root / "public" / "feed.xml").read_bytes())
    item = next(i for i in feed.iter("item") if "VOUS" in (i.findtext("title") or ""))
    default, alternate = item.findall(f"{podcast}alternateEnclosure")
    enclosure = item.find("enclosure")
    assert enclosure is not None and default.get("default") == "true"  # as the spec's example
    attributes = ("type", "length")
    assert [default.get(a) for a in attributes] == [enclosure.get(a) for a in attributes]
    default_source = default.find(f"{podcast}source")
    default_integrity = default.find(f"{podcast}integrity")
    assert default_source is not None and default_integrity is not None
    assert default_source.get("uri") == enclosure.get("url")
    mp3 = hashlib.sha256((root / "public" / record["audio_key"]).read_bytes()).digest()
    assert default_integrity.get("value") == "sha256-" + base64.b64encode(mp3).decode()
    assert alternate.get("default") is None
    source = alternate.find(f"{podcast}source")
    integrity = alternate.find(f"{podcast}integrity")
    assert source is not None and integrity is not None
    stored = root / "public" / source.get("uri", "").rsplit("/", 1)[1]
    data = stored.read_bytes()
    assert alternate.get("type") == "audio/mp4" and alternate.get("length") == str(len(data))
    assert integrity.get("type") == "sri"
    assert (
        integrity.get("value")
        == "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()
    )
    assert 40_000 < int(alternate.get("bitrate", "0")) < 100_000
    assert MP4(stored).tags is not None
