"""Jingles and silence trimming: the program is built by real ffmpeg and pydub, the chapters
follow it, and the final file is still on target."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from podpub.audio.program import build_program
from podpub.cli import main
from podpub.show.audio_settings import AudioSettings
from tests.conftest import decoded_seconds, ebur128, run_ffmpeg

VOUS, ISOLEMENT = "2012-04-26-vous", "2012-04-25-isolement"


@pytest.fixture
def padded(tmp_path: Path) -> Path:
    """1 s of silence, 4 s of tone, 1.5 s of silence."""
    path = tmp_path / "padded.wav"
    graph = "anullsrc=r=44100:cl=mono:d=1[a];sine=f=440:r=44100:d=4[b];anullsrc=r=44100:cl=mono:d=1.5[c];[a][b][c]concat=n=3:v=0:a=1"
    result = run_ffmpeg("-v", "error", "-filter_complex", graph, str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_trimming_keeps_a_breath_at_each_end(padded: Path, tmp_path: Path) -> None:
    settings = AudioSettings(trim_silence=True)
    program = build_program(padded, settings, tmp_path / "program.flac")
    assert program.offset_s == pytest.approx(-0.75, abs=0.02)
    assert decoded_seconds(program.path) == pytest.approx(4.5, abs=0.05)


def test_jingles_are_joined_with_crossfades(
    padded: Path, tmp_path: Path, audio: Callable[..., Path]
) -> None:
    intro = audio("intro.wav", "sine=f=880:r=48000", 2.0, 48000, 2)
    outro = audio("outro.wav", "sine=f=660:r=22050", 1.5, 22050, 1)
    settings = AudioSettings(intro=intro, outro=outro, crossfade_s=0.5)
    program = build_program(padded, settings, tmp_path / "program.flac")
    assert program.offset_s == pytest.approx(1.5, abs=0.01)
    assert decoded_seconds(program.path) == pytest.approx(2 + 6.5 + 1.5 - 1.0, abs=0.05)
    assert "mono" in run_ffmpeg("-i", str(program.path)).stderr  # the episode decides


def test_nothing_is_built_without_jingles_or_trimming(padded: Path, tmp_path: Path) -> None:
    program = build_program(padded, AudioSettings(), tmp_path / "program.flac")
    assert program.path == padded and program.offset_s == 0.0
    assert not (tmp_path / "program.flac").exists()


def test_a_published_episode_with_jingles_has_its_chapters_moved(
    show: Path, audio: Callable[..., Path]
) -> None:
    audio("intro.wav", "sine=f=880:r=44100,volume=0.1", 3.0, 44100, 1)
    shutil.move(show.parent / "intro.wav", show / "intro.wav")
    config = show / "podcast.toml"
    config.write_text(
        config.read_text().replace("[audio]\n", '[audio]\nintro = "intro.wav"\ncrossfade_s = 1.0\n')
    )
    (show / "episodes" / ISOLEMENT / "published.json").unlink()  # not in this new target
    result = CliRunner().invoke(main, ["--config", str(config), "publish", VOUS])
    assert result.exit_code == 0, result.stderr
    public = show / "public"
    (mp3,) = public.glob(f"{VOUS}-*.mp3")
    report = run_ffmpeg("-i", str(mp3)).stderr
    starts = [float(s) for s in re.findall(r"Chapter #0:\d+: start (\d+\.\d+)", report)]
    assert starts == [0.0, 7.952, 20.371]  # + 3 s of intro − 1 s of crossfade
    (chapters,) = public.glob(f"{VOUS}-chapters-*.json")
    assert [c["startTime"] for c in json.loads(chapters.read_bytes())["chapters"]] == starts
    assert "00:00:07.952 Le futile" in (public / "feed.xml").read_text()
    record = json.loads((show / "episodes" / VOUS / "published.json").read_text())
    assert record["chapters_offset_s"] == 2.0
    source = decoded_seconds(show / "episodes" / VOUS / "audio.flac")
    assert record["duration_s"] == pytest.approx(source + 2.0, abs=0.1)  # 3 s intro − 1 s fade
    assert record["duration_s"] == pytest.approx(decoded_seconds(mp3), abs=0.1)
    figures = ebur128(mp3)
    assert abs(figures["integrated"] + 16.0) <= 0.25 and figures["true_peak"] <= -1.0


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('intro = "nope.wav"', "audio.intro: file 'nope.wav' not found"),
        ("sample_rate = 11025", "audio.sample_rate: 11025 is not allowed"),
        ("crossfade_s = -1", "audio.crossfade_s: -1 is out of range"),
        ("trim_silence = 1", "audio.trim_silence: expected true or false"),
    ],
)
def test_bad_program_settings_name_the_field(show: Path, setting: str, message: str) -> None:
    config = show / "podcast.toml"
    config.write_text(config.read_text().replace("[audio]\n", f"[audio]\n{setting}\n"))
    result = CliRunner().invoke(main, ["--config", str(config), "check"])
    assert result.exit_code == 1 and message in result.stderr, result.stderr


def test_a_jingle_that_is_not_audio_is_named(show: Path) -> None:
    (show / "intro.wav").write_text("not audio")
    config = show / "podcast.toml"
    config.write_text(config.read_text().replace("[audio]\n", '[audio]\nintro = "intro.wav"\n'))
    result = CliRunner().invoke(main, ["--config", str(config), "publish"])
    assert result.exit_code == 1
    assert f"{show / 'intro.wav'}: not a readable audio file" in result.stderr


def test_settings_without_jingles_keep_the_render_key(show: Path) -> None:
    """New program settings must not move existing enclosures (their URLs hold the key): the
    committed demo records were written before those settings existed."""
    from podpub.publishing.rendercache import render_key_for
    from podpub.publishing.state import load_show

    config = load_show(show / "podcast.toml")
    for folder in (show / "episodes").iterdir():
        record = json.loads((folder / "published.json").read_text())
        assert render_key_for(config.audio, folder / "audio.flac") == record["render_key"]
