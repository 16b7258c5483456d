"""Artwork checks and the cover embedded in audio files (Pillow)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from podpub.errors import Problems

MIN_SIDE, MAX_SIDE = 1400, 3000
EMBED_SIDE = 1400
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def check_artwork(path: Path, where: str, problems: Problems) -> None:
    """Apple's rules: square JPEG/PNG, 1400–3000 px, RGB, extension matching the content."""
    facts = _read_image(path, where, problems, f"artwork {path.name!r} not found")
    if facts is None:
        return
    fmt, mode, (width, height) = facts
    expected = FORMATS.get(path.suffix.lower())
    if expected is None:
        problems.add(where, f"{path.name!r}: artwork must be .jpg or .png")
    elif fmt != expected:
        problems.add(
            where,
            f"{path.name!r} holds {fmt} data but its name says {expected}; rename or convert it",
        )
    if width != height:
        problems.add(where, f"{path.name!r} is {width}x{height} px; artwork must be square")
    if not MIN_SIDE <= width <= MAX_SIDE:
        problems.add(
            where, f"{path.name!r} is {width} px wide; allowed: {MIN_SIDE} to {MAX_SIDE} px"
        )
    if mode != "RGB":
        problems.add(
            where, f"{path.name!r} is in {mode} colour mode; save it as RGB (no alpha, no CMYK)"
        )


def check_image(path: Path, where: str, problems: Problems) -> None:
    """A chapter or episode picture: any size, but a JPEG or PNG that Pillow can read."""
    facts = _read_image(path, where, problems, f"image {path.name!r} not found in {path.parent}")
    if facts is not None and facts[0] not in FORMATS.values():
        problems.add(where, f"{path.name!r} holds {facts[0]} data; use a JPEG or PNG")


def _read_image(
    path: Path, where: str, problems: Problems, missing: str
) -> tuple[str | None, str, tuple[int, int]] | None:
    """Format, mode and size, or None with the problem recorded."""
    try:
        with Image.open(path) as image:
            return image.format, image.mode, image.size
    except FileNotFoundError:
        problems.add(where, missing)
    except (UnidentifiedImageError, OSError) as exc:
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
