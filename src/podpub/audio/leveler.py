"""The speech leveler: a gain curve, computed from pass 1's 20 ms figures, that brings each
speaker toward the program's own loudness before the normalizer and the limiter do their work.

Everything here works on the K-weighted energy per 20 ms that pass 1 keeps (BS.1770, as the
loudness meters read it), so the curve costs no extra pass over the audio and its memory grows
by a few numbers per second:

1. **Who is speaking, and how loud.** The program is cut into 100 ms hops. A hop is *active*
   when its loudness, and the momentary loudness (400 ms) around it, are above a gate 20 LU
   under the program's integrated loudness: pauses, breaths and room noise fall below it. The speech level around each hop is
   the loudness of the active hops within 3 s (the short-term window of the loudness meters),
   pauses left out, so a slow speaker is not mistaken for a quiet one.
2. **Speech or music.** Each 3 s window is classified from two features of its 20 ms energies,
   both classic speech/music discriminators that need nothing but a level meter: the share of
   20 ms stretches below half the window's mean power (speech stops between syllables and
   words several times a second, so more than a third of it is that quiet; sustained music and
   beds almost never are), and the mean jump of the level from one 20 ms stretch to the next
   (several dB in speech, under one in music). Windows with both above their thresholds are
   speech; music and jingles keep a gain of 0 dB: the leveler leaves them alone.
3. **The gain.** Speech hops get `integrated − level`, bounded to ±12 dB; hops under the gate
   take the gain of the speech before them (held through pauses, so noise is never raised on
   its own account). The curve is then smoothed by a 1 s moving average, twice (a 2 s
   triangle): it turns over a second or two, never within a syllable, so nothing pumps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

HOP = 5  # 20 ms sub-blocks per hop: 100 ms
MOMENTARY_HOPS = 4  # 400 ms
SHORT_TERM_HOPS = 30  # 3 s
GATE_LU = -20.0  # under the integrated loudness: not someone speaking
MIN_ACTIVE_HOPS = 8  # of speech within 3 s before its level is trusted
MAX_GAIN_DB = 12.0
SMOOTH_HOPS = 10  # 1 s moving average, applied twice
CLASSIFY_EVERY = 10  # hops: the speech/music decision is made every second
QUIET_SHARE = 0.35  # speech: more than this share of 20 ms stretches under half the mean power
LEVEL_JUMP_DB = 1.5  # speech: the level moves by more than this from one 20 ms to the next
FLOOR = 1e-10  # mean square (−100 dB): digital silence has a level to jump from


def leveler_gain(energy: np.ndarray, subblock: int, integrated_lufs: float) -> np.ndarray:
    """Gain in dB for each 20 ms sub-block (as many as `energy` has)."""
    hops = -(-len(energy) // HOP)
    if not np.isfinite(integrated_lufs) or hops == 0:
        return np.zeros(len(energy))
    mean_square = np.pad(energy / subblock, (0, hops * HOP - len(energy)))
    per_hop = mean_square.reshape(hops, HOP).mean(axis=1)
    gate = integrated_lufs + GATE_LU
    active = (_lufs(_centred_mean(per_hop, MOMENTARY_HOPS)) > gate) & (_lufs(per_hop) > gate)
    level = _speech_level(per_hop, active)
    speech = _is_speech(mean_square, hops)
    wanted = np.clip(integrated_lufs - level, -MAX_GAIN_DB, MAX_GAIN_DB)
    wanted = np.where(speech, wanted, 0.0)
    wanted[~active | np.isnan(level)] = np.nan
    gain = _smoothed(_held(wanted))
    centres = (np.arange(hops) + 0.5) * HOP
    return np.asarray(np.interp(np.arange(len(energy)) + 0.5, centres, gain))


def _lufs(mean_square: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.asarray(-0.691 + 10 * np.log10(mean_square))


def _window_sum(values: np.ndarray, width: int) -> np.ndarray:
    """Sum of the `width` values around each one (at the edges, of those there are)."""
    padded = np.pad(values, (width // 2, width - 1 - width // 2))
    return np.convolve(padded, np.ones(width), mode="valid")


def _centred_mean(values: np.ndarray, width: int) -> np.ndarray:
    """Mean of the `width` values around each one (edges: of what there is)."""
    return np.asarray(_window_sum(values, width) / _window_sum(np.ones(len(values)), width))


def _speech_level(per_hop: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Loudness of the active hops within 3 s of each hop; NaN where too few are active."""
    power = _window_sum(np.where(active, per_hop, 0.0), SHORT_TERM_HOPS)
    count = _window_sum(active.astype(float), SHORT_TERM_HOPS)
    with np.errstate(invalid="ignore", divide="ignore"):
        level = _lufs(power / count)
    return np.where(count >= MIN_ACTIVE_HOPS, level, np.nan)


def _is_speech(mean_square: np.ndarray, hops: int) -> np.ndarray:
    """Per hop: whether the 3 s around it sound like speech (decided once a second)."""
    window = SHORT_TERM_HOPS * HOP
    step = CLASSIFY_EVERY * HOP
    padded = np.pad(mean_square, window // 2, mode="symmetric")  # keeps its rhythm
    windows = sliding_window_view(padded, window)[::step]
    quiet_share = np.mean(windows < 0.5 * windows.mean(axis=1, keepdims=True), axis=1)
    levels = 10 * np.log10(np.maximum(windows, FLOOR))
    jumps = np.mean(np.abs(np.diff(levels, axis=1)), axis=1)
    speech = (quiet_share > QUIET_SHARE) & (jumps > LEVEL_JUMP_DB)
    return np.repeat(speech, CLASSIFY_EVERY)[:hops]


def _held(wanted: np.ndarray) -> np.ndarray:
    """NaN (pauses, noise) takes the last gain before it; leading NaN the first gain."""
    known = ~np.isnan(wanted)
    if not known.any():
        return np.zeros(len(wanted))
    last = np.maximum.accumulate(np.where(known, np.arange(len(wanted)), -1))
    last[last < 0] = np.flatnonzero(known)[0]
    return np.asarray(wanted[last])


def _smoothed(gain: np.ndarray) -> np.ndarray:
    for _ in range(2):
        padded = np.pad(gain, SMOOTH_HOPS // 2, mode="edge")
        gain = np.convolve(padded, np.ones(SMOOTH_HOPS) / SMOOTH_HOPS, mode="valid")[: len(gain)]
    return gain


def gain_of(
    curve_db: np.ndarray | None, subblock: int, gain_db: float
) -> Callable[[int, int], np.ndarray | np.float32]:
    """Linear gain for `frames` frames from `start`, as pass 2 applies it: `gain_db`, times the
    leveler's curve when there is one (a number, or one per frame)."""
    gain = np.float32(10 ** (gain_db / 20))
    if curve_db is None:
        return lambda start, frames: gain
    return lambda start, frames: gains_at(curve_db, subblock, start, frames) * gain


def gains_at(curve_db: np.ndarray, subblock: int, start: int, frames: int) -> np.ndarray:
    """The curve's linear gain for frames `start` to `start + frames`, interpolated between the
    centres of its 20 ms sub-blocks (held flat past either end)."""
    first = min(max(start // subblock - 1, 0), len(curve_db) - 1)
    last = max(min((start + frames) // subblock + 2, len(curve_db)), first + 1)
    centres = (np.arange(first, last) + 0.5) * subblock
    linear = 10 ** (curve_db[first:last] / 20)
    positions = np.arange(start, start + frames, dtype=np.float64)
    return np.interp(positions, centres, linear).astype(np.float32)
