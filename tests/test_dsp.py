"""The engine's three kernels give what scipy.signal / scipy.ndimage give (they stand in for
them to spare ~75 MB of memory), chunk by chunk for the filter."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage, signal

from podpub.audio.dsp import _sos_kernel, kaiser_lowpass, minimum_filter, sosfilt
from podpub.audio.meter import k_weighting


def test_the_compiled_kernel_is_found() -> None:
    """If a SciPy release moves it, podpub still works (through scipy.signal) but heavier."""
    assert _sos_kernel() is not None


def test_sosfilt_matches_scipy_across_chunks() -> None:
    rng = np.random.default_rng(7)
    audio = (rng.standard_normal((2, 48000)) * 0.2).astype(np.float32)
    sos = k_weighting(48000).astype(np.float32)
    expected, _ = signal.sosfilt(sos, audio, axis=1, zi=np.zeros((2, 2, 2), np.float32))
    state = np.zeros((2, 2, 2), np.float32)
    parts = []
    for chunk in np.array_split(audio, [1000, 17000, 30001], axis=1):
        filtered, state = sosfilt(sos, chunk, state)
        parts.append(filtered)
    np.testing.assert_allclose(np.concatenate(parts, axis=1), expected, rtol=0, atol=1e-6)


def test_kaiser_lowpass_matches_firwin() -> None:
    ours = kaiser_lowpass(96, 0.25, beta=8.0)
    theirs = signal.firwin(96, 0.25, window=("kaiser", 8.0))
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


@pytest.mark.parametrize("size", [1, 2, 3, 8, 9])
def test_minimum_filter_matches_ndimage(size: int) -> None:
    values = np.random.default_rng(size).random(50)
    np.testing.assert_array_equal(
        minimum_filter(values, size), ndimage.minimum_filter1d(values, size, mode="nearest")
    )
