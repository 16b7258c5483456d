"""Several hosts, one show: separate checkouts, as separate processes, publishing different new
episodes to one bucket at the same time. Every round must end with every episode in the feed:
each checkout lacks the others' episodes, and lists them from the target's snapshots."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from podpub.publishing.pipeline import publish
from podpub.publishing.state import load_show
from tests.conftest import REPO, edit, run_ffmpeg
from tests.s3_helpers import admin_client, use_storage
from tests.test_s3 import feed_episodes, podpub_process

ROUNDS = 10
pytestmark = pytest.mark.usefixtures("aws_env")


def checkout(root: Path, render_cache: Path, name: str, site: bool = False) -> Path:
    """A clone of the demo show (its renders cached), as a host's laptop or a CI runner has it."""
    show = root / name
    show.mkdir()
    shutil.copy(REPO / "podcast.toml", show)
    shutil.copy(REPO / "cover.jpg", show)
    shutil.copytree(REPO / "episodes", show / "episodes")
    shutil.copytree(render_cache, show / ".podpub" / "build" / "render")
    if not site:
        with (show / "podcast.toml").open("a", encoding="utf-8") as config:
            config.write("\n[site]\nenabled = false  # the feed is what this test is about\n")
    return show


def new_episode(show: Path, host: int, round_number: int) -> str:
    """This host's new episode of this round: its own recording (the demo's voice at its own
    level, so its own render, cached after the first round), a new slug, GUID and number."""
    slug = f"2012-05-{round_number:02d}-hote-{host}"
    folder = show / "episodes" / slug
    shutil.copytree(show / "episodes" / "2012-04-26-vous", folder, ignore=_no_record)
    recording = show.parent / f"host-{host}.flac"
    if not recording.exists():
        volume = f"volume={host}dB"
        source = str(folder / "audio.flac")
        assert (
            run_ffmpeg("-v", "error", "-i", source, "-af", volume, str(recording)).returncode == 0
        )
    shutil.copy(recording, folder / "audio.flac")
    md = folder / "episode.md"
    edit(md, "guid: 8b1d5e43-2c9f-4f0a-b6d3-26a04c2e2012", f"guid: {uuid.uuid4()}")
    edit(md, "number: 26", f"number: {100 * host + round_number}")
    edit(md, "date: 2012-04-26T08", f"date: 2012-05-{round_number:02d}T08")
    edit(md, 'title: "Essentiel', f'title: "Hôte {host}, tour {round_number} :')
    return slug


def _no_record(_: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "published.json"]


@pytest.mark.parametrize(
    ("hosts", "rounds", "site"), [(2, ROUNDS, False), (3, ROUNDS, False), (2, 3, True)]
)
def test_separate_checkouts_publishing_at_once_all_end_up_in_the_feed(
    hosts: int,
    rounds: int,
    site: bool,
    tmp_path: Path,
    render_cache: Path,
    endpoint: str,
    bucket: str,
) -> None:
    """Each round, every host adds a new episode to its own checkout and publishes it at the
    same moment as the others; no checkout ever sees another's episode folder. (With the
    website on, both rewrite the show's pages at once: the last written stands.)"""
    first = checkout(tmp_path, render_cache, "first", site)
    laptops = [checkout(tmp_path, render_cache, f"host-{n}", site) for n in range(1, hosts + 1)]
    for show in (first, *laptops):
        use_storage(show, f"s3://{bucket}/show", f"{endpoint}/{bucket}/show/")
    publish(load_show(first / "podcast.toml"))  # the show as it stands: the demo's episodes
    client = admin_client(endpoint)
    expected = {
        "Essentiel dans les réseaux sociaux : VOUS !",
        "Enjeux des réseaux sociaux : l’isolement",
    }
    for round_number in range(1, rounds + 1):
        slugs = [new_episode(laptop, n, round_number) for n, laptop in enumerate(laptops, 1)]
        runs = [
            podpub_process(laptop, "publish", slug)
            for laptop, slug in zip(laptops, slugs, strict=True)
        ]
        for run in runs:
            _, err = run.communicate(timeout=180)
            assert run.returncode == 0, err
        expected |= {
            f"Hôte {n}, tour {round_number} : dans les réseaux sociaux : VOUS !"
            for n in range(1, hosts + 1)
        }
        feed = client.get_object(Bucket=bucket, Key="show/feed.xml")["Body"].read()
        listed = {e["title"] for e in feed_episodes(feed)}
        assert listed == expected, f"round {round_number}: missing {expected - listed}"
