"""`podpub import --download`: files fetched into the episode folders, resumable (an HTTP
Range request continues a `.part` file where it stopped), each length checked against what
the server said before the file takes its name."""

from __future__ import annotations

import http.client
import os
import re
import urllib.error
import urllib.request
from pathlib import Path

from podpub.callbacks import Progress
from podpub.importing.fetch import TIMEOUT_S, request
from podpub.importing.report import Download

CHUNK = 1 << 20
CONTENT_RANGE = re.compile(r"bytes (?:(\d+)-\d+|\*)/(\d+|\*)")


class Incomplete(Exception):
    """The transfer ended short of the length the server announced; the .part file stays."""


def download(
    url: str, target: Path, expected: int = 0, progress: Progress | None = None
) -> Download:
    """Fetch `url` into `target` (kept as it is when already there). `expected`: the length the
    feed gave, checked when the server gives none."""
    if target.is_file():
        return Download(url, str(target), target.stat().st_size, "present")
    part = target.with_name(target.name + ".part")
    resumed = part.is_file() and part.stat().st_size > 0
    try:
        size = _fetch(url, part, expected, progress)
    except (
        Incomplete,
        urllib.error.URLError,
        http.client.HTTPException,
        OSError,
        ValueError,
    ) as exc:
        reason = getattr(exc, "reason", None) or exc
        have = part.stat().st_size if part.is_file() else 0
        return Download(url, str(target), have, f"failed: {reason} (run again to resume)")
    os.replace(part, target)
    return Download(url, str(target), size, "resumed" if resumed else "downloaded")


def _fetch(url: str, part: Path, expected: int, progress: Progress | None) -> int:
    start = part.stat().st_size if part.is_file() else 0
    headers = {"Range": f"bytes={start}-"} if start else {}
    try:
        response = urllib.request.urlopen(request(url, headers), timeout=TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and _total(exc.headers.get("Content-Range", "")) == start:
            return start  # the .part file was complete already
        raise
    with response:
        total, append = _announced(response, start)
        if progress and append:
            progress(float(start), float(total or expected or 0))
        with part.open("ab" if append else "wb") as out:
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
                if progress:
                    progress(float(len(block)), float(total or expected or 0))
    size = part.stat().st_size
    wanted = total or expected
    if (wanted and size < wanted) or (total and size != total):
        raise Incomplete(f"got {size} of {wanted} bytes")
    return size


def _announced(response: object, start: int) -> tuple[int | None, bool]:
    """(the file's whole length if the server says it, whether the body continues `start`)."""
    headers = response.headers  # type: ignore[attr-defined]
    if getattr(response, "status", 200) == 206:
        match = CONTENT_RANGE.match(headers.get("Content-Range", ""))
        if match and match.group(1) is not None and int(match.group(1)) == start:
            return _total(headers.get("Content-Range", "")), True
        raise Incomplete(f"the server answered the range with {headers.get('Content-Range')!r}")
    length = headers.get("Content-Length", "")
    return (int(length) if length.isdigit() else None), False


def _total(content_range: str) -> int | None:
    match = CONTENT_RANGE.match(content_range)
    return int(match.group(2)) if match and match.group(2).isdigit() else None
