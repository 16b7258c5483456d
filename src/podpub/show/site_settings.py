"""The [site] table of podcast.toml: the show's website, published beside the feed (on unless
`enabled = false`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from podpub.show.fields import Fields, describe
from podpub.standards.text import url_problem
from podpub.standards.wcag import AA_NORMAL_TEXT, contrast_ratio

SITE_KEYS = {"enabled", "prefix", "episodes_per_page", "theme_color", "css", "subscribe"}
DEFAULT_THEME = "#1f5c8a"  # 6.9:1 on white
PAGE_BACKGROUND = "#ffffff"  # the site's own CSS: links and buttons sit on white
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
PREFIX_PART = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class App:
    """A podcast app a listener may subscribe with: its name, and how an id becomes a link."""

    label: str
    id_url: str | None = None  # with {id}; None: only a URL is accepted
    id_form: str = r"\d+"


# In the order the subscribe buttons appear; each shown only when podcast.toml sets it.
APPS = {
    "apple_podcasts": App("Apple Podcasts", "https://podcasts.apple.com/podcast/id{id}"),
    "spotify": App("Spotify", "https://open.spotify.com/show/{id}", r"[0-9A-Za-z]{22}"),
    "overcast": App("Overcast", "https://overcast.fm/itunes{id}"),  # the Apple Podcasts id
    "pocket_casts": App("Pocket Casts"),
    "antennapod": App("AntennaPod"),
    "podcast_addict": App("Podcast Addict"),
    "castbox": App("Castbox"),
    "fountain": App("Fountain"),
    "podcast_index": App("Podcast Index", "https://podcastindex.org/podcast/{id}"),
    "deezer": App("Deezer"),
    "amazon_music": App("Amazon Music"),
    "youtube": App("YouTube"),
}


@dataclass(frozen=True)
class SubscribeLink:
    label: str
    url: str


@dataclass(frozen=True)
class SiteSettings:
    enabled: bool = True
    prefix: str = ""  # "" (the site at public_base_url) or "folder/"
    episodes_per_page: int = 20
    theme_color: str = DEFAULT_THEME
    css: Path | None = None  # the host's own stylesheet, linked after the site's
    subscribe: tuple[SubscribeLink, ...] = ()


def read_site_settings(f: Fields, root: Path) -> SiteSettings:
    f.check_unknown(SITE_KEYS)
    return SiteSettings(
        enabled=f.boolean("enabled", True),
        prefix=_read_prefix(f),
        episodes_per_page=f.integer("episodes_per_page", 20, 1, 1000) or 20,
        theme_color=_read_theme(f),
        css=_read_css(f, root),
        subscribe=_read_subscribe(f.table("subscribe")),
    )


def _read_prefix(f: Fields) -> str:
    """A folder under the storage root, written without or with slashes at its ends."""
    value = f.data.get("prefix", "")
    if not isinstance(value, str):
        f.fail("prefix", f'expected text such as "site", found {describe(value)}')
        return ""
    parts = value.strip().strip("/").split("/") if value.strip("/ ") else []
    if any(not PREFIX_PART.fullmatch(p) or p in {".", ".."} for p in parts):
        f.fail("prefix", f"{value!r} is not a folder name of letters, digits and . _ - parts")
        return ""
    return "".join(f"{p}/" for p in parts)


def _read_theme(f: Fields) -> str:
    colour = f.text("theme_color", DEFAULT_THEME) or DEFAULT_THEME
    if not HEX_COLOUR.fullmatch(colour):
        f.fail("theme_color", f"{colour!r} is not a colour written #rrggbb, e.g. {DEFAULT_THEME}")
        return DEFAULT_THEME
    ratio = contrast_ratio(colour, PAGE_BACKGROUND)
    if ratio < AA_NORMAL_TEXT:
        f.fail(
            "theme_color",
            f"{colour} has a contrast of {ratio:.1f}:1 on the white page; links and buttons "
            f"need {AA_NORMAL_TEXT}:1 (WCAG AA): choose a darker colour",
        )
        return DEFAULT_THEME
    return colour.lower()


def _read_css(f: Fields, root: Path) -> Path | None:
    name = f.text("css")
    if name is None:
        return None
    path = root / name
    if path.suffix.lower() != ".css":
        f.fail("css", f"{name!r} is not a .css file")
    elif not path.is_file():
        f.fail("css", f"file {name!r} not found next to {f.where}")
    else:
        try:
            path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            f.fail("css", f"{name!r} cannot be read as UTF-8 text ({exc})")
        return path
    return None


def _read_subscribe(f: Fields) -> tuple[SubscribeLink, ...]:
    """Each app by its URL, or by its id where the app has links made from one."""
    f.check_unknown(APPS)
    links = []
    for key, app in APPS.items():
        value = f.data.get(key)
        if value is None:
            continue
        text = str(value).strip() if isinstance(value, str | int) else ""
        if text.startswith(("http://", "https://")) or not app.id_url:
            if problem := url_problem(text):
                f.fail(key, problem)
                continue
            links.append(SubscribeLink(app.label, text))
        elif re.fullmatch(app.id_form, text) and not isinstance(value, bool):
            links.append(SubscribeLink(app.label, app.id_url.format(id=text)))
        else:
            f.fail(key, f"{describe(value)} is neither an http(s) URL nor a {app.label} id")
    return tuple(links)
