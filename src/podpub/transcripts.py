"""Episode transcripts (WebVTT or SRT, read by webvtt-py): validated, linked from the feed with
podcast:transcript, and their text embedded in the MP3 as USLT."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import webvtt
from webvtt.errors import MalformedFileError

from podpub.errors import Problems

TRANSCRIPT_TYPES = {".vtt": "text/vtt", ".srt": "application/x-subrip"}


@dataclass(frozen=True)
class Transcript:
    path: Path

    @property
    def content_type(self) -> str:
        return TRANSCRIPT_TYPES[self.path.suffix.lower()]


def find_transcript(folder: Path, where: str, problems: Problems) -> Transcript | None:
    """transcript.vtt or transcript.srt in the episode folder (not both), checked cue by cue."""
    found = [folder / f"transcript{suffix}" for suffix in TRANSCRIPT_TYPES]
    found = [path for path in found if path.is_file()]
    if len(found) > 1:
        problems.add(where, f"has both {found[0].name} and {found[1].name}; keep one transcript")
        return None
    if not found:
        return None
    if not transcript_text(found[0], problems):
        problems.add(found[0], "holds no caption text")
        return None
    return Transcript(found[0])


def transcript_text(path: Path, problems: Problems) -> str:
    """The spoken text, one caption per line, as USLT carries it."""
    try:
        captions = webvtt.from_srt(str(path)) if path.suffix == ".srt" else webvtt.read(str(path))
    except (MalformedFileError, UnicodeDecodeError, OSError) as exc:
        kind = "SRT" if path.suffix == ".srt" else "WebVTT"
        problems.add(path, f"is not a valid {kind} file: {exc}")
        return ""
    return "\n".join(c.text.strip() for c in captions.captions if c.text.strip())
