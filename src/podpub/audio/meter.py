"""ITU-R BS.1770-4 / EBU R128 loudness meter that runs chunk by chunk.

Filter state is carried across chunks, and what is kept per 20 ms of audio is two numbers (the
K-weighted energy and the true peak of that stretch), so a three-hour episode costs a few MB.
Those 20 ms figures also let the normalizer predict what its limiter will take away.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from podpub.audio.dsp import sosfilt
from podpub.audio.peaks import BLOCK as PEAK_BLOCK
from podpub.audio.peaks import BlockPeaks, pad_to_blocks

SUBBLOCKS_PER_100MS = 5  # 20 ms resolution
GATING_BLOCK = 4 * SUBBLOCKS_PER_100MS  # 400 ms
SHORT_TERM = 30 * SUBBLOCKS_PER_100MS  # 3 s window for loudness range
STEP = SUBBLOCKS_PER_100MS  # blocks hop by 100 ms (75 % overlap for 400 ms blocks)
ABSOLUTE_GATE = -70.0


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float  # -inf for silence
    lra_lu: float
    true_peak_dbtp: float
    sample_peak_dbfs: float
    duration_s: float


@dataclass(frozen=True)
class Measured:
    """A measurement with the 20 ms figures behind it (for the loudness report)."""

    loudness: Loudness
    energy: np.ndarray  # K-weighted energy per 20 ms, channels summed (sum of squares)
    peak: np.ndarray  # sample peak (linear) per 20 ms
    subblock: int  # samples per 20 ms


def k_weighting(sample_rate: int) -> np.ndarray:
    """The two biquads of BS.1770 (pre-filter shelf + RLB high-pass) as second-order sections.

    Derived from the analogue prototypes with the constants libebur128 uses, which reproduce
    the coefficients tabulated in BS.1770 at 48 kHz and extend them to any sample rate.
    """
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = [
        (vh + vb * k / q + k * k) / a0,
        2 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
    ]
    shelf_a = [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1 + k / q + k * k
    highpass_a = [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf_b + shelf_a, [1.0, -2.0, 1.0, *highpass_a]])


class LoudnessMeter:
    """Feed float32 chunks of shape (channels, frames); read `result()` at the end.

    Without `true_peak`, oversampling is skipped and the result's true peak is NaN (the
    normalizer learns it from its limiter, which oversamples anyway).
    """

    def __init__(self, sample_rate: int, channels: int, true_peak: bool = True) -> None:
        if sample_rate % (10 * SUBBLOCKS_PER_100MS):
            raise ValueError(f"sample rate {sample_rate} is not a multiple of 50 Hz")
        self.sample_rate = sample_rate
        self.subblock = sample_rate // (10 * SUBBLOCKS_PER_100MS)
        self.sos = k_weighting(sample_rate).astype(np.float32)
        self.state = np.zeros((2, channels, 2), dtype=np.float32)
        self.block_peaks = BlockPeaks(channels)
        self.tracks_true_peak = true_peak
        self.true_peak = 0.0
        self.unblocked = np.zeros((channels, 0), dtype=np.float32)  # awaiting a whole block
        self.frames = 0
        self.sums = np.zeros(channels)  # of the samples, per channel: their mean is the DC offset
        self.pending_energy = np.zeros(0)
        self.pending_peak = np.zeros(0, dtype=np.float32)
        self.energies: list[np.ndarray] = []
        self.peaks: list[np.ndarray] = []

    def add(self, samples: np.ndarray) -> None:
        self.frames += samples.shape[1]
        self.sums += samples.sum(axis=1, dtype=np.float64)
        guarded = samples + denormal_guard(samples.shape[1])
        weighted, self.state = sosfilt(self.sos, guarded, self.state, in_place=True)
        energy = np.einsum("ij,ij->j", weighted, weighted)  # channel weights are all 1 (≤ 2 ch)
        if len(self.pending_energy) == 0 and len(energy) % self.subblock == 0:
            self._add_whole_subblocks(samples, energy)  # decoders' chunks: the usual case
        else:
            self.pending_energy = self._collect(self.pending_energy, energy, np.sum, self.energies)
            magnitude = np.abs(samples).max(axis=0)
            self.pending_peak = self._collect(self.pending_peak, magnitude, np.max, self.peaks)
        if self.tracks_true_peak:
            self._track_true_peak(samples)

    def _add_whole_subblocks(self, samples: np.ndarray, energy: np.ndarray) -> None:
        """As `_collect` does, without joining and with the peak found per sub-block (the
        same numbers, a third of the passes over the samples)."""
        self.energies.append(energy.reshape(-1, self.subblock).sum(axis=1, dtype=np.float64))
        blocks = samples.reshape(samples.shape[0], -1, self.subblock)
        peaks = np.maximum(blocks.max(axis=(0, 2)), -blocks.min(axis=(0, 2)))
        self.peaks.append(np.abs(peaks))  # abs: digital silence gives −0.0, and 1 / −0.0 < 0

    def _collect(
        self, pending: np.ndarray, values: np.ndarray, reduce: Any, out: list[np.ndarray]
    ) -> np.ndarray:
        """Fold per-sample values into complete 20 ms sub-blocks; return the incomplete rest."""
        joined = np.concatenate([pending, values])
        complete = len(joined) - len(joined) % self.subblock
        out.append(reduce(joined[:complete].reshape(-1, self.subblock), axis=1))
        return joined[complete:]

    def _track_true_peak(self, samples: np.ndarray) -> None:
        """Oversample only the blocks that could beat the largest peak seen so far."""
        joined = (
            np.concatenate([self.unblocked, samples], axis=1) if self.unblocked.size else samples
        )
        whole = joined.shape[1] - joined.shape[1] % PEAK_BLOCK
        self.unblocked = joined[:, whole:]
        self._true_peak_of_blocks(joined[:, :whole])

    def _true_peak_of_blocks(self, blocks: np.ndarray) -> None:
        sample_peaks = self.block_peaks.sample_peaks(blocks)
        threshold = max(self.true_peak, float(sample_peaks.max(initial=0.0)))
        peaks = self.block_peaks.true_peaks(blocks, sample_peaks, threshold)
        self.true_peak = max(threshold, float(peaks.max(initial=0.0)))

    @property
    def subblock_energy(self) -> np.ndarray:
        """Sum of K-weighted squares per 20 ms, channels summed."""
        self.energies = [_joined(self.energies, np.float64)]  # joined once, not on every read
        return self.energies[0]

    @property
    def subblock_peak(self) -> np.ndarray:
        """Sample peak (linear) per 20 ms."""
        self.peaks = [_joined(self.peaks, np.float32)]
        return self.peaks[0]

    def _finish_true_peak(self) -> None:
        if self.tracks_true_peak and self.unblocked.shape[1]:
            self._true_peak_of_blocks(pad_to_blocks(self.unblocked))
            self.unblocked = self.unblocked[:, :0]

    def absorb(self, later: LoudnessMeter) -> None:
        """Append the measurement of the stretch that follows this one (measured elsewhere).

        The stretches are cut on a 20 ms boundary; an incomplete last sub-block of this one, if
        the decoder returned one, is left out of the loudness (never out of the duration).
        """
        self._finish_true_peak()
        self.energies += later.energies
        self.peaks += later.peaks
        self.pending_energy, self.pending_peak = later.pending_energy, later.pending_peak
        self.unblocked = later.unblocked
        self.block_peaks = later.block_peaks
        self.true_peak = max(self.true_peak, later.true_peak)
        self.frames += later.frames
        self.sums += later.sums

    @property
    def dc_offset(self) -> np.ndarray:
        """Each channel's mean: a constant the recording chain added to the signal."""
        return self.sums / max(self.frames, 1)

    def measured(self) -> Measured:
        return Measured(self.result(), self.subblock_energy, self.subblock_peak, self.subblock)

    def result(self) -> Loudness:
        self._finish_true_peak()
        energy = self.subblock_energy
        sample_peak = float(
            max(self.subblock_peak.max(initial=0.0), self.pending_peak.max(initial=0.0))
        )
        return Loudness(
            integrated_lufs=integrated(energy, self.subblock),
            lra_lu=loudness_range(energy, self.subblock),
            true_peak_dbtp=to_db(self.true_peak) if self.tracks_true_peak else math.nan,
            sample_peak_dbfs=to_db(sample_peak),
            duration_s=self.frames / self.sample_rate,
        )


