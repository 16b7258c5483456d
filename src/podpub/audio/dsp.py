"""The signal-processing kernels the engine needs, without importing `scipy.signal`, and the
one-thread rule for the BLAS library numpy multiplies matrices with.

Importing `scipy.signal` costs about 75 MB of resident memory (it pulls in linalg, special,
sparse…) for the one compiled kernel podpub uses, the second-order-section IIR filter. That
kernel is an extension module of its own, so it is loaded directly; if a future SciPy moves it,
the public `scipy.signal.sosfilt` is used instead (the same numbers, only heavier). The FIR
design and the running minimum are a few lines of numpy.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SosKernel = Callable[[np.ndarray, np.ndarray, np.ndarray], None]


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the engine with numpy's BLAS on one thread.

    The engine's matrix products (true-peak oversampling) are small and many, and while a render
    runs the cores are taken (pass 1 splits in two, pass 2 leaves one to the encoder). OpenBLAS
    would start a thread per core for each product and spin while it waits: measured on a 2-minute
    render, the engine's own CPU time went from 3.0 s to 0.8 s with one thread, and the encoder
    no longer shared its core with the spinning threads.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@functools.cache
def _sos_kernel() -> SosKernel | None:
    """SciPy's compiled `_sosfilt(sos, x, zi)` (filters x and zi in place), or None."""
    import scipy

    found = sorted((Path(scipy.__file__).parent / "signal").glob("_sosfilt.*"))
    spec = (
        importlib.util.spec_from_file_location("scipy.signal._sosfilt", found[0]) if found else None
    )
    if spec is None or spec.loader is None:
        return None
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        kernel: SosKernel = module._sosfilt
    except (ImportError, AttributeError):
        return None
    return kernel


def sosfilt(
    sos: np.ndarray, x: np.ndarray, zi: np.ndarray, in_place: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """IIR-filter float32 `x` (channels, frames) through `sos`, carrying the state `zi`
    (sections, channels, 2) from the previous chunk; returns (filtered, new state). With
    `in_place`, a C-contiguous `x` of the filter's type is filtered where it is."""
    kernel = _sos_kernel()
    if kernel is None:
        from scipy import signal

        filtered, state = signal.sosfilt(sos, x, axis=1, zi=zi)
        return filtered, state
    if in_place:
        out = np.ascontiguousarray(x, dtype=sos.dtype)  # the same array when it can be
    else:
        out = np.array(x, dtype=sos.dtype, order="C")
    state = np.ascontiguousarray(np.moveaxis(zi, 0, 1))  # the kernel wants (channels, sections, 2)
    kernel(sos, out, state)
    return out, np.moveaxis(state, 1, 0)


def kaiser_lowpass(numtaps: int, cutoff: float, beta: float) -> np.ndarray:
    """A windowed-sinc low-pass with unit DC gain, as `scipy.signal.firwin(numtaps, cutoff,
    window=("kaiser", beta))` designs it; `cutoff` is relative to Nyquist."""
    n = np.arange(numtaps) - (numtaps - 1) / 2
    taps = cutoff * np.sinc(cutoff * n) * np.kaiser(numtaps, beta)
    return np.asarray(taps / taps.sum())


def minimum_filter(values: np.ndarray, size: int) -> np.ndarray:
    """Running minimum over `size` values, edges repeated, aligned as
    `scipy.ndimage.minimum_filter1d(values, size, mode="nearest")` aligns it."""
    before = size // 2
    padded = np.pad(values, (before, size - 1 - before), mode="edge")
    result: Any = sliding_window_view(padded, size).min(axis=-1)
    return np.asarray(result)
