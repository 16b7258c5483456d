"""Notifications after the feed is stored, against real HTTP servers on 127.0.0.1 that record
every request (method, path, query, body, headers): WebSub hubs, Podcast Index's pubnotify and
Podping; a server that answers 500 and one that never answers; the token kept secret."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from podpub.notify import Notification, send_all
from podpub.publishing.state import load_show
from tests.conftest import REPO, edit, podpub, render_feed

TOKEN = "podping-canary-7f3e9a1c5b2d"
FEED_URL = "https://podcast.example.org/reseaux/feed.xml"
ATOM = "{http://www.w3.org/2005/Atom}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    headers: dict[str, str]
    feed_stored: bool  # whether the show's feed was in storage when the request arrived


@dataclass
class Recorder:
    """A real HTTP server that answers every request with `status` (or never, for "hang")."""

    url: str
    requests: list[Request] = field(default_factory=list)


Serve = Callable[..., Recorder]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    servers: list[http.server.ThreadingHTTPServer] = []
    release = threading.Event()  # lets hanging handlers go at teardown

    def start(status: int | str = 204, feed: Path | None = None) -> Recorder:
        recorder = Recorder("")

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                recorder.requests.append(
                    Request(
                        self.command,
                        parts.path,
                        parse_qs(parts.query),
                        self.rfile.read(length),
                        dict(self.headers.items()),
                        bool(feed and feed.is_file()),
                    )
                )
                if status == "hang":
                    release.wait(60)
                    return
                self.send_response(int(status))
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _record

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
        return recorder

    yield start
    release.set()
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODPUB_PODPING_TOKEN", raising=False)
    monkeypatch.delenv("PODPUB_NOTIFY_TIMEOUT", raising=False)


def configure(show: Path, **settings: object) -> None:
    """Write a [notify] table into the show's podcast.toml."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    with (show / "podcast.toml").open("a", encoding="utf-8") as config:
        config.write("\n[notify]\n" + "\n".join(lines) + "\n")


def test_the_demo_show_notifies_nobody() -> None:
    config = load_show(REPO / "podcast.toml")
    assert not config.notify.anything
    root = etree.fromstring(render_feed(config))
    assert root.find(f"channel/{ATOM}link[@rel='hub']") is None
    assert root.find(f"channel/{PODCAST}podping") is None


