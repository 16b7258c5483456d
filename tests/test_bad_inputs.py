"""The bad-input matrix: every wrong file or field stops `publish` before any work, with one
message naming the file and field, exit 1, nothing uploaded and no local file changed.

(Storage faults — missing credentials, unknown bucket, unreachable endpoint, access denied —
are in test_s3.py against a real S3 endpoint; bad chapters in test_chapters.py.)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from podpub.cli import main
from tests.conftest import REPO, run_ffmpeg, snapshot

VOUS, ISOLEMENT = "2012-04-26-vous", "2012-04-25-isolement"
Breaker = Callable[[Path], None]


def edit(relative: str, old: str, new: str) -> Breaker:
    def change(show: Path) -> None:
        path = show / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def md(old: str, new: str) -> Breaker:
    return edit(f"episodes/{VOUS}/episode.md", old, new)


def toml(old: str, new: str) -> Breaker:
    return edit("podcast.toml", old, new)


def write(relative: str, data: bytes) -> Breaker:
    def change(show: Path) -> None:
        (show / relative).write_bytes(data)

    return change


def truncated_flac(show: Path) -> None:
    source = show / "episodes" / VOUS / "audio.flac"
    source.write_bytes(source.read_bytes()[:60_000])


def truncated_mp3(show: Path) -> None:
    """An MP3 cut short whose header still claims the whole duration."""
    folder = show / "episodes" / VOUS
    full = folder / "full.mp3"
    assert (
        run_ffmpeg(
            "-v", "error", "-i", str(folder / "audio.flac"), "-c:a", "libmp3lame", str(full)
        ).returncode
        == 0
    )
    (folder / "audio.flac").unlink()
    (folder / "audio.mp3").write_bytes(full.read_bytes()[:60_000])
    full.unlink()


def cover(image: Image.Image, fmt: str = "JPEG") -> Breaker:
    def change(show: Path) -> None:
        image.save(show / "cover.jpg", fmt)

    return change


def second_episode_copy(show: Path) -> None:
    shutil.copytree(show / "episodes" / VOUS, show / "episodes" / "2012-04-27-copie")


def folder_named(name: str) -> Breaker:
    def change(show: Path) -> None:
        shutil.copytree(show / "episodes" / VOUS, show / "episodes" / name)

    return change


FM = "number: 26\n"
CASES: list[tuple[str, Breaker, str]] = [
    # audio sources
    (
        "empty source",
        write(f"episodes/{VOUS}/audio.flac", b""),
        "audio.flac: audio source is empty (0 bytes)",
    ),
    (
        "truncated flac",
        truncated_flac,
        "audio.flac: is truncated: its header claims 25.3 s but only",
    ),
    ("truncated mp3", truncated_mp3, "audio.mp3: is truncated: its header claims 25."),
    (
        "corrupt source",
        write(f"episodes/{VOUS}/audio.flac", b"fLaC" + bytes(range(256)) * 40),
        "audio.flac: not a readable audio file",
    ),
    (
        "image as audio",
        write(f"episodes/{VOUS}/audio.flac", (REPO / "cover.jpg").read_bytes()),
        "audio.flac: not a readable audio file",
    ),
    (
        "missing source",
        md(FM, FM + "audio: enregistrement.wav\n"),
        "enregistrement.wav: audio source not found",
    ),
    (
        "source outside the folder",
        md(FM, FM + "audio: ../2012-04-25-isolement/audio.flac\n"),
        "audio: '../2012-04-25-isolement/audio.flac' points outside the episode folder",
    ),
    # front matter
    ("not yaml", md("number: 26", "number: [26"), "front matter is not valid YAML"),
    (
        "not a mapping",
        write(f"episodes/{VOUS}/episode.md", b"---\n- une liste\n---\nNotes\n"),
        "front matter must be a mapping of fields",
    ),
    (
        "no front matter",
        write(f"episodes/{VOUS}/episode.md", b"Juste des notes\n"),
        "must start with YAML front matter",
    ),
    (
        "missing title",
        md('title: "Essentiel', 'titre: "Essentiel'),
        "episode.md: title: is required but missing",
    ),
    (
        "missing date",
        md("date: 2012-04-26T08:00:00+02:00\n", ""),
        "episode.md: date: is required but missing",
    ),
    (
        "wrong type",
        md("number: 26", "number: vingt-six"),
        "number: expected a whole number, found 'vingt-six'",
    ),
    (
        "invalid date",
        md("date: 2012-04-26T08:00:00+02:00", "date: 26/04/2012"),
        "date: '26/04/2012' is not an ISO 8601 date-time",
    ),
    (
        "date without time zone",
        md("date: 2012-04-26T08:00:00+02:00", "date: 2012-04-26T08:00:00"),
        "date: 2012-04-26T08:00:00 has no time zone",
    ),
    (
        "date without time",
        md("date: 2012-04-26T08:00:00+02:00", "date: 2012-04-26"),
        "date: 2012-04-26 has no time and time zone",
    ),
    ("episode number zero", md("number: 26", "number: 0"), "number: must be at least 1, found 0"),
    (
        "negative episode number",
        md("number: 26", "number: -2"),
        "number: must be at least 1, found -2",
    ),
    (
        "explicit not a boolean",
        md("explicit: false", "explicit: peut-être"),
        "explicit: expected true or false",
    ),
    (
        "duplicate guid",
        md(
            "guid: 8b1d5e43-2c9f-4f0a-b6d3-26a04c2e2012",
            "guid: 3f6c2a0e-8d1b-4c57-9a7e-25a04b1e2012",
        ),
        "guid: '3f6c2a0e-8d1b-4c57-9a7e-25a04b1e2012' is also used by 2012-04-25-isolement",
    ),
    (
        "duplicate number",
        md("number: 26", "number: 25"),
        "number: 25 is also used by 2012-04-25-isolement",
    ),
    ("duplicate episode copied", second_episode_copy, "is also used by 2012-04-27-copie"),
    (
        "slug with spaces",
        folder_named("Mon épisode"),
        "Mon épisode: folder name is not a valid slug",
    ),
    (
        "slug with non-ascii letters",
        folder_named("2012-04-27-épisode"),
        "2012-04-27-épisode: folder name is not a valid slug",
    ),
    (
        "non-utf8 episode.md",
        write(f"episodes/{VOUS}/episode.md", "---\ntitle: é\n---\n".encode("latin-1")),
        "episode.md: is not UTF-8 text",
    ),
    (
        "control character in notes",
        md("Mais n’oubliez", "Mais\x01 n’oubliez"),
        "episode.md: line 24 contains the character U+0001, which no feed can carry",
    ),
    (
        "control character in the title",
        md('VOUS !"', 'VOUS !\\u0007"'),
        "episode.md: title: line 2 contains the character U+0007, which no feed can carry",
    ),
    # artwork
    (
        "cmyk cover",
        cover(Image.new("CMYK", (1400, 1400))),
        "show.image: 'cover.jpg' is in CMYK colour mode",
    ),
    (
        "cover with alpha",
        cover(Image.new("RGBA", (1400, 1400)), "PNG"),
        "'cover.jpg' holds PNG data but its name says JPEG",
    ),
    (
        "cover not square",
        cover(Image.new("RGB", (1400, 1600))),
        "'cover.jpg' is 1400x1600 px; artwork must be square",
    ),
    (
        "cover of 600 px",
        cover(Image.new("RGB", (600, 600))),
        "'cover.jpg' is 600x600 px; allowed: 1400 to 3000 px",
    ),
    ("cover of 6000 px", cover(Image.new("RGB", (6000, 6000))), "'cover.jpg' is 6000x6000 px;"),
    (
        "png named jpg",
        cover(Image.new("RGB", (1400, 1400)), "PNG"),
        "'cover.jpg' holds PNG data but its name says JPEG",
    ),
    (
        "not an image",
        write("cover.jpg", b"GIF89a not really"),
        "'cover.jpg' is not a readable image",
    ),
    # podcast.toml
    (
        "unknown category",
        toml('"Technology"]', '"Technologie"]'),
        "show.categories: 'Technologie' is not an Apple Podcasts category; did you mean 'Technology'?",
    ),
    (
        "unknown subcategory",
        toml("Business/Marketing", "Business/Ventes"),
        "'Ventes' is not a subcategory of 'Business'",
    ),
    (
        "unknown language",
        toml('language = "fr"', 'language = "français"'),
        "show.language: 'français' is not an ISO 639 language code",
    ),
    (
        "missing owner email",
        toml('email = "podcast@example.org"\n', ""),
        "show.owner.email: is required but missing",
    ),
    ("podcast.toml not toml", toml("[show]", "[show"), "podcast.toml: is not valid TOML"),
    (
        "podcast.toml not utf-8",
        write("podcast.toml", "title = 'é'".encode("latin-1")),
        "podcast.toml: is not UTF-8 text",
    ),
    (
        "unknown storage",
        toml('url = "file://public"', 'url = "ftp://example.org/podcast"'),
        "storage.url: 'ftp://example.org/podcast' is not a storage URL",
    ),
    (
        "credentials in podcast.toml",
        toml("[storage]\n", '[storage]\naws_access_key_id = "AKIAEXAMPLE"\n'),
        "storage.aws_access_key_id: credentials never belong in podcast.toml",
    ),
]


def bomb() -> str:
    """A 'billion laughs': nine levels of nine aliases, ~400 million strings once expanded."""
    lines = ['lol0: &l0 "lol"']
    for n in range(1, 10):
        lines.append(f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def symlinked_audio(show: Path) -> None:
    outside = show.parent / "elsewhere.flac"
    source = show / "episodes" / VOUS / "audio.flac"
    shutil.move(source, outside)
    source.symlink_to(outside)


def truncated(relative: str, keep: int) -> Breaker:
    def change(show: Path) -> None:
        path = show / relative
        path.write_bytes(path.read_bytes()[:keep])

    return change


def chapter_image(show: Path) -> None:
    Image.new("RGB", (400, 400), (200, 40, 40)).save(show / "episodes" / VOUS / "humain.jpg")
    truncated(f"episodes/{VOUS}/humain.jpg", 600)(show)
    md('    title: "Introduction"', '    title: "Introduction"\n    image: humain.jpg')(show)


CHAPTER = '    title: "Introduction"'
HOSTILE: list[tuple[str, Breaker, str]] = [
    # front matter and TOML
    ("YAML alias bomb", md(FM, FM + bomb()), "reuses a value with a YAML alias (*name)"),
    ("a key given twice", md(FM, FM + "draft: true\ndraft: false\n"), "draft: is given twice"),
    (
        "an empty guid line",
        md("guid: 8b1d5e43-2c9f-4f0a-b6d3-26a04c2e2012\n", "guid:\n"),
        "guid: expected",
    ),
    (
        "a date in year 1",
        md("date: 2012-04-26T08", "date: 0001-04-26T08"),
        "the year 1 is before 1900",
    ),
    ("mono bitrate 999k", toml('"64k"', '"999k"'), "mono_bitrate: '999k' is out of range"),
    (
        "a bitrate MP3 cannot state",
        toml('"128k"', '"100k"'),
        "bitrate: 100k is not an MP3 bit rate at 44100 Hz",
    ),
    # slugs and paths
    ("a slug ending in a newline", folder_named("2012-04-27-nouveau\n"), "is not a valid slug"),
    ("a 245-character slug", folder_named("2012-04-27-" + "a" * 234), "is too long for a slug"),
    (
        "audio linked from outside the show",
        symlinked_audio,
        "audio: 'audio.flac' points outside the episode folder",
    ),
    # links
    (
        "javascript: link",
        md(FM, FM + "link: javascript:alert(1)\n"),
        "link: 'javascript:alert(1)' is not an http(s) URL",
    ),
    (
        "javascript: chapter url",
        md(CHAPTER, CHAPTER + '\n    url: "javascript:alert(1)"'),
        "chapters[1].url: 'javascript:alert(1)' is not an http(s) URL",
    ),
    (
        "javascript: person href",
        md(FM, FM + "persons:\n  - {name: Ana, href: 'javascript:alert(1)'}\n"),
        "persons[1].href: 'javascript:alert(1)' is not an http(s) URL",
    ),
    (
        "data: person img",
        toml('role = "host",', 'role = "host", img = "data:image/png;base64,AAAA",'),
        "podcast.persons[1].img: 'data:image/png;base64,AAAA' is not an http(s) URL",
    ),
    (
        "file: funding url",
        toml('url = "https://podcast.example.org/reseaux/soutenir"', 'url = "file:///etc/passwd"'),
        "podcast.funding[1].url: 'file:///etc/passwd' is not an http(s) URL",
    ),
    # media
    ("a truncated cover", truncated("cover.jpg", 40_000), "'cover.jpg' is not a readable image"),
    ("a truncated chapter image", chapter_image, "'humain.jpg' is not a readable image"),
]
CASES += HOSTILE


@pytest.mark.parametrize(("name", "breaker", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_stops_everything(show: Path, name: str, breaker: Breaker, message: str) -> None:
    breaker(show)
    before = snapshot(show)
    result = CliRunner().invoke(main, ["--config", str(show / "podcast.toml"), "publish"])
    assert result.exit_code == 1, result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not (show / "public").exists()  # nothing uploaded
    assert snapshot(show) == before  # no local file changed


@pytest.mark.parametrize(("name", "breaker", "message"), CASES, ids=[c[0] for c in CASES])
def test_check_refuses_what_publish_refuses(
    show: Path, name: str, breaker: Breaker, message: str
) -> None:
    """`check` knows everything `publish` would refuse, with the same message."""
    breaker(show)
    result = CliRunner().invoke(main, ["--config", str(show / "podcast.toml"), "check"])
    assert result.exit_code == 1 and message in result.stderr, result.stderr


def test_the_matrix_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_an_unknown_key_warns_with_the_nearest_and_publishes(cached_show: Path) -> None:
    md(FM, FM + "sumary: coquille\n")(cached_show)
    result = CliRunner().invoke(main, ["--config", str(cached_show / "podcast.toml"), "publish"])
    assert result.exit_code == 0, result.stderr
    assert (
        "warning:" in result.stderr
        and "sumary: unknown key; did you mean 'summary'?" in result.stderr
    )


@pytest.mark.parametrize("slug", ["../2012-04-25-isolement", "2012-04-26-VOUS", "nope"])
def test_an_unknown_or_escaping_slug_argument_is_refused(show: Path, slug: str) -> None:
    before = snapshot(show)
    result = CliRunner().invoke(main, ["--config", str(show / "podcast.toml"), "publish", slug])
    assert result.exit_code == 1 and "no such episode" in result.stderr
    assert snapshot(show) == before and not (show / "public").exists()


def test_notes_with_cdata_ends_and_scripts_are_published_inert(cached_show: Path) -> None:
    md("c’est **VOUS** !", "c’est **VOUS** ! ]]> <script>alert('x')</script>")(cached_show)
    result = CliRunner().invoke(main, ["--config", str(cached_show / "podcast.toml"), "publish"])
    assert result.exit_code == 0, result.stderr
    import feedparser

    entry = next(
        e
        for e in feedparser.parse((cached_show / "public" / "feed.xml").read_bytes()).entries
        if "VOUS" in e.title
    )
    html = entry.content[0].value
    assert (
        "]]&gt;" in html
        and "&lt;script&gt;alert('x')&lt;/script&gt;" in html
        and "<script" not in html
    )
