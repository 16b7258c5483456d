"""`--download` for one episode: its audio (which the next `publish` renders and serves), its
transcript, and for a new episode its artwork and JSON chapters, into its folder."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from podpub.callbacks import ProgressFactory
from podpub.errors import FeedError
from podpub.importing.download import download
from podpub.importing.extras import chapters_from_json
from podpub.importing.fetch import read_document
from podpub.importing.items import Item
from podpub.importing.report import ImportReport
from podpub.importing.values import MEDIA_TYPES
from podpub.show.episodes import AUDIO_SUFFIXES
from podpub.show.newshow import cover_problems

TRANSCRIPT_SUFFIXES = {
    "text/vtt": ".vtt",
    "application/x-subrip": ".srt",
    "application/srt": ".srt",
}


def fetch_episode_files(
    item: Item, folder: Path, new: bool, report: ImportReport, progress: ProgressFactory | None
) -> str | None:
    """The audio file's path once it is in the folder (None: it is not)."""
    where = f"{folder.name}"
    folder.mkdir(parents=True, exist_ok=True)
    audio = _audio(item, folder, report, progress)
    transcript = item.downloads.get("transcript")
    if transcript:
        suffix = next(
            (TRANSCRIPT_SUFFIXES[t.type] for t in item.record.transcripts if t.url == transcript),
            ".vtt",
        )
        _fetch(transcript, folder / f"transcript{suffix}", 0, report, progress)
    if new and "image" in item.downloads:
        _image(item, folder, report, progress)
    if new and "chapters" in item.downloads and "chapters" not in item.front:
        _chapters(item, where, report)
    return audio


def _audio(
    item: Item, folder: Path, report: ImportReport, progress: ProgressFactory | None
) -> str | None:
    existing = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)
    if existing:
        return str(existing[0])
    url = item.downloads["audio"]
    target = folder / f"audio{_suffix(url, item.record.audio_type)}"
    done = _fetch(url, target, item.record.audio_bytes, report, progress)
    if done and item.record.audio_bytes and target.stat().st_size != item.record.audio_bytes:
        report.decide(
            folder.name,
            "enclosure",
            f"the feed said {item.record.audio_bytes} bytes, the "
            f"file has {target.stat().st_size} (publish measures it again)",
        )
    return str(target) if done else None


def _suffix(url: str, kind: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if suffix in AUDIO_SUFFIXES:
        return suffix
    by_type = {t: s for s, t in MEDIA_TYPES.items()}
    return by_type.get(kind, ".mp3") if by_type.get(kind, ".mp3") in AUDIO_SUFFIXES else ".mp3"


def _fetch(
    url: str, target: Path, expected: int, report: ImportReport, progress: ProgressFactory | None
) -> bool:
    tick = progress(f"downloading {target.parent.name}/{target.name}") if progress else None
    result = download(url, target, expected, tick)
    report.downloads.append(result)
    return not result.status.startswith("failed")


def _image(
    item: Item, folder: Path, report: ImportReport, progress: ProgressFactory | None
) -> None:
    url = item.downloads["image"]
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    target = folder / f"image{'.png' if suffix == '.png' else '.jpg'}"
    if not _fetch(url, target, 0, report, progress):
        return
    if problems := cover_problems(target):
        target.unlink()
        report.decide(
            folder.name,
            "itunes:image",
            f"{url}: {'; '.join(problems)}; the episode uses the show's cover",
        )
        return
    item.front["image"] = target.name


def _chapters(item: Item, where: str, report: ImportReport) -> None:
    url = item.downloads["chapters"]
    try:
        data = read_document(url, "chapters")
    except FeedError as exc:
        report.decide(where, "podcast:chapters", f"{exc.problems[0].message}; left linked")
        return
    found = chapters_from_json(data, url, where, report)
    if found:
        item.front["chapters"] = found
