"""The program a listener hears: the episode with its leading and trailing silence trimmed
(optional) and the show's intro and outro jingles joined with a crossfade (optional).

pydub finds the silence, on a minute at each end only; ffmpeg joins the parts in one streaming
pass into a FLAC intermediate, so a three-hour episode never sits in memory.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podpub.audio.ffmpeg import decode_command, ffmpeg_command, last_line, probe, pydub_segment
from podpub.errors import AudioError
from podpub.files import temp_name
from podpub.show.audio_settings import AudioSettings

EDGE_WINDOW_S = 60.0  # how much of each end is searched for silence
SILENCE_RATE = 16000  # Hz: plenty to tell silence from sound, and light to decode
KEEP_SILENCE_S = 0.25  # trimmed edges keep a breath of room tone rather than a hard cut


@dataclass(frozen=True)
class Program:
    path: Path
    offset_s: float  # where the episode's own 0 s lands in the program: chapters move by it


def build_program(source: Path, settings: AudioSettings, output: Path) -> Program:
    """The source itself when there is nothing to add or trim; else a FLAC at `output`."""
    if not settings.builds_program:
        return Program(source, 0.0)
    duration = _duration(source)
    lead, trail = (0.0, 0.0)
    if settings.trim_silence:
        lead, trail = silent_edges(source, duration, settings.silence_threshold_db)
    parts = _parts(source, lead, duration - lead - trail, settings)
    _join(parts, settings, _layout(source, settings), output)
    offset = -lead
    if settings.intro:
        offset += _duration(settings.intro) - _crossfade(settings, settings.intro)
    return Program(output, offset)


def silent_edges(source: Path, duration: float, threshold_db: float) -> tuple[float, float]:
    """Seconds of silence at the start and at the end, less a breath kept at each edge."""
    pydub_segment()  # imports pydub quietly, before its silence module
    from pydub.silence import detect_leading_silence

    head = _segment(source, 0.0)
    tail = _segment(source, max(0.0, duration - EDGE_WINDOW_S))
    lead = detect_leading_silence(head, silence_threshold=threshold_db, chunk_size=10) / 1000
    trail = detect_leading_silence(tail.reverse(), silence_threshold=threshold_db, chunk_size=10)
    return max(0.0, lead - KEEP_SILENCE_S), max(0.0, trail / 1000 - KEEP_SILENCE_S)


def _segment(source: Path, start: float) -> Any:
    """A pydub AudioSegment of one edge window, decoded by ffmpeg (pydub would need ffprobe)."""
    command = decode_command(source, SILENCE_RATE, 1, start, EDGE_WINDOW_S, sample="s16le")
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        raise AudioError.at(
            source, f"cannot decode: {last_line(result.stderr.decode(errors='replace'))}"
        )
    segment = pydub_segment()
    return segment(data=result.stdout, sample_width=2, frame_rate=SILENCE_RATE, channels=1)


def _duration(path: Path) -> float:
    duration = probe(path).duration_s
    if not duration:
        raise AudioError.at(path, "its duration is unknown; convert it to FLAC or WAV first")
    return duration


def _crossfade(settings: AudioSettings, jingle: Path) -> float:
    """A crossfade never longer than the jingle itself."""
    return min(settings.crossfade_s, _duration(jingle) / 2)


def _parts(source: Path, start: float, length: float, settings: AudioSettings) -> list[list[str]]:
    """ffmpeg input arguments: [intro], the (trimmed) episode, [outro]."""
    episode = ["-ss", f"{start:.3f}", "-t", f"{length:.3f}", "-i", str(source)]
    intro = [["-i", str(settings.intro)]] if settings.intro else []
    outro = [["-i", str(settings.outro)]] if settings.outro else []
    return [*intro, episode, *outro]


def _layout(source: Path, settings: AudioSettings) -> str:
    """The episode decides (a mono show stays mono under a stereo jingle) unless settings do."""
    if settings.channels == "auto":
        return "mono" if probe(source).channels == 1 else "stereo"
    return settings.channels


def _join(parts: list[list[str]], settings: AudioSettings, layout: str, output: Path) -> None:
    """One ffmpeg pass: same rate and layout for every part, acrossfade between them, FLAC out."""
    graph = [
        f"[{i}:a:0]aformat=sample_fmts=flt:sample_rates={settings.sample_rate}"
        f":channel_layouts={layout}[p{i}]"
        for i in range(len(parts))
    ]
    joined = "[p0]"
    for i in range(1, len(parts)):
        jingle = settings.intro if i == 1 and settings.intro else settings.outro
        assert jingle is not None
        fade = _crossfade(settings, jingle)
        graph.append(f"{joined}[p{i}]acrossfade=d={fade:.3f}:c1=tri:c2=tri[j{i}]")
        joined = f"[j{i}]"
    inputs = [arg for part in parts for arg in part]
    tmp = temp_name(output)
    command = ffmpeg_command(
        "-v",
        "error",
        "-y",
        *inputs,
        "-filter_complex",
        ";".join(graph),
        "-map",
        joined,
        "-c:a",
        "flac",
        "-f",
        "flac",
        str(tmp),
    )
    result = subprocess.run(command, capture_output=True, text=True, errors="replace", check=False)
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise AudioError.at(output, f"cannot join intro/outro: {last_line(result.stderr)}")
    tmp.replace(output)
