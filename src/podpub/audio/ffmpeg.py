"""Finding ffmpeg and talking to it: the only place that builds ffmpeg command lines.

ffmpeg is the static binary pinned by the imageio-ffmpeg wheel, so that the same inputs give the
same published bytes on every machine (PODPUB_FFMPEG=system or a path picks another one). The
wheel ships no ffprobe, so nothing here relies on ffprobe: stream facts are read from `ffmpeg
-i`'s own report.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import re
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from podpub.errors import AudioError

STREAM = re.compile(r"Stream #\d+:\d+.*?: Audio: ([^,]+), (\d+) Hz, ([^,]+)")
DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: (.*)$", re.M)
# Pipes to and from ffmpeg get 1 MiB instead of Linux's 64 KiB: 64 KiB is ~5 ms of LAME's work, so
# the encoder would wait whenever this process held the GIL for one 5 ms switch interval.
PIPE_BYTES = 1 << 20
LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "7.1": 8}


@functools.cache
def ffmpeg_exe() -> str:
    """PODPUB_FFMPEG (a path, or `system` for ffmpeg on PATH), else the binary inside the
    imageio-ffmpeg wheel, else ffmpeg on PATH (a platform the wheel does not cover)."""
    chosen = os.environ.get("PODPUB_FFMPEG", "")
    if chosen == "system":
        return _on_path()
    if chosen:
        return chosen
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return _on_path()


@functools.cache
def ffmpeg_identity() -> str:
    """The version ffmpeg reports, e.g. 'n9.0.2-17-g2a571b6068-20260930' or '5.1.9-0+deb12u1':
    renders from two builds differ in their bytes, so records keep it."""
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-version"], capture_output=True, text=True, check=False
    )
    match = re.match(r"ffmpeg version (\S+)", result.stdout)
    return match[1] if match else "unknown"


def _on_path() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        raise AudioError.at(
            "ffmpeg",
            "not found: install the imageio-ffmpeg wheel (pip install imageio-ffmpeg) or "
            "ffmpeg on PATH (apt install ffmpeg / brew install ffmpeg)",
        )
    return found


@functools.cache
def pydub_segment() -> type:
    """pydub's AudioSegment. podpub hands it PCM that ffmpeg decoded, so pydub never runs a
    converter of its own (it would look for ffmpeg and ffprobe on PATH only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "couldn't find ffmpeg" at import
        from pydub import AudioSegment
    return AudioSegment  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SourceInfo:
    sample_rate: int
    channels: int
    duration_s: float | None  # as the container claims; decoding tells the truth
    has_video: bool = False  # a moving picture (not cover art): the duration may be its own
    codec: str = ""

    @property
    def seeks_exactly(self) -> bool:
        """Whether decoding from a point in the middle gives the very samples a decode from the
        start gives there. Not so for AAC: ffmpeg starts its decoder cold at the seek point, and
        the first frame after it comes out short and with a click (seen: +0.8 dB of true peak)."""
        return self.codec.startswith(("pcm_", "flac", "mp3"))


def probe(path: Path) -> SourceInfo:
    """Stream facts from `ffmpeg -i` (no ffprobe needed); AudioError when it is not audio."""
    if not path.is_file():
        raise AudioError.at(path, "audio source not found")
    if path.stat().st_size == 0:
        raise AudioError.at(path, "audio source is empty (0 bytes)")
    result = subprocess.run(
        ffmpeg_command("-i", str(path)),
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    match = STREAM.search(result.stderr)
    if not match:
        raise AudioError.at(path, f"not a readable audio file ({last_line(result.stderr)})")
    codec, rate, layout = match.groups()
    video = any("attached pic" not in v for v in VIDEO.findall(result.stderr))
    duration = _duration(result.stderr)
    return SourceInfo(int(rate), layout_channels(layout), duration, video, codec.strip())


def check_complete(path: Path, claimed_s: float | None) -> float:
    """Seconds of audio actually in the file, by reading every packet without decoding (some
    3,000× real time); AudioError when a truncated file's header claims more than is there."""
    command = ffmpeg_command(
        "-v", "error", "-stats", "-i", str(path), "-map", "0:a:0", "-c", "copy", "-f", "null", "-"
    )
    result = subprocess.run(command, capture_output=True, text=True, errors="replace", check=False)
    times = re.findall(r"time=(\d+):(\d\d):(\d\d(?:\.\d+)?)", result.stderr)
    if result.returncode != 0 or not times:
        raise AudioError.at(path, f"cannot be read to the end ({last_line(result.stderr)})")
    hours, minutes, seconds = times[-1]
    present = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    if claimed_s and present < claimed_s - max(1.0, 0.02 * claimed_s):
        raise AudioError.at(
            path,
            f"is truncated: its header claims {claimed_s:.1f} s but only {present:.1f} s of audio "
            "is there; export it again",
        )
    return present


def layout_channels(layout: str) -> int:
    layout = layout.strip()
    count = re.match(r"(\d+) channels", layout)
    if count:
        return int(count.group(1))
    return LAYOUT_CHANNELS.get(layout.split("(")[0], 2)


def _duration(report: str) -> float | None:
    match = DURATION.search(report)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message from ffmpeg"


def ffmpeg_command(*args: str) -> list[str]:
    """ffmpeg, quiet and non-interactive, with the given arguments."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]


def pcm_output(sample_rate: int, channels: int, sample: str = "f32le") -> list[str]:
    """Raw interleaved PCM on stdout: float32 for the engine, s16le for pydub."""
    codec = {"f32le": "pcm_f32le", "s16le": "pcm_s16le"}[sample]
    return ["-ac", str(channels), "-ar", str(sample_rate), "-f", sample, "-acodec", codec, "pipe:1"]


def decode_command(
    path: Path,
    sample_rate: int,
    channels: int,
    start: float = 0.0,
    duration: float | None = None,
    sample: str = "f32le",
) -> list[str]:
    """Decode the first audio stream (or a stretch of it) to interleaved PCM on stdout."""
    stretch = ["-ss", f"{start:.6f}"] if start else []
    stretch += ["-t", f"{duration:.6f}"] if duration is not None else []
    source = [*stretch, "-i", str(path), "-map", "0:a:0", "-vn"]
    return ffmpeg_command("-v", "error", *source, *pcm_output(sample_rate, channels, sample))


def excerpts_command(
    path: Path, sample_rate: int, channels: int, starts: list[float], seconds: float
) -> list[str]:
    """Decode `seconds` from each start, one after the other, in one process."""
    inputs = []
    for start in starts:
        inputs += ["-ss", f"{start:.6f}", "-t", f"{seconds:.6f}", "-i", str(path)]
    joined = "".join(f"[{index}:a:0]" for index in range(len(starts)))
    graph = f"{joined}concat=n={len(starts)}:v=0:a=1"
    output = pcm_output(sample_rate, channels)
    return ffmpeg_command("-v", "error", *inputs, "-filter_complex", graph, *output)


def stream_decode_command(container: str, sample_rate: int, channels: int) -> list[str]:
    """Decode a `container` stream arriving on stdin to interleaved float32 PCM on stdout."""
    source = ["-f", container, "-i", "pipe:0"]
    return ffmpeg_command("-v", "error", *source, *pcm_output(sample_rate, channels))


def widen_pipe(pipe: IO[bytes]) -> None:
    """Enlarge a pipe's buffer to PIPE_BYTES where the system allows it (Linux)."""
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def encode_command(
    output: Path, sample_rate: int, channels: int, codec_args: list[str]
) -> list[str]:
    """Encode interleaved 16-bit PCM from stdin; no tags (tags.py writes them), bit-exact.

    16-bit rather than float input: LAME's float path through ffmpeg is about twice as slow.
    """
    return _encoder(sample_rate, channels, *codec_args, str(output))


def monitored_command(
    output: Path, sample_rate: int, channels: int, audio_format: str, bitrate: str
) -> list[str]:
    """As `encode_command`, and the same encoded frames also on stdout (ffmpeg's tee muxer), so
    the final audio can be measured while it is written. The file is byte-identical. An MP3
    copy has no Xing header, since a pipe cannot be rewound to fill one in; an AAC copy is
    ADTS (an MP4 cannot be read before its index, written last)."""
    # onfail=abort on every slave: ffmpeg 5.1 otherwise carries on without a slave it could not
    # open (a file in a missing folder) and exits 0.
    if audio_format == "mp3":
        file = f"[f=mp3:onfail=abort:{_muxer_options(MP3_MUXER)}]{_tee_escape(str(output))}"
        copy = f"[f=mp3:onfail=abort:{_muxer_options({**MP3_MUXER, 'write_xing': '0'})}]pipe:1"
        codec = [*MP3_CODEC, bitrate]
    else:
        file = f"[f=mp4:onfail=abort:{_muxer_options(MP4_MUXER)}]{_tee_escape(str(output))}"
        copy = "[f=adts:onfail=abort]pipe:1"
        codec = [*AAC_CODEC, bitrate]
    return _encoder(sample_rate, channels, *codec, "-f", "tee", f"{file}|{copy}")


def copy_demuxer(audio_format: str) -> str:
    """ffmpeg's name for reading a monitored encoder's copy (ADTS is read by `aac`)."""
    return "mp3" if audio_format == "mp3" else "aac"


def _encoder(sample_rate: int, channels: int, *output: str) -> list[str]:
    pcm = ["-f", "s16le", "-ar", str(sample_rate), "-ac", str(channels), "-i", "pipe:0"]
    exact = ["-map", "0:a", "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]
    return ffmpeg_command("-v", "error", "-y", *pcm, *exact, *output)


def _muxer_options(options: dict[str, str]) -> str:
    """A muxer's options as the tee muxer takes them (name=value:name=value)."""
    return ":".join(f"{name}={value}" for name, value in options.items())


def _muxer_flags(options: dict[str, str]) -> list[str]:
    """The same options as command-line flags (-name value)."""
    return [arg for name, value in options.items() for arg in (f"-{name}", value)]


def _tee_escape(path: str) -> str:
    """A file name as the tee muxer reads it: its separators escaped."""
    for special in "\\|[]":
        path = path.replace(special, "\\" + special)
    return path


def codec_args(audio_format: str, bitrate: str) -> list[str]:
    return mp3_args(bitrate) if audio_format == "mp3" else aac_args(bitrate)


def aac_args(bitrate: str) -> list[str]:
    """AAC-LC in MP4 (.m4a) with the index up front, so players can start before the end."""
    return [*AAC_CODEC, bitrate, *_muxer_flags(MP4_MUXER), "-f", "mp4"]


AAC_CODEC = ("-c:a", "aac", "-b:a")
MP4_MUXER = {"movflags": "+faststart"}


# CBR MP3 with a Xing/LAME header (exact duration, gapless) and no ID3 of ffmpeg's own.
MP3_CODEC = ("-c:a", "libmp3lame", "-b:a")
MP3_MUXER = {"id3v2_version": "0", "write_xing": "1"}


def mp3_args(bitrate: str) -> list[str]:
    return [*MP3_CODEC, bitrate, *_muxer_flags(MP3_MUXER), "-f", "mp3"]


def add_mp4_chapters(source: Path, output: Path, chapters: list[tuple[int, int, str]]) -> None:
    """Copy an .m4a, adding chapters (start ms, end ms, title) as a QuickTime chapter track and a
    Nero `chpl` atom, which mutagen cannot write. Stream copy: no re-encoding."""
    lines = [";FFMETADATA1"]
    for start, end, title in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}"]
        lines.append(f"title={_ffmetadata_escape(title)}")
    metadata = output.with_name(output.name + ".chapters.txt")
    metadata.write_text("\n".join(lines) + "\n", encoding="utf-8")
    inputs = ["-i", str(source), "-f", "ffmetadata", "-i", str(metadata)]
    maps = ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1", "-c", "copy"]
    exact = ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-movflags", "+faststart"]
    command = ffmpeg_command("-v", "error", "-y", *inputs, *maps, *exact, "-f", "mp4", str(output))
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, errors="replace", check=False
        )
    finally:
        metadata.unlink(missing_ok=True)
    if result.returncode != 0:
        raise AudioError.at(output, f"cannot add chapters: {last_line(result.stderr)}")


def _ffmetadata_escape(text: str) -> str:
    """ffmetadata gives '=', ';', '#', '\\' and newlines a meaning: escape them."""
    return re.sub(r"([=;#\\\n])", r"\\\1", text)
