"""Reading what a feed points at: a URL over HTTP(S) or a file, with relative links resolved
against where the document came from. The only place `podpub import` opens a connection."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from podpub import __version__
from podpub.errors import FeedError

TIMEOUT_S = 30.0
MAX_DOCUMENT = 64 * 1024 * 1024  # a feed page or a chapters file; audio streams to disk instead
USER_AGENT = f"podpub/{__version__} (podcast import)"


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def resolve(base: str, link: str) -> str:
    """A link as written in a document, made absolute against the document's location."""
    link = link.strip()
    if not link or is_url(link) or not base:
        return link
    if is_url(base):
        return urljoin(base, link)
    if urlsplit(link).scheme:
        return link  # mailto:, file:… are left for the caller to refuse
    return str((Path(base).parent / link).resolve())


def request(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> urllib.request.Request:
    return urllib.request.Request(
        url, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})}
    )


def read_document(location: str, what: str = "feed") -> bytes:
    """The bytes of a feed page (or chapters file), from a URL or a file; one clear error."""
    if not is_url(location):
        try:
            return Path(location).read_bytes()
        except OSError as exc:
            raise FeedError.at(location, f"cannot read the {what}: {exc.strerror}") from exc
    try:
        with urllib.request.urlopen(request(location), timeout=TIMEOUT_S) as response:
            data = bytes(response.read(MAX_DOCUMENT + 1))
    except urllib.error.HTTPError as exc:
        raise FeedError.at(
            location, f"cannot fetch the {what}: HTTP {exc.code} {exc.reason}"
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FeedError.at(location, f"cannot fetch the {what}: {reason}") from exc
    if len(data) > MAX_DOCUMENT:
        raise FeedError.at(location, f"the {what} is larger than {MAX_DOCUMENT // 2**20} MiB")
    return data


def content_length(url: str) -> int | None:
    """The size the server gives for a URL (HEAD), or None."""
    try:
        with urllib.request.urlopen(request(url, method="HEAD"), timeout=TIMEOUT_S) as response:
            length = response.headers.get("Content-Length", "")
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return int(length) if length.isdigit() and int(length) > 0 else None
