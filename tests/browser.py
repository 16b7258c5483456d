"""Helpers for the site's browser tests: Debian's headless Chromium driven by Selenium, axe-core
from npm, and an HTTP server on 127.0.0.1 that answers Range requests (as S3 and CDNs do, and
as a browser needs to seek in audio).

Locally, tests that need the browser or axe-core skip, saying what to install; `.ci/run` sets
PODPUB_REQUIRE_BROWSER=1, which turns those skips into failures."""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

CHROMIUM = Path(os.environ.get("PODPUB_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("PODPUB_CHROMEDRIVER", "/usr/bin/chromedriver"))
AXE = Path(
    os.environ.get("PODPUB_AXE", REPO / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js")
)
# The machine has no network: without these Chromium stalls on lookups of Google's services.
FLAGS = [
    "--headless",
    "--no-sandbox",  # tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]


def need(what: str, present: bool, install: str) -> None:
    """Skip (fail when PODPUB_REQUIRE_BROWSER is set, as in CI) unless `present`."""
    if present:
        return
    message = f"{what} is missing: {install} (as .ci/run does)"
    if os.environ.get("PODPUB_REQUIRE_BROWSER"):
        pytest.fail(f"PODPUB_REQUIRE_BROWSER is set and {message}")
    pytest.skip(message)


def need_browser() -> None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        need("selenium", False, "pip install -e '.[dev]'")
    found = CHROMIUM.is_file() and CHROMEDRIVER.is_file()
    need("Chromium or its driver", found, "apt-get install -y chromium chromium-driver")


def axe_source() -> str:
    need("axe-core", AXE.is_file(), "npm install --prefix .ci/node axe-core@4")
    return AXE.read_text(encoding="utf-8")


def start_chromium(profile: Path) -> Any:
    """One headless Chromium with a fresh profile; its console and network events logged."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))


def requested_urls(driver: Any) -> list[str]:
    """Every URL the browser asked for since the last call (its network log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with single-range requests (206), as S3 and CDNs serve them."""

    def log_message(self, *args: object) -> None:
        pass

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", "").strip())
        if not wanted or not path.is_file():
            return super().send_head()
        data = path.read_bytes()
        start = int(wanted[1])
        end = min(int(wanted[2]) if wanted[2] else len(data) - 1, len(data) - 1)
        if start > end:
            self.send_error(416)
            return None
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        return io.BytesIO(data[start : end + 1])


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port): its base URL."""
    handler = functools.partial(RangeHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def copy_show(source: Path, target: Path) -> Path:
    """The show's own files (podcast.toml, cover, episodes) into `target`."""
    target.mkdir(parents=True)
    shutil.copy(source / "podcast.toml", target)
    shutil.copy(source / "cover.jpg", target)
    shutil.copytree(source / "episodes", target / "episodes")
    return target
