"""The back catalog at scale: `podpub render` fills storage's render cache, N episodes at once or
one shard per machine (separate checkouts as separate processes, against the moto server); a
fresh clone's `publish` then renders nothing; killed shards leave nothing anyone uses."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from podpub.publishing.batch import Shard
from podpub.publishing.renderstore import RENDERS
from tests.conftest import REPO, decoded_seconds, make_audio, podpub, snapshot
from tests.s3_helpers import admin_client, use_storage
from tests.test_s3 import kill_when_upload_stalls, podpub_process

pytestmark = pytest.mark.usefixtures("aws_env")
SECONDS = 3.0


def catalog(root: Path, name: str, episodes: int, target: str, base: str, seconds: float) -> Path:
    """A show of `episodes` episodes, each its own tone (so its own render key), stored in
    `target`; nothing published yet."""
    show = root / name
    (show / "episodes").mkdir(parents=True)
    shutil.copy(REPO / "podcast.toml", show)
    shutil.copy(REPO / "cover.jpg", show)
    use_storage(show, target, base)
    for n in range(1, episodes + 1):
        folder = show / "episodes" / f"2020-01-{n:02d}-episode-{n}"
        folder.mkdir()
        (folder / "episode.md").write_text(
            f'---\ntitle: "Épisode {n}"\ndate: 2020-01-{n:02d}T08:00:00+01:00\n'
            f"guid: {uuid.uuid4()}\n---\n\nNotes de l’épisode {n}.\n",
            encoding="utf-8",
        )
        make_audio(folder / "audio.flac", f"sine=frequency={180 + 45 * n}", seconds)
    return show


def clone(show: Path, root: Path, name: str) -> Path:
    """Another machine's checkout: the same files, no build cache."""
    copy = root / name
    shutil.copytree(show, copy, ignore=shutil.ignore_patterns(".podpub"))
    return copy


def slugs(show: Path) -> set[str]:
    return {p.name for p in (show / "episodes").iterdir()}


def finish(run: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    report: dict[str, Any] = json.loads(out)
    return report


def stored_renders(endpoint: str, bucket: str, prefix: str) -> dict[str, dict[str, Any]]:
    """Render key → its marker, each checked: the audio it names is whole (size, sha256)."""
    client = admin_client(endpoint)
    listing = client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/{RENDERS}")
    keys = [o["Key"] for o in listing.get("Contents", [])]
    markers = {}
    for key in (k for k in keys if k.endswith(".json")):
        marker = json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())
        audio = client.get_object(Bucket=bucket, Key=f"{prefix}/{marker['audio_key']}")
        data = audio["Body"].read()
        assert len(data) == marker["size"]
        assert hashlib.sha256(data).hexdigest() == marker["sha256"]
        markers[key.rsplit("/", 1)[1].removesuffix(".json")] = marker
    audio_keys = [k for k in keys if not k.endswith(".json")]
    assert len(audio_keys) == len(markers)  # no render stored twice, none left unmarked
    return markers


