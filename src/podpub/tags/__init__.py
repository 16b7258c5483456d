"""Podcast tags: the only package that imports mutagen.

MP3: ID3v2.3 (Apple truncates v2.4 chapter titles and Windows misreads v2.4), without ID3v1 and
without timestamps of our own, so tagging the same inputs twice gives identical bytes.
M4A: the iTunes atoms; its chapters are added by ffmpeg (mutagen reads them but cannot write
them). Which field goes where is one table, tags/fields.py.
"""

from __future__ import annotations

from pathlib import Path

from mutagen import MutagenError
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from podpub.errors import TagError
from podpub.tags.fields import EpisodeTags, tags_sha256
from podpub.tags.id3 import write_id3
from podpub.tags.mp4 import write_mp4

__all__ = ["EpisodeTags", "audio_bitrate", "audio_duration", "tag", "tags_sha256"]


def tag(path: Path, tags: EpisodeTags) -> None:
    """Replace every tag in the file with ours, chapters included (never stacking duplicates)."""
    if path.suffix == ".m4a":
        write_mp4(path, tags, audio_duration(path))
    else:
        write_id3(path, tags, audio_duration(path))


def _stream_info(path: Path) -> object:
    try:
        return (MP4(path) if path.suffix == ".m4a" else MP3(path)).info
    except (MutagenError, OSError) as exc:
        raise TagError.at(path, f"cannot read the audio stream info: {exc}") from exc


def audio_duration(path: Path) -> float:
    """Duration from the MP3's Xing/LAME header (exact for our CBR encodes) or the MP4 index."""
    return float(_stream_info(path).length)  # type: ignore[attr-defined]


def audio_bitrate(path: Path) -> int:
    """The audio stream's bit rate (bits per second), as its header states it."""
    return int(_stream_info(path).bitrate)  # type: ignore[attr-defined]
