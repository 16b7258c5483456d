"""The encoder side of a render: 16-bit PCM piped into ffmpeg from a writer thread, and for a
long file the final meter, which measures a copy of the encoded frames as they are written."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import cast

import numpy as np

from podpub.audio.decode import decode_stream
from podpub.audio.ffmpeg import (
    codec_args,
    copy_demuxer,
    encode_command,
    last_line,
    monitored_command,
    widen_pipe,
)
from podpub.audio.meter import LoudnessMeter, Measured
from podpub.errors import AudioError
from podpub.files import temp_name

MONITOR_NICENESS = 10  # the final meter's priority below the encoder's


@dataclass(frozen=True)
class Encoding:
    """What the encoder makes of the limited PCM."""

    format: str  # "mp3" | "m4a"
    bitrate: str
    sample_rate: int
    channels: int

    def command(self, tmp: Path) -> list[str]:
        return encode_command(tmp, self.sample_rate, self.channels, self.codec_args)

    def monitored_command(self, tmp: Path) -> list[str]:
        """The same frames also on stdout, for the final meter."""
        rate, channels = self.sample_rate, self.channels
        return monitored_command(tmp, rate, channels, self.format, self.bitrate)

    @property
    def codec_args(self) -> list[str]:
        return codec_args(self.format, self.bitrate)


def to_pcm16(samples: np.ndarray) -> bytes:
    """Channel-major float → interleaved signed 16-bit little-endian."""
    scaled = np.multiply(samples, np.float32(32767))
    np.clip(scaled, -32767, 32767, out=scaled)
    np.rint(scaled, out=scaled)
    interleaved = np.empty(scaled.shape[::-1], dtype="<i2")
    interleaved[...] = scaled.T  # converted while transposed: one pass, no temporary
    return interleaved.tobytes()


def encode(
    chunks: Iterator[bytes], encoding: Encoding, output: Path, measure_frames: int | None = None
) -> Measured | None:
    """Pipe PCM into the encoder from a writer thread, via a temporary name renamed to `output`
    only on success. With `measure_frames` (an MP3 holding that many frames), the encoded frames
    are also measured as they are written, and the measurement returned."""
    tmp = temp_name(output)
    copy = None
    if measure_frames is not None:
        copy = EncodedCopy.of(encoding, measure_frames)
    command = encoding.monitored_command(tmp) if copy else encoding.command(tmp)
    with tempfile.TemporaryFile() as errors:
        stdout = subprocess.PIPE if copy else None
        encoder = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=stdout, stderr=errors)
        assert encoder.stdin is not None
        widen_pipe(encoder.stdin)
        cores = leave_one_core_to_encoder()  # after the encoder started: it keeps them all
        final_meter = None
        try:  # from here on, any failure stops the encoder and gives the cores back
            final_meter = FinalMeter(encoder, copy) if copy else None
            _feed(encoder, chunks)
            code = encoder.wait()
            if code != 0 or not _written(tmp):  # whatever the ffmpeg version says, check
                errors.seek(0)
                reason = last_line(errors.read().decode(errors="replace"))
                raise AudioError.at(output, f"encoding failed: {reason} (exit code {code})")
            after = final_meter.result() if final_meter else None
            os.replace(tmp, output)
            return after
        finally:
            restore_cores(cores)
            if encoder.poll() is None:
                encoder.kill()
                encoder.wait()
            if final_meter:
                final_meter.close()
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                tmp.unlink()


def _written(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:  # e.g. a file where a folder should be
        return False


def leave_one_core_to_encoder() -> set[int] | None:
    """Keep this thread, and the threads and processes it starts from now on (the writer, the
    source decoder, the final meter), off one of the cores it may use; return the cores it had.

    The encoder is the one process a render waits for. With the scheduler free to put helpers on
    any core, a 10-minute render took 10 % longer (median of 20 interleaved pairs on two vCPUs).
    """
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    if len(cores) < 2:
        return None
    os.sched_setaffinity(0, cores - {sorted(cores)[_encoder_core % len(cores)]})
    return cores


_encoder_core = 0  # which of the cores this process may use (by rank) its encoders keep


def share_cores(rank: int) -> None:
    """For a process that renders beside others (`--jobs N`): leave the rank-th core to its
    encoders. Were every render to leave the same core, the helpers of all of them would crowd
    onto the others: two renders on two cores put both limiters on one core."""
    global _encoder_core
    _encoder_core = rank


def restore_cores(cores: set[int] | None) -> None:
    if cores is not None:
        os.sched_setaffinity(0, cores)


@dataclass(frozen=True)
class EncodedCopy:
    """The frames a monitored encoder writes to stdout, and what they hold."""

    sample_rate: int
    channels: int
    frames: int  # of audio: the source's
    demuxer: str  # "mp3" or "aac" (ADTS)
    priming: int  # frames the copy's decoder returns before the audio

    @classmethod
    def of(cls, encoding: Encoding, frames: int) -> EncodedCopy:
        # An MP3 copy has no Xing header to tell its decoder to drop LAME's encoder delay (576
        # frames) and the decoder's own (529), as ffmpeg reports them in libmp3lame's
        # initial_padding; an ADTS copy has no edit list to drop the AAC encoder's 1024. The
        # meter skips them, and the padding after the audio, to measure what the file plays
        # (checked sample for sample against the decoded file in tests/test_render.py).
        demuxer = copy_demuxer(encoding.format)
        priming = 576 + 529 if demuxer == "mp3" else 1024
        return cls(encoding.sample_rate, encoding.channels, frames, demuxer, priming)

    def audio(self, chunks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        """The `frames` after the priming; the rest is read and dropped."""
        position, start, end = 0, self.priming, self.priming + self.frames
        for chunk in chunks:
            first, last = max(start - position, 0), min(end - position, chunk.shape[1])
            position += chunk.shape[1]
            if first < last:
                yield chunk[:, first:last]


class FinalMeter:
    """Measures the encoder's stdout copy in a forked process (a thread would contend with the
    limiter for the GIL) while the encoder writes the file."""

    def __init__(self, encoder: subprocess.Popen[bytes], copy: EncodedCopy) -> None:
        assert encoder.stdin is not None and encoder.stdout is not None
        context = multiprocessing.get_context("fork")
        self.results, sender = context.Pipe(duplex=False)
        args = (encoder.stdout.fileno(), encoder.stdin.fileno(), copy, sender)
        self.child = context.Process(target=_measure_copy, args=args, daemon=True)
        self.child.start()
        encoder.stdout.close()  # the child reads it now
        sender.close()

    def result(self) -> Measured:
        """Wait for the measurement; call once the encoder has finished."""
        try:
            outcome = self.results.recv()
        except EOFError:
            outcome = AudioError.at("encoder", f"the final meter stopped ({self.child.exitcode})")
        if isinstance(outcome, Exception):
            raise outcome
        return cast(Measured, outcome)

    def close(self) -> None:
        """Reap the child: once the encoder has exited, its stream ends and so does the child."""
        self.results.close()
        self.child.join(timeout=10)
        if self.child.is_alive():
            self.child.kill()
            self.child.join()


def _measure_copy(stream: int, encoder_input: int, copy: EncodedCopy, results: Connection) -> None:
    """In the forked child: meter the MP3 frames arriving on `stream`; send back the result."""
    os.close(encoder_input)  # else the encoder would never see the end of its input
    # Yield to the limiter that feeds the encoder: on two cores, both share the one left over,
    # and where the cores are not kept apart, the meter still yields to the encoder.
    os.nice(MONITOR_NICENESS)
    try:
        meter = LoudnessMeter(copy.sample_rate, copy.channels)
        decoded = decode_stream(
            stream, copy.demuxer, "encoded audio", copy.sample_rate, copy.channels
        )
        for chunk in copy.audio(decoded):
            meter.add(chunk)
        if meter.frames < copy.frames:  # the copy ended early: its measurement would be wrong
            raise AudioError.at(
                "encoded audio", f"the final meter read {meter.frames} of {copy.frames} frames"
            )
        results.send(meter.measured())
    except Exception as exc:  # any failure is reported to the parent
        results.send(exc)


def _feed(encoder: subprocess.Popen[bytes], chunks: Iterator[bytes]) -> None:
    assert encoder.stdin is not None
    pipe = encoder.stdin
    backlog: queue.Queue[bytes | None] = queue.Queue(maxsize=4)

    def write() -> None:
        try:
            while (data := backlog.get()) is not None:
                pipe.write(data)
        except OSError:  # the encoder died; its exit code tells why
            while backlog.get() is not None:  # drain so the producer never blocks
                pass
        finally:
            pipe.close()

    writer = threading.Thread(target=write, name="podpub-encoder-feed", daemon=True)
    writer.start()
    try:
        for data in chunks:
            backlog.put(data)
    finally:
        backlog.put(None)
        writer.join()
