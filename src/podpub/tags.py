"""Podcast tags — the only module that imports mutagen.

MP3: ID3v2.3 (Apple truncates v2.4 chapter titles and Windows misreads v2.4), without ID3v1 and
without timestamps of our own, so tagging the same inputs twice gives identical bytes.
M4A: the iTunes atoms (©nam, ©ART, ©alb, ©gen, covr, trkn, desc…); its chapters are added by
ffmpeg before tagging (mutagen reads them but cannot write them) and kept by mutagen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    PCST,
    TALB,
    TCON,
    TDAT,
    TDES,
    TGID,
    TIT2,
    TPE1,
    TPOS,
    TRCK,
    TYER,
    USLT,
    WFED,
    WOAS,
    WXXX,
    CTOCFlags,
    Encoding,
    ID3NoHeaderError,
    PictureType,
)
from mutagen.id3._tags import save_frame
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover

from podpub.chapters import Chapter
from podpub.errors import TagError


@dataclass(frozen=True)
class EpisodeTags:
    title: str
    artist: str
    album: str
    date: datetime
    guid: str
    feed_url: str
    language: str = "eng"  # ISO 639-2, for COMM/USLT
    number: int | None = None
    season: int | None = None
    summary: str | None = None
    link: str | None = None
    cover_jpeg: bytes | None = None
    chapters: tuple[Chapter, ...] = ()
    chapter_art: dict[str, bytes] = field(default_factory=dict)  # chapter.image → JPEG
    transcript: str | None = None


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


def audio_duration(path: Path) -> float:
    """Duration from the MP3's Xing/LAME header (exact for our CBR encodes) or the MP4 index."""
    try:
        if path.suffix == ".m4a":
            return float(MP4(path).info.length)  # type: ignore[attr-defined]
        return float(MP3(path).info.length)  # type: ignore[attr-defined]
    except (MutagenError, OSError) as exc:
        raise TagError.at(path, f"cannot read the audio stream info: {exc}") from exc


def audio_bitrate(path: Path) -> int:
    """The audio stream's bit rate (bits per second), as its header states it."""
    try:
        audio = MP4(path) if path.suffix == ".m4a" else MP3(path)
        return int(audio.info.bitrate)  # type: ignore[attr-defined]
    except (MutagenError, OSError) as exc:
        raise TagError.at(path, f"cannot read the audio stream info: {exc}") from exc


def write_tags(path: Path, tags: EpisodeTags) -> None:
    """Replace every tag in the file with ours (re-tagging never stacks duplicates)."""
    if path.suffix == ".m4a":
        _write_mp4_tags(path, tags)
    else:
        _write_id3_tags(path, tags)


def _write_mp4_tags(path: Path, tags: EpisodeTags) -> None:
    try:
        mp4 = MP4(path)
        if mp4.tags is None:
            mp4.add_tags()
        atoms = mp4.tags
        assert atoms is not None
        atoms.clear()
        atoms.update(_atoms(tags))
        mp4.save()
    except (MutagenError, OSError) as exc:
        raise TagError.at(path, f"cannot write tags: {exc}") from exc


def _atoms(tags: EpisodeTags) -> dict[str, list[Any]]:
    atoms: dict[str, list[Any]] = {
        "\xa9nam": [tags.title],
        "\xa9ART": [tags.artist],
        "aART": [tags.artist],
        "\xa9alb": [tags.album],
        "\xa9gen": ["Podcast"],
        "\xa9day": [tags.date.date().isoformat()],
        "egid": [tags.guid],
        "purl": [tags.feed_url],
        "pcst": [True],
        "stik": [21],  # media kind: podcast
    }
    if tags.number is not None:
        atoms["trkn"] = [(tags.number, 0)]
    if tags.season is not None:
        atoms["disk"] = [(tags.season, 0)]
    if tags.summary:
        atoms["desc"] = [tags.summary]
        atoms["ldes"] = [tags.summary]
    if tags.transcript:
        atoms["\xa9lyr"] = [tags.transcript]
    if tags.cover_jpeg:
        atoms["covr"] = [MP4Cover(tags.cover_jpeg, imageformat=MP4Cover.FORMAT_JPEG)]
    return atoms


