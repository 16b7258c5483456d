"""Episode transcripts (WebVTT or SRT, read by webvtt-py), parsed once into cues: linked from
the feed with podcast:transcript, their text embedded in the audio (USLT, ©lyr), and shown on
the episode's web page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import webvtt
from webvtt.errors import MalformedFileError

from podpub.errors import Problems
from podpub.show.chapters import parse_time
from podpub.standards.text import first_bad_line

TRANSCRIPT_TYPES = {".vtt": "text/vtt", ".srt": "application/x-subrip"}


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    path: Path
    cues: tuple[Cue, ...]

    @property
    def content_type(self) -> str:
        return TRANSCRIPT_TYPES[self.path.suffix.lower()]

    @property
    def text(self) -> str:
        """The spoken text, one caption per line, as USLT carries it."""
        return "\n".join(cue.text for cue in self.cues)


def find_transcript(folder: Path, where: str, problems: Problems) -> Transcript | None:
    """transcript.vtt or transcript.srt in the episode folder (not both), checked cue by cue."""
    found = [folder / f"transcript{suffix}" for suffix in TRANSCRIPT_TYPES]
    found = [path for path in found if path.is_file()]
    if len(found) > 1:
        problems.add(where, f"has both {found[0].name} and {found[1].name}; keep one transcript")
        return None
    if not found:
        return None
    cues = read_cues(found[0], problems)
    if cues is None:
        return None
    if not cues:
        problems.add(found[0], "holds no caption text")
        return None
    return Transcript(found[0], cues)


def read_cues(path: Path, problems: Problems) -> tuple[Cue, ...] | None:
    kind = "SRT" if path.suffix.lower() == ".srt" else "WebVTT"
    try:
        if bad := first_bad_line(path.read_bytes().decode("utf-8-sig")):
            line, code = bad
            problems.add(
                path, f"line {line} contains the character {code}, which no feed can carry"
            )
            return None
        captions = webvtt.from_srt(str(path)) if kind == "SRT" else webvtt.read(str(path))
    except (MalformedFileError, UnicodeDecodeError, OSError) as exc:
        problems.add(path, f"is not a valid {kind} file: {exc}")
        return None
    cues = []
    for caption in captions.captions:
        start, end = parse_time(caption.start), parse_time(caption.end)
        if caption.text.strip() and start is not None and end is not None:
            cues.append(Cue(start, end, caption.text.strip()))
    return tuple(cues)
