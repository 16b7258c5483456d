"""What the apps are told when the feed changes: one request per WebSub hub, Podcast Index's
pubnotify, and Podping. Each request can describe itself for `plan` and for messages; none of
those descriptions holds the Podping token."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from podpub import __version__
from podpub.show.config import Config
from podpub.show.notify_settings import PODPING_TOKEN_ENV, podping_token

USER_AGENT = f"podpub/{__version__}"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Notification:
    target: str  # "WebSub", "Podcast Index", "Podping"
    method: str
    url: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # may hold the token
    note: str = ""  # what the description adds, e.g. where the token comes from

    def describe(self) -> str:
        """'POST https://hub.example/ (WebSub: hub.mode=publish&hub.url=…)': never a header."""
        body = f": {self.body.decode()}" if self.body else ""
        note = f"; {self.note}" if self.note else ""
        return f"{self.method} {self.url} ({self.target}{body}{note})"


def notifications(config: Config) -> list[Notification]:
    """Every request [notify] asks for, about this show's feed URL."""
    settings, feed_url = config.notify, config.feed_url
    found = [_websub(hub, feed_url) for hub in settings.websub_hubs]
    if settings.podcastindex:
        found.append(
            Notification(
                "Podcast Index", "GET", _with_query(settings.podcastindex_url, url=feed_url)
            )
        )
    token = podping_token()
    if token:
        query = {"url": feed_url, "reason": "update", "medium": config.podcast.medium}
        found.append(
            Notification(
                "Podping",
                "GET",
                _with_query(settings.podping_url, **query),
                headers={"Authorization": token},
                note=f"Authorization from {PODPING_TOKEN_ENV}",
            )
        )
    return found


def _websub(hub: str, feed_url: str) -> Notification:
    body = urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode()
    return Notification("WebSub", "POST", hub, body, {"Content-Type": FORM})


def _with_query(base: str, **query: str) -> str:
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}{urlencode(query)}"
