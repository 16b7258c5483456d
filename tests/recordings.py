"""Speech recordings made for the leveler's tests and the bench: espeak-ng voices at different
levels, joined with ffmpeg, and ffmpeg's own ebur128 meter to read them back (short-term
loudness per 100 ms, the independent meter the leveler is judged by)."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from podpub.audio.ffmpeg import ffmpeg_command

RATE = 44100
SENTENCES = [
    "The quick brown fox jumps over the lazy dog, and then it runs back home again.",
    "Welcome back to the show. Today we talk about microphones, rooms and levels.",
    "I have been recording for twenty years, and the room matters more than the gear.",
    "That is a good point. What would you tell someone who starts a podcast today?",
    "Record a minute, listen to it with headphones, and only then record the episode.",
    "People listen while they drive or walk, so every voice must be as clear as the next.",
    "We will put the links in the show notes, together with the chapters and the transcript.",
    "Thank you for coming on the show, it was a pleasure to talk with you this afternoon.",
]
VOICES = ("en-us", "en-gb-x-rp")
MUSIC = (  # a chord with a beat on each half second: sustained, recognisably not speech
    "aevalsrc='0.25*(sin(2*PI*261.6*t)+sin(2*PI*329.6*t)+sin(2*PI*392*t))/3"
    f"*(0.6+0.4*exp(-8*mod(t,0.5)))+0.1*sin(2*PI*65.4*t)':s={RATE}"
)


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    who: str


def _ffmpeg(*args: str) -> None:
    subprocess.run(ffmpeg_command("-v", "error", "-y", *args), check=True)


def _spoken(folder: Path, name: str, voice: str, text: str) -> Path:
    raw = folder / f"{name}.raw.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(raw), text], check=True)
    out = folder / f"{name}.wav"
    _ffmpeg("-i", str(raw), "-ar", str(RATE), "-ac", "1", "-c:a", "pcm_f32le", str(out))
    return out


def _seconds(path: Path) -> float:
    return path.stat().st_size / 4 / RATE - 0.001  # mono float32 WAV (header ~0.001 s)


def conversation(
    path: Path, levels_db: tuple[float, float] = (0.0, -10.0), turns: int = 6, gap: float = 0.6
) -> list[Segment]:
    """Two voices taking turns, one sentence each, at their own levels; the segments spoken."""
    segments, parts = [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        position = 0.0
        for turn in range(turns):
            who = turn % 2
            part = _spoken(folder, f"t{turn}", VOICES[who], SENTENCES[turn % len(SENTENCES)])
            seconds = _seconds(part)
            parts.append((part, levels_db[who]))
            segments.append(Segment(position, position + seconds, "AB"[who]))
            position += seconds + gap
        _join(parts, gap, path)
    return segments


def _join(parts: list[tuple[Path, float]], gap: float, path: Path) -> None:
    inputs, chains, labels = [], [], []
    for index, (part, level) in enumerate(parts):
        inputs += ["-i", str(part)]
        chains.append(f"[{index}]volume={level}dB,apad=pad_dur={gap}[p{index}]")
        labels.append(f"[p{index}]")
    graph = ";".join([*chains, f"{''.join(labels)}concat=n={len(parts)}:v=0:a=1"])
    _ffmpeg(*inputs, "-filter_complex", graph, "-ar", str(RATE), "-c:a", "pcm_s16le", str(path))


def fading_speaker(path: Path, seconds: float = 60.0, fade_db: float = 10.0) -> None:
    """One voice reading on, its level falling steadily by `fade_db` over `seconds`."""
    with tempfile.TemporaryDirectory() as tmp:
        part = _spoken(Path(tmp), "all", VOICES[0], " ".join(SENTENCES * 4))
        fade = f"volume='pow(10,-{fade_db / 20}*t/{seconds})':eval=frame"
        _ffmpeg("-i", str(part), "-af", fade, "-t", str(seconds), "-c:a", "pcm_s16le", str(path))


def with_music(path: Path, speech: Path, intro_s: float = 8.0, bed_db: float = -18.0) -> float:
    """A music intro alone, then `speech` over the same music as a bed; returns where the
    speech starts."""
    graph = (
        f"[1]adelay={int(intro_s * 1000)}:all=1[v];"
        f"[0]volume=-6dB,asplit[intro][bed];"
        f"[bed]volume={bed_db + 6}dB[b];"
        f"[intro]atrim=0:{intro_s}[i];"
        f"[b]atrim={intro_s},asetpts=PTS-STARTPTS,adelay={int(intro_s * 1000)}:all=1[bb];"
        f"[i][bb]amix=inputs=2:normalize=0:duration=longest[m];"
        f"[m][v]amix=inputs=2:normalize=0:duration=shortest"
    )
    _ffmpeg(
        "-f", "lavfi", "-i", MUSIC, "-i", str(speech), "-filter_complex", graph,
        "-ar", str(RATE), "-ac", "1", "-c:a", "pcm_s16le", str(path),
    )  # fmt: skip
    return intro_s


def short_term(path: Path) -> list[tuple[float, float]]:
    """(time, short-term loudness) every 100 ms, as ffmpeg's ebur128 filter logs them; each
    value is the loudness of the 3 s ending at its time."""
    report = subprocess.run(
        ffmpeg_command("-nostats", "-i", str(path), "-af", "ebur128=framelog=info", "-f", "null", "-"),
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    found = re.findall(r"t: *([\d.]+) .*? S: *(-?[\d.]+)", report)
    return [(float(t), float(s)) for t, s in found]


def segment_loudness(values: list[tuple[float, float]], segment: Segment) -> float:
    """Median short-term loudness over the windows lying wholly inside the segment."""
    inside = [s for t, s in values if segment.start + 3.0 <= t <= segment.end]
    assert inside, f"segment {segment} is shorter than the 3 s window"
    return statistics.median(inside)


def spread(path: Path, segments: list[Segment], shift: float = 0.0) -> float:
    """Largest difference of loudness between any two segments, in LU."""
    values = short_term(path)
    levels = [
        segment_loudness(values, Segment(s.start + shift, s.end + shift, s.who)) for s in segments
    ]
    return max(levels) - min(levels)
