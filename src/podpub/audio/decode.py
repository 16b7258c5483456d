"""Streamed decoding: ffmpeg → pipe → numpy chunks, so memory does not grow with duration."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO

import numpy as np

from podpub.audio.ffmpeg import (
    decode_command,
    excerpts_command,
    last_line,
    stream_decode_command,
    widen_pipe,
)
from podpub.audio.peaks import BLOCK
from podpub.errors import AudioError

CHUNK_SECONDS = 2.0


def decode(
    path: Path, sample_rate: int, channels: int, start: float = 0.0, duration: float | None = None
) -> Iterator[np.ndarray]:
    """Yield float32 arrays of shape (channels, frames); AudioError if ffmpeg fails or a whole
    file holds nothing. Every chunk but the last holds a whole number of true-peak blocks.
    """
    command = decode_command(path, sample_rate, channels, start, duration)
    frames = yield from _decoded(command, None, path, sample_rate, channels)
    if frames == 0 and not start:
        raise AudioError.at(path, "contains no audio samples")


def decode_excerpts(
    path: Path, sample_rate: int, channels: int, starts: list[float], seconds: float
) -> list[np.ndarray]:
    """`seconds` of audio from each start (fewer at the end of the file), decoded at once."""
    command = excerpts_command(path, sample_rate, channels, starts, seconds)
    joined = np.concatenate(
        [
            np.zeros((channels, 0), np.float32),
            *_decoded(command, None, path, sample_rate, channels),
        ],
        axis=1,
    )
    size = round(seconds * sample_rate)
    return [
        joined[:, i * size : (i + 1) * size]
        for i in range(len(starts))
        if i * size < joined.shape[1]
    ]


def decode_stream(
    stream: int, container: str, name: str, sample_rate: int, channels: int
) -> Iterator[np.ndarray]:
    """As `decode`, for a `container` stream read from the file descriptor `stream`."""
    command = stream_decode_command(container, sample_rate, channels)
    yield from _decoded(command, stream, name, sample_rate, channels)


def _decoded(
    command: list[str], stdin: int | None, name: str | Path, sample_rate: int, channels: int
) -> Generator[np.ndarray, None, int]:
    """Run an ffmpeg decoder and yield its PCM; returns the number of frames."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: ffmpeg can never block on it
        process = subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        widen_pipe(process.stdout)
        frames = 0
        try:
            for chunk in _chunks(process.stdout, sample_rate, channels):
                frames += chunk.shape[1]
                yield chunk
        finally:
            process.stdout.close()
            code = process.wait()
        if code != 0:
            errors.seek(0)
            raise AudioError.at(
                name, f"cannot be decoded: {last_line(errors.read().decode(errors='replace'))}"
            )
    return frames


def _chunks(stream: IO[bytes], sample_rate: int, channels: int) -> Iterator[np.ndarray]:
    """Interleaved float32 PCM from a pipe, as channel-major chunks of about two seconds."""
    frame_bytes = 4 * channels
    chunk_bytes = int(CHUNK_SECONDS * sample_rate) // BLOCK * BLOCK * frame_bytes
    while data := stream.read(chunk_bytes):
        usable = len(data) - len(data) % frame_bytes
        interleaved = np.frombuffer(data[:usable], dtype=np.float32).reshape(-1, channels)
        yield np.ascontiguousarray(interleaved.T)
