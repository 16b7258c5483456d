"""Streamed decoding: ffmpeg → pipe → numpy chunks, so memory does not grow with duration."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from podpub.audio.ffmpeg import decode_command, last_line
from podpub.audio.peaks import BLOCK
from podpub.errors import AudioError

CHUNK_SECONDS = 2.0


def decode(
    path: Path, sample_rate: int, channels: int, start: float = 0.0, duration: float | None = None
) -> Iterator[np.ndarray]:
    """Yield float32 arrays of shape (channels, frames); AudioError if ffmpeg fails or a whole
    file holds nothing. Every chunk but the last holds a whole number of true-peak blocks.
    """
    frame_bytes = 4 * channels
    chunk_frames = int(CHUNK_SECONDS * sample_rate) // BLOCK * BLOCK
    chunk_bytes = chunk_frames * frame_bytes
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: ffmpeg can never block on it
        process = subprocess.Popen(
            decode_command(path, sample_rate, channels, start, duration),
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert process.stdout is not None
        frames = 0
        try:
            while data := process.stdout.read(chunk_bytes):
                usable = len(data) - len(data) % frame_bytes
                frames += usable // frame_bytes
                interleaved = np.frombuffer(data[:usable], dtype=np.float32).reshape(-1, channels)
                yield np.ascontiguousarray(interleaved.T)
        finally:
            process.stdout.close()
            code = process.wait()
        if code != 0:
            errors.seek(0)
            raise AudioError.at(
                path, f"cannot be decoded: {last_line(errors.read().decode(errors='replace'))}"
            )
        if frames == 0 and not start:
            raise AudioError.at(path, "contains no audio samples")
