"""Normalization ground truth: the final MP3 measured by ffmpeg's ebur128, not by our meter."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from podpub.audio import encode, render
from podpub.audio.decode import decode
from podpub.audio.ffmpeg import probe
from podpub.audio.measure import PARALLEL_MEASURE_S, measure_file
from podpub.audio.meter import Loudness
from podpub.audio.render import normalize_file
from podpub.errors import AudioError
from podpub.show.audio_settings import AudioSettings, LoudnessTarget
from tests.conftest import decoded_seconds, ebur128

SPEECH_LIKE = "sine=f=220:r=44100,volume='0.3*(0.6+0.4*sin(2*PI*3*t))*if(lt(mod(t,0.7),0.45),1,0.02)':eval=frame"
CLIPPED_MUSIC = "sine=f=330:r=48000,volume=30,alimiter=limit=1:level=false,volume=1"


def assert_on_target(path: Path, target: LoudnessTarget) -> None:
    measured = ebur128(path)
    # the tolerance is ±0.5 LU and its aim ±0.2; ebur128 prints one decimal
    assert measured["integrated"] == pytest.approx(target.integrated_lufs, abs=0.25), measured
    assert measured["true_peak"] <= target.true_peak_dbtp, measured


@pytest.mark.parametrize(
    ("name", "source", "rate", "channels"),
    [
        ("quiet-speech-22k-mono", SPEECH_LIKE.replace("44100", "22050"), 22050, 1),
        ("noise-48k-stereo", "anoisesrc=c=pink:a=0.02:r=48000,lowpass=f=12000", 48000, 2),
        ("clipped-loud-music", CLIPPED_MUSIC, 48000, 2),
    ],
)
def test_final_file_meets_the_apple_target(
    audio: Callable[..., Path], tmp_path: Path, name: str, source: str, rate: int, channels: int
) -> None:
    src = audio(f"{name}.wav", source, 6.0, rate, channels)
    out = tmp_path / f"{name}.mp3"
    result = normalize_file(src, out, AudioSettings())
    assert_on_target(out, AudioSettings().target)
    info = probe(out)
    assert info.sample_rate == 44100
    assert info.channels == channels  # mono stays mono, stereo stays stereo
    assert decoded_seconds(out) == pytest.approx(6.0, abs=0.1)
    assert result.before.integrated_lufs < 0


def test_digital_silence_between_words(audio: Callable[..., Path], tmp_path: Path) -> None:
    """Exact zeros between the bursts (a WAV read directly, in whole 20 ms sub-blocks)."""
    source = "sine=f=220:r=44100,volume='0.3*if(lt(mod(t,0.7),0.45),1,0)':eval=frame"
    src = audio("gaps.wav", source, 5.0)
    normalize_file(src, tmp_path / "out.mp3", AudioSettings())
    assert_on_target(tmp_path / "out.mp3", AudioSettings().target)


@pytest.mark.parametrize("preset", ["spotify", "speech", "ebu-r128"])
def test_presets(audio: Callable[..., Path], tmp_path: Path, preset: str) -> None:
    src = audio("speech.wav", SPEECH_LIKE, 5.0)
    settings = replace(AudioSettings(), target=LoudnessTarget.preset(preset))
    normalize_file(src, tmp_path / "out.mp3", settings)
    assert_on_target(tmp_path / "out.mp3", settings.target)


def test_large_dynamics_quiet_speech_then_loud_music(
    audio: Callable[..., Path], tmp_path: Path
) -> None:
    source = "sine=f=300:r=44100,volume='if(lt(t,4),0.01,0.9)':eval=frame"
    src = audio("dynamics.wav", source, 6.0)
    result = normalize_file(src, tmp_path / "out.mp3", AudioSettings())
    assert_on_target(tmp_path / "out.mp3", AudioSettings().target)
    assert_source_figures(result.before, src)


def test_source_true_peak_is_exact_when_the_limiter_has_nothing_to_do(
    audio: Callable[..., Path], tmp_path: Path
) -> None:
    src = audio("tone.wav", "sine=f=997:r=44100,volume=0.05", 4.0)
    result = normalize_file(src, tmp_path / "out.mp3", AudioSettings())
    assert result.limiter_min_gain_db == 0.0
    assert_source_figures(result.before, src)


def assert_source_figures(reported: Loudness, source: Path) -> None:
    """normalize's "before" equals `podpub loudness` of the source (at its own 44.1 kHz); its
    true peak comes from the limiter's oversampling, not from pass 1."""
    measured = measure_file(source)
    for field in ("integrated_lufs", "true_peak_dbtp", "sample_peak_dbfs", "duration_s"):
        assert getattr(reported, field) == pytest.approx(getattr(measured, field), abs=0.01)


