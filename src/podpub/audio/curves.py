"""The figures a loudness report draws, per 20 ms: kept beside each render in the build cache,
so that `podpub report` needs no second pass over the audio. Every array comes from a pass that
runs anyway: the program's energies from pass 1, the file's from the final meter, the gains
from pass 2."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from podpub.audio.meter import Measured
from podpub.files import write_atomic

SUBBLOCK_S = 0.02
EMPTY = np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class Curves:
    """Mean-square K-weighted power per 20 ms (before: the program, after: the file), gains in
    dB per 20 ms, the file's sample peak per 20 ms, and the figures the report prints."""

    after: np.ndarray
    after_peak: np.ndarray
    before: np.ndarray = field(default_factory=lambda: EMPTY)
    leveler_db: np.ndarray = field(default_factory=lambda: EMPTY)
    limiter_db: np.ndarray = field(default_factory=lambda: EMPTY)
    facts: dict[str, Any] = field(default_factory=dict)  # target, true peak, chapters…

    @classmethod
    def of_file(cls, measured: Measured, **facts: Any) -> Curves:
        loudness = measured.loudness
        facts = {
            "integrated_lufs": loudness.integrated_lufs,
            "true_peak_dbtp": loudness.true_peak_dbtp,
            **facts,
        }
        after = mean_square(measured.energy, measured.subblock)
        return cls(after, measured.peak, facts=facts)

    def save(self, path: Path) -> None:
        out = io.BytesIO()
        np.savez_compressed(
            out,
            after=self.after,
            after_peak=self.after_peak,
            before=self.before,
            leveler_db=self.leveler_db,
            limiter_db=self.limiter_db,
            facts=np.array(json.dumps(self.facts, sort_keys=True)),
        )
        write_atomic(path, out.getvalue())

    @classmethod
    def load(cls, path: Path) -> Curves:
        with np.load(path) as saved:
            arrays = {name: saved[name] for name in ARRAYS}
            facts = json.loads(str(saved["facts"]))
        return cls(**arrays, facts=facts)


ARRAYS = ("after", "after_peak", "before", "leveler_db", "limiter_db")


def mean_square(energy: np.ndarray, subblock: int) -> np.ndarray:
    return np.asarray(energy / subblock, dtype=np.float32)