def mp4_chapter_spans(
    chapters: tuple[Chapter, ...], duration_s: float
) -> list[tuple[int, int, str]]:
    """(start ms, end ms, title) for each chapter; ends at the next start or the audio's end."""
    starts = [round(c.start * 1000) for c in chapters]
    ends = [*starts[1:], round(duration_s * 1000)]
    return [(s, e, c.title) for s, e, c in zip(starts, ends, chapters, strict=True)]


def _write_id3_tags(path: Path, tags: EpisodeTags) -> None:
    try:
        id3 = ChapterOrderedID3(path)
        id3.clear()
    except ID3NoHeaderError:
        id3 = ChapterOrderedID3()
    except (MutagenError, OSError) as exc:
        raise TagError.at(path, f"cannot read existing tags: {exc}") from exc
    for frame in _frames(tags, audio_duration(path)):
        id3.add(frame)
    id3.update_to_v23()
    try:
        id3.save(path, v1=0, v2_version=3, padding=lambda info: 0)
    except (MutagenError, OSError) as exc:
        raise TagError.at(path, f"cannot write tags: {exc}") from exc


def _frames(tags: EpisodeTags, duration_s: float) -> list[object]:
    utf16 = Encoding.UTF16  # v2.3 has no UTF-8; UTF-16 keeps accents intact
    frames: list[object] = [
        TIT2(encoding=utf16, text=tags.title),
        TPE1(encoding=utf16, text=tags.artist),
        TALB(encoding=utf16, text=tags.album),
        TCON(encoding=utf16, text="Podcast"),
        TYER(encoding=utf16, text=f"{tags.date.year:04d}"),
        TDAT(encoding=utf16, text=f"{tags.date.day:02d}{tags.date.month:02d}"),
        TGID(encoding=utf16, text=tags.guid),
        WFED(encoding=utf16, url=tags.feed_url),
        PCST(value=1),
    ]
    if tags.number is not None:
        frames.append(TRCK(encoding=utf16, text=str(tags.number)))
    if tags.season is not None:
        frames.append(TPOS(encoding=utf16, text=str(tags.season)))
    if tags.summary:
        frames.append(COMM(encoding=utf16, lang=tags.language, desc="", text=tags.summary))
        frames.append(TDES(encoding=utf16, text=tags.summary))
    if tags.link:
        frames.append(WOAS(url=tags.link))
    if tags.transcript:
        frames.append(USLT(encoding=utf16, lang=tags.language, desc="", text=tags.transcript))
    if tags.cover_jpeg:
        frames.append(_cover(tags.cover_jpeg, "Cover"))
    frames.extend(_chapter_frames(tags.chapters, tags.chapter_art, duration_s))
    return frames


def _cover(jpeg: bytes, description: str, kind: int = PictureType.COVER_FRONT) -> APIC:
    return APIC(
        encoding=Encoding.UTF16,
        mime="image/jpeg",
        type=kind,
        desc=description,
        data=jpeg,
    )


def _chapter_frames(
    chapters: tuple[Chapter, ...], art: dict[str, bytes], duration_s: float
) -> list[object]:
    """CHAP frames (end = next start or end of audio) and one top-level ordered CTOC."""
    if not chapters:
        return []
    end_ms = round(duration_s * 1000)
    ends = [round(c.start * 1000) for c in chapters[1:]] + [end_ms]
    frames: list[object] = []
    for index, (chapter, end) in enumerate(zip(chapters, ends, strict=True)):
        sub: list[object] = [TIT2(encoding=Encoding.UTF16, text=chapter.title)]
        if chapter.url:
            sub.append(WXXX(encoding=Encoding.UTF16, desc="chapter url", url=chapter.url))
        if chapter.image in art:
            sub.append(_cover(art[chapter.image], chapter.title, PictureType.OTHER))
        frames.append(
            CHAP(
                element_id=f"chp{index}",
                start_time=round(chapter.start * 1000),
                end_time=end,
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=sub,
            )
        )
    frames.append(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=[f"chp{i}" for i in range(len(chapters))],
            sub_frames=[TIT2(encoding=Encoding.UTF16, text="Chapters")],
        )
    )
    return frames