@pytest.mark.parametrize("suffix", [".mp3", ".m4a"])
def test_a_long_file_is_measured_while_it_is_written(
    audio: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    seconds = PARALLEL_MEASURE_S + 5
    src = audio("long.wav", SPEECH_LIKE, seconds, 44100, 2)
    out = tmp_path / f"a|b [c]\\d{suffix}"  # the tee muxer's separators, escaped in the command
    settings = replace(AudioSettings(), format=suffix[1:])

    def no_second_decode(path: Path) -> None:
        raise AssertionError(f"{path} decoded again after encoding")

    with monkeypatch.context() as patched:
        patched.setattr(render, "measured_file", no_second_decode)
        result = normalize_file(src, out, settings)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == suffix] == [out.name]
    assert_on_target(out, settings.target)
    afterwards = measure_file(out)  # the file as a player decodes it, priming removed
    assert result.after.integrated_lufs == pytest.approx(afterwards.integrated_lufs, abs=0.005)
    assert result.after.true_peak_dbtp == pytest.approx(afterwards.true_peak_dbtp, abs=0.01)
    assert result.after.duration_s == pytest.approx(seconds, abs=0.001)
    # ffmpeg before 6 plays an M4A's last AAC frame whole: the edit list's end is not applied
    padding = 1024 / 44100 if suffix == ".m4a" else 0.0
    assert seconds - 0.001 <= afterwards.duration_s <= seconds + padding + 0.001
    assert_source_figures(result.before, src)


CORES = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()


def test_a_failing_long_encode_reports_it_and_leaves_no_meter_behind(
    audio: Callable[..., Path], tmp_path: Path
) -> None:
    src = audio("long.wav", SPEECH_LIKE, PARALLEL_MEASURE_S + 5, 44100, 2)
    (tmp_path / "not-a-folder").write_text("")
    out = tmp_path / "not-a-folder" / "out.mp3"
    with pytest.raises(AudioError, match="encoding failed") as caught:
        normalize_file(src, out, AudioSettings())
    assert str(out) in str(caught.value)
    assert multiprocessing.active_children() == []
    if CORES:
        assert os.sched_getaffinity(0) == CORES  # given back on failure too


@pytest.mark.skipif(len(CORES) < 2, reason="needs two cores")
def test_the_encoder_has_a_core_the_helpers_stay_off(
    audio: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = audio("long.wav", SPEECH_LIKE, PARALLEL_MEASURE_S + 5, 44100, 2)
    seen: dict[str, object] = {}
    feed = encode._feed

    def watched(encoder: subprocess.Popen[bytes], chunks: Iterator[bytes]) -> None:
        seen["encoder"] = os.sched_getaffinity(encoder.pid)
        seen["this thread"] = os.sched_getaffinity(0)
        seen["meter"] = [os.sched_getaffinity(c.pid) for c in multiprocessing.active_children()]
        feed(encoder, chunks)

    monkeypatch.setattr(encode, "_feed", watched)
    normalize_file(src, tmp_path / "out.mp3", AudioSettings())
    helpers = CORES - {min(CORES)}
    assert seen == {"encoder": CORES, "this thread": helpers, "meter": [helpers]}
    assert os.sched_getaffinity(0) == CORES


def test_surround_is_downmixed_to_stereo(audio: Callable[..., Path], tmp_path: Path) -> None:
    src = audio("surround.wav", "anoisesrc=c=pink:a=0.05:r=48000,lowpass=f=10000", 4.0, 48000, 6)
    normalize_file(src, tmp_path / "out.mp3", AudioSettings())
    assert probe(tmp_path / "out.mp3").channels == 2
    assert_on_target(tmp_path / "out.mp3", AudioSettings().target)


def test_near_silence_needing_over_40_db_is_refused(
    audio: Callable[..., Path], tmp_path: Path
) -> None:
    src = audio("hiss.wav", "anoisesrc=c=pink:a=0.003:r=44100", 3.0)
    with pytest.raises(AudioError, match=r"too quiet .* \+4\d\.\d dB"):
        normalize_file(src, tmp_path / "out.mp3", AudioSettings())
    assert not (tmp_path / "out.mp3").exists()


def test_silence_is_refused_not_amplified(audio: Callable[..., Path], tmp_path: Path) -> None:
    src = audio("silence.wav", "anullsrc=r=44100:cl=mono", 3.0)
    with pytest.raises(AudioError, match="silent"):
        normalize_file(src, tmp_path / "out.mp3", AudioSettings())
    assert list(tmp_path.glob("out*")) == [] and list(tmp_path.glob(".out*")) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"this is not audio at all" * 100, "not a readable audio file"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt garbage", "not a readable audio file"),
    ],
)
def test_bad_sources_give_a_clear_error_and_write_nothing(
    tmp_path: Path, content: bytes, message: str
) -> None:
    src = tmp_path / "bad.wav"
    src.write_bytes(content)
    with pytest.raises(AudioError, match=message) as caught:
        normalize_file(src, tmp_path / "out.mp3", AudioSettings())
    assert str(src) in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.wav"]


