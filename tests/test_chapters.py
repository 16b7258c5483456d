"""One chapter source per episode (front matter or chapters.txt) driving every output: ID3
CHAP/CTOC (read back by ffmpeg), Podcasting 2.0 JSON chapters, the feed, and the show notes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import podcastparser
import pytest
from lxml import etree
from mutagen.id3 import ID3
from PIL import Image

from podpub.show.chapters import Chapter, shifted
from tests.conftest import REPO, podpub, run_ffmpeg, snapshot

EPISODE = "2012-04-26-vous"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# The structure of jsonChapters.md (Podcasting 2.0): version and chapters[] with startTime.
JSON_CHAPTERS = {
    "type": "object",
    "required": ["version", "chapters"],
    "properties": {
        "version": {"type": "string"},
        "chapters": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["startTime"],
                "additionalProperties": False,
                "properties": {
                    "startTime": {"type": "number", "minimum": 0},
                    "endTime": {"type": "number"},
                    "title": {"type": "string"},
                    "img": {"type": "string", "pattern": "^https?://"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "toc": {"type": "boolean"},
                },
            },
        },
    },
}
AUDACITY = (
    "0.000000\t0.000000\tOuverture\n5.952000\t5.952000\tLe futile\n18.371000\t18.371000\tL’humain\n"
)
MP4CHAPS = "00:00:00.000 Ouverture\n00:00:05.952 Le futile\n00:00:18.371 L’humain\n"


def episode_md(show: Path) -> Path:
    return show / "episodes" / EPISODE / "episode.md"


def drop_front_matter_chapters(show: Path) -> None:
    path = episode_md(show)
    path.write_text(re.sub(r"chapters:\n(  .*\n)+", "", path.read_text()))


def published_chapters(show: Path) -> list[tuple[float, str]]:
    """Chapters of the published MP3 as ffmpeg (an independent reader) lists them."""
    (mp3,) = (show / "public").glob(f"{EPISODE}-*.mp3")
    report = run_ffmpeg("-i", str(mp3)).stderr
    starts = re.findall(r"Chapter #0:\d+: start (\d+\.\d+)", report)
    titles = re.findall(r"Chapter #0:\d+:.*\n\s+Metadata:\n\s+title\s+: (.*)", report)
    return list(zip([float(s) for s in starts], titles, strict=True))


@pytest.mark.parametrize("text", [AUDACITY, MP4CHAPS], ids=["audacity", "mp4chaps"])
def test_a_chapters_file_drives_the_mp3_the_json_and_the_notes(
    cached_show: Path, text: str
) -> None:
    drop_front_matter_chapters(cached_show)
    (cached_show / "episodes" / EPISODE / "chapters.txt").write_text(text)
    code, _, err = podpub(cached_show, "publish")
    assert code == 0, err
    expected = [(0.0, "Ouverture"), (5.952, "Le futile"), (18.371, "L’humain")]
    assert published_chapters(cached_show) == expected
    (chapters_file,) = (cached_show / "public").glob(f"{EPISODE}-chapters-*.json")
    document = json.loads(chapters_file.read_bytes())
    jsonschema.validate(document, JSON_CHAPTERS)
    assert [(c["startTime"], c["title"]) for c in document["chapters"]] == expected
    feed = (cached_show / "public" / "feed.xml").read_bytes()
    item = next(i for i in etree.fromstring(feed).iter("item") if "VOUS" in i.findtext("title"))
    link = item.find(f"{{{PODCAST_NS}}}chapters")
    assert link is not None and link.get("type") == "application/json+chapters"
    assert link.get("url", "").endswith(chapters_file.name)
    assert "00:00:05.952 Le futile" in item.findtext(
        "{http://purl.org/rss/1.0/modules/content/}encoded", ""
    )


def test_front_matter_wins_over_a_chapters_file_and_says_so(cached_show: Path) -> None:
    (cached_show / "episodes" / EPISODE / "chapters.txt").write_text(MP4CHAPS)
    code, out, _err = podpub(cached_show, "check", "--json")
    assert code == 0
    warnings = [w["message"] for w in json.loads(out)["warnings"]]
    assert any("chapters.txt" in w and "front matter's are used" in w for w in warnings), warnings


def test_a_first_chapter_at_zero_is_added_when_missing(cached_show: Path) -> None:
    drop_front_matter_chapters(cached_show)
    (cached_show / "episodes" / EPISODE / "chapters.txt").write_text("00:00:05.952 Le futile\n")
    assert podpub(cached_show, "publish")[0] == 0
    title = "Essentiel dans les réseaux sociaux : VOUS !"
    assert published_chapters(cached_show) == [(0.0, title), (5.952, "Le futile")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("00:00:00 A\n00:00:09 B\n00:00:05 C\n", "'C' at 00:00:05 does not come after 'B'"),
        ("00:00:00 A\n00:00:05 A2\n00:00:05 B\n", "'B' at 00:00:05 does not come after 'A2'"),
        ("00:00:00 A\n5:61 B\n", "chapters.txt:2: '5:61' is not a time"),
        ("00:00:00 A\nsoon B\n", "chapters.txt:2: 'soon' is not a time"),
        ("00:00:00 A\n00:00:05\n", "chapters.txt:2: '00:00:05' is not a chapter line"),
        ("0.0\t0.0\tA\n5.0\t5.0\t \n", "chapters.txt:2: a chapter needs a non-empty title"),
        ("00:00:00 A\n00:09:00 Too late\n", "'Too late' starts at 00:09:00, at or after the end"),
    ],
)
def test_bad_chapters_stop_everything_and_change_nothing(
    cached_show: Path, text: str, message: str
) -> None:
    drop_front_matter_chapters(cached_show)
    (cached_show / "episodes" / EPISODE / "chapters.txt").write_text(text)
    before = snapshot(cached_show)
    code, _out, err = podpub(cached_show, "publish")
    assert code == 1 and message in err, err
    assert snapshot(cached_show) == before


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('  - start: "1:2:3:4"\n    title: X\n', "chapters[4].start: '1:2:3:4' is not a time"),
        (
            '  - start: "00:00:20"\n    title: ""\n',
            "chapters[4].title: a chapter needs a non-empty title",
        ),
        (
            '  - start: "00:00:20"\n    title: X\n    image: nope.png\n',
            "image 'nope.png' not found",
        ),
    ],
)
def test_bad_front_matter_chapters_name_the_field(show: Path, entry: str, message: str) -> None:
    path = episode_md(show)
    path.write_text(path.read_text().replace("---\n\nDans", f"{entry}---\n\nDans"))
    code, _, err = podpub(show, "check")
    assert code == 1 and message in err, err


def test_a_chapter_image_is_embedded_uploaded_and_linked(cached_show: Path) -> None:
    folder = cached_show / "episodes" / EPISODE
    Image.new("RGB", (800, 800), (200, 40, 40)).save(folder / "humain.png")
    path = episode_md(cached_show)
    path.write_text(
        path.read_text().replace(
            '    title: "L’humain au cœur de la relation"\n',
            '    title: "L’humain au cœur de la relation"\n    image: humain.png\n',
        )
    )
    assert podpub(cached_show, "publish")[0] == 0
    public = cached_show / "public"
    (image,) = public.glob(f"{EPISODE}-img-*.png")
    assert image.read_bytes() == (folder / "humain.png").read_bytes()
    (chapters_file,) = public.glob(f"{EPISODE}-chapters-*.json")
    document = json.loads(chapters_file.read_bytes())
    jsonschema.validate(document, JSON_CHAPTERS)
    assert document["chapters"][2]["img"] == f"https://podcast.example.org/reseaux/{image.name}"
    (mp3,) = public.glob(f"{EPISODE}-*.mp3")
    chaps = sorted(ID3(mp3).getall("CHAP"), key=lambda c: c.start_time)
    (art,) = chaps[2].sub_frames.getall("APIC")
    assert art.mime == "image/jpeg" and art.data[:2] == b"\xff\xd8"


def test_the_demo_transcripts_are_embedded_and_linked(cached_show: Path) -> None:
    assert podpub(cached_show, "publish")[0] == 0
    public = cached_show / "public"
    parsed = podcastparser.parse("feed.xml", (public / "feed.xml").open("rb"))
    assert {e["title"][:9] for e in parsed["episodes"]} == {"Enjeux de", "Essentiel"}
    root = etree.fromstring((public / "feed.xml").read_bytes())
    links = {t.get("type"): t for t in root.iter(f"{{{PODCAST_NS}}}transcript")}
    assert set(links) == {"text/vtt", "application/x-subrip"}
    for link in links.values():
        assert link.get("language") == "fr" and link.get("rel") == "captions"
        assert (public / link.get("url", "").rsplit("/", 1)[1]).is_file()
    (mp3,) = public.glob(f"{EPISODE}-*.mp3")
    (lyrics,) = ID3(mp3).getall("USLT")
    assert lyrics.text.startswith("Podcast numéro vingt-six.") and lyrics.lang == "fra"
    assert "c'est VOUS !" in lyrics.text


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("transcript.vtt", "not a vtt\n", "transcript.vtt: is not a valid WebVTT file"),
        ("transcript.srt", "1\nbroken\n", "transcript.srt: is not a valid SRT file"),
        ("transcript.vtt", "WEBVTT\n\n", "transcript.vtt: holds no caption text"),
    ],
)
def test_bad_transcripts_are_named(show: Path, name: str, text: str, message: str) -> None:
    folder = show / "episodes" / EPISODE
    (folder / "transcript.vtt").unlink()
    (folder / name).write_text(text)
    code, _, err = podpub(show, "check")
    assert code == 1 and message in err, err


def test_chapters_shift_by_an_intro_but_the_first_still_opens_the_episode() -> None:
    chapters = (Chapter(0.0, "A"), Chapter(5.0, "B", url="https://example.org/b"))
    assert shifted(chapters, 3.5) == (
        Chapter(0.0, "A"),
        Chapter(8.5, "B", url="https://example.org/b"),
    )
    assert shifted(chapters, 0.0) == chapters


def test_repo_demo_carries_chapters_in_both_episodes() -> None:
    for folder in (REPO / "episodes").iterdir():
        assert "chapters:" in (folder / "episode.md").read_text()
