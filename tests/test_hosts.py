"""Several hosts, one show: separate checkouts, as separate processes, publishing different new
episodes to one bucket at the same time. Every round must end with every episode in the feed:
each checkout lacks the others' episodes, and lists them from the target's snapshots."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from podpub.publishing.pipeline import publish
from podpub.publishing.state import load_show
from tests.conftest import REPO, edit, run_ffmpeg
from tests.s3_helpers import admin_client
from tests.test_s3 import feed_episodes

ROUNDS = 10
pytestmark = pytest.mark.usefixtures("aws_env")


def checkout(root: Path, render_cache: Path, name: str) -> Path:
    """A clone of the demo show (its renders cached), as a host's laptop or a CI runner has it."""
    show = root / name
    show.mkdir()
    shutil.copy(REPO / "podcast.toml", show)
    shutil.copy(REPO / "cover.jpg", show)
    shutil.copytree(REPO / "episodes", show / "episodes")
    shutil.copytree(render_cache, show / ".podpub" / "build" / "render")
    return show


def add_new_episode(show: Path, number: int) -> str:
    """This host's own new episode: the demo's voice, at its own level (its own render key)."""
    slug = f"2012-05-{number:02d}-invite-{number}"
    folder = show / "episodes" / slug
    shutil.copytree(show / "episodes" / "2012-04-26-vous", folder)
    (folder / "published.json").unlink()
    source = folder / "audio.flac"
    louder = folder / "louder.flac"
    volume = f"volume={number}dB"
    assert run_ffmpeg("-v", "error", "-i", str(source), "-af", volume, str(louder)).returncode == 0
    louder.replace(source)
    md = folder / "episode.md"
    edit(md, "guid: 8b1d5e43-2c9f-4f0a-b6d3-26a04c2e2012", f"guid: {uuid.uuid4()}")
    edit(md, "number: 26", f"number: {100 + number}")
    edit(md, "date: 2012-04-26T08", f"date: 2012-05-{number:02d}T08")
    edit(md, 'title: "Essentiel', f'title: "Invité {number} :')
    return slug


def publish_at(show: Path, target: str, base: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "podpub", "--config", str(show / "podcast.toml"), "publish"]
    env = {"PODPUB_STORAGE": target, "PODPUB_BASE_URL": base}
    return subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("hosts", [2, 3])
def test_separate_checkouts_publishing_at_once_all_end_up_in_the_feed(
    hosts: int, tmp_path: Path, render_cache: Path, endpoint: str, bucket: str
) -> None:
    first = checkout(tmp_path, render_cache, "first")
    laptops = [checkout(tmp_path, render_cache, f"host-{n}") for n in range(1, hosts + 1)]
    titles = {f"Invité {n} :" for n in range(1, hosts + 1)}
    for number, laptop in enumerate(laptops, start=1):
        add_new_episode(laptop, number)
    client = admin_client(endpoint)
    for round_number in range(1, ROUNDS + 1):
        prefix = f"round-{round_number}"
        target, base = f"s3://{bucket}/{prefix}", f"{endpoint}/{bucket}/{prefix}/"
        # The show as it stands: the demo episodes, published earlier from another checkout.
        publish(load_show(first / "podcast.toml", target, base))
        runs = [publish_at(laptop, target, base) for laptop in laptops]
        for run in runs:
            _, err = run.communicate(timeout=180)
            assert run.returncode == 0, err
        feed = client.get_object(Bucket=bucket, Key=f"{prefix}/feed.xml")["Body"].read()
        listed = [e["title"] for e in feed_episodes(feed)]
        assert len(listed) == 2 + hosts, f"round {round_number}: {listed}"
        assert {t for t in titles if any(x.startswith(t) for x in listed)} == titles
