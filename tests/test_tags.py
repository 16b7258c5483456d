"""ID3v2.3 tags written by tags.py, read back with mutagen and with ffmpeg (independent)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from podpub.show.artwork import embedded_cover
from podpub.show.chapters import Chapter
from podpub.tags import EpisodeTags
from podpub.tags import tag as write_tags
from tests.conftest import REPO, make_audio, run_ffmpeg

TAGS = EpisodeTags(
    title="Essentiel dans les réseaux sociaux : VOUS !",
    artist="Le blog du social business",
    album="Réseaux sociaux : l'essentiel",
    date=datetime(2012, 4, 26, 8, 0, tzinfo=timezone(timedelta(hours=2))),
    guid="8b1d5e43-2c9f-4f0a-b6d3-26a04c2e2012",
    feed_url="https://podcast.example.org/reseaux/feed.xml",
    number=26,
    season=1,
    summary="L’humain reste au cœur de la relation sociale.",
    link="https://podcast.example.org/reseaux/26",
    cover_jpeg=embedded_cover(REPO / "cover.jpg"),
    chapters=(
        Chapter(0.0, "Introduction"),
        Chapter(1.5, "Le futile et l’essentiel", url="https://example.org/c2", image="c2.jpg"),
    ),
    chapter_art={"c2.jpg": embedded_cover(REPO / "cover.jpg", 600)},
    language="fra",
    transcript="Podcast numéro vingt-six.\nL’essentiel, c’est vous !",
)


@pytest.fixture
def mp3(tmp_path: Path) -> Path:
    return make_audio(
        tmp_path / "episode.mp3",
        "sine=f=440:r=44100",
        3.0,
        44100,
        1,
        "-c:a",
        "libmp3lame",
        "-b:a",
        "64k",
    )


def test_every_frame_is_written_as_id3v23(mp3: Path) -> None:
    write_tags(mp3, TAGS)
    id3 = ID3(mp3, translate=False)  # the frames as stored, not upgraded to v2.4 in memory
    assert id3.version == (2, 3, 0)
    assert "TDRC" not in id3
    assert str(id3["TIT2"]) == TAGS.title
    assert str(id3["TPE1"]) == TAGS.artist
    assert str(id3["TALB"]) == TAGS.album
    assert str(id3["TCON"]) == "Podcast"
    assert str(id3["TRCK"]) == "26" and str(id3["TPOS"]) == "1"
    assert str(id3["TYER"]) == "2012" and str(id3["TDAT"]) == "2604"
    assert str(id3["TGID"]) == TAGS.guid
    assert id3["WFED"].url == TAGS.feed_url
    assert id3["PCST"].value == 1
    assert id3["WOAS"].url == TAGS.link
    assert id3.getall("COMM")[0].text == [TAGS.summary] and id3.getall("COMM")[0].lang == "fra"
    (lyrics,) = id3.getall("USLT")
    assert lyrics.text == TAGS.transcript and lyrics.lang == "fra"
    assert str(id3["TDES"]) == TAGS.summary
    cover = id3.getall("APIC")[0]
    assert cover.mime == "image/jpeg" and cover.type == 3 and cover.data == TAGS.cover_jpeg


def test_chapters_have_chap_frames_and_one_ordered_top_level_ctoc(mp3: Path) -> None:
    write_tags(mp3, TAGS)
    id3 = ID3(mp3)
    chaps = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
    assert [(c.start_time, c.end_time) for c in chaps] == [
        (0, 1500),
        (1500, round(MP3(mp3).info.length * 1000)),
    ]
    assert [str(c.sub_frames["TIT2"]) for c in chaps] == [
        "Introduction",
        "Le futile et l’essentiel",
    ]
    assert chaps[1].sub_frames.getall("WXXX")[0].url == "https://example.org/c2"
    assert not chaps[0].sub_frames.getall("APIC")
    (art,) = chaps[1].sub_frames.getall("APIC")
    assert art.data == TAGS.chapter_art["c2.jpg"] and art.mime == "image/jpeg"
    (toc,) = id3.getall("CTOC")
    assert toc.flags & 0x03 == 0x03  # top-level and ordered
    assert toc.child_element_ids == [c.element_id for c in chaps]
    assert str(toc.sub_frames["TIT2"])


def test_ffmpeg_reads_the_chapters(mp3: Path) -> None:
    write_tags(mp3, TAGS)
    report = run_ffmpeg("-i", str(mp3)).stderr
    starts = re.findall(r"Chapter #0:\d+: start (\d+\.\d+), end (\d+\.\d+)", report)
    assert [float(s) for s, _ in starts] == [0.0, 1.5]
    assert "Le futile et l’essentiel" in report


def test_tagging_twice_gives_identical_bytes_and_no_duplicate_frames(
    mp3: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "twin.mp3"
    shutil.copy(mp3, twin)
    write_tags(mp3, TAGS)
    write_tags(twin, TAGS)
    assert mp3.read_bytes() == twin.read_bytes()
    write_tags(mp3, TAGS)
    assert mp3.read_bytes() == twin.read_bytes()
    assert len(ID3(mp3).getall("APIC")) == 1 and len(ID3(mp3).getall("CTOC")) == 1


def test_no_id3v1_tag(mp3: Path) -> None:
    write_tags(mp3, TAGS)
    assert mp3.read_bytes()[-128:-125] != b"TAG"


def test_large_or_cmyk_artwork_is_reencoded_to_a_modest_rgb_jpeg(
    tmp_path: Path, audio: Callable[..., Path]
) -> None:
    from PIL import Image

    big = tmp_path / "big.jpg"
    Image.new("CMYK", (3000, 3000), (10, 200, 30, 0)).save(big, "JPEG")
    data = embedded_cover(big)
    out = tmp_path / "out.jpg"
    out.write_bytes(data)
    with Image.open(out) as image:
        assert image.mode == "RGB" and image.size == (1400, 1400) and image.format == "JPEG"
