"""The speech leveler, judged by an independent meter: ffmpeg's ebur128 short-term loudness of
each speaker's segments, in recordings made with espeak-ng voices (tests/recordings.py)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from podpub.audio.leveler import MAX_GAIN_DB, leveler_gain
from podpub.audio.limiter import predicted_reduction
from podpub.audio.render import (
    RenderResult,
    analyze,
    normalize_file,
    predicted_loudness,
    solve_gain,
)
from podpub.cli import main
from podpub.publishing.rendercache import render_key_for
from podpub.show.audio_settings import AudioSettings
from podpub.show.config import load_config
from tests import recordings
from tests.conftest import REPO, ebur128, edit
from tests.test_render import assert_on_target

LEVELED = replace(AudioSettings(), leveler=True)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not recordings.have_espeak():
        message = (
            "espeak-ng is not installed (apt-get install espeak-ng): it speaks the test voices"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return tmp_path_factory.mktemp("voices")


@pytest.fixture(scope="module")
def conversation(made: Path) -> tuple[Path, list[recordings.Segment]]:
    """A loud voice and one 10 dB quieter taking turns (about 30 s)."""
    path = made / "conversation.wav"
    return path, recordings.conversation(path, levels_db=(0.0, -10.0))


def render(source: Path, out: Path, settings: AudioSettings = LEVELED) -> RenderResult:
    result = normalize_file(source, out, settings)
    assert_on_target(out, settings.target)  # −16 ±0.25 LUFS, true peak ≤ −1 dBTP
    return result


def test_two_speakers_end_within_2_lu_of_each_other(
    conversation: tuple[Path, list[recordings.Segment]], tmp_path: Path
) -> None:
    source, segments = conversation
    assert recordings.spread(source, segments) > 8.0  # the recording: 10 dB apart
    render(source, tmp_path / "leveled.mp3")
    assert recordings.spread(tmp_path / "leveled.mp3", segments) <= 2.0
    assert ebur128(tmp_path / "leveled.mp3")["lra"] < ebur128(source)["lra"] - 5


def test_the_leveler_does_better_than_the_normalizer_alone(
    conversation: tuple[Path, list[recordings.Segment]], tmp_path: Path
) -> None:
    source, segments = conversation
    # the normalizer alone has to limit the loud voice by 14 dB, and lands on target all the same
    plain = normalize_file(source, tmp_path / "plain.mp3", AudioSettings())
    assert_on_target(tmp_path / "plain.mp3", AudioSettings().target)
    leveled = render(source, tmp_path / "leveled.mp3")
    assert recordings.spread(tmp_path / "leveled.mp3", segments) < recordings.spread(
        tmp_path / "plain.mp3", segments
    )
    assert ebur128(tmp_path / "leveled.mp3")["lra"] < ebur128(tmp_path / "plain.mp3")["lra"]
    # without the leveler only the limiter brings the loud voice down, by crushing its peaks
    # (measured: 5 to 8 dB more on the loud voice than on the quiet one; with it, about 1.4)
    assert limiting_gap(plain, segments) > limiting_gap(leveled, segments) + 2.0


def limiting_gap(result: RenderResult, segments: list[recordings.Segment]) -> float:
    """How much more the limiter took from the loud voice (A) than from the quiet one (B): dB,
    the mean over each voice's segments of the limiter's gain per 20 ms."""
    assert result.curves is not None
    limiter = result.curves.limiter_db

    def mean_gain(who: str) -> float:
        spoken = [limiter[round(s.start / 0.02) : round(s.end / 0.02)] for s in segments]
        mine = [gains for gains, s in zip(spoken, segments, strict=True) if s.who == who]
        return float(np.concatenate(mine).mean())

    return mean_gain("B") - mean_gain("A")


@pytest.mark.parametrize("ceiling_db", [-1.4, -2.4])
def test_the_gain_is_solved_however_much_the_limiter_must_take(
    conversation: tuple[Path, list[recordings.Segment]], ceiling_db: float
) -> None:
    # under 15–20 dB of limiting a dB of gain adds a few tenths of a dB of loudness
    program = analyze(conversation[0], AudioSettings())
    gain = solve_gain(program, -15.5, ceiling_db)
    assert predicted_loudness(program, gain, ceiling_db) == pytest.approx(-15.5, abs=0.01)
    deepest = predicted_reduction(program.peak, gain, ceiling_db).min()
    assert 20 * np.log10(deepest) < -12  # the case in point


def test_a_target_out_of_the_ceilings_reach_stops_where_gain_buys_nothing(
    conversation: tuple[Path, list[recordings.Segment]],
) -> None:
    program = analyze(conversation[0], AudioSettings())
    gain = solve_gain(program, -15.5, -8.0)  # a peak-to-loudness ratio of 6.5 dB: crushed
    assert 15 < gain < 30  # neither short of the flat stretch, nor up into the noise floor
    gained = predicted_loudness(program, gain + 1, -8.0) - predicted_loudness(program, gain, -8.0)
    assert gained < 0.15


def test_a_fading_speaker_is_held_level(made: Path, tmp_path: Path) -> None:
    source = made / "fading.wav"
    recordings.fading_speaker(source, seconds=24.0, fade_db=10.0)
    ends = [recordings.Segment(0.0, 8.0, "start"), recordings.Segment(16.0, 24.0, "end")]
    assert recordings.spread(source, ends) > 5.0
    render(source, tmp_path / "leveled.mp3")
    assert recordings.spread(tmp_path / "leveled.mp3", ends) <= 2.0


def test_music_is_left_alone_and_speech_over_a_bed_is_leveled(
    conversation: tuple[Path, list[recordings.Segment]], made: Path, tmp_path: Path
) -> None:
    speech, segments = conversation
    source = made / "with-music.wav"
    start = recordings.with_music(source, speech)
    result = render(source, tmp_path / "leveled.mp3")
    assert result.curves is not None
    intro = result.curves.leveler_db[: int((start - 1.5) / 0.02)]
    assert np.abs(intro).max() < 0.05  # the jingle keeps its own level
    shifted = [replace(s, start=s.start + start, end=s.end + start) for s in segments]
    assert recordings.spread(source, shifted) > 7.0
    assert recordings.spread(tmp_path / "leveled.mp3", shifted) <= 2.0


def test_normalize_leveler_from_the_command_line(
    conversation: tuple[Path, list[recordings.Segment]], tmp_path: Path
) -> None:
    source, _ = conversation
    out = tmp_path / "out.m4a"
    result = CliRunner().invoke(main, ["normalize", str(source), str(out), "--leveler", "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert abs(report["after"]["integrated_lufs"] + 16) <= 0.5
    assert report["after"]["lra_lu"] < report["before"]["lra_lu"] - 5


SECOND = 50  # 20 ms sub-blocks
RATE_SUBBLOCK = 882  # samples per 20 ms at 44.1 kHz


def syllables(seconds: int, lufs: float) -> np.ndarray:
    """20 ms energies of speech-like sound: 100 ms syllables with 60 ms gaps, at `lufs`."""
    pattern = np.tile(np.r_[np.ones(5), np.full(3, 1e-4)], seconds * SECOND // 8 + 1)
    power = 10 ** ((lufs + 0.691) / 10) * 8 / 5
    return np.asarray(pattern[: seconds * SECOND] * power * RATE_SUBBLOCK)


def steady(seconds: int, lufs: float) -> np.ndarray:
    return np.full(seconds * SECOND, 10 ** ((lufs + 0.691) / 10) * RATE_SUBBLOCK)


def test_gain_is_held_through_noise_and_pauses_never_raised() -> None:
    """Speech at −20, ten seconds of room noise at −60 (under the gate), speech at −20 again:
    the noise keeps the speech's gain, however quiet it is."""
    energy = np.concatenate([syllables(10, -20), steady(10, -60), syllables(10, -20)])
    gain = leveler_gain(energy, RATE_SUBBLOCK, -20.0)
    noise = gain[12 * SECOND : 18 * SECOND]
    assert np.abs(noise - gain[8 * SECOND]).max() < 0.5


