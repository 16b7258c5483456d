"""`podpub move`: the feed changes address without losing a subscriber. podcast.toml gets
`[feed] new_feed_url` (itunes:new-feed-url, which Apple wants in the feed at its new address),
the GUIDs stay as they are, and the host gets the checklist of what only they can do."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit

from podpub.errors import ConfigError
from podpub.files import write_atomic
from podpub.show.config import Config
from podpub.show.episodes import discover
from podpub.show.records import load_record
from podpub.standards.text import url_problem

REDIRECT_WEEKS = 4  # apps poll from hourly to weekly; some only when opened


@dataclass
class Move:
    config_path: Path
    new_feed_url: str
    old_feed_url: str | None
    checklist: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "config": str(self.config_path),
            "new_feed_url": self.new_feed_url,
            "old_feed_url": self.old_feed_url,
            "checklist": self.checklist,
            "warnings": self.warnings,
        }


def move_show(config: Config, new_feed_url: str, old_feed_url: str | None = None) -> Move:
    """Set new_feed_url in podcast.toml and say what the host must do next."""
    for where, url in (("NEW_FEED_URL", new_feed_url), ("--from", old_feed_url)):
        if url is not None and (problem := url_problem(url)):
            raise ConfigError.at(where, problem)
    own = config.feed_url
    old = old_feed_url or (own if own != new_feed_url else None)
    set_new_feed_url(config.path, new_feed_url)
    move = Move(config.path, new_feed_url, old)
    if own != new_feed_url:
        move.warnings.append(
            f"this show's feed is published at {own}, not at {new_feed_url}: its "
            "itunes:new-feed-url sends subscribers away from it (podpub lint warns while it "
            "does). Moving the show itself? Set storage.public_base_url so that its feed is there"
        )
    move.checklist = checklist(new_feed_url, old, _elsewhere(config))
    return move


def set_new_feed_url(config_path: Path, url: str) -> None:
    """[feed] new_feed_url = url, the rest of podcast.toml (comments too) left as it is."""
    doc = tomlkit.parse(config_path.read_text(encoding="utf-8"))
    if "feed" not in doc:
        doc["feed"] = tomlkit.table()
    feed: Any = doc["feed"]
    feed["new_feed_url"] = url
    write_atomic(config_path, tomlkit.dumps(doc).encode())


def _elsewhere(config: Config) -> int:
    """How many episodes still link their audio where it was imported from."""
    records = (load_record(folder) for folder in discover(config.episodes_dir))
    return sum(1 for record in records if record and record.audio_elsewhere)


def checklist(new: str, old: str | None, elsewhere: int) -> list[str]:
    old_name = old or "the old feed's URL"
    steps = [
        f"Publish (`podpub publish`): the feed at {new} now says itunes:new-feed-url {new}.",
        f"At the old host, redirect {old_name} to {new} with an HTTP 301 (permanent) redirect, "
        f"and keep it for at least {REDIRECT_WEEKS} weeks (longer is safer: some apps poll "
        "rarely). Libsyn, Anchor/Spotify for Podcasters, Buzzsprout, Podbean and most "
        "WordPress plugins have a redirect setting.",
        "Where the old host cannot redirect: publish one last version of the old feed whose "
        f"channel says <itunes:new-feed-url>{new}</itunes:new-feed-url>, and keep it online for "
        f"at least {REDIRECT_WEEKS} weeks; change nothing else in it (GUIDs above all).",
        "Apple Podcasts Connect: once the redirect is live, check that the show's RSS feed URL "
        f"reads {new}; if it does not after a few days, change it there.",
        "Podcast Index (podcastindex.org) and the other directories (Spotify, Amazon, YouTube "
        "Music…): they follow the redirect; check each listing, and update the URL in their "
        "dashboards where they do not. podcast:guid stays the same, so the show keeps its "
        "identity.",
        "GUIDs: every published episode keeps its GUID (podpub refuses to change one), so no app "
        "downloads the back catalog again.",
    ]
    if elsewhere:
        steps.append(
            f"{elsewhere} episode(s) still link their audio on the old host: keep it online, or "
            "run `podpub import OLD_FEED --download` and `podpub publish --allow-url-change` to "
            "serve the audio from your own storage before the old host closes."
        )
    return steps
