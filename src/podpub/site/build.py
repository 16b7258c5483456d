"""The show's website as files: the show's pages, a page and an embeddable player per episode,
their oEmbed, a 404 page, the sitemap and robots.txt, and the assets they share (stylesheet,
player script, pictures sized for the web). Nothing reads the clock or the storage: the same
inputs give the same bytes, so storage skips every file that did not change."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from podpub.show.artwork import cover_key, embedded_cover, image_facts
from podpub.show.config import Config, public_url
from podpub.show.episodes import Episode
from podpub.show.notes import notes_html
from podpub.show.records import Record
from podpub.site import meta
from podpub.site.model import (
    Layout,
    SiteEpisode,
    paginate,
    relative,
    season_groups,
    site_episodes,
)
from podpub.site.text import (
    clock,
    interface,
    iso_duration,
    locale_for,
    long_date,
    seconds_token,
    size,
)

WEB_ART_SIDE = 400  # px: the cover as pages show it (200 CSS px, sharp on 2× screens)


@dataclass(frozen=True)
class SiteFile:
    key: str
    data: bytes
    immutable: bool = False  # content-addressed (its key changes with it): cache for a year

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Assets:
    css: str
    js: str
    cover: str
    cover_size: tuple[int, int]
    custom_css: str | None
    art: dict[str, tuple[str, tuple[int, int]]]  # slug → its own picture's key and size
    files: list[SiteFile]


def build_site(
    config: Config, episodes: list[Episode], records: Mapping[str, Record], now: datetime
) -> list[SiteFile]:
    """Every file of the site, in upload order: assets, episodes, the show's pages, the rest."""
    layout = Layout(config.site.prefix, config.storage.public_base_url)
    items = site_episodes(config, episodes, records, now)
    assets = _assets(config, layout, items)
    page = _Pages(config, layout, assets)
    files = list(assets.files)
    for item in items:
        files += page.episode(item)
    files += page.show_pages(items)
    files.append(SiteFile(layout.key("404.html"), page.not_found()))
    files.append(SiteFile(layout.key("sitemap.xml"), page.sitemap(items)))
    sitemap_url = layout.url(layout.key("sitemap.xml"))
    files.append(SiteFile(layout.key("robots.txt"), meta.robots(sitemap_url)))
    return files


def _static(name: str) -> bytes:
    return (resources.files("podpub.site") / "static" / name).read_bytes()


def _asset(layout: Layout, stem: str, suffix: str, data: bytes) -> SiteFile:
    sha = hashlib.sha256(data).hexdigest()[:12]
    return SiteFile(layout.key(f"assets/{stem}-{sha}{suffix}"), data, immutable=True)


def _picture(layout: Layout, stem: str, path: Path) -> tuple[SiteFile, tuple[int, int]]:
    data = embedded_cover(path, WEB_ART_SIDE)
    return _asset(layout, stem, ".jpg", data), image_facts(data)[2]


