"""Two-pass loudness normalization: measure, then gain + true-peak limiting piped to the encoder.

Pass 2 runs three processes at once: ffmpeg decoding, this process applying gain and limiting,
and ffmpeg/LAME encoding; a writer thread keeps the encoder fed while numpy works on the next
chunk, so on two cores the limiter hides behind the encoder. For a long MP3, a fourth process
measures a copy of the encoded frames as they leave the encoder, so the final file is checked
without decoding it again afterwards.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from podpub.audio.decode import decode
from podpub.audio.encode import Encoding, encode, to_pcm16
from podpub.audio.ffmpeg import probe
from podpub.audio.limiter import TruePeakLimiter, predicted_reduction
from podpub.audio.meter import Loudness, LoudnessMeter, integrated, to_db
from podpub.audio.peaks import pad_to_blocks
from podpub.config import AudioSettings, LoudnessTarget
from podpub.errors import AudioError

# Called with (seconds of audio just processed, seconds to process in all); a render makes two
# passes, so its total is twice the source's duration.
Progress = Callable[[float, float], None]
# MP3 encoding adds inter-sample overshoot; keep the limiter this far under the target ceiling.
ENCODER_MARGIN_DB = 0.8
RENDER_ATTEMPTS = 3  # encodes at most, when the encoder overshoots the true-peak ceiling
OVERSHOOT_STEP_DB = 0.2  # extra headroom on each new attempt, beyond the measured excess
LOUDNESS_TOLERANCE_LU = 0.2  # the encoded file within this of the target, or encode again
MAX_GAIN_DB = 40.0
PARALLEL_MEASURE_S = 60.0  # below this, forking a meter costs more than it saves
SPLIT_GRID_S = 0.02  # the meter's sub-block: both halves stay aligned to it at any sample rate


@dataclass(frozen=True)
class RenderResult:
    before: Loudness
    gain_db: float
    limiter_min_gain_db: float
    after: Loudness  # the encoded file, measured


def output_channels(source_channels: int, settings: AudioSettings) -> int:
    if settings.channels == "mono":
        return 1
    if settings.channels == "stereo":
        return 2
    return 1 if source_channels == 1 else 2


def measure(
    path: Path,
    sample_rate: int,
    channels: int,
    progress: Progress | None = None,
    total: float = 0.0,
    duration: float | None = None,
    true_peak: bool = True,
) -> LoudnessMeter:
    """Pass 1: stream the file through the meter (without `true_peak`, see LoudnessMeter).

    Nothing else runs during pass 1, so a long file is cut in two on a 20 ms boundary: a forked
    child measures the first half while this process measures the second (about 2x on two cores).
    """
    stretch = functools.partial(_measure_stretch, path, sample_rate, channels, true_peak=true_peak)
    if duration is None or duration < PARALLEL_MEASURE_S or not _can_fork():
        return stretch(progress, total)
    split = round(duration / 2 / SPLIT_GRID_S) * SPLIT_GRID_S
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        head = pool.submit(stretch, None, 0.0, 0.0, split)
        tail = stretch(progress, total, split)
        meter = head.result()
    if progress:
        progress(split, total)
    meter.absorb(tail)
    return meter


def _can_fork() -> bool:
    return sys.platform == "linux" and (os.cpu_count() or 1) > 1


def _measure_stretch(
    path: Path,
    sample_rate: int,
    channels: int,
    progress: Progress | None,
    total: float,
    start: float = 0.0,
    duration: float | None = None,
    *,
    true_peak: bool,
) -> LoudnessMeter:
    meter = LoudnessMeter(sample_rate, channels, true_peak)
    for chunk in decode(path, sample_rate, channels, start, duration):
        meter.add(chunk)
        if progress:
            progress(chunk.shape[1] / sample_rate, total)
    return meter


def measure_file(path: Path) -> Loudness:
    """Loudness of a file as it is (its own rate and channels; more than two are downmixed)."""
    info = probe(path)
    rate = info.sample_rate if info.sample_rate % 50 == 0 else 48000
    return measure(path, rate, min(info.channels, 2), duration=info.duration_s).result()


def loudness_row(path: Path, loudness: Loudness) -> dict[str, Any]:
    """The figures as `podpub loudness --json` prints them (-inf becomes null)."""
    row: dict[str, Any] = {"file": str(path)}
    for key, value in asdict(loudness).items():
        row[key] = round(value, 2) if math.isfinite(value) else None
    return row


def audio_settings(
    preset: str | None,
    target: float | None,
    true_peak: float | None,
    bitrate: str | None,
    output: Path,
) -> AudioSettings:
    """Settings for a one-off `podpub normalize`: a preset, adjusted by explicit numbers; M4A
    when the output's name ends in .m4a."""
    base = LoudnessTarget.preset(preset or "apple")
    chosen = LoudnessTarget(
        base.integrated_lufs if target is None else target,
        base.true_peak_dbtp if true_peak is None else true_peak,
    )
    settings = AudioSettings(target=chosen, format="m4a" if output.suffix == ".m4a" else "mp3")
    return replace(settings, bitrate=bitrate, mono_bitrate=bitrate) if bitrate else settings


