"""Our BS.1770 meter against ffmpeg's ebur128 filter on real signals."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from podpub.audio.decode import source_info
from podpub.audio.ffmpeg import probe
from podpub.audio.measure import measure_file
from podpub.audio.meter import LoudnessMeter, k_weighting
from tests.conftest import ebur128, make_audio

SIGNALS = {
    "pink-noise-stereo": ("anoisesrc=c=pink:a=0.1:r=48000", 8.0, 48000, 2),
    "tone-mono-22k": ("sine=f=997:r=22050", 5.0, 22050, 1),
    "bursts-44k": (
        "sine=f=440:r=44100,volume='if(lt(mod(t,1),0.5),1,0.05)':eval=frame",
        6.0,
        44100,
        1,
    ),
}


@pytest.mark.parametrize("name", SIGNALS)
def test_integrated_matches_ffmpeg_ebur128(audio: Callable[..., Path], name: str) -> None:
    source, seconds, rate, channels = SIGNALS[name]
    path = audio(f"{name}.wav", source, seconds, rate, channels)
    ours = measure_file(path)
    reference = ebur128(path)
    assert ours.integrated_lufs == pytest.approx(reference["integrated"], abs=0.1)
    assert ours.true_peak_dbtp == pytest.approx(reference["true_peak"], abs=0.3)
    assert ours.duration_s == pytest.approx(seconds, abs=0.01)


def test_full_scale_997hz_sine_reads_minus_3_lufs_per_bs1770() -> None:
    rate = 48000
    t = np.arange(rate * 5) / rate
    meter = LoudnessMeter(rate, 1)
    meter.add(np.sin(2 * np.pi * 997 * t).astype(np.float32)[None, :])
    assert meter.result().integrated_lufs == pytest.approx(-3.01, abs=0.05)


def test_k_weighting_matches_the_48k_coefficients_tabulated_in_bs1770() -> None:
    shelf, highpass = k_weighting(48000)
    assert shelf[:3] == pytest.approx(
        [1.53512485958697, -2.69169618940638, 1.19839281085285], abs=1e-6
    )
    assert shelf[4:] == pytest.approx([-1.69065929318241, 0.73248077421585], abs=1e-6)
    assert highpass[4:] == pytest.approx([-1.99004745483398, 0.99007225036621], abs=1e-6)


def test_silence_is_minus_infinity_not_an_error() -> None:
    meter = LoudnessMeter(44100, 2)
    meter.add(np.zeros((2, 44100 * 2), dtype=np.float32))
    result = meter.result()
    assert math.isinf(result.integrated_lufs) and result.integrated_lufs < 0
    assert result.lra_lu == 0.0


def test_chunking_does_not_change_the_result() -> None:
    rng = np.random.default_rng(7)
    samples = (rng.standard_normal((2, 44100 * 6)) * 0.05).astype(np.float32)
    whole, pieces = LoudnessMeter(44100, 2), LoudnessMeter(44100, 2)
    whole.add(samples)
    for start in range(0, samples.shape[1], 12345):
        pieces.add(samples[:, start : start + 12345])
    assert pieces.result().integrated_lufs == pytest.approx(
        whole.result().integrated_lufs, abs=1e-4
    )
    assert pieces.result().true_peak_dbtp == pytest.approx(whole.result().true_peak_dbtp, abs=1e-4)


def test_measuring_in_two_parallel_halves_matches_one_pass(audio: Callable[..., Path]) -> None:
    from podpub.audio.measure import PARALLEL_MEASURE_S, measure

    seconds = PARALLEL_MEASURE_S + 5
    source = "anoisesrc=c=pink:a=0.1:r=44100,volume='0.2+0.8*lt(mod(t,7),3)':eval=frame"
    path = audio("long.flac", source, seconds, 44100, 2)
    serial = measure(path, 44100, 2).result()
    parallel = measure(path, 44100, 2, duration=seconds).result()
    assert parallel.integrated_lufs == pytest.approx(serial.integrated_lufs, abs=0.01)
    assert parallel.lra_lu == pytest.approx(serial.lra_lu, abs=0.05)
    assert parallel.true_peak_dbtp == pytest.approx(serial.true_peak_dbtp, abs=0.01)
    assert parallel.duration_s == pytest.approx(serial.duration_s, abs=0.001)


@pytest.mark.parametrize(
    ("name", "codec", "channels"),
    [
        ("s16-stereo.wav", "pcm_s16le", 2),
        ("s24-mono.wav", "pcm_s24le", 1),
        ("s32-stereo.wav", "pcm_s32le", 2),
        ("float.wav", "pcm_f32le", 2),  # not for `wave`: ffmpeg says
        ("tone.flac", "flac", 1),
    ],
)
def test_a_sources_facts_are_ffmpegs_whoever_reads_them(
    tmp_path: Path, name: str, codec: str, channels: int
) -> None:
    # a PCM WAV's header is read without starting ffmpeg; what pass 1 learns must not change
    path = make_audio(tmp_path / name, "sine=f=440", 2.5, 48000, channels, "-c:a", codec)
    ours, ffmpegs = source_info(path), probe(path)
    facts = (ours.sample_rate, ours.channels)
    assert facts == (ffmpegs.sample_rate, ffmpegs.channels) == (48000, channels)
    assert ours.duration_s == pytest.approx(ffmpegs.duration_s, abs=0.01)
    assert ours.seeks_exactly and ffmpegs.seeks_exactly
    assert ours.codec.split()[0] == ffmpegs.codec.split()[0] == codec