def test_existing_output_is_untouched_when_rendering_fails(tmp_path: Path) -> None:
    out = tmp_path / "out.mp3"
    out.write_bytes(b"previous render")
    src = tmp_path / "bad.flac"
    src.write_bytes(b"fLaC" + b"\x00" * 64)
    with pytest.raises(AudioError):
        normalize_file(src, out, AudioSettings())
    assert out.read_bytes() == b"previous render"


def test_loudness_and_normalize_commands_print_json_on_stdout(
    audio: Callable[..., Path], tmp_path: Path
) -> None:
    import json

    from click.testing import CliRunner

    from podpub.cli import main

    src = audio("speech.wav", SPEECH_LIKE, 4.0)
    out = tmp_path / "out.mp3"
    result = CliRunner().invoke(
        main, ["normalize", str(src), str(out), "--preset", "speech", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["after"]["integrated_lufs"] == pytest.approx(-18.0, abs=0.25)
    assert report["before"]["file"] == str(src) and report["gain_db"] > 0
    result = CliRunner().invoke(main, ["loudness", str(src), str(out), "--json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [set(r) for r in rows] == [
        {"file", "integrated_lufs", "lra_lu", "true_peak_dbtp", "sample_peak_dbfs", "duration_s"}
    ] * 2
    assert rows[1]["integrated_lufs"] == pytest.approx(ebur128(out)["integrated"], abs=0.1)
    assert rows[1]["duration_s"] == pytest.approx(4.0, abs=0.05)


def test_loudness_of_a_non_audio_file_exits_1_naming_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from podpub.cli import main

    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    result = CliRunner().invoke(main, ["loudness", str(bad)])
    assert result.exit_code == 1 and f"error: {bad}: not a readable audio file" in result.stderr


@pytest.mark.parametrize("suffix", [".mp3", ".m4a"])
def test_a_large_dc_offset_is_taken_off_before_the_gain_is_solved(
    audio: Callable[..., Path], tmp_path: Path, suffix: str
) -> None:
    """A voice riding on a constant 0.6 (a broken preamp): its peaks are the offset's,
    so the gain was solved for them (podpub wrote silence). The offset goes first, from the
    M4A's trial encode as well as from pass 2."""
    src = audio("offset.wav", f"{SPEECH_LIKE},dcshift=shift=0.6", 6.0)
    out = tmp_path / f"out{suffix}"
    settings = AudioSettings(format=suffix[1:])
    result = normalize_file(src, out, settings)
    assert_on_target(out, settings.target)
    assert result.encodes == 1
    samples = np.concatenate(list(decode(out, 44100, 1)), axis=1)
    assert abs(float(samples.mean())) < 0.001  # what is left of the offset: nothing to hear


def test_a_limiter_that_took_nothing_says_so_without_a_double_minus(
    audio: Callable[..., Path], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from podpub.cli import main

    quiet_tone = audio("tone.wav", "sine=f=440:r=44100,volume=0.05", 2.0)
    out = tmp_path / "out.mp3"
    result = CliRunner().invoke(main, ["normalize", str(quiet_tone), str(out)])
    assert result.exit_code == 0, result.stderr
    assert "limiter up to -0.00 dB" in result.stdout and "--" not in result.stdout
