"""Two-pass loudness normalization: measure, then gain + true-peak limiting piped to the encoder.

Pass 1 (`analyze`) measures the program and refuses what no gain can fix. Pass 2 (`render`)
runs three processes at once: ffmpeg decoding, this process applying gain and limiting, and
ffmpeg/LAME encoding; a writer thread keeps the encoder fed while numpy works on the next
chunk, so on two cores the limiter hides behind the encoder. For a long MP3, a fourth process
measures a copy of the encoded frames as they leave the encoder, so the final file is checked
without decoding it again afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from podpub.audio.calibrate import EncoderFigures, encoder_figures
from podpub.audio.curves import Curves, mean_square
from podpub.audio.decode import decode, source_info
from podpub.audio.dsp import one_blas_thread
from podpub.audio.encode import Encoding, encode, to_pcm16
from podpub.audio.leveler import gain_of, leveler_gain
from podpub.audio.limiter import TruePeakLimiter, predicted_reduction
from podpub.audio.measure import (
    PARALLEL_MEASURE_S,
    Analysis,
    can_fork,
    measure,
    measured_file,
    split_duration,
)
from podpub.audio.meter import Loudness, Measured, integrated, to_db
from podpub.audio.peaks import pad_to_blocks
from podpub.audio.probe import trial_figures
from podpub.callbacks import Progress
from podpub.errors import AudioError
from podpub.show.audio_settings import AudioSettings, LoudnessTarget

# MP3 encoding adds inter-sample overshoot; keep the limiter this far under the target ceiling.
ENCODER_MARGIN_DB = 0.8
RENDER_ATTEMPTS = 3  # encodes at most, when the encoder overshoots the true-peak ceiling
OVERSHOOT_STEP_DB = 0.2  # extra headroom on each new attempt, beyond the measured excess
OVERSHOOT_SPARE_DB = (
    0.4  # beyond the overshoot of a trial encode (the whole program has more peaks)
)
TRIAL_FORMATS = ("m4a",)  # AAC's overshoot varies with the program: a trial encode first (probe.py)
# How much of each extra dB of margin the file's true peak gives back, until two encodes tell:
# the loudness is held, so more margin means more limiting, and limiting feeds the overshoot
# (measured on espeak-ng speech limited by 10–13 dB, 64 kb/s LAME: about 0.4).
OVERSHOOT_SLOPE = 0.5
# An overshoot can be one codec artefact (AAC's pre-echo on one onset) that a small change
# removes: never take more than this at once, or the limiter would crush the whole program.
MAX_MARGIN_STEP_DB = 1.5
LOUDNESS_TOLERANCE_LU = 0.2  # the encoded file within this of the target, or encode again
MAX_GAIN_DB = 40.0
SOLVER_STEPS = 30
SOLVER_TOLERANCE_LU = 0.005
MAX_SOLVER_STEP_DB = 6.0  # where the limiter holds the loudness still, do not leap beyond reason
MIN_SLOPE = 0.1  # dB of loudness per dB of gain, or the limiter holds the loudness still
# A constant added by a recording chain (−60 dBFS and above) is taken off before anything else:
# inaudible but for clicks at the ends, it would take the peaks' room and, large, make a loud
# recording look too quiet to reach the target without crushing it.
DC_OFFSET_LIMIT = 0.001


@dataclass(frozen=True)
class RenderResult:
    before: Loudness
    gain_db: float
    limiter_min_gain_db: float
    after: Loudness  # the encoded file, measured
    encodes: int = 1
    curves: Curves | None = None  # the 20 ms figures, for the loudness report


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
    info = source_info(source)
    channels = output_channels(info.channels, settings)
    rate, total = settings.sample_rate, info.duration_s or 0.0
    split = split_duration(info)
    meter = measure(source, rate, channels, progress, total, split, true_peak=False)
    dc_offset = meter.dc_offset
    if np.abs(dc_offset).max(initial=0.0) >= DC_OFFSET_LIMIT:
        # Its peaks (and so the limiter's prediction) were the offset's: measure again without.
        meter = measure(source, rate, channels, None, total, split, False, dc_offset)
        analysis = Analysis.of(meter, channels, dc_offset)
    else:
        analysis = Analysis.of(meter, channels)
    check_level(source, analysis, settings)
    return analysis


def check_level(source: Path, analysis: Analysis, settings: AudioSettings) -> None:
    """Refuse silence, and a program that would need more than MAX_GAIN_DB to reach the target
    with these settings (the gain of the first encode: above the target by what the encoder
    takes away)."""
    if math.isinf(analysis.before.integrated_lufs):
        raise AudioError.at(source, "is silent (below the −70 LUFS gate): nothing to normalize")
    aim = Aim.first(settings.target, encoder_figures(_encoding(settings, analysis.channels)))
    program, _ = leveled(analysis, settings)
    _check_gain(source, analysis, solve_gain(program, aim.loudness, aim.ceiling))


def leveled(analysis: Analysis, settings: AudioSettings) -> tuple[Analysis, np.ndarray | None]:
    """The program as the normalizer sees it: after the leveler's gain curve (dB per 20 ms),
    when the leveler is on."""
    if not settings.leveler:
        return analysis, None
    curve = leveler_gain(analysis.energy, analysis.subblock, analysis.before.integrated_lufs)
    return analysis.with_gain(curve), curve


def _encoding(settings: AudioSettings, channels: int) -> Encoding:
    bitrate = settings.mono_bitrate if channels == 1 else settings.bitrate
    return Encoding(settings.format, bitrate, settings.sample_rate, channels)


def audio_settings(
    preset: str | None,
    target: float | None,
    true_peak: float | None,
    bitrate: str | None,
    output: Path,
    leveler: bool = False,
) -> AudioSettings:
    """Settings for a one-off `podpub normalize`: a preset, adjusted by explicit numbers; M4A
    when the output's name ends in .m4a."""
    base = LoudnessTarget.preset(preset or "apple")
    chosen = LoudnessTarget(
        base.integrated_lufs if target is None else target,
        base.true_peak_dbtp if true_peak is None else true_peak,
    )
    fmt = "m4a" if output.suffix == ".m4a" else "mp3"
    settings = AudioSettings(target=chosen, format=fmt, leveler=leveler)
    return replace(settings, bitrate=bitrate, mono_bitrate=bitrate) if bitrate else settings


