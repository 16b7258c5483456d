"""ID3v2.3 tags for MP3s (mutagen), chapters as CHAP frames under one ordered top-level CTOC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    CTOC,
    ID3,
    TIT2,
    WXXX,
    CTOCFlags,
    Encoding,
    Frames,
    ID3NoHeaderError,
    PictureType,
)

# mutagen's private API, used here only: ID3._write sorts frames by size, and nothing public
# turns one frame into bytes. Kept in this one module so that a mutagen release that moves it
# breaks one import, which the tag tests catch.
from mutagen.id3._tags import save_frame

from podpub.errors import TagError
from podpub.show.chapters import Chapter
from podpub.tags.fields import TAG_MAP, EpisodeTags

UTF16 = Encoding.UTF16  # ID3v2.3 has no UTF-8; UTF-16 keeps accents intact


class ChapterOrderedID3(ID3):
    """mutagen writes frames ordered by size; players that list chapters in file order
    (ffmpeg and what builds on it) need the CHAP frames in time order, after the CTOC."""

    def _write(self, config: Any) -> bytes:
        toc, chapters = self.getall("CTOC"), sorted(self.getall("CHAP"), key=_start)
        self.delall("CTOC")
        self.delall("CHAP")
        try:
            others = super()._write(config)
        finally:
            for frame in (*toc, *chapters):
                self.add(frame)
        return bytes(others) + b"".join(save_frame(f, config=config) for f in (*toc, *chapters))


def _start(chap: Any) -> int:
    return int(chap.start_time)


def write_id3(path: Path, tags: EpisodeTags, duration_s: float) -> None:
    try:
        id3 = ChapterOrderedID3(path)
        id3.clear()
    except ID3NoHeaderError:
        id3 = ChapterOrderedID3()
    except (MutagenError, OSError) as exc:
        raise TagError.at(path, f"cannot read existing tags: {exc}") from exc
    for frame in id3_frames(tags, duration_s):
        id3.add(frame)
    id3.update_to_v23()
    try:
        id3.save(path, v1=0, v2_version=3, padding=lambda info: 0)
    except (MutagenError, OSError) as exc:
        raise TagError.at(path, f"cannot write tags: {exc}") from exc


def id3_frames(tags: EpisodeTags, duration_s: float) -> list[Any]:
    frames = [
        _frame(frame_id, value, tags.language)
        for mapping in TAG_MAP
        if (value := getattr(tags, mapping.field)) is not None
        for frame_id in mapping.id3
    ]
    return frames + _chapter_frames(tags.chapters, tags.chapter_art, duration_s)


def _frame(frame_id: str, value: Any, language: str) -> Any:
    """One frame, built as its kind requires: text, URL, language-tagged text, flag, picture."""
    kind = Frames[frame_id]
    if frame_id == "APIC":
        return _picture(value, "Cover")
    if frame_id == "PCST":
        return kind(value=int(value))
    if frame_id in {"COMM", "USLT"}:
        return kind(encoding=UTF16, lang=language, desc="", text=value)
    if frame_id.startswith("W"):
        return kind(url=value)
    return kind(encoding=UTF16, text=str(value))


def _picture(jpeg: bytes, description: str, kind: int = PictureType.COVER_FRONT) -> APIC:
    return APIC(encoding=UTF16, mime="image/jpeg", type=kind, desc=description, data=jpeg)


def _chapter_frames(
    chapters: tuple[Chapter, ...], art: dict[str, bytes], duration_s: float
) -> list[Any]:
    """CHAP frames (end = next start or end of audio) and one top-level ordered CTOC."""
    if not chapters:
        return []
    ends = [round(c.start * 1000) for c in chapters[1:]] + [round(duration_s * 1000)]
    frames: list[Any] = [
        _chapter_frame(index, chapter, end, art)
        for index, (chapter, end) in enumerate(zip(chapters, ends, strict=True))
    ]
    frames.append(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=[f"chp{i}" for i in range(len(chapters))],
            sub_frames=[TIT2(encoding=UTF16, text="Chapters")],
        )
    )
    return frames


def _chapter_frame(index: int, chapter: Chapter, end_ms: int, art: dict[str, bytes]) -> CHAP:
    sub: list[Any] = [TIT2(encoding=UTF16, text=chapter.title)]
    if chapter.url:
        sub.append(WXXX(encoding=UTF16, desc="chapter url", url=chapter.url))
    if chapter.image in art:
        sub.append(_picture(art[chapter.image], chapter.title, PictureType.OTHER))
    return CHAP(
        element_id=f"chp{index}",
        start_time=round(chapter.start * 1000),
        end_time=end_ms,
        start_offset=0xFFFFFFFF,
        end_offset=0xFFFFFFFF,
        sub_frames=sub,
    )
