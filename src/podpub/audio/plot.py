"""The loudness report: the 20 ms curves of a render drawn with matplotlib (imported here only,
so that no other command pays for it), as SVG or PNG, byte-identical for the same inputs.

Top: momentary (400 ms) and short-term (3 s) loudness of the program before and of the file
after, the target, the file's true peak and its sample peaks. Bottom: the leveler's and the
limiter's gain. Chapters are marked across both. Each drawn element carries an id in the SVG
(`short-term-after`, `target`…), so that a page or a test can find it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from podpub.audio.curves import SUBBLOCK_S, Curves
from podpub.files import write_atomic

HOP = 5  # 20 ms sub-blocks per drawn point at most: 100 ms
MAX_POINTS = 3000  # per curve: longer programs are drawn from coarser bins
FLOOR_LUFS = -60.0
FORMATS = (".svg", ".png")


@dataclass(frozen=True)
class Mark:
    seconds: float
    title: str


def write_report(
    curves: Curves, outputs: Sequence[Path], title: str, marks: Sequence[Mark] = ()
) -> None:
    """Draw the report once and write it to each output (.svg or .png)."""
    import io

    import matplotlib

    with matplotlib.rc_context():
        # matplotlib's own defaults, whatever the user's matplotlibrc says: the same bytes
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(
            {"svg.hashsalt": "podpub", "svg.fonttype": "none", "path.simplify": False}
        )
        figure = _figure(curves, title, marks)
        for output in outputs:
            data = io.BytesIO()
            kind = output.suffix.lower().lstrip(".")
            metadata = {"Date": None} if kind == "svg" else {"Software": None}
            figure.savefig(data, format=kind, metadata=metadata, dpi=100)
            write_atomic(output, data.getvalue())


def _figure(curves: Curves, title: str, marks: Sequence[Mark]) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 6.5), layout="constrained")
    loudness, gains = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    loudness.set_gid("loudness-axes")
    seconds = len(curves.after) * SUBBLOCK_S
    scale, unit = (60.0, "min") if seconds > 300 else (1.0, "s")
    _loudness_panel(loudness, curves, scale)
    _gain_panel(gains, curves, scale)
    for index, mark in enumerate(marks, start=1):
        loudness.axvline(mark.seconds / scale, color="0.6", linewidth=0.8, gid=f"chapter-{index}")
        gains.axvline(mark.seconds / scale, color="0.6", linewidth=0.8)
        loudness.annotate(
            mark.title, (mark.seconds / scale, 1.0), xycoords=("data", "axes fraction"),
            rotation=90, va="top", ha="right", fontsize=7, color="0.35",
        )  # fmt: skip
    gains.set_xlabel(f"time ({unit})")
    gains.set_xlim(0, max(seconds, SUBBLOCK_S) / scale)
    loudness.set_title(title, loc="left")
    return figure


def _loudness_panel(axes: Any, curves: Curves, scale: float) -> None:
    facts = curves.facts
    for name, power, color in (("before", curves.before, "0.55"), ("after", curves.after, "C0")):
        if not len(power):
            continue
        for window, width, alpha in (("momentary", 20, 0.35), ("short-term", 150, 1.0)):
            x, y = _binned_loudness(power, width)
            label = f"{window} {name}"
            axes.plot(x / scale, y, color=color, alpha=alpha, linewidth=0.8, label=label,
                      gid=f"{window}-{name}")  # fmt: skip
    x, peaks = _binned(20 * np.log10(np.maximum(curves.after_peak, 1e-6)), np.max)
    axes.plot(x / scale, peaks, color="C1", alpha=0.4, linewidth=0.6, label="sample peak after",
              gid="sample-peak-after")  # fmt: skip
    target = facts.get("target_lufs")
    if target is not None:
        axes.axhline(target, color="C3", linestyle="--", linewidth=1.2, gid="target",
                     label=f"target {target:.1f} LUFS")  # fmt: skip
    true_peak = facts.get("true_peak_dbtp")
    if true_peak is not None and math.isfinite(true_peak):
        axes.axhline(true_peak, color="C1", linestyle=":", linewidth=1.2, gid="true-peak",
                     label=f"true peak {true_peak:.1f} dBTP")  # fmt: skip
    integrated = facts.get("integrated_lufs")
    summary = f"integrated {integrated:.1f} LUFS" if integrated is not None else ""
    axes.set_ylabel(f"LUFS / dBFS   ({summary})" if summary else "LUFS / dBFS")
    axes.set_ylim(FLOOR_LUFS, 0)
    axes.grid(True, color="0.9")
    axes.legend(loc="lower left", fontsize=7, ncols=4)


def _gain_panel(axes: Any, curves: Curves, scale: float) -> None:
    for name, gain, color, reduce in (
        ("leveler", curves.leveler_db, "C2", np.mean),
        ("limiter", curves.limiter_db, "C4", np.min),
    ):
        if len(gain):
            x, y = _binned(np.asarray(gain, dtype=np.float64), reduce)
            axes.plot(x / scale, y, color=color, linewidth=0.9, label=f"{name} gain",
                      gid=f"{name}-gain")  # fmt: skip
    axes.axhline(0, color="0.6", linewidth=0.6)
    axes.set_ylabel("gain (dB)")
    axes.grid(True, color="0.9")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="lower left", fontsize=7, ncols=2)


def _binned_loudness(power: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Loudness of the `width` sub-blocks ending at each point, every 100 ms or coarser (bins
    keep their loudest window, so short bursts stay visible on long programs)."""
    sums = np.convolve(np.asarray(power, dtype=np.float64), np.ones(width), mode="full")
    windowed = sums[: len(power)] / width
    with np.errstate(divide="ignore"):
        levels = np.maximum(-0.691 + 10 * np.log10(windowed), FLOOR_LUFS - 10)
    return _binned(levels, np.max)


def _binned(values: np.ndarray, reduce: Any) -> tuple[np.ndarray, np.ndarray]:
    """At most MAX_POINTS points: `reduce` over bins of whole 100 ms hops; x at bin ends."""
    step = max(HOP, -(-len(values) // MAX_POINTS // HOP) * HOP)
    count = len(values) // step
    if count == 0:
        return np.zeros(0), np.zeros(0)
    binned = reduce(values[: count * step].reshape(count, step), axis=1)
    x = (np.arange(1, count + 1) * step) * SUBBLOCK_S
    return x, np.asarray(binned)
