"""The [notify] table of podcast.toml: who is told, the moment the feed changes (WebSub hubs,
Podcast Index's pubnotify, Podping). The Podping token is a secret: it comes only from the
environment, and this module tells only whether it is there, never what it is."""

from __future__ import annotations

import os
from dataclasses import dataclass

from podpub.show.fields import Fields, describe
from podpub.standards.text import url_problem

PODPING_TOKEN_ENV = "PODPUB_PODPING_TOKEN"
TIMEOUT_ENV = "PODPUB_NOTIFY_TIMEOUT"
TIMEOUT_S = 10.0  # the most one notification may take, its retries and their waits included
MAX_TIMEOUT_S = 300.0
PODCASTINDEX_URL = "https://hub.podcastindex.org/pubnotify"
PODPING_URL = "https://podping.cloud/"
NOTIFY_KEYS = {"websub_hubs", "podcastindex", "podcastindex_url", "podping_url"}
SECRET_KEYS = {"podping_token", "token", "authorization"}


@dataclass(frozen=True)
class NotifySettings:
    websub_hubs: tuple[str, ...] = ()
    podcastindex: bool = False
    podcastindex_url: str = PODCASTINDEX_URL
    podping_url: str = PODPING_URL
    podping: bool = False  # a token is in the environment: the feed says usesPodping
    timeout_s: float = TIMEOUT_S

    @property
    def anything(self) -> bool:
        return bool(self.websub_hubs) or self.podcastindex or self.podping


def podping_token() -> str | None:
    """The token, for the one place that sends it; None when unset."""
    return os.environ.get(PODPING_TOKEN_ENV, "").strip() or None


def read_notify_settings(f: Fields) -> NotifySettings:
    for key in sorted(SECRET_KEYS & set(f.data)):
        f.fail(key, f"secrets never belong in podcast.toml: set {PODPING_TOKEN_ENV} instead")
    f.check_unknown(NOTIFY_KEYS, handled=SECRET_KEYS)
    return NotifySettings(
        websub_hubs=_hubs(f),
        podcastindex=f.boolean("podcastindex", False),
        podcastindex_url=f.url("podcastindex_url") or PODCASTINDEX_URL,
        podping_url=f.url("podping_url") or PODPING_URL,
        podping=podping_token() is not None,
        timeout_s=_timeout(f),
    )


def _timeout(f: Fields) -> float:
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return TIMEOUT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= MAX_TIMEOUT_S:
        f.problems.add(TIMEOUT_ENV, f"{text!r}: give seconds, more than 0 and at most 300")
        return TIMEOUT_S
    return seconds


def _hubs(f: Fields) -> tuple[str, ...]:
    value = f.data.get("websub_hubs", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        f.fail("websub_hubs", f'expected a list such as ["https://…"], found {describe(value)}')
        return ()
    hubs: list[str] = []
    for index, hub in enumerate(value, start=1):
        if problem := url_problem(hub.strip()):
            f.fail(f"websub_hubs[{index}]", problem)
        elif hub.strip() in hubs:
            f.fail(f"websub_hubs[{index}]", f"{hub.strip()!r} is listed twice")
        else:
            hubs.append(hub.strip())
    return tuple(hubs)