def test_gain_is_bounded_and_music_gets_none() -> None:
    quiet_speech = syllables(10, -33)  # 16 dB under the program, still over its gate
    music = steady(10, -15)
    energy = np.concatenate([syllables(10, -15), quiet_speech, music])
    gain = leveler_gain(energy, RATE_SUBBLOCK, -17.0)
    assert gain.max() <= MAX_GAIN_DB + 1e-9
    assert gain[14 * SECOND : 16 * SECOND] == pytest.approx(MAX_GAIN_DB, abs=0.1)
    assert np.abs(gain[24 * SECOND :]).max() < 0.05  # sustained: music, left alone


def test_smooth_gain_no_pumping() -> None:
    """Within one speaker the gain barely moves; between speakers it turns over a second or
    more, never from one syllable to the next."""
    energy = np.concatenate([syllables(8, -18), syllables(8, -28)])
    gain = leveler_gain(energy, RATE_SUBBLOCK, -20.0)
    assert np.ptp(gain[2 * SECOND : 5 * SECOND]) < 0.5
    assert np.abs(np.diff(gain)).max() < 10 / SECOND  # under 10 dB per second


@pytest.mark.parametrize("subblocks", [1, 7, 149, 151])
def test_programs_shorter_than_the_windows(subblocks: int) -> None:
    gain = leveler_gain(syllables(4, -20)[:subblocks], RATE_SUBBLOCK, -20.0)
    assert gain.shape == (subblocks,) and np.isfinite(gain).all()


def test_the_leveler_enters_the_render_key_only_when_on(show: Path) -> None:
    source = show / "episodes" / "2012-04-26-vous" / "audio.flac"
    committed = json.loads((REPO / "episodes" / "2012-04-26-vous" / "published.json").read_text())
    assert render_key_for(AudioSettings(), source) == committed["render_key"]
    assert render_key_for(LEVELED, source) != committed["render_key"]
    edit(show / "podcast.toml", "[audio]\n", "[audio]\nleveler = true\n")
    assert load_config(show / "podcast.toml").audio == LEVELED