@functools.cache
def denormal_guard(frames: int) -> np.ndarray:
    """A −300 dB tone at Nyquist. In silent passages the filter state would otherwise decay into
    denormal floats, which the CPU handles ~10x slower; this keeps it normal and changes nothing
    measurable."""
    return np.resize(np.array([1e-15, -1e-15], dtype=np.float32), frames)


def to_db(linear: float) -> float:
    return 20 * math.log10(linear) if linear > 0 else float("-inf")


def _joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    if not parts:
        return np.zeros(0, dtype)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def block_loudness(energy: np.ndarray, subblock: int, length: int) -> np.ndarray:
    """Mean-square power of each `length`-sub-block window, hopping 100 ms, as LUFS."""
    if len(energy) < length:
        return np.zeros(0)
    sums = np.convolve(energy, np.ones(length), mode="valid")[::STEP]
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(sums / (length * subblock))


def _gated_mean(levels: np.ndarray, relative_gate: float) -> tuple[np.ndarray, float]:
    """Apply the absolute gate, then the relative one; return surviving levels and the gate."""
    levels = levels[levels > ABSOLUTE_GATE]
    if not len(levels):
        return levels, float("-inf")
    gate = power_mean(levels) + relative_gate
    return levels[levels > gate], gate


def power_mean(levels: np.ndarray) -> float:
    """Loudness of the mean power of blocks given in LUFS."""
    return float(10 * np.log10(np.mean(10 ** (levels / 10))))


def integrated(energy: np.ndarray, subblock: int) -> float:
    """Gated integrated loudness (BS.1770-4): absolute gate −70 LUFS, relative gate −10 LU."""
    levels, _ = _gated_mean(block_loudness(energy, subblock, GATING_BLOCK), -10.0)
    return power_mean(levels) if len(levels) else float("-inf")


def loudness_range(energy: np.ndarray, subblock: int) -> float:
    """EBU Tech 3342 LRA: spread (10th to 95th percentile) of gated 3 s short-term loudness."""
    levels, _ = _gated_mean(block_loudness(energy, subblock, SHORT_TERM), -20.0)
    if len(levels) < 2:
        return 0.0
    low, high = np.percentile(levels, [10, 95])
    return float(high - low)
