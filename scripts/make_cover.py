"""Draw the demo show's cover: a square RGB JPEG, 1400 px (Apple: 1400–3000 px).

Run once with `python scripts/make_cover.py`; the result, cover.jpg, is committed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIDE = 1400
OUT = Path(__file__).resolve().parent.parent / "cover.jpg"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"  # Debian fonts-dejavu-core


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu when present (it has the accents); Pillow's own font otherwise."""
    try:
        return ImageFont.truetype(DEJAVU, size)
    except OSError:
        return ImageFont.load_default(size=size)


def main() -> None:
    image = Image.new("RGB", (SIDE, SIDE))
    draw = ImageDraw.Draw(image)
    for y in range(SIDE):  # vertical gradient, deep blue to teal
        t = y / SIDE
        draw.line(
            [(0, y), (SIDE, y)], fill=(int(20 + 10 * t), int(40 + 110 * t), int(110 + 40 * t))
        )
    for i, radius in enumerate(range(520, 120, -100)):  # concentric "network" rings
        box = (SIDE // 2 - radius, 520 - radius, SIDE // 2 + radius, 520 + radius)
        draw.ellipse(box, outline=(255, 255, 255), width=10 - 2 * i)
    title, subtitle = font(140), font(64)
    draw.text((SIDE // 2, 1130), "Réseaux sociaux", font=title, fill="white", anchor="mm")
    draw.text(
        (SIDE // 2, 1270),
        "l'essentiel, c'est vous",
        font=subtitle,
        fill=(220, 240, 255),
        anchor="mm",
    )
    image.save(OUT, "JPEG", quality=85, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
