"""Measuring: pass 1 of a render (the program's loudness and its 20 ms figures, kept as an
`Analysis` so that pass 2 needs no second measurement, even in a later run), and the
loudness of any file as it is."""

from __future__ import annotations

import functools
import io
import json
import math
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from podpub.audio.decode import decode
from podpub.audio.dsp import one_blas_thread
from podpub.audio.ffmpeg import SourceInfo, probe
from podpub.audio.meter import Loudness, LoudnessMeter, Measured
from podpub.callbacks import Progress
from podpub.files import write_atomic

PARALLEL_MEASURE_S = 60.0  # below this, forking a meter costs more than it saves
SPLIT_GRID_S = 0.02  # the meter's sub-block: both halves stay aligned to it at any sample rate


@dataclass(frozen=True)
class Analysis:
    """What pass 1 learnt of a program: enough for pass 2 to solve its gain."""

    sample_rate: int
    channels: int
    frames: int
    before: Loudness  # its true peak is NaN: pass 2's limiter measures it
    energy: np.ndarray  # K-weighted energy per 20 ms, channels summed
    peak: np.ndarray  # sample peak (linear) per 20 ms
    dc_offset: np.ndarray | None = None  # per channel, taken off every sample when present

    @property
    def subblock(self) -> int:
        """Samples per 20 ms."""
        return self.sample_rate // 50

    def with_gain(self, gain_db: np.ndarray) -> Analysis:
        """The program as it sounds after a gain per 20 ms (the leveler's): what the normalizer
        then solves for. `before` stays the source's."""
        energy = self.energy * 10 ** (gain_db[: len(self.energy)] / 10)
        peak = self.peak * (10 ** (gain_db[: len(self.peak)] / 20)).astype(np.float32)
        return replace(self, energy=energy, peak=peak)

    @classmethod
    def of(
        cls, meter: LoudnessMeter, channels: int, dc_offset: np.ndarray | None = None
    ) -> Analysis:
        return cls(
            meter.sample_rate,
            channels,
            meter.frames,
            meter.result(),
            meter.subblock_energy,
            meter.subblock_peak,
            dc_offset,
        )

    def save(self, path: Path) -> None:
        before = {k: _finite(v) for k, v in asdict(self.before).items()}
        facts = {
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "frames": self.frames,
            "before": before,
        }
        out = io.BytesIO()
        dc = self.dc_offset if self.dc_offset is not None else np.zeros(0)
        facts_array = np.array(json.dumps(facts))
        np.savez(out, energy=self.energy, peak=self.peak, dc_offset=dc, facts=facts_array)
        write_atomic(path, out.getvalue())

    @classmethod
    def load(cls, path: Path) -> Analysis:
        with np.load(path) as saved:
            facts = json.loads(str(saved["facts"]))
            energy, peak, dc = saved["energy"], saved["peak"], saved["dc_offset"]
        before = Loudness(**{k: float(v) for k, v in facts.pop("before").items()})
        return cls(
            before=before, energy=energy, peak=peak, dc_offset=dc if dc.size else None, **facts
        )


def _finite(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)  # JSON has no -inf or NaN


def measure(
    path: Path,
    sample_rate: int,
    channels: int,
    progress: Progress | None = None,
    total: float = 0.0,
    duration: float | None = None,
    true_peak: bool = True,
    dc_offset: np.ndarray | None = None,
) -> LoudnessMeter:
    """Stream the file through the meter (without `true_peak`, see LoudnessMeter).

    Nothing else runs during pass 1, so a long file is cut in two on a 20 ms boundary: a forked
    child measures the first half while this process measures the second (about 2x on two cores).
    """
    stretch = functools.partial(
        _measure_stretch, path, sample_rate, channels, true_peak=true_peak, dc_offset=dc_offset
    )
    if duration is None or duration < PARALLEL_MEASURE_S or not can_fork():
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


def can_fork() -> bool:
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
    dc_offset: np.ndarray | None = None,
) -> LoudnessMeter:
    meter = LoudnessMeter(sample_rate, channels, true_peak)
    for chunk in decode(path, sample_rate, channels, start, duration, dc_offset):
        meter.add(chunk)
        if progress:
            progress(chunk.shape[1] / sample_rate, total)
    return meter


def measure_file(path: Path) -> Loudness:
    """Loudness of a file as it is (its own rate and channels; more than two are downmixed)."""
    return measured_file(path).loudness


@one_blas_thread()
def measured_file(path: Path) -> Measured:
    """As `measure_file`, with the 20 ms figures."""
    info = probe(path)
    rate = info.sample_rate if info.sample_rate % 50 == 0 else 48000
    return measure(path, rate, min(info.channels, 2), duration=split_duration(info)).measured()


def split_duration(info: SourceInfo) -> float | None:
    """The duration `measure` may split the file at, when its decoder seeks exactly."""
    return info.duration_s if info.seeks_exactly else None


def loudness_row(path: Path, loudness: Loudness) -> dict[str, Any]:
    """The figures as `podpub loudness --json` prints them (-inf becomes null)."""
    row: dict[str, Any] = {"file": str(path)}
    for key, value in asdict(loudness).items():
        row[key] = round(value, 2) if math.isfinite(value) else None
    return row