@functools.cache
def encoder_gain_db(encoding: Encoding) -> float:
    """Level change the encoder itself introduces, measured on a 1 kHz tone (cached).

    LAME as built into ffmpeg returns audio about 0.45 dB quieter at every bitrate; measuring
    it, rather than hard-coding it, keeps the final file on target with any ffmpeg build.
    """
    rate, channels = encoding.sample_rate, encoding.channels
    t = np.arange(2 * rate) / rate
    tone = np.tile(0.25 * np.sin(2 * np.pi * 1000 * t), (channels, 1)).astype(np.float32)
    with tempfile.TemporaryDirectory() as folder:
        encoded = Path(folder) / "tone"
        encode(iter([to_pcm16(tone)]), encoding, encoded)
        after = measure(encoded, rate, channels).result().integrated_lufs
    before = LoudnessMeter(rate, channels)
    before.add(tone)
    return after - before.result().integrated_lufs


def solve_gain(meter: LoudnessMeter, target_lufs: float, ceiling_db: float) -> float:
    """The gain that lands on target *after* limiting, predicted from pass-1 20 ms figures."""
    measured = meter.result().integrated_lufs
    energy, peaks = meter.subblock_energy, meter.subblock_peak
    gain = target_lufs - measured
    for _ in range(8):
        reduction = predicted_reduction(peaks, gain, ceiling_db)
        error = target_lufs - (integrated(energy * reduction**2, meter.subblock) + gain)
        gain += error
        if abs(error) < 0.005:
            break
    return gain


def normalize_file(
    source: Path, output: Path, settings: AudioSettings, progress: Progress | None = None
) -> RenderResult:
    """Render `source` to `output` (MP3 or M4A) at the target loudness, via a temporary name.

    The encoded file is measured; when the encoder's own overshoot still breaks the true-peak
    ceiling (AAC at low bitrates can add 2 dB) or the loudness misses the target by more than
    0.2 LU, it is rendered again with both errors corrected (at most three encodes).
    """
    info = probe(source)
    channels = output_channels(info.channels, settings)
    rate = settings.sample_rate
    total = 2 * (info.duration_s or 0.0)
    meter = measure(source, rate, channels, progress, total, info.duration_s, true_peak=False)
    before = meter.result()
    if math.isinf(before.integrated_lufs):
        raise AudioError.at(source, "is silent (below the −70 LUFS gate): nothing to normalize")
    bitrate = settings.mono_bitrate if channels == 1 else settings.bitrate
    encoding = Encoding(settings.format, bitrate, rate, channels)
    encoder_gain = encoder_gain_db(encoding)
    margin, aim = ENCODER_MARGIN_DB, settings.target.integrated_lufs - encoder_gain
    for _ in range(RENDER_ATTEMPTS):
        # The limiter works before the encoder: aim above the target by what the encoder takes.
        ceiling = settings.target.true_peak_dbtp - margin - encoder_gain
        gain_db = solve_gain(meter, aim, ceiling)
        _check_gain(source, before, gain_db)
        limiter = TruePeakLimiter(ceiling, rate, channels)
        chunks = _limited(
            decode(source, rate, channels), 10 ** (gain_db / 20), limiter, rate, progress, total
        )
        after = _render(chunks, output, encoding, meter.frames)
        # Pass 1 left the source's true peak to the limiter, which oversamples the same blocks.
        source_peak = limiter.true_peak / 10 ** (gain_db / 20)
        before = replace(before, true_peak_dbtp=to_db(source_peak))
        overshoot = after.true_peak_dbtp - settings.target.true_peak_dbtp
        miss = settings.target.integrated_lufs - after.integrated_lufs
        if overshoot <= 0 and abs(miss) <= LOUDNESS_TOLERANCE_LU:
            break
        margin += max(overshoot + OVERSHOOT_STEP_DB, 0.0)
        aim += miss
    limited_db = 20 * math.log10(max(limiter.min_gain, 1e-9))
    return RenderResult(before, gain_db, limited_db, after)


def _render(chunks: Iterator[bytes], output: Path, encoding: Encoding, frames: int) -> Loudness:
    """Encode, and measure the encoded audio: a long MP3 while it is written, anything else by
    decoding the file afterwards (forking costs more than it saves on short files, and an MP4
    cannot be read before its index, which is written last)."""
    short = frames < PARALLEL_MEASURE_S * encoding.sample_rate
    if encoding.format != "mp3" or short or not _can_fork():
        encode(chunks, encoding, output)
        return measure_file(output)
    after = encode(chunks, encoding, output, measure_frames=frames)
    assert after is not None
    return after


def _check_gain(source: Path, before: Loudness, gain_db: float) -> None:
    if gain_db > MAX_GAIN_DB:
        raise AudioError.at(
            source,
            f"is too quiet ({before.integrated_lufs:.1f} LUFS): reaching the target would need "
            f"+{gain_db:.1f} dB of gain, more than the {MAX_GAIN_DB:.0f} dB podpub allows; "
            "check the recording level",
        )


def _limited(
    chunks: Iterator[np.ndarray],
    gain: float,
    limiter: TruePeakLimiter,
    rate: int,
    progress: Progress | None,
    total: float,
) -> Iterator[bytes]:
    """Interleaved PCM after gain and limiting; exactly as many frames as were decoded."""
    frames_in = frames_out = 0
    for chunk in chunks:
        frames_in += chunk.shape[1]
        out = limiter.process(pad_to_blocks(chunk * np.float32(gain)))
        frames_out += out.shape[1]
        yield to_pcm16(out)
        if progress:
            progress(chunk.shape[1] / rate, total)
    yield to_pcm16(limiter.flush()[:, : frames_in - frames_out])
