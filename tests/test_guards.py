"""Guards against the live feed: what listeners already have is never broken silently."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from podpub.errors import StorageError
from podpub.publishing.pipeline import publish
from podpub.publishing.state import load_show
from podpub.storage import LocalStorage
from tests.conftest import edit, podpub, run_ffmpeg, snapshot

VOUS, ISOLEMENT = "2012-04-26-vous", "2012-04-25-isolement"
VOUS_GUID = "8b1d5e43-2c9f-4f0a-b6d3-26a04c2e2012"
ISOLEMENT_GUID = "3f6c2a0e-8d1b-4c57-9a7e-25a04b1e2012"


def refused(show: Path, expected: str, *args: str) -> None:
    """Exit 1 naming the episode and field, and nothing changed anywhere."""
    before = snapshot(show, skip=".podpub")
    code, _, err = podpub(show, "publish", *args)
    assert code == 1 and expected in err, err
    assert snapshot(show, skip=".podpub") == before


def test_a_changed_guid_is_refused_then_allowed_explicitly(live: Path) -> None:
    md = live / "episodes" / VOUS / "episode.md"
    edit(md, VOUS_GUID, "11111111-2222-3333-4444-555555555555")
    refused(live, f"episode.md: guid: was published as '{VOUS_GUID}'")
    assert podpub(live, "publish", "--allow-guid-change", VOUS)[0] == 0
    assert b"11111111-2222-3333-4444-555555555555" in (live / "public" / "feed.xml").read_bytes()


def test_a_changed_guid_is_caught_by_the_live_feed_even_without_records(live: Path) -> None:
    (live / "episodes" / VOUS / "published.json").unlink()  # e.g. a checkout that lost it
    edit(live / "episodes" / VOUS / "episode.md", VOUS_GUID, "11111111-2222-3333-4444-555555555555")
    refused(
        live, f"episodes/{VOUS}: guid: the live feed (feed.xml) has this episode as '{VOUS_GUID}'"
    )


def test_a_deleted_episode_stays_listed_until_its_removal_is_allowed(live: Path) -> None:
    """Storage knows what it holds: a checkout without an episode's folder (another host's
    episode, or one deleted here) lists it as stored; removing it is said explicitly, and
    leaves a tombstone so that a checkout that still has the folder cannot bring it back."""
    folder = live / "episodes" / ISOLEMENT
    kept = live.parent / "kept-isolement"
    shutil.move(folder, kept)
    code, _, err = podpub(live, "publish")
    assert code == 0 and f"keep {ISOLEMENT}: not in this checkout" in err, err
    assert f"--allow-removal {ISOLEMENT_GUID}" in err
    assert b"isolement" in (live / "public" / "feed.xml").read_bytes()
    assert podpub(live, "publish", "--allow-removal", ISOLEMENT_GUID)[0] == 0
    assert b"isolement" not in (live / "public" / "feed.xml").read_bytes()
    shutil.move(kept, folder)  # a checkout that still has it
    refused(
        live, f"says {ISOLEMENT} was removed from the feed (a tombstone left by --allow-removal)"
    )
    # …even once it gives up its record, as the message for other disagreements advises
    (folder / "published.json").unlink()
    refused(live, f"says {ISOLEMENT} was removed from the feed")
    edit(folder / "episode.md", "number: 25\n", "number: 25\ndraft: true\n")
    assert podpub(live, "publish")[0] == 0  # a draft here: the removal stands


def test_an_episode_turned_back_into_a_draft_is_refused(live: Path) -> None:
    edit(live / "episodes" / VOUS / "episode.md", "number: 26\n", "number: 26\ndraft: true\n")
    refused(live, "would disappear from listeners' apps")


def test_replacing_published_audio_is_an_explicit_action(live: Path) -> None:
    source = live / "episodes" / VOUS / "audio.flac"
    louder = source.with_name("louder.flac")
    assert (
        run_ffmpeg("-v", "error", "-i", str(source), "-af", "volume=2dB", str(louder)).returncode
        == 0
    )
    louder.replace(source)
    old_url = re.search(
        r'url="([^"]*vous-[0-9a-f]{12}\.mp3)"', (live / "public" / "feed.xml").read_text()
    )
    assert old_url
    refused(
        live, f"episodes/{VOUS}: audio: the published audio ({old_url.group(1)}) would be replaced"
    )
    code, _, err = podpub(live, "publish", "--replace-audio", VOUS)
    assert code == 0, err
    feed = (live / "public" / "feed.xml").read_text()
    assert old_url.group(1) not in feed and VOUS_GUID in feed


def test_moving_every_enclosure_url_needs_saying_so(live: Path) -> None:
    edit(
        live / "podcast.toml",
        'public_base_url = "https://podcast.example.org/reseaux/"',
        'public_base_url = "https://cdn.example.net/reseaux/"',
    )
    refused(
        live,
        f"episodes/{VOUS}: enclosure: its URL would change from https://podcast.example.org/reseaux/",
    )
    assert podpub(live, "publish", "--allow-url-change")[0] == 0


class FailingFeedWrite(LocalStorage):
    """A storage whose first feed write fails, as a dropped connection would."""

    def write_if(self, key: str, data: bytes, cache_control: str, etag: str | None) -> None:
        raise StorageError.at(self.describe(key), "connection reset")


def test_an_interrupted_publish_completes_without_redoing_work(cached_show: Path) -> None:
    config = load_show(cached_show / "podcast.toml")
    with pytest.raises(StorageError):
        publish(config, storage=FailingFeedWrite(cached_show / "public"))
    assert not (cached_show / "public" / "feed.xml").exists()  # the audio is there, the feed is not
    report = publish(load_show(cached_show / "podcast.toml"))
    snapshots = [f".podpub/records/{slug}.json" for slug in (ISOLEMENT, VOUS)]
    (done,) = [step["done"] for step in report.steps if step["name"] == "site"]
    site = [line.removeprefix("uploaded ") for line in done]
    assert report.rendered == [] and report.uploaded == [*snapshots, "feed.xml", *site]
    assert len(report.verified) == len(report.skipped) + len(site)