def test_two_shards_at_once_render_the_catalog_once_and_a_fresh_clone_renders_nothing(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    target, base = f"s3://{bucket}/show", f"{endpoint}/{bucket}/show/"
    show = catalog(tmp_path, "catalog", 6, target, base, SECONDS)
    machines = [clone(show, tmp_path, f"machine-{n}") for n in (1, 2)]
    runs = [
        podpub_process(machine, "render", "--shard", f"{n}/2", "--jobs", "1", "--json")
        for n, machine in enumerate(machines, start=1)
    ]
    reports = [finish(run) for run in runs]
    rendered = [slug for report in reports for slug in report["rendered"]]
    assert sorted(rendered) == sorted(slugs(show))  # each episode rendered, and only once
    assert all(r["episodes"] == r["rendered"] for r in reports if r["episodes"])
    shards = stored_renders(endpoint, bucket, "show")
    assert len(shards) == 6

    fresh = clone(show, tmp_path, "fresh")
    code, out, err = podpub(fresh, "publish", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["rendered"] == [] and sorted(report["reused"]) == sorted(slugs(show))
    render = next(s for s in report["steps"] if s["name"] == "render")
    assert len(render["done"]) == 6 and all("from the render cache" in d for d in render["done"])
    # another machine rendering the same episode stores the very same bytes
    one = sorted(slugs(show))[0]
    code, out, err = podpub(show, "render", one, "--storage", f"s3://{bucket}/again", "--json")
    assert code == 0 and json.loads(out)["rendered"] == [one], err
    assert stored_renders(endpoint, bucket, "again").items() <= shards.items()


def test_running_render_again_renders_nothing_and_stores_what_the_build_cache_holds(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    show = catalog(tmp_path, "catalog", 3, f"s3://{bucket}/a", f"{endpoint}/{bucket}/a/", SECONDS)
    code, out, err = podpub(show, "render", "--jobs", "2", "--json")
    assert code == 0, err
    assert sorted(json.loads(out)["rendered"]) == sorted(slugs(show))
    code, out, err = podpub(show, "render", "--json")
    assert code == 0, err
    assert json.loads(out)["rendered"] == [] and len(json.loads(out)["present"]) == 3
    # another target: this machine's build cache has the renders, storage does not
    code, out, err = podpub(show, "render", "--storage", f"s3://{bucket}/b", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["rendered"] == [] and len(report["stored"]) == 3
    assert (
        stored_renders(endpoint, bucket, "a").keys() == stored_renders(endpoint, bucket, "b").keys()
    )
    # once published, the published files are the renders: nothing to do
    target = f"s3://{bucket}/c"
    assert podpub(show, "publish", "--storage", target)[0] == 0
    code, out, err = podpub(show, "render", "--storage", target, "--json")
    assert code == 0, err
    assert len(json.loads(out)["published"]) == 3
    assert stored_renders(endpoint, bucket, "c") == {}


def build_temporaries(show: Path) -> list[Path]:
    return list((show / ".podpub" / "build" / "render").glob(".*.tmp-*"))


def test_a_shard_killed_mid_render_leaves_nothing_used_and_a_rerun_completes(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    show = catalog(tmp_path, "catalog", 4, f"s3://{bucket}/s", f"{endpoint}/{bucket}/s/", 8.0)
    run = podpub_process(show, "render", "--jobs", "1", "--json")
    client = admin_client(endpoint)
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        listed = client.list_objects_v2(Bucket=bucket, Prefix=f"s/{RENDERS}").get("KeyCount", 0)
        if listed and build_temporaries(show):  # some stored, one being encoded right now
            run.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    assert run.wait(10) == -signal.SIGKILL, "the render ended before it could be killed"
    half_written = build_temporaries(show)
    assert half_written  # the encoder's output, under its temporary name: never looked up
    done = stored_renders(endpoint, bucket, "s")
    assert 0 < len(done) < 4

    report = finish(podpub_process(show, "render", "--json"))
    assert len(report["present"]) == len(done) and len(report["rendered"]) == 4 - len(done)
    assert len(stored_renders(endpoint, bucket, "s")) == 4
    fresh = clone(show, tmp_path, "fresh")
    code, out, err = podpub(fresh, "publish", "--json")
    assert code == 0, err
    assert json.loads(out)["rendered"] == []
    for slug in slugs(fresh):
        record = json.loads((fresh / "episodes" / slug / "published.json").read_text())
        audio = client.get_object(Bucket=bucket, Key=f"s/{record['audio_key']}")["Body"].read()
        (tmp_path / "heard.mp3").write_bytes(audio)
        assert decoded_seconds(tmp_path / "heard.mp3") == pytest.approx(8.0, abs=0.1)


def test_a_shard_killed_mid_upload_leaves_no_marker_and_a_rerun_completes(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    show = catalog(tmp_path, "catalog", 2, f"s3://{bucket}/u", f"{endpoint}/{bucket}/u/", SECONDS)
    kill_when_upload_stalls(show, endpoint, "render", "--jobs", "1", timeout=120, body_bytes=1024)
    listing = admin_client(endpoint).list_objects_v2(Bucket=bucket, Prefix=f"u/{RENDERS}")
    assert listing.get("KeyCount", 0) == 0  # the audio never arrived whole, so no marker either
    report = finish(podpub_process(show, "render", "--json"))
    # the first episode's render was finished in the build cache: stored, not rendered again
    assert len(report["stored"]) == 1 and len(report["rendered"]) == 1
    assert len(stored_renders(endpoint, bucket, "u")) == 2


def test_a_damaged_or_missing_render_in_storage_is_rendered_again(
    tmp_path: Path, endpoint: str, bucket: str
) -> None:
    show = catalog(tmp_path, "catalog", 3, f"s3://{bucket}/d", f"{endpoint}/{bucket}/d/", SECONDS)
    assert podpub(show, "render", "--jobs", "1")[0] == 0
    client = admin_client(endpoint)
    markers = list(stored_renders(endpoint, bucket, "d").values())
    damaged, missing = markers[0]["audio_key"], markers[1]["audio_key"]
    data = bytearray(client.get_object(Bucket=bucket, Key=f"d/{damaged}")["Body"].read())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    client.put_object(Bucket=bucket, Key=f"d/{damaged}", Body=bytes(data))
    client.delete_object(Bucket=bucket, Key=f"d/{missing}")
    fresh = clone(show, tmp_path, "fresh")
    code, out, err = podpub(fresh, "publish", "--json")
    assert code == 0, err
    assert len(json.loads(out)["rendered"]) == 2 and len(json.loads(out)["reused"]) == 1
    assert err.count("the render cache's mp3 did not match; rendering it") == 1
    # what the fresh clone published is what this machine rendered, not the damaged copy
    assert podpub(show, "publish", "--storage", f"s3://{bucket}/mine")[0] == 0
    for slug in slugs(show):
        mine = json.loads((show / "episodes" / slug / "published.json").read_text())
        theirs = json.loads((fresh / "episodes" / slug / "published.json").read_text())
        assert mine["audio_sha256"] == theirs["audio_sha256"]


def alternates_show(root: Path) -> tuple[Path, str]:
    """One published episode, MP3 and an M4A alternate, stored in a folder."""
    show = root / "show"
    (show / "episodes").mkdir(parents=True)
    shutil.copy(REPO / "cover.jpg", show)
    toml = (REPO / "podcast.toml").read_text().replace("file://public", f"file://{root}/store")
    toml = toml.replace('mono_bitrate = "64k"', 'mono_bitrate = "64k"\nalternates = ["m4a"]')
    (show / "podcast.toml").write_text(toml)
    slug = "2020-01-01-one"
    (show / "episodes" / slug).mkdir()
    md = (
        f'---\ntitle: "One"\ndate: 2020-01-01T08:00:00+01:00\nguid: {uuid.uuid4()}\n---\n\nNotes.\n'
    )
    (show / "episodes" / slug / "episode.md").write_text(md)
    make_audio(show / "episodes" / slug / "audio.flac", "sine=frequency=300", 3.0)
    code, _, err = podpub(show, "publish")
    assert code == 0, err
    return show, slug


def test_render_fills_the_cache_with_what_publish_would_render_again(tmp_path: Path) -> None:
    """A title changed on a fresh clone: publish tags the stored MP3 again but renders a stored
    M4A again (its chapter track would stay), so `render` must render that one."""
    show, slug = alternates_show(tmp_path)
    other = clone(show, tmp_path, "other")
    md = other / "episodes" / slug / "episode.md"
    md.write_text(md.read_text().replace('title: "One"', 'title: "One, retitled"'))
    code, out, err = podpub(other, "render", "--json")
    assert code == 0, err
    assert (json.loads(out)["rendered"], json.loads(out)["published"]) == ([slug], [])
    shutil.rmtree(other / ".podpub")
    code, out, err = podpub(other, "publish", "--json")
    assert code == 0, err
    done = next(s for s in json.loads(out)["steps"] if s["name"] == "render")["done"]
    assert done and not [line for line in done if line.startswith("rendered")], done


def test_the_plan_shows_no_placeholder_for_a_render_from_the_cache(tmp_path: Path) -> None:
    show, slug = alternates_show(tmp_path)
    other = clone(show, tmp_path, "other")
    toml = (
        (other / "podcast.toml").read_text().replace('mono_bitrate = "64k"', 'mono_bitrate = "48k"')
    )
    (other / "podcast.toml").write_text(toml)
    code, _, err = podpub(other, "render")
    assert code == 0, err
    shutil.rmtree(other / ".podpub")
    code, out, err = podpub(other, "publish", "--dry-run", "--replace-audio", slug, "--json")
    assert code == 0, err
    changes = [c for cs in json.loads(out)["changed"].values() for c in cs]
    assert [c.split(":")[0] for c in changes] == ["enclosure url"], changes  # no placeholder


def test_shards_are_stable_shares_that_cover_every_episode_once() -> None:
    names = [f"2020-{n:05d}-episode" for n in range(2000)]
    for count in (1, 2, 3, 8, 64):
        shards = [Shard(i, count) for i in range(1, count + 1)]
        owners = {name: [s for s in shards if s.holds(name)] for name in names}
        assert all(len(found) == 1 for found in owners.values())
        sizes = [sum(s.holds(n) for n in names) for s in shards]
        assert max(sizes) < 2000 / count * 1.5 + 10  # a fair share each, by the hash
    # an episode's shard depends on its slug alone: adding episodes moves none
    assert [Shard(3, 8).holds(n) for n in names[:50]] == [
        Shard.parse("3/8").holds(n) for n in names[:50]
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--shard", "0/2"), "I runs from 1 to N"),
        (("--shard", "3/2"), "I runs from 1 to N"),
        (("--shard", "two"), "is not I/N"),
        (("--jobs", "0"), "0 is not in the range x>=1"),
    ],
)
def test_render_usage_errors_name_the_option(
    show: Path, args: tuple[str, ...], expected: str
) -> None:
    code, _, err = podpub(show, "render", *args)
    assert code == 2 and expected in err and args[0] in err


def test_publish_with_two_jobs_makes_the_very_bytes_of_one(show: Path, render_cache: Path) -> None:
    """`render_cache` holds the demo as this run's `publish` renders it, one at a time."""
    code, out, err = podpub(show, "publish", "--jobs", "2", "--json")
    assert code == 0, err
    assert sorted(json.loads(out)["rendered"]) == sorted(slugs(show))
    assert snapshot(show / ".podpub" / "build" / "render") == snapshot(render_cache)
    assert "rendered 2012-04-26-vous" in err and "2/2 episodes" in err


def test_a_terminal_sees_a_bar_per_running_render_and_an_overall_bar(tmp_path: Path) -> None:
    import pty

    show = catalog(tmp_path, "catalog", 3, "file://public", "https://example.org/", 6.0)
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "podpub", "--config", str(show / "podcast.toml")]
    run = subprocess.Popen([*command, "render", "--jobs", "2"], stderr=follower)
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command has ended
            break
        if not chunk:
            break
        screen += chunk
    assert run.wait(60) == 0
    text = screen.decode(errors="replace")
    assert "rendering: 0/3 episodes" in text and "rendering: 3/3 episodes" in text
    assert "h of audio" in text and "━" in text  # the overall bar, in hours of audio
    assert "rendering 2020-01-01-episode-1" in text  # a running render's own bar
    assert "rendered 2020-01-03-episode-3 (0.1 min of audio)" in text  # above the bars
