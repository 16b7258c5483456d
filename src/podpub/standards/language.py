"""Language tags: BCP 47 for the feed (ISO 639 languages), ISO 639-2 for ID3 frames."""

from __future__ import annotations

import langcodes


def is_language(tag: str) -> bool:
    """A well-formed BCP 47 tag whose language is a real ISO 639 code (fr, en-US, pt-BR)."""
    try:
        return langcodes.tag_is_valid(tag) and bool(langcodes.Language.get(tag).to_alpha3())
    except (LookupError, ValueError):
        return False


def id3_language(tag: str) -> str:
    """ISO 639-2 code for ID3 COMM/USLT frames ('fr' → 'fra'); 'und' when unknown."""
    try:
        return str(langcodes.Language.get(tag).to_alpha3())
    except (LookupError, ValueError):
        return "und"