def solve_gain(analysis: Analysis, target_lufs: float, ceiling_db: float) -> float:
    """The gain that lands on target *after* limiting, predicted from pass-1 20 ms figures.

    The limited loudness rises with the gain, by at most as much: by about as much when little
    is limited, by a tenth of it under 20 dB of limiting. So each step divides the error by the
    slope the last step measured (a secant), not by 1, which would crawl there. Where a dB of
    gain buys less than MIN_SLOPE, the target is out of this ceiling's reach: more gain would
    only crush the program, so the solver stops there."""

    def missing(gain: float) -> float:
        return target_lufs - predicted_loudness(analysis, gain, ceiling_db)

    gain = target_lufs - analysis.before.integrated_lufs
    error, slope = missing(gain), 1.0
    for _ in range(SOLVER_STEPS):
        if abs(error) < SOLVER_TOLERANCE_LU or slope < MIN_SLOPE:
            break
        step = max(-MAX_SOLVER_STEP_DB, min(error / slope, MAX_SOLVER_STEP_DB))
        new_error = missing(gain + step)
        if not math.isfinite(new_error):  # so far past the ceiling that nothing is left
            break
        slope = min((error - new_error) / step, 1.0)
        gain, error = gain + step, new_error
    return gain


def predicted_loudness(analysis: Analysis, gain_db: float, ceiling_db: float) -> float:
    """The program's loudness after this gain and the limiter, from pass-1 20 ms figures."""
    reduction = predicted_reduction(analysis.peak, gain_db, ceiling_db)
    return integrated(analysis.energy * reduction**2, analysis.subblock) + gain_db


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
    program, curve = leveled(analysis, settings)
    encoding = _encoding(settings, analysis.channels)
    aim = Aim.first(settings.target, encoder_figures(encoding))
    if encoding.format in TRIAL_FORMATS:
        gain_db = solve_gain(program, aim.loudness, aim.ceiling)
        trial = trial_figures(source, program, curve, gain_db, aim.ceiling, encoding)
        aim = Aim.first(settings.target, trial) if trial else aim
    pass2 = Pass2(source, analysis, curve, progress)
    for encodes in range(1, RENDER_ATTEMPTS + 1):
        gain_db = solve_gain(program, aim.loudness, aim.ceiling)
        if encodes == 1:  # pass 1 refused what no first encode could reach; later ones correct
            _check_gain(source, analysis, gain_db)
        measured, limiter = pass2.run(gain_db, aim.ceiling, output, encoding)
        after = measured.loudness
        if not aim.corrected(after):
            break
    # Pass 1 left the source's true peak to the limiter, which oversamples the same blocks.
    source_peak = limiter.true_peak / 10 ** (gain_db / 20)
    before = replace(analysis.before, true_peak_dbtp=to_db(source_peak))
    limited_db = 20 * math.log10(max(limiter.min_gain, 1e-9))
    curves = _curves(analysis, curve, limiter, measured, settings)
    return RenderResult(before, gain_db, limited_db, after, encodes, curves)


