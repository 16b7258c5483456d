"""Shared fixtures: tiny real audio made by ffmpeg, an independent loudness meter (ffmpeg's
ebur128 filter), and a copy of the demo show in tmp_path."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from podpub.audio.ffmpeg import ffmpeg_command
from tests.s3_helpers import admin_client

REPO = Path(__file__).resolve().parent.parent


def podpub(show: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the CLI on a show: exit code, stdout, stderr."""
    from click.testing import CliRunner

    from podpub.cli import main

    result = CliRunner().invoke(main, ["--config", str(show / "podcast.toml"), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def snapshot(folder: Path, skip: str | None = None) -> dict[str, str]:
    """Every file under `folder` (but those under a `skip` folder) by content hash."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and skip not in p.relative_to(folder).parts
    }


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a text file, which must contain it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def run_ffmpeg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ffmpeg_command(*args),
        capture_output=True,
        text=True,
        check=False,
    )


def make_audio(
    path: Path, source: str, seconds: float, rate: int = 44100, channels: int = 1, *extra: str
) -> Path:
    """Render an ffmpeg lavfi source expression (tone, noise, silence…) to a file."""
    result = run_ffmpeg(
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        source,
        "-t",
        str(seconds),
        "-ar",
        str(rate),
        "-ac",
        str(channels),
        *extra,
        str(path),
    )
    assert result.returncode == 0, result.stderr
    return path


def ebur128(path: Path) -> dict[str, float]:
    """Integrated loudness, LRA and true peak as ffmpeg's own meter reports them."""
    report = run_ffmpeg(
        "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"
    ).stderr
    summary = report[report.rindex("Summary:") :]

    def number(label: str) -> float:
        match = re.search(rf"{label}:\s+(-?[\d.]+|-inf)", summary)
        assert match, summary
        return float(match.group(1))

    return {"integrated": number("I"), "lra": number("LRA"), "true_peak": number("Peak")}


def decoded_seconds(path: Path) -> float:
    """Duration by decoding every frame (not what the header claims)."""
    report = run_ffmpeg("-i", str(path), "-f", "null", "-").stderr
    times = re.findall(r"time=(\d+):(\d\d):(\d\d\.\d+)", report)
    hours, minutes, seconds = times[-1]
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


@pytest.fixture
def audio(tmp_path: Path) -> Callable[..., Path]:
    def make(
        name: str, source: str, seconds: float = 3.0, rate: int = 44100, channels: int = 1
    ) -> Path:
        return make_audio(tmp_path / name, source, seconds, rate, channels)

    return make


@pytest.fixture
def show(tmp_path: Path) -> Path:
    """A copy of the demo show (podcast.toml, cover, episodes with audio and records)."""
    root = tmp_path / "show"
    root.mkdir()
    shutil.copy(REPO / "podcast.toml", root)
    shutil.copy(REPO / "cover.jpg", root)
    shutil.copytree(REPO / "episodes", root / "episodes")
    return root


@pytest.fixture(scope="session")
def render_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo episodes rendered once per run, for tests about what comes after rendering."""
    from podpub.publishing.pipeline import publish
    from podpub.publishing.state import load_show

    root = tmp_path_factory.mktemp("rendered")
    shutil.copy(REPO / "podcast.toml", root)
    shutil.copy(REPO / "cover.jpg", root)
    shutil.copytree(REPO / "episodes", root / "episodes")
    publish(load_show(root / "podcast.toml"))
    return root / ".podpub" / "build" / "render"


@pytest.fixture
def cached_show(show: Path, render_cache: Path) -> Path:
    """The demo show with its episodes already rendered (the run's render cache), so that a test
    about what comes after rendering does not wait for the encoder."""
    shutil.copytree(render_cache, show / ".podpub" / "build" / "render")
    return show


@pytest.fixture
def live(cached_show: Path) -> Path:
    """The demo show, published: public/feed.xml is what listeners' apps hold."""
    assert podpub(cached_show, "publish")[0] == 0
    return cached_show


def render_feed(config: object) -> bytes:
    """The show's feed itself (its first page), as `podpub feed` prints it."""
    from podpub.publishing.pipeline import show_feed

    return show_feed(config)[0][1]  # type: ignore[arg-type]


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real HTTP server on 127.0.0.1 serving a folder: (the folder, its base URL)."""
    import functools
    import http.server
    import threading

    folder = tmp_path / "served"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# S3 against a real endpoint: moto's server on 127.0.0.1, boto3 over HTTP, no patching.
KEY_ID = "AKIACANARY7Q2W3E4R5T"
SECRET = "canary/secret+never-printed-9f8e7d6c5b4a"


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, endpoint: str, tmp_path: Path) -> None:
    """Only boto3's standard chain, fed by environment variables, as in CI."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "PODPUB_STORAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")


@pytest.fixture
def bucket(endpoint: str) -> str:
    name = f"show-{uuid.uuid4().hex[:12]}"
    admin_client(endpoint).create_bucket(Bucket=name)
    return name
