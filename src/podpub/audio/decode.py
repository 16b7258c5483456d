"""Streamed decoding: ffmpeg → pipe → numpy chunks, so memory does not grow with duration.

An integer PCM WAV already at the rate and channel count asked for (how podcasts are usually
mastered) is read directly instead: ffmpeg would only convert its samples to float, which
costs as much CPU as measuring them, twice per render. The floats are the very ones ffmpeg
gives (x / 2^(bits − 1) is exact in float32 up to 24 bits, and rounded the same way at 32).
"""

from __future__ import annotations

import contextlib
import math
import subprocess
import tempfile
import wave
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO

import numpy as np

from podpub.audio.ffmpeg import (
    SourceInfo,
    decode_command,
    excerpts_command,
    last_line,
    probe,
    stream_decode_command,
    widen_pipe,
)
from podpub.audio.peaks import BLOCK
from podpub.errors import AudioError

CHUNK_SECONDS = 2.0


def decode(
    path: Path,
    sample_rate: int,
    channels: int,
    start: float = 0.0,
    duration: float | None = None,
    dc_offset: np.ndarray | None = None,
) -> Iterator[np.ndarray]:
    """Yield float32 arrays of shape (channels, frames); AudioError if ffmpeg fails or a whole
    file holds nothing. Every chunk but the last holds a whole number of true-peak blocks.
    A `dc_offset` (per channel) is taken off every sample.
    """
    chunks = _decoded_file(path, sample_rate, channels, start, duration)
    if dc_offset is None:
        return chunks
    offset = dc_offset.astype(np.float32)[:, None]
    return (chunk - offset for chunk in chunks)


def _decoded_file(
    path: Path, sample_rate: int, channels: int, start: float, duration: float | None
) -> Iterator[np.ndarray]:
    reader = _pcm_wav_as(path, sample_rate, channels)
    if reader is not None:
        frames = yield from _read_wav(reader, start, duration)
    else:
        command = decode_command(path, sample_rate, channels, start, duration)
        frames = yield from _decoded(command, None, path, sample_rate, channels)
    if frames == 0 and not start:
        raise AudioError.at(path, "contains no audio samples")


def source_info(path: Path) -> SourceInfo:
    """A source's rate, channels and length: read from the header of a PCM WAV, which `decode`
    reads itself (ffmpeg would spend its start-up, 140 ms for Debian's build, on 44 bytes);
    from ffmpeg for anything else."""
    reader = _pcm_wav(path)
    if reader is None:
        return probe(path)
    with contextlib.closing(reader):
        rate, frames, width = reader.getframerate(), reader.getnframes(), reader.getsampwidth()
        return SourceInfo(rate, reader.getnchannels(), frames / rate, codec=f"pcm_s{8 * width}le")


def _pcm_wav_as(path: Path, sample_rate: int, channels: int) -> wave.Wave_read | None:
    """`_pcm_wav`, when the WAV is at this rate and channel count already."""
    reader = _pcm_wav(path)
    if reader is None or (reader.getframerate(), reader.getnchannels()) == (sample_rate, channels):
        return reader
    reader.close()
    return None


def _pcm_wav(path: Path) -> wave.Wave_read | None:
    """The WAV opened for reading when it holds 16-, 24- or 32-bit PCM; None for anything else
    (ffmpeg reads it)."""
    try:
        reader = wave.open(str(path), "rb")  # noqa: SIM115 (closed by the caller, or below)
    except (wave.Error, EOFError, OSError):  # not a WAV, or one `wave` cannot read
        return None
    params = reader.getparams()
    if params.comptype == "NONE" and params.sampwidth in (2, 3, 4) and params.nframes:
        return reader
    reader.close()
    return None


def _read_wav(
    reader: wave.Wave_read, start: float, duration: float | None
) -> Generator[np.ndarray, None, int]:
    with contextlib.closing(reader):
        rate, channels, width = reader.getframerate(), reader.getnchannels(), reader.getsampwidth()
        first = min(round(start * rate), reader.getnframes())
        reader.setpos(first)
        left = reader.getnframes() - first
        if duration is not None:
            left = min(left, round(duration * rate))
        size, frames = chunk_frames(rate), 0
        while left > 0:
            data = reader.readframes(min(size, left))
            if not data:
                break
            chunk = _pcm_to_float(data, width, channels)
            frames, left = frames + chunk.shape[1], left - chunk.shape[1]
            yield chunk
    return frames


def _pcm_to_float(data: bytes, width: int, channels: int) -> np.ndarray:
    """Interleaved little-endian PCM → channel-major float32 in [−1, 1)."""
    if width == 3:  # 24-bit: widened to 32 with the sample in the high bytes
        triples = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3)
        padded = np.zeros((len(triples), 4), dtype=np.uint8)
        padded[:, 1:] = triples
        samples = padded.view("<i4").reshape(-1, channels)
        width = 4
    else:
        samples = np.frombuffer(data, dtype=f"<i{width}").reshape(-1, channels)
    out = np.empty((channels, len(samples)), dtype=np.float32)
    np.multiply(samples.T, np.float32(2.0 ** (1 - 8 * width)), out=out, casting="unsafe")
    return out


def chunk_frames(sample_rate: int) -> int:
    """Frames per chunk: about CHUNK_SECONDS, a whole number of true-peak blocks and of the
    meter's 20 ms sub-blocks (it then reduces each chunk without joining it to the last)."""
    unit = math.lcm(BLOCK, sample_rate // 50)
    return max(1, round(CHUNK_SECONDS * sample_rate / unit)) * unit


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
    chunk_bytes = chunk_frames(sample_rate) * frame_bytes
    while data := stream.read(chunk_bytes):
        usable = len(data) - len(data) % frame_bytes
        interleaved = np.frombuffer(data[:usable], dtype=np.float32).reshape(-1, channels)
        yield np.ascontiguousarray(interleaved.T)