@dataclass
class Aim:
    """Where an encode aims: the limiter's ceiling and the loudness it is given, above the
    target by what the encoder takes away; corrected from what each encoded file measured."""

    target: LoudnessTarget
    encoder_gain: float  # dB the encoder adds (LAME: about −0.45)
    margin: float = ENCODER_MARGIN_DB
    slope: float = OVERSHOOT_SLOPE
    last: tuple[float, float] | None = None  # margin and true peak of the previous encode

    def __post_init__(self) -> None:
        self.loudness = self.target.integrated_lufs - self.encoder_gain

    @classmethod
    def first(cls, target: LoudnessTarget, encoder: EncoderFigures) -> Aim:
        """The first encode keeps the limiter under the ceiling by what this encoder was seen
        to add to the program's peaks in a trial, with some to spare, and by ENCODER_MARGIN_DB
        at least."""
        margin = max(ENCODER_MARGIN_DB, encoder.overshoot_db + OVERSHOOT_SPARE_DB)
        return cls(target, encoder.gain_db, margin)

    @property
    def ceiling(self) -> float:
        return self.target.true_peak_dbtp - self.margin - self.encoder_gain

    def corrected(self, after: Loudness) -> bool:
        """False when the file landed; else aim again, correcting both errors."""
        overshoot = after.true_peak_dbtp - self.target.true_peak_dbtp
        miss = self.target.integrated_lufs - after.integrated_lufs
        if overshoot <= 0 and abs(miss) <= LOUDNESS_TOLERANCE_LU:
            return False
        if self.last and self.margin > self.last[0]:  # two encodes tell the real slope…
            given_back = (self.last[1] - after.true_peak_dbtp) / (self.margin - self.last[0])
            if given_back > 0:  # …unless the encoder's own noise hid it (the peak rose)
                self.slope = min(max(given_back, 0.25), 1.0)
        self.last = (self.margin, after.true_peak_dbtp)
        step = max(overshoot + OVERSHOOT_STEP_DB, 0.0) / self.slope
        self.margin += min(step, MAX_MARGIN_STEP_DB)
        self.loudness += miss
        return True


@dataclass
class Pass2:
    """One encode of the program: decoded again, leveled, gained, limited, encoded, measured."""

    source: Path
    analysis: Analysis
    curve: np.ndarray | None  # the leveler's, dB per 20 ms
    progress: Progress | None

    def run(
        self, gain_db: float, ceiling: float, output: Path, encoding: Encoding
    ) -> tuple[Measured, TruePeakLimiter]:
        rate, channels = self.analysis.sample_rate, self.analysis.channels
        limiter = TruePeakLimiter(ceiling, rate, channels, self.analysis.subblock)
        decoded = decode(self.source, rate, channels, dc_offset=self.analysis.dc_offset)
        gains = gain_of(self.curve, self.analysis.subblock, gain_db)
        chunks = _limited(decoded, gains, limiter)
        if self.progress:
            chunks = _reporting(chunks, self.progress, encoding, self.analysis.frames)
        return _encode_and_measure(chunks, output, encoding, self.analysis.frames), limiter


def _curves(
    analysis: Analysis,
    curve: np.ndarray | None,
    limiter: TruePeakLimiter,
    measured: Measured,
    settings: AudioSettings,
) -> Curves:
    subblock = analysis.subblock
    assert limiter.trace is not None
    facts = {
        "target_lufs": settings.target.integrated_lufs,
        "ceiling_dbtp": settings.target.true_peak_dbtp,
    }
    return replace(
        Curves.of_file(measured, **facts),
        before=mean_square(analysis.energy, subblock),
        leveler_db=curve if curve is not None else np.zeros(0),
        limiter_db=20 * np.log10(np.maximum(limiter.trace.gains(len(analysis.energy)), 1e-9)),
    )


def _encode_and_measure(
    chunks: Iterator[bytes], output: Path, encoding: Encoding, frames: int
) -> Measured:
    """Encode, and measure the encoded audio: a long file while it is written, a short one by
    decoding it afterwards (forking costs more than it saves on short files)."""
    short = frames < PARALLEL_MEASURE_S * encoding.sample_rate
    if short or not can_fork():
        encode(chunks, encoding, output)
        return measured_file(output)
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
    gains: Callable[[int, int], np.ndarray | np.float32],
    limiter: TruePeakLimiter,
) -> Iterator[bytes]:
    """Interleaved PCM after gain and limiting; exactly as many frames as were decoded."""
    frames_in = frames_out = 0
    for chunk in chunks:
        gain = gains(frames_in, chunk.shape[1])
        frames_in += chunk.shape[1]
        out = limiter.process(pad_to_blocks(chunk * gain))
        frames_out += out.shape[1]
        yield to_pcm16(out)
    yield to_pcm16(limiter.flush()[:, : frames_in - frames_out])


def _reporting(
    chunks: Iterator[bytes], progress: Progress, encoding: Encoding, frames: int
) -> Iterator[bytes]:
    """Pass the 16-bit PCM through, reporting the seconds it holds."""
    rate, frame_bytes = encoding.sample_rate, 2 * encoding.channels
    for data in chunks:
        progress(len(data) / frame_bytes / rate, frames / rate)
        yield data
