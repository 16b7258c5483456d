"""The feed's write to storage, always last: every page linted, older pages first, the feed
itself conditionally, so a concurrent publisher's feed is never overwritten blindly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from podpub.errors import FeedError, Problem, StorageConflict, StorageError
from podpub.feed.build import Pages
from podpub.feed.lint import MISSING, Remote, lint_feed
from podpub.show.config import public_url
from podpub.storage import Storage

FEED_CACHE = "public, max-age=300"
FEED_ATTEMPTS = 5  # conditional feed writes lost to concurrent publishers before giving up

BuildPages = Callable[[], Pages]


def storage_remote(storage: Storage, base_url: str, sizes: dict[str, int] | None = None) -> Remote:
    """Let the linter look at stored objects (sizes, artwork) through the storage itself: sizes
    from one listing of the target (`sizes`, when given, is that listing), not a HEAD each."""
    listing = storage.listing() if sizes is None else sizes

    def key(url: str) -> str | None:
        return url.removeprefix(base_url) if url.startswith(base_url) else None

    def size(url: str) -> int | None:
        k = key(url)
        return None if k is None else listing.get(k, MISSING)

    def content(url: str) -> bytes | None:
        found = storage.read(k) if (k := key(url)) else None
        return found.data if found else None

    return Remote(size, content)


def check_pages(pages: Pages, remote: Remote, base_url: str) -> list[Problem]:
    """Lint every page (served under `base_url`); raise FeedError (nothing is written) when one
    has errors."""
    warnings: list[Problem] = []
    errors: list[Problem] = []
    for key, xml in pages:
        for finding in lint_feed(xml, remote, public_url(base_url, key)):
            problem = Problem(f"{key}: {finding.where}", finding.text)
            (errors if finding.level == "error" else warnings).append(problem)
    if errors:
        raise FeedError(*errors)
    return warnings


@dataclass
class FeedWrite:
    where: str
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def write_pages(storage: Storage, main_key: str, build: BuildPages) -> FeedWrite:
    """Older pages first, the feed itself last and conditionally; on conflict `build` is
    called again, so the pages are rebuilt from what the other publisher left.

    The feed is read before `build` reads the records: a publisher stores its records before
    its feed, so any feed written after this read (whose records this build may miss) makes
    the conditional write fail, and the next attempt sees them."""
    for _ in range(FEED_ATTEMPTS):
        current = storage.read(main_key)
        pages = build()
        main, older = pages[0][1], pages[1:]
        result = FeedWrite(storage.describe(main_key))
        for key, xml in older:
            _write_page(storage, key, xml, result)
        if current and current.data == main:
            result.unchanged.append(main_key)
            return result
        try:
            storage.write_if(main_key, main, FEED_CACHE, current.etag if current else None)
        except StorageConflict:
            continue
        result.written.append(main_key)
        return result
    raise StorageError.at(
        storage.describe(main_key),
        f"changed by other publishers {FEED_ATTEMPTS} times while writing it; run publish again",
    )


def _write_page(storage: Storage, key: str, xml: bytes, result: FeedWrite) -> None:
    current = storage.read(key)
    if current and current.data == xml:
        result.unchanged.append(key)
        return
    storage.write_if(key, xml, FEED_CACHE, current.etag if current else None)
    result.written.append(key)
