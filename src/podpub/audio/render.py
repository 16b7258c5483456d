"""Two-pass loudness normalization: measure, then gain + true-peak limiting piped to the encoder.

Pass 1 (`analyze`) measures the program and refuses what no gain can fix. Pass 2 (`render`)
runs three processes at once: ffmpeg decoding, this process applying gain and limiting, and
ffmpeg/LAME encoding; a writer thread keeps the encoder fed while numpy works on the next
chunk, so on two cores the limiter hides behind the encoder. For a long MP3, a fourth process
measures a copy of the encoded frames as they leave the encoder, so the final file is checked
without decoding it again afterwards.
"""

from __future__ import annotations

import functools
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from podpub.audio.decode import decode
from podpub.audio.dsp import one_blas_thread
from podpub.audio.encode import Encoding, encode, to_pcm16
from podpub.audio.ffmpeg import probe
from podpub.audio.limiter import TruePeakLimiter, predicted_reduction
from podpub.audio.measure import PARALLEL_MEASURE_S, Analysis, can_fork, measure, measure_file
from podpub.audio.meter import Loudness, LoudnessMeter, integrated, to_db
from podpub.audio.peaks import pad_to_blocks
from podpub.callbacks import Progress
from podpub.errors import AudioError
from podpub.show.audio_settings import AudioSettings, LoudnessTarget

# MP3 encoding adds inter-sample overshoot; keep the limiter this far under the target ceiling.
ENCODER_MARGIN_DB = 0.8
RENDER_ATTEMPTS = 3  # encodes at most, when the encoder overshoots the true-peak ceiling
OVERSHOOT_STEP_DB = 0.2  # extra headroom on each new attempt, beyond the measured excess
LOUDNESS_TOLERANCE_LU = 0.2  # the encoded file within this of the target, or encode again
MAX_GAIN_DB = 40.0


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


@one_blas_thread()
def analyze(source: Path, settings: AudioSettings, progress: Progress | None = None) -> Analysis:
    """Pass 1: measure the program; AudioError for silence, or when reaching the target would
    need more gain than podpub allows (it would amplify the noise, not the voice)."""
    info = probe(source)
    channels = output_channels(info.channels, settings)
    duration = info.duration_s
    rate = settings.sample_rate
    meter = measure(source, rate, channels, progress, duration or 0.0, duration, true_peak=False)
    analysis = Analysis.of(meter, channels)
    check_level(source, analysis, settings)
    return analysis


def check_level(source: Path, analysis: Analysis, settings: AudioSettings) -> None:
    """Refuse silence, and a program that would need more than MAX_GAIN_DB to reach the target
    with these settings (the gain of the first encode: above the target by what the encoder
    takes away)."""
    if math.isinf(analysis.before.integrated_lufs):
        raise AudioError.at(source, "is silent (below the −70 LUFS gate): nothing to normalize")
    encoder_gain = encoder_gain_db(_encoding(settings, analysis.channels))
    target = settings.target
    ceiling = target.true_peak_dbtp - ENCODER_MARGIN_DB - encoder_gain
    _check_gain(
        source, analysis, solve_gain(analysis, target.integrated_lufs - encoder_gain, ceiling)
    )


def _encoding(settings: AudioSettings, channels: int) -> Encoding:
    bitrate = settings.mono_bitrate if channels == 1 else settings.bitrate
    return Encoding(settings.format, bitrate, settings.sample_rate, channels)


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


def solve_gain(analysis: Analysis, target_lufs: float, ceiling_db: float) -> float:
    """The gain that lands on target *after* limiting, predicted from pass-1 20 ms figures."""
    energy, peaks = analysis.energy, analysis.peak
    gain = target_lufs - analysis.before.integrated_lufs
    for _ in range(8):
        reduction = predicted_reduction(peaks, gain, ceiling_db)
        error = target_lufs - (integrated(energy * reduction**2, analysis.subblock) + gain)
        gain += error
        if abs(error) < 0.005:
            break
    return gain


def normalize_file(
    source: Path, output: Path, settings: AudioSettings, progress: Progress | None = None
) -> RenderResult:
    """Render `source` to `output` (MP3 or M4A) at the target loudness: both passes."""
    both = _both_passes(progress)
    return render(source, analyze(source, settings, both), output, settings, both)


def _both_passes(progress: Progress | None) -> Progress | None:
    """One progress bar for the two passes: each reports against its own duration."""
    if progress is None:
        return None
    return lambda done, total: progress(done, 2 * total)


@one_blas_thread()
def render(
    source: Path,
    analysis: Analysis,
    output: Path,
    settings: AudioSettings,
    progress: Progress | None = None,
) -> RenderResult:
    """Pass 2, via a temporary name. The encoded file is measured; when the encoder's own
    overshoot still breaks the true-peak ceiling (AAC at low bitrates can add 2 dB) or the
    loudness misses the target by more than 0.2 LU, it is rendered again with both errors
    corrected (at most three encodes)."""
    rate, channels = analysis.sample_rate, analysis.channels
    total = analysis.frames / rate
    encoding = _encoding(settings, channels)
    encoder_gain = encoder_gain_db(encoding)
    margin, aim = ENCODER_MARGIN_DB, settings.target.integrated_lufs - encoder_gain
    before = analysis.before
    for _ in range(RENDER_ATTEMPTS):
        # The limiter works before the encoder: aim above the target by what the encoder takes.
        ceiling = settings.target.true_peak_dbtp - margin - encoder_gain
        gain_db = solve_gain(analysis, aim, ceiling)
        _check_gain(source, analysis, gain_db)
        limiter = TruePeakLimiter(ceiling, rate, channels)
        chunks = _limited(
            decode(source, rate, channels), 10 ** (gain_db / 20), limiter, rate, progress, total
        )
        after = _encode_and_measure(chunks, output, encoding, analysis.frames)
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


def _encode_and_measure(
    chunks: Iterator[bytes], output: Path, encoding: Encoding, frames: int
) -> Loudness:
    """Encode, and measure the encoded audio: a long MP3 while it is written, anything else by
    decoding the file afterwards (forking costs more than it saves on short files, and an MP4
    cannot be read before its index, which is written last)."""
    short = frames < PARALLEL_MEASURE_S * encoding.sample_rate
    if encoding.format != "mp3" or short or not can_fork():
        encode(chunks, encoding, output)
        return measure_file(output)
    after = encode(chunks, encoding, output, measure_frames=frames)
    assert after is not None
    return after


def _check_gain(source: Path, analysis: Analysis, gain_db: float) -> None:
    if gain_db > MAX_GAIN_DB:
        raise AudioError.at(
            source,
            f"is too quiet ({analysis.before.integrated_lufs:.1f} LUFS): reaching the target "
            f"would need +{gain_db:.1f} dB of gain, more than the {MAX_GAIN_DB:.0f} dB podpub "
            "allows; check the recording level",
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
