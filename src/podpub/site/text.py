"""The few words of the site's interface, in the show's language (English and French so far,
English for the others), and dates, times and sizes written the way that language does (Babel,
from the Unicode CLDR)."""

from __future__ import annotations

from datetime import datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "skip": "Skip to content",
        "episodes": "Episodes",
        "episode": "Episode",
        "season": "Season",
        "subscribe": "Subscribe",
        "feed_url": "Feed address (RSS), for any podcast app",
        "copy_feed": "Copy",
        "copied": "Copied",
        "hosts": "With",
        "support": "Support the show",
        "notes": "Show notes",
        "chapters": "Chapters",
        "transcript": "Transcript",
        "persons": "People",
        "download": "Download",
        "listen": "Listen",
        "player": "Player",
        "play": "Play",
        "pause": "Pause",
        "back": "Back 15 seconds",
        "forward": "Forward 30 seconds",
        "position": "Position",
        "speed": "Speed",
        "of": "of",
        "newer": "Newer episodes",
        "older": "Older episodes",
        "pages": "Pages",
        "page_of": "Page {page} of {pages}",
        "not_found": "Page not found",
        "not_found_text": "This page does not exist, or no longer does.",
        "home": "Back to the show",
        "kb": "KB",
        "mb": "MB",
    },
    "fr": {
        "skip": "Aller au contenu",
        "episodes": "Épisodes",
        "episode": "Épisode",
        "season": "Saison",
        "subscribe": "S’abonner",
        "feed_url": "Adresse du flux (RSS), pour toute application de podcast",
        "copy_feed": "Copier",
        "copied": "Copié",
        "hosts": "Avec",
        "support": "Soutenir l’émission",
        "notes": "Notes de l’épisode",
        "chapters": "Chapitres",
        "transcript": "Transcription",
        "persons": "Intervenants",
        "download": "Télécharger",
        "listen": "Écouter",
        "player": "Lecteur",
        "play": "Lecture",
        "pause": "Pause",
        "back": "Reculer de 15 secondes",
        "forward": "Avancer de 30 secondes",
        "position": "Position",
        "speed": "Vitesse",
        "of": "sur",
        "newer": "Épisodes plus récents",
        "older": "Épisodes plus anciens",
        "pages": "Pages",
        "page_of": "Page {page} sur {pages}",
        "not_found": "Page introuvable",
        "not_found_text": "Cette page n’existe pas, ou plus.",
        "home": "Retour à l’émission",
        "kb": "ko",
        "mb": "Mo",
    },
}


def interface(language: str) -> dict[str, str]:
    """The interface words for a BCP 47 language tag ('fr-CA' → French)."""
    return STRINGS.get(language.split("-")[0].lower(), STRINGS["en"])


def locale_for(language: str) -> Locale:
    try:
        return Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale("en")


def long_date(moment: datetime, locale: Locale) -> str:
    """'26 avril 2012', 'April 26, 2012': the episode's own calendar day."""
    return str(format_date(moment.date(), format="long", locale=locale))


def clock(seconds: float) -> str:
    """'0:25', '12:04', '1:02:03', as players show times."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration to the millisecond ('PT25.365S', 'PT1H2M3S'), as schema.org and
    HTML's <time datetime> read it."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if rest or text == "PT":
        text += seconds_token(rest / 1000) + "S"
    return text


def size(count: int, words: dict[str, str], locale: Locale) -> str:
    """'355 KB', '12,4 Mo'."""
    if count < 1_000_000:
        return f"{format_decimal(round(count / 1000), locale=locale)} {words['kb']}"
    return f"{format_decimal(round(count / 1_000_000, 1), locale=locale)} {words['mb']}"


def seconds_token(seconds: float) -> str:
    """A time for a #t= link or a data attribute: '90', '5.952'."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".")
