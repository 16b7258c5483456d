"""A trial encode of the program's hardest passages, before the first real one, for encoders
whose overshoot depends on what they are given.

ffmpeg's AAC encoder at 64 kb/s a channel lifts the peaks of limited speech by anything from a
few tenths to 3 dB, from one program to the next and even from one setting of the limiter to the
next, so no measurement on a test signal predicts it. Encoding the program's own hardest
passages does: the eight seconds that sit longest at the limiter's ceiling (eight passages of a
second, each limited as pass 2 will limit it) are encoded and decoded again, and the first real
encode keeps that much more under the ceiling, with some to spare. The trial also measures how
much loudness the encoder takes from this program (its low-pass cuts the top octave that the
K-weighting counts). It costs three short ffmpeg runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from podpub.audio.calibrate import EncoderFigures, encoder_change
from podpub.audio.decode import decode_excerpts
from podpub.audio.encode import Encoding
from podpub.audio.leveler import gain_of
from podpub.audio.limiter import TruePeakLimiter
from podpub.audio.measure import Analysis
from podpub.audio.peaks import pad_to_blocks

PASSAGES = 8
PASSAGE_S = 1.0
GAP_S = 0.25
NEAR_CEILING_DB = 6.0  # a 20 ms stretch counts by how far it reaches above ceiling − this


def trial_figures(
    source: Path,
    program: Analysis,
    curve: np.ndarray | None,
    gain_db: float,
    ceiling_db: float,
    encoding: Encoding,
) -> EncoderFigures | None:
    """The encoder's loudness change and true-peak overshoot on the program's hardest passages,
    given as pass 2 gives them (leveled, gained, limited to `ceiling_db`); None when nothing
    comes near the ceiling."""
    rate, channels = program.sample_rate, program.channels
    starts = hardest_passages(program, gain_db, ceiling_db)
    if not starts:
        return None
    gains = gain_of(curve, program.subblock, gain_db)
    given = [np.zeros((channels, int(GAP_S * rate)), np.float32)]
    excerpts = decode_excerpts(source, rate, channels, starts, PASSAGE_S)
    for start, excerpt in zip(starts, excerpts, strict=False):
        gain = gains(round(start * rate), excerpt.shape[1])
        if program.dc_offset is not None:  # taken off as pass 2 takes it off
            excerpt = excerpt - program.dc_offset.astype(np.float32)[:, None]
        limiter = TruePeakLimiter(ceiling_db, rate, channels)
        limited = np.concatenate(
            [limiter.process(pad_to_blocks(excerpt * gain)), limiter.flush()], axis=1
        )
        given += [limited, given[0]]
    return encoder_change(np.concatenate(given, axis=1), encoding)


def hardest_passages(program: Analysis, gain_db: float, ceiling_db: float) -> list[float]:
    """Starts (s) of up to PASSAGES non-overlapping seconds that reach highest above
    `ceiling_db − NEAR_CEILING_DB` after the gain, in time order."""
    width = round(PASSAGE_S / 0.02)
    with np.errstate(divide="ignore"):
        level = 20 * np.log10(program.peak) + gain_db
    reach = np.clip(level - (ceiling_db - NEAR_CEILING_DB), 0, None)
    score = np.convolve(reach, np.ones(width), mode="valid")
    chosen: list[int] = []
    while len(chosen) < PASSAGES and len(score) and score.max() > 0:
        best = int(np.argmax(score))
        chosen.append(best)
        score[max(0, best - width + 1) : best + width] = -1
    return [index * 0.02 for index in sorted(chosen)]
