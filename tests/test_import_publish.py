"""An imported show publishes: episodes whose audio stays where it was are listed without
rendering or uploading; a new podpub episode beside them renders; `--download` fetches the
audio resumably (HTTP Range, from a real server on 127.0.0.1 that cuts a transfer short), and
the next publish re-hosts it once the host allows the URL change."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from lxml import etree

from tests.conftest import REPO, make_audio, podpub

BASE = "https://new.example.org/show/"
FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel><title>Ranged</title><link>https://ranged.example.org/</link>
<description>Two short episodes.</description><language>en</language>
<itunes:author>R</itunes:author><itunes:image href="{base}cover.jpg"/>
<itunes:owner><itunes:email>r@ranged.example.org</itunes:email></itunes:owner>
<itunes:category text="Technology"/><itunes:explicit>false</itunes:explicit>
<item><title>One</title><guid isPermaLink="false">ranged-1</guid>
<pubDate>Mon, 05 Feb 2024 08:00:00 +0100</pubDate>
<enclosure url="{base}one.mp3" length="{one}" type="audio/mpeg"/><itunes:duration>3</itunes:duration></item>
<item><title>Two</title><guid isPermaLink="false">ranged-2</guid>
<pubDate>Mon, 12 Feb 2024 08:00:00 +0100</pubDate>
<enclosure url="{base}two.mp3" length="{two}" type="audio/mpeg"/><itunes:duration>3</itunes:duration></item>
</channel></rss>"""


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves a folder with HTTP Range (206, Content-Range), which SimpleHTTPRequestHandler
    lacks; `cut` names files whose next full transfer stops after 1000 bytes."""

    folder: Path
    cut: ClassVar[set[str]] = set()
    ranges: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._send(body=False)

    def do_GET(self) -> None:
        self._send(body=True)

    def _send(self, body: bool) -> None:
        path = self.folder / self.path.lstrip("/").split("?")[0]
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        match = re.match(r"bytes=(\d+)-$", self.headers.get("Range", ""))
        start = int(match.group(1)) if match else 0
        if match:
            self.ranges.append(f"{path.name}:{start}")
        self.send_response(206 if match else 200)
        if match:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        if not body:
            return
        if path.name in self.cut and not match:
            self.cut.discard(path.name)
            self.wfile.write(data[:1000])  # the connection drops mid-file
            self.close_connection = True
            return
        self.wfile.write(data[start:])


@pytest.fixture
def ranged(tmp_path: Path) -> Iterator[tuple[Path, str, type[RangeHandler]]]:
    folder = tmp_path / "old-host"
    folder.mkdir()
    handler = type("Handler", (RangeHandler,), {"folder": folder, "cut": set(), "ranges": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    shutil.copy(REPO / "cover.jpg", folder / "cover.jpg")
    for name, freq in (("one", 440), ("two", 660)):
        make_audio(folder / f"{name}.mp3", f"sine=frequency={freq}", 3.0, 44100, 1, "-b:a", "64k")
    sizes = {n: (folder / f"{n}.mp3").stat().st_size for n in ("one", "two")}
    (folder / "feed.xml").write_text(FEED.format(base=base, **sizes))
    try:
        yield folder, base, handler
    finally:
        server.shutdown()
        server.server_close()


def run_json(show: Path, *args: str) -> dict[str, object]:
    code, out, err = podpub(show, *args, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_an_imported_show_publishes_without_rendering_then_a_new_episode_renders(
    tmp_path: Path, ranged: tuple[Path, str, type[RangeHandler]]
) -> None:
    _, base, _ = ranged
    show = tmp_path / "show"
    run_json(show, "import", base + "feed.xml", str(show), "--base-url", BASE, "--yes")
    report = run_json(show, "publish")
    assert report["rendered"] == [] and report["reused"] == []
    uploaded = report["uploaded"]
    assert isinstance(uploaded, list)
    assert not [k for k in uploaded if k.endswith((".mp3", ".m4a"))]  # no audio
    assert uploaded[0].startswith("cover-") and "feed.xml" in uploaded
    feed = etree.parse(str(show / "public/feed.xml"))
    assert sorted(e.get("url") for e in feed.iter("enclosure")) == [
        base + "one.mp3",
        base + "two.mp3",
    ]
    assert not list((show / "public").glob("*.mp3"))
    code, out, err = podpub(show, "new", "Three", "--date", "2024-02-19T08:00:00+01:00")
    assert code == 0, err
    episode = Path(out.strip())
    episode.write_text(episode.read_text().replace("draft: true\n", ""))
    shutil.copy(REPO / "episodes/2012-04-25-isolement/audio.flac", episode.parent / "audio.flac")
    report = run_json(show, "publish")
    assert report["rendered"] == [episode.parent.name]
    urls = [e.get("url") for e in etree.parse(str(show / "public/feed.xml")).iter("enclosure")]
    assert urls[1:] == [base + "two.mp3", base + "one.mp3"]  # newest first
    assert str(urls[0]).startswith(BASE + episode.parent.name)


def test_download_resumes_checks_lengths_and_publish_rehosts_once_allowed(
    tmp_path: Path, ranged: tuple[Path, str, type[RangeHandler]]
) -> None:
    folder, base, handler = ranged
    handler.cut = {"one.mp3"}
    show = tmp_path / "show"
    args = ("import", base + "feed.xml", str(show), "--base-url", BASE, "--yes", "--download")
    code, _, err = podpub(show, *args, "--json")
    assert code == 1 and "run again to resume" in err
    slug = next(p for p in (show / "episodes").iterdir() if p.name.endswith("-one"))
    assert (slug / "audio.mp3.part").stat().st_size == 1000 and not (slug / "audio.mp3").exists()
    report = run_json(show, *args)
    statuses = {Path(d["file"]).parent.name: d["status"] for d in report["downloads"]}  # type: ignore[union-attr]
    assert statuses[slug.name] == "resumed" and handler.ranges == ["one.mp3:1000"]
    assert (slug / "audio.mp3").read_bytes() == (folder / "one.mp3").read_bytes()
    code, _, err = podpub(show, "publish")
    assert code == 1 and "--allow-url-change" in err and "under the same GUID" in err
    report = run_json(show, "publish", "--allow-url-change")
    assert len(report["rendered"]) == 2  # type: ignore[arg-type]
    feed = etree.parse(str(show / "public/feed.xml"))
    assert sorted(g.text for g in feed.iter("guid")) == ["ranged-1", "ranged-2"]
    assert all(e.get("url", "").startswith(BASE) for e in feed.iter("enclosure"))
    record = json.loads((slug / "published.json").read_text())
    assert "audio_url" not in record and record["guid"] == "ranged-1"
