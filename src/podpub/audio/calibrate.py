"""What an encoder does to the level it is given, measured once per setting and ffmpeg binary
on a 1 kHz tone, and kept in the user's cache folder (a render would otherwise start an encoder
and a decoder before its own): LAME as built into ffmpeg returns audio about 0.45 dB quieter at
every bitrate; measuring it, rather than hard-coding it, keeps the final file on target with
any ffmpeg build. What an encoder adds to peaks depends on the program: see probe.py."""

from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from podpub.audio.encode import Encoding, encode, to_pcm16
from podpub.audio.ffmpeg import ffmpeg_exe
from podpub.audio.measure import measure
from podpub.audio.meter import Loudness, LoudnessMeter
from podpub.files import write_atomic

VERSION = 1  # of the measurement: a new one is measured again


@dataclass(frozen=True)
class EncoderFigures:
    gain_db: float  # level change of the encoder (encoded minus given, LUFS)
    overshoot_db: float = 0.0  # of the true peak, encoded over given (probe.py measures it)


@functools.cache
def encoder_figures(encoding: Encoding) -> EncoderFigures:
    """Measured on first use with this ffmpeg binary, then read from the cache folder."""
    key = f"{VERSION} {_binary_identity()} {encoding}"
    cache = _cache_path()
    known = _read(cache)
    if key in known:
        return EncoderFigures(**known[key])
    figures = EncoderFigures(_tone_gain(encoding))
    _write(cache, {**known, key: asdict(figures)})
    return figures


def _tone_gain(encoding: Encoding) -> float:
    rate, channels = encoding.sample_rate, encoding.channels
    t = np.arange(2 * rate) / rate
    tone = np.tile(0.25 * np.sin(2 * np.pi * 1000 * t), (channels, 1)).astype(np.float32)
    return encoder_change(tone, encoding).gain_db


def encoder_change(samples: np.ndarray, encoding: Encoding) -> EncoderFigures:
    """What encoding `samples` does to their loudness and true peak (encoded minus given)."""
    given, encoded = _measured(samples, encoding.sample_rate), _encoded(samples, encoding)
    return EncoderFigures(
        encoded.integrated_lufs - given.integrated_lufs,
        encoded.true_peak_dbtp - given.true_peak_dbtp,
    )


def _encoded(samples: np.ndarray, encoding: Encoding) -> Loudness:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "calibration"
        encode(iter([to_pcm16(samples)]), encoding, out)
        return measure(out, encoding.sample_rate, encoding.channels).result()


def _measured(samples: np.ndarray, rate: int) -> Loudness:
    meter = LoudnessMeter(rate, samples.shape[0])
    meter.add(samples)
    return meter.result()


def _binary_identity() -> str:
    path = os.path.realpath(ffmpeg_exe())
    stat = os.stat(path)
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def _cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "podpub" / "encoders.json"


def _read(path: Path) -> dict[str, dict[str, float]]:
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _write(path: Path, figures: dict[str, dict[str, float]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(figures, indent=1, sort_keys=True).encode())
    except OSError:  # a read-only home: measure again next time
        pass