def test_a_publish_tells_each_service_once_after_the_feed_is_stored(
    live: Path, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = live / "public" / "feed.xml"
    hubs = [serve(204, feed), serve(202, feed)]
    index, ping = serve(200, feed), serve(200, feed)
    configure(
        live,
        websub_hubs=[f"{hubs[0].url}/", f"{hubs[1].url}/hub"],
        podcastindex=True,
        podcastindex_url=f"{index.url}/pubnotify",
        podping_url=f"{ping.url}/",
    )
    feed.unlink()  # what listeners' apps hold is gone: this publish writes the feed anew
    monkeypatch.setenv("PODPUB_PODPING_TOKEN", TOKEN)
    code, out, err = podpub(live, "publish", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert len(report["notified"]) == 4
    assert all("is not HTTPS" in w for w in report["warnings"])  # a local server speaks http
    assert [len(r.requests) for r in (*hubs, index, ping)] == [1, 1, 1, 1]

    for hub, path in zip(hubs, ["/", "/hub"], strict=True):
        (request,) = hub.requests
        assert (request.method, request.path, request.feed_stored) == ("POST", path, True)
        assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert parse_qs(request.body.decode()) == {"hub.mode": ["publish"], "hub.url": [FEED_URL]}
    (request,) = index.requests
    assert (request.method, request.path, request.query) == (
        "GET",
        "/pubnotify",
        {"url": [FEED_URL]},
    )
    assert request.feed_stored and request.body == b""
    (request,) = ping.requests
    assert (request.method, request.path, request.feed_stored) == ("GET", "/", True)
    assert request.query == {"url": [FEED_URL], "reason": ["update"], "medium": ["podcast"]}
    assert request.headers["Authorization"] == TOKEN
    assert request.headers["User-Agent"].startswith("podpub/")
    assert "Authorization" not in index.requests[0].headers  # the token goes to Podping only

    root = etree.fromstring(feed.read_bytes())
    links = [(link.get("rel"), link.get("href")) for link in root.iter(f"{ATOM}link")]
    assert links[:3] == [
        ("self", FEED_URL),
        ("hub", f"{hubs[0].url}/"),
        ("hub", f"{hubs[1].url}/hub"),
    ]
    assert root.find(f"channel/{PODCAST}podping").get("usesPodping") == "true"

    code, out, err = podpub(live, "publish", "--json")  # nothing changed: nobody is told
    assert code == 0, err
    steps = {s["name"]: s for s in json.loads(out)["steps"]}
    assert steps["notify"]["actions"] == ["nothing to send: the feed would not change"]
    assert steps["notify"]["done"] == []
    assert [len(r.requests) for r in (*hubs, index, ping)] == [1, 1, 1, 1]


def test_a_failing_and_a_hanging_server_leave_a_warning_and_exit_0(
    live: Path, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing, hanging, good = serve(500), serve("hang"), serve(204)
    hubs = [f"{failing.url}/", f"{hanging.url}/", f"{good.url}/"]
    configure(live, websub_hubs=hubs)
    edit(
        live / "episodes" / "2012-04-26-vous" / "episode.md",
        'title: "Essentiel',
        "title: \"L'essentiel",
    )
    monkeypatch.setenv("PODPUB_NOTIFY_TIMEOUT", "1.5")
    started = time.monotonic()
    code, _, err = podpub(live, "publish")
    assert code == 0, err
    assert time.monotonic() - started < 30  # the hanging server would hold it for 60 s
    assert f"warning: notify: POST {failing.url}/ (WebSub" in err
    assert "HTTP 500 after 2 attempt(s)" in err  # retried once: the next wait would overrun
    assert f"warning: notify: POST {hanging.url}/ (WebSub" in err and "timed out" in err
    assert "the feed is stored: `podpub notify` tries again" in err
    assert "notified 1" in err
    assert len(failing.requests) == 2 and len(hanging.requests) == 1 and len(good.requests) == 1
    assert "L'essentiel dans" in (live / "public" / "feed.xml").read_text(encoding="utf-8")


def test_each_notification_costs_at_most_its_time_budget(serve: Serve) -> None:
    """Sent together: two hanging servers and a failing one cost one budget, not one each."""
    requests = [
        Notification("WebSub", "POST", serve("hang").url + "/", b"hub.mode=publish"),
        Notification("WebSub", "POST", serve("hang").url + "/", b"hub.mode=publish"),
        Notification("Podcast Index", "GET", serve(503).url + "/pubnotify?url=x"),
        Notification("Podcast Index", "GET", serve(404).url + "/pubnotify?url=x"),
    ]
    started = time.monotonic()
    outcomes = send_all(requests, 1.0)
    elapsed = time.monotonic() - started
    assert elapsed < 1.9, elapsed  # one after the other they would take 2.5 s at least
    assert [o.ok for o in outcomes] == [False, False, False, False]
    assert "timed out" in outcomes[0].detail and "timed out" in outcomes[1].detail
    assert outcomes[2].detail == "HTTP 503 after 2 attempt(s)"
    assert outcomes[3].detail == "HTTP 404"  # a refusal is final: not retried


def test_plan_shows_what_would_be_sent_but_never_the_token(
    cached_show: Path, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub, ping = serve(204), serve(200)
    configure(
        cached_show, websub_hubs=[f"{hub.url}/"], podcastindex=True, podping_url=f"{ping.url}/"
    )
    monkeypatch.setenv("PODPUB_PODPING_TOKEN", TOKEN)
    code, out, err = podpub(cached_show, "plan", "--json")
    assert code == 0, err
    steps = {s["name"]: s["actions"] for s in json.loads(out)["steps"]}
    assert steps["notify"] == [
        f"POST {hub.url}/ (WebSub: hub.mode=publish&hub.url=https%3A%2F%2Fpodcast.example.org%2Freseaux%2Ffeed.xml)",
        "GET https://hub.podcastindex.org/pubnotify?url=https%3A%2F%2Fpodcast.example.org%2Freseaux%2Ffeed.xml (Podcast Index)",
        f"GET {ping.url}/?url=https%3A%2F%2Fpodcast.example.org%2Freseaux%2Ffeed.xml&reason=update&medium=podcast (Podping; Authorization from PODPUB_PODPING_TOKEN)",
    ]
    code, out, _ = podpub(cached_show, "plan")
    assert "steps: render, stage, upload, records, feed, site, notify" in out
    assert f"  notify: POST {hub.url}/ (WebSub: hub.mode=publish&hub.url=" in out
    assert "(Podping; Authorization from PODPUB_PODPING_TOKEN)" in out and TOKEN not in out
    assert hub.requests == [] and ping.requests == []  # plan sends nothing


def test_the_token_never_reaches_output_logs_or_files(
    live: Path, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    ping, failing = serve(200), serve(401)
    configure(live, podping_url=f"{ping.url}/", websub_hubs=[f"{failing.url}/"])
    monkeypatch.setenv("PODPUB_PODPING_TOKEN", TOKEN)
    edit(live / "episodes" / "2012-04-26-vous" / "episode.md", "number: 26", "number: 27")
    outputs = [
        podpub(live, "-v", "plan", "--json"),
        podpub(live, "-v", "publish", "--json"),
        podpub(live, "-v", "notify", "--json"),
        podpub(live, "-v", "notify"),
        podpub(live, "check", "--json"),
        podpub(live, "feed"),
    ]
    assert outputs[1][0] == 0 and outputs[2][0] == 1  # the hub refused: notify says so
    texts = [out + err for _, out, err in outputs]
    texts += [p.read_bytes().decode("latin-1") for p in live.rglob("*") if p.is_file()]
    assert all(TOKEN not in text for text in texts)
    assert [r.headers["Authorization"] for r in ping.requests] == [TOKEN] * 3  # it was sent


def test_the_notify_command_sends_on_demand(
    cached_show: Path, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = podpub(cached_show, "notify")
    assert code == 0 and "nothing to notify" in err
    index = serve(200)
    configure(cached_show, podcastindex=True, podcastindex_url=f"{index.url}/pubnotify?from=podpub")
    code, out, err = podpub(
        cached_show, "notify", "--json", "--base-url", "https://cdn.example.net/"
    )
    assert code == 0, err
    (sent,) = json.loads(out)["sent"]
    assert (
        sent["ok"]
        and sent["target"] == "Podcast Index"
        and sent["detail"] == "HTTP 200 (attempt 1)"
    )
    assert index.requests[0].query == {
        "from": ["podpub"],
        "url": ["https://cdn.example.net/feed.xml"],
    }
    monkeypatch.setenv("PODPUB_NOTIFY_TIMEOUT", "0.5")
    edit(cached_show / "podcast.toml", f"{index.url}/pubnotify", f"{serve(500).url}/pubnotify")
    code, _, err = podpub(cached_show, "notify")
    assert code == 1 and "error: notify: GET http://127.0.0.1:" in err and "HTTP 500" in err


BAD: list[tuple[dict[str, object], str]] = [
    ({"websub_hubs": "https://hub.example.org/"}, "notify.websub_hubs: expected a list"),
    (
        {"websub_hubs": ["ftp://hub.example.org/"]},
        "notify.websub_hubs[1]: 'ftp://hub.example.org/' is not an http(s) URL",
    ),
    (
        {"websub_hubs": ["https://h.example/", "https://h.example/"]},
        "notify.websub_hubs[2]: 'https://h.example/' is listed twice",
    ),
    ({"podcastindex": "yes"}, "notify.podcastindex: expected true or false"),
    ({"podping_url": "podping.cloud"}, "notify.podping_url: 'podping.cloud' is not an http(s) URL"),
    ({"podcastindex_url": 3}, "notify.podcastindex_url: expected non-empty text"),
    (
        {"websub_hub": ["https://hub.example.org/"]},
        "notify.websub_hub: unknown key; did you mean 'websub_hubs'?",
    ),
]


@pytest.mark.parametrize(("settings", "message"), BAD, ids=[m for _, m in BAD])
def test_check_refuses_wrong_notify_settings(
    show: Path, settings: dict[str, object], message: str
) -> None:
    configure(show, **settings)
    code, _, err = podpub(show, "check")
    assert code == 1 and f"podcast.toml: {message}" in err, err


def test_the_token_is_refused_in_podcast_toml_without_echoing_it(show: Path) -> None:
    configure(show, podping_token=TOKEN)
    code, out, err = podpub(show, "check")
    assert code == 1
    assert (
        "notify.podping_token: secrets never belong in podcast.toml: set PODPUB_PODPING_TOKEN"
        in err
    )
    assert TOKEN not in out + err


def test_a_wrong_timeout_is_refused(show: Path) -> None:
    code, _, err = podpub(show, "check", env={"PODPUB_NOTIFY_TIMEOUT": "soon"})
    assert code == 1 and "PODPUB_NOTIFY_TIMEOUT: 'soon': give seconds" in err
