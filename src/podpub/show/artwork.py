"""Artwork checks (Apple's rules, on the decoded picture) and the cover embedded in audio
files (Pillow)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from podpub.errors import Problems
from podpub.files import sha256_file
from podpub.standards.apple import ARTWORK_FORMATS, artwork_problems

EMBED_SIDE = 1400


def cover_key(image: Path, sha: str | None = None) -> str:
    """Content-addressed, so apps that cache artwork by URL see a new cover at once."""
    return f"cover-{(sha or sha256_file(image))[:12]}{image.suffix.lower()}"


def check_artwork(path: Path, where: str, problems: Problems) -> None:
    """Apple's rules: square JPEG/PNG, 1400–3000 px, RGB, extension matching the content."""
    facts = _read_image(path, where, problems, f"artwork {path.name!r} not found")
    if facts is not None:
        for problem in artwork_problems(path.name, *facts):
            problems.add(where, problem)


def check_image(path: Path, where: str, problems: Problems) -> None:
    """A chapter or episode picture: any size, but a JPEG or PNG that Pillow can read."""
    facts = _read_image(path, where, problems, f"image {path.name!r} not found in {path.parent}")
    if facts is not None and facts[0] not in ARTWORK_FORMATS.values():
        problems.add(where, f"{path.name!r} holds {facts[0]} data; use a JPEG or PNG")


def image_facts(data: bytes) -> tuple[str | None, str, tuple[int, int]]:
    """Format, mode and size of a picture, decoded to the end (a truncated file raises
    OSError: its header alone would pass, and the cut picture would be published)."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.format, image.mode, image.size


def _read_image(
    path: Path, where: str, problems: Problems, missing: str
) -> tuple[str | None, str, tuple[int, int]] | None:
    """Format, mode and size, or None with the problem recorded."""
    try:
        return image_facts(path.read_bytes())
    except FileNotFoundError:
        problems.add(where, missing)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        problems.add(where, f"{path.name!r} is not a readable image ({exc})")
    return None


def embedded_cover(path: Path, side: int = EMBED_SIDE) -> bytes:
    """An RGB JPEG of at most `side` px for ID3 APIC: modest in bytes, readable by car stereos."""
    with Image.open(path) as image:
        if image.format == "JPEG" and image.mode == "RGB" and max(image.size) <= side:
            return path.read_bytes()
        rgb = image.convert("RGB")
    rgb.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue()
