"""iTunes atoms for M4A files (mutagen), and their chapters (ffmpeg: mutagen cannot write them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.mp4 import MP4, MP4Cover

from podpub.audio.ffmpeg import add_mp4_chapters
from podpub.errors import TagError
from podpub.files import temp_name
from podpub.show.chapters import Chapter
from podpub.tags.fields import TAG_MAP, EpisodeTags

PAIRS = {"trkn", "disk"}  # (number, total) atoms


def write_mp4(path: Path, tags: EpisodeTags, duration_s: float) -> None:
    if tags.chapters:
        _add_chapters(path, mp4_chapter_spans(tags.chapters, duration_s))
    try:
        mp4 = MP4(path)
        if mp4.tags is None:
            mp4.add_tags()
        atoms = mp4.tags
        assert atoms is not None
        atoms.clear()
        atoms.update(mp4_atoms(tags))
        mp4.save()
    except (MutagenError, OSError) as exc:
        raise TagError.at(path, f"cannot write tags: {exc}") from exc


def mp4_atoms(tags: EpisodeTags) -> dict[str, list[Any]]:
    return {
        atom: [_atom_value(atom, value)]
        for mapping in TAG_MAP
        if (value := getattr(tags, mapping.field)) is not None
        for atom in mapping.mp4
    }


def _atom_value(atom: str, value: Any) -> Any:
    if atom == "covr":
        return MP4Cover(value, imageformat=MP4Cover.FORMAT_JPEG)
    if atom in PAIRS:
        return (value, 0)
    return value


def mp4_chapter_spans(
    chapters: tuple[Chapter, ...], duration_s: float
) -> list[tuple[int, int, str]]:
    """(start ms, end ms, title) for each chapter; ends at the next start or the audio's end."""
    starts = [round(c.start * 1000) for c in chapters]
    ends = [*starts[1:], round(duration_s * 1000)]
    return [(s, e, c.title) for s, e, c in zip(starts, ends, chapters, strict=True)]


def _add_chapters(path: Path, spans: list[tuple[int, int, str]]) -> None:
    """ffmpeg copies the file with a chapter track (no re-encoding); the copy replaces it."""
    tmp = temp_name(path)
    try:
        add_mp4_chapters(path, tmp, spans)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