def _assets(config: Config, layout: Layout, items: list[SiteEpisode]) -> Assets:
    css = _asset(layout, "site", ".css", _static("site.css"))
    js = _asset(layout, "player", ".js", _static("player.js"))
    cover, cover_size = _picture(layout, "cover", config.show.image)
    files = [css, js, cover]
    custom = None
    if config.site.css:
        custom = _asset(layout, "custom", ".css", config.site.css.read_bytes())
        files.append(custom)
    art = {}
    for item in items:
        if item.episode.image:
            picture, side = _picture(layout, item.slug, item.episode.image)
            files.append(picture)
            art[item.slug] = (picture.key, side)
    unique = {f.key: f for f in files}  # two episodes may share a picture
    custom_key = custom.key if custom else None
    return Assets(css.key, js.key, cover.key, cover_size, custom_key, art, list(unique.values()))


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("podpub.site", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    env.filters.update(clock=clock, iso_duration=iso_duration, seconds=seconds_token)
    return env


class _Pages:
    """Renders the pages of one site; every link between them is relative (but the 404
    page's, which is served at any address)."""

    def __init__(self, config: Config, layout: Layout, assets: Assets) -> None:
        self.config, self.layout, self.assets = config, layout, assets
        self.t = interface(config.show.language)
        self.locale = locale_for(config.show.language)
        self.cover_url = public_url(config.storage.public_base_url, cover_key(config.show.image))
        self.series = meta.series(config, layout, self.cover_url)

    def render(self, template: str, here: str, **context: Any) -> bytes:
        link: Callable[[str], str] = functools.partial(relative, here)
        if context.pop("absolute", False):
            link = self.layout.url
        show, config = self.config.show, self.config
        values = {
            "lang": show.language,
            "t": self.t,
            "show": show,
            "podcast": config.podcast,
            "layout": self.layout,
            "assets": self.assets,
            "theme": config.site.theme_color,
            "feed_url": config.feed_url,
            "rel": link,
            "date": functools.partial(long_date, locale=self.locale),
            "canonical": self.layout.url(here),
            "description": show.description,
            "og": [],
            "twitter": [],
            "jsonld": None,
            "oembed_url": None,
            "noindex": False,
            "script": True,
            "body_class": "",
            **context,
        }
        return _environment().get_template(template).render(values).encode()

    def image_url(self, item: SiteEpisode) -> str:
        key = item.record.image_key
        return public_url(self.config.storage.public_base_url, key) if key else self.cover_url

    def episode(self, item: SiteEpisode) -> list[SiteFile]:
        """The episode's page, its embeddable player and the oEmbed that offers it."""
        layout, image = self.layout, self.image_url(item)
        here, embed = layout.episode_page(item.slug), layout.embed_page(item.slug)
        data = meta.episode_data(item, layout, image)
        title = f"{item.episode.title} · {self.config.show.title}"
        description = meta.summary(item)
        art, art_size = self.assets.art.get(item.slug, (None, None))
        page = self.render(
            "episode.html",
            here,
            item=item,
            title=title,
            description=description,
            notes=Markup(notes_html(item.episode.notes)),
            image=art,
            image_size=art_size,
            format=item.record.audio_type.split("/")[-1].upper().replace("MPEG", "MP3"),
            size=size(item.record.audio_bytes, self.t, self.locale),
            jsonld=Markup(meta.episode_json_ld(data, self.series)),
            og=meta.open_graph(
                title, description, layout.url(here), image, self.config.show.title, item
            ),
            twitter=meta.twitter_card(title, image, layout.url(embed)),
            oembed_url=layout.url(layout.oembed(item.slug)),
        )
        player = self.render(
            "embed.html",
            embed,
            item=item,
            title=title,
            description=description,
            canonical=layout.url(here),
            noindex=True,
            body_class="embed",
        )
        oembed = meta.oembed(self.config, layout, item, image)
        return [
            SiteFile(here, page),
            SiteFile(embed, player),
            SiteFile(layout.oembed(item.slug), oembed),
        ]

    def show_pages(self, items: list[SiteEpisode]) -> list[SiteFile]:
        show, layout = self.config.show, self.layout
        chunks = paginate(items, self.config.site.episodes_per_page)
        serial = show.type == "serial"
        hosts = [p for p in self.config.podcast.persons if p.role in {None, "host"}]
        files = []
        for number, chunk in enumerate(chunks, start=1):
            here = layout.show_page(number)
            episodes = [meta.episode_data(i, layout, self.image_url(i)) for i in chunk]
            title = show.title if number == 1 else f"{show.title} · {number}"
            groups = season_groups(chunk, serial)
            page = self.render(
                "show.html",
                here,
                title=title,
                groups=groups,
                heading=4 if any(season is not None for season, _ in groups) else 3,
                summaries={i.slug: meta.summary(i) for i in chunk},
                page=number,
                pages=len(chunks),
                hosts=hosts,
                subscribe=self.config.site.subscribe,
                cover_size=self.assets.cover_size,
                script=True,
                jsonld=Markup(meta.show_json_ld(self.series, episodes)),
                og=meta.open_graph(
                    title, show.description, layout.url(here), self.cover_url, show.title, None
                ),
                twitter=meta.twitter_card(title, self.cover_url, None),
            )
            files.append(SiteFile(here, page))
        return files

    def not_found(self) -> bytes:
        return self.render(
            "404.html",
            self.layout.key("404.html"),
            title=f"{self.t['not_found']} · {self.config.show.title}",
            canonical=self.layout.url(self.layout.home),
            noindex=True,
            script=False,
            absolute=True,
        )

    def sitemap(self, items: list[SiteEpisode]) -> bytes:
        layout = self.layout
        chunks = paginate(items, self.config.site.episodes_per_page)
        entries: list[tuple[str, str | None]] = []
        for number, chunk in enumerate(chunks, start=1):
            newest = max((i.episode.date for i in chunk), default=None)
            modified = newest.isoformat() if newest else None
            entries.append((layout.url(layout.show_page(number)), modified))
        entries += [
            (layout.url(layout.episode_page(i.slug)), i.episode.date.isoformat()) for i in items
        ]
        return meta.sitemap(entries)
