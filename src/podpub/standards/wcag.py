"""WCAG 2.1 colour contrast: the show's theme colour must stay readable on the site's page."""

from __future__ import annotations

AA_NORMAL_TEXT = 4.5  # WCAG 2.1 SC 1.4.3, text under 18 pt (links, button labels)


def relative_luminance(hex_colour: str) -> float:
    """Of an sRGB colour written #rrggbb (WCAG 2.1's definition)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """From 1 (same colour) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
