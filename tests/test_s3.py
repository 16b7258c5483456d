"""S3 storage against a real endpoint: moto's server on 127.0.0.1, boto3 over HTTP, no patching.

Faults are injected the way the network produces them: through botocore's `before-send` event
(a 503 or a dropped connection instead of the real response) or a proxy that stalls mid-upload.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.awsrequest
import botocore.exceptions
import mutagen
import podcastparser
import pytest
from click.testing import CliRunner

from podpub.cli import main
from podpub.errors import StorageError
from podpub.publishing.pipeline import publish
from podpub.publishing.state import load_show
from podpub.storage.s3 import S3Storage
from tests.conftest import KEY_ID, SECRET, podpub, render_feed, snapshot
from tests.s3_helpers import FakeBody, StallingProxy, admin_client, use_storage

SLUGS = ("2012-04-25-isolement", "2012-04-26-vous")
pytestmark = pytest.mark.usefixtures("aws_env")


@pytest.fixture
def s3_show(cached_show: Path, bucket: str, endpoint: str) -> Path:
    """The demo show stored in s3://BUCKET/reseaux, served publicly by the same endpoint."""
    base = f"{endpoint}/{bucket}/reseaux/"
    use_storage(cached_show, f"s3://{bucket}/reseaux", base, acl="public-read")
    return cached_show


def objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    client = admin_client(endpoint)
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listing
    }


def feed_episodes(feed: bytes) -> list[dict[str, Any]]:
    parsed = podcastparser.parse("feed.xml", io.BytesIO(feed))
    episodes: list[dict[str, Any]] = parsed["episodes"]
    return episodes


def s3_storage(show: Path) -> S3Storage:
    config = load_show(show / "podcast.toml")
    storage = S3Storage(config.storage.url, config.storage)
    return storage


def test_publish_stores_every_object_typed_cached_and_checksummed(
    s3_show: Path, endpoint: str, bucket: str
) -> None:
    code, out, err = podpub(s3_show, "publish", "--json")
    assert code == 0, err
    stored = objects(endpoint, bucket)
    feed = stored["reseaux/feed.xml"]
    assert sorted(stored) == sorted(f"reseaux/{key}" for key in json.loads(out)["uploaded"])
    client = admin_client(endpoint)
    expected_types = {
        ".mp3": "audio/mpeg",
        ".jpg": "image/jpeg",
        ".json": "application/json",
        ".chapters.json": "application/json+chapters",  # as the JSON chapters spec asks
        ".vtt": "text/vtt",
        ".srt": "application/x-subrip",
        ".xml": "application/rss+xml",
        "sitemap.xml": "application/xml",  # the site's: not a feed
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".txt": "text/plain; charset=utf-8",
    }
    snapshots = {k: json.loads(v) for k, v in stored.items() if "/.podpub/records/" in k}
    assert {s["slug"] for s in snapshots.values()} == set(SLUGS)  # what the target holds
    for key, data in stored.items():
        head = client.head_object(Bucket=bucket, Key=key)
        path = Path(key)
        ending = "".join(path.suffixes[-2:]) if key.endswith(".chapters.json") else path.suffix
        assert head["ContentType"] == expected_types.get(path.name, expected_types[ending])
        assert head["ContentLength"] == len(data)
        if key in snapshots:
            assert head["CacheControl"] == "no-cache"  # publishers must read the latest
            continue
        if key == "reseaux/feed.xml":
            assert head["CacheControl"] == "public, max-age=300"
            continue
        assert head["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
        if "/assets/" in key:  # the site's content-addressed stylesheet, script, pictures
            assert head["CacheControl"] == "public, max-age=31536000, immutable"
        elif path.suffix in {".html", ".txt"} or path.name in {"sitemap.xml", "oembed.json"}:
            assert head["CacheControl"] == "public, max-age=300"  # pages change with episodes
        elif path.suffix == ".mp3":  # may be re-tagged in place: cached as long as the feed
            assert head["CacheControl"] == "public, max-age=300"
        else:
            assert "max-age=" in head["CacheControl"]
    cover = next(k for k in stored if k.endswith(".jpg"))
    assert "immutable" in client.head_object(Bucket=bucket, Key=cover)["CacheControl"]
    episodes = feed_episodes(feed)
    assert len(episodes) == 2
    for episode in episodes:
        enclosure = episode["enclosures"][0]
        key = "reseaux/" + enclosure["url"].rsplit("/", 1)[1]
        assert enclosure["file_size"] == len(stored[key])


def test_second_publish_uploads_nothing(s3_show: Path) -> None:
    code, out, err = podpub(s3_show, "publish", "--json")
    assert code == 0, err
    first = json.loads(out)
    code, out, err = podpub(s3_show, "publish", "--json")
    assert code == 0, err
    second = json.loads(out)
    assert second["uploaded"] == []
    assert second["skipped"] == first["uploaded"]
    assets = [k for k in first["uploaded"] if k != "feed.xml" and not k.startswith(".podpub/")]
    assert second["verified"] == first["verified"] == assets  # records and feed: written last


def test_a_corrected_title_is_re_tagged_in_place_and_the_feed_gives_the_new_size(
    s3_show: Path, endpoint: str, bucket: str, tmp_path: Path
) -> None:
    """Tags only: the URL stays (no app downloads the episode again), the stored bytes, the
    feed's length and the record change together, and caches keep the audio no longer than
    the feed that gives its length."""
    assert podpub(s3_show, "publish")[0] == 0
    before = feed_episodes(objects(endpoint, bucket)["reseaux/feed.xml"])
    md = s3_show / "episodes" / SLUGS[1] / "episode.md"
    md.write_text(
        md.read_text().replace("réseaux sociaux : VOUS !", "réseaux sociaux : c’est VOUS !")
    )
    code, out, err = podpub(s3_show, "plan", "--json")
    vous = next(e for e in json.loads(out)["episodes"] if e["slug"] == SLUGS[1])
    audio = next(k for k in vous["objects"] if k.endswith(".mp3"))
    assert code == 0 and vous["objects"][audio] == "upload (changed)"
    code, out, err = podpub(s3_show, "publish", "--json")
    assert code == 0, err
    assert audio in json.loads(out)["uploaded"]  # the same key, new bytes
    stored = objects(endpoint, bucket)
    after = feed_episodes(stored["reseaux/feed.xml"])
    old = next(e for e in before if e["title"].endswith(": VOUS !"))["enclosures"][0]
    new = next(e for e in after if e["title"].endswith("c’est VOUS !"))["enclosures"][0]
    assert new["url"] == old["url"] and new["url"].endswith(audio)
    data = stored[f"reseaux/{audio}"]
    record = json.loads((md.parent / "published.json").read_text())
    assert new["file_size"] == len(data) == record["audio_bytes"]
    assert hashlib.sha256(data).hexdigest() == record["audio_sha256"]
    (tmp_path / "a.mp3").write_bytes(data)
    assert (
        str(mutagen.File(tmp_path / "a.mp3")["TIT2"])
        == "Essentiel dans les réseaux sociaux : c’est VOUS !"
    )
    head = admin_client(endpoint).head_object(Bucket=bucket, Key=f"reseaux/{audio}")
    assert head["CacheControl"] == "public, max-age=300"


def test_environment_selects_s3_and_enclosures_download_identically_with_ranges(
    cached_show: Path, bucket: str, endpoint: str
) -> None:
    """PODPUB_STORAGE + AWS_ENDPOINT_URL, nothing in podcast.toml but the public-read ACL."""
    use_storage(cached_show, "file://public", "https://unused.example.org/", acl="public-read")
    base = f"{endpoint}/{bucket}/show/"
    env = {"PODPUB_STORAGE": f"s3://{bucket}/show", "PODPUB_BASE_URL": base}
    result = CliRunner().invoke(
        main, ["--config", str(cached_show / "podcast.toml"), "publish"], env=env
    )
    assert result.exit_code == 0, result.stderr
    assert not (cached_show / "public").exists()
    with urllib.request.urlopen(base + "feed.xml") as response:
        episodes = feed_episodes(response.read())
    assert len(episodes) == 2
    records = (cached_show / "episodes").glob("*/published.json")
    recorded = {json.loads(path.read_text())["audio_sha256"] for path in records}
    for episode in episodes:
        url = episode["enclosures"][0]["url"]
        assert url.startswith(base)
        with urllib.request.urlopen(url) as response:
            whole = response.read()
        assert len(whole) == episode["enclosures"][0]["file_size"]
        assert hashlib.sha256(whole).hexdigest() in recorded  # the bytes that were tagged
        ranged = urllib.request.Request(url, headers={"Range": "bytes=1000-4999"})
        with urllib.request.urlopen(ranged) as response:
            assert response.status == 206
            assert response.read() == whole[1000:5000]


class Faults:
    """A before-send handler: the first `count` matching requests get `fault` instead of S3."""

    def __init__(self, operation: str, fault: str, count: int = 10**6) -> None:
        self.operation, self.fault, self.count = operation, fault, count
        self.seen = 0

    def __call__(self, request: botocore.awsrequest.AWSPreparedRequest, **_: Any) -> Any:
        if not request.url.split("?")[0].endswith(self.operation) or self.seen >= self.count:
            return None
        self.seen += 1
        if self.fault == "connection":
            raise botocore.exceptions.EndpointConnectionError(endpoint_url=request.url)
        body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        return botocore.awsrequest.AWSResponse(request.url, 503, {}, FakeBody(body))


@pytest.mark.parametrize("fault", ["503", "connection"])
def test_transient_faults_are_retried_and_the_run_completes(
    s3_show: Path, endpoint: str, bucket: str, fault: str
) -> None:
    storage = s3_storage(s3_show)
    faults = Faults(".mp3", fault, count=2)
    storage.client.meta.events.register("before-send.s3.PutObject", faults)
    report = publish(load_show(s3_show / "podcast.toml"), storage=storage)
    assert faults.seen == 2
    assert len([key for key in report.uploaded if key.endswith(".mp3")]) == 2
    assert len(feed_episodes(objects(endpoint, bucket)["reseaux/feed.xml"])) == 2


def assert_feed_and_audio_unchanged(before: dict[str, bytes], after: dict[str, bytes]) -> None:
    """The old feed, the old audio, and no partial object (new companions may have gone up)."""
    assert {k: v for k, v in after.items() if k in before} == before
    assert not [key for key in after.keys() - before.keys() if key.endswith((".mp3", ".xml"))]


def test_a_persistent_fault_fails_clearly_and_keeps_the_previous_feed(
    s3_show: Path, endpoint: str, bucket: str
) -> None:
    assert podpub(s3_show, "publish", SLUGS[0])[0] == 0
    before = objects(endpoint, bucket)
    storage = s3_storage(s3_show)
    faults = Faults(".mp3", "503")
    storage.client.meta.events.register("before-send.s3.PutObject", faults)
    with pytest.raises(StorageError) as caught:
        publish(load_show(s3_show / "podcast.toml"), storage=storage)
    message = str(caught.value)
    assert message.startswith(f"s3://{bucket}/reseaux/{SLUGS[1]}-") and "SlowDown" in message
    assert faults.seen == 3  # AWS_MAX_ATTEMPTS
    assert_feed_and_audio_unchanged(before, objects(endpoint, bucket))
    assert len(feed_episodes(before["reseaux/feed.xml"])) == 1


def test_a_feed_changed_by_another_publisher_is_reread_and_rebuilt(
    s3_show: Path, endpoint: str, bucket: str
) -> None:
    storage = s3_storage(s3_show)
    attempts: list[str] = []

    def other_publisher_first(request: botocore.awsrequest.AWSPreparedRequest, **_: Any) -> None:
        if request.url.endswith("/feed.xml"):
            condition = request.headers.get("If-None-Match") or request.headers["If-Match"]
            attempts.append(condition.decode() if isinstance(condition, bytes) else condition)
            if len(attempts) == 1:
                admin_client(endpoint).put_object(Bucket=bucket, Key="reseaux/feed.xml", Body=b"x")

    storage.client.meta.events.register("before-send.s3.PutObject", other_publisher_first)
    publish(load_show(s3_show / "podcast.toml"), storage=storage)
    assert attempts[0] == "*" and attempts[1].strip('"') == hashlib.md5(b"x").hexdigest()
    config = load_show(s3_show / "podcast.toml")
    assert objects(endpoint, bucket)["reseaux/feed.xml"] == render_feed(config)


def podpub_process(
    show: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "podpub", "--config", str(show / "podcast.toml"), *args]
    return subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when_upload_stalls(
    show: Path, endpoint: str, *args: str, timeout: float = 60, body_bytes: int = 64 * 1024
) -> None:
    """Run `podpub ARGS` through a proxy that stalls its first MP3 upload half-sent, and
    SIGKILL it there."""
    proxy = StallingProxy(int(endpoint.rsplit(":", 1)[1]), body_bytes=body_bytes)
    run = podpub_process(show, *args, env={"AWS_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}"})
    try:
        assert proxy.stalled.wait(timeout), run.stderr.read() if run.stderr else ""
        run.send_signal(signal.SIGKILL)
        run.wait(10)
    finally:
        proxy.close()


def test_two_concurrent_publishers_both_end_up_in_the_feed(
    s3_show: Path, endpoint: str, bucket: str
) -> None:
    runs = [podpub_process(s3_show, "publish", slug) for slug in SLUGS]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    feed = objects(endpoint, bucket)["reseaux/feed.xml"]
    assert len(feed_episodes(feed)) == 2


def test_a_publisher_killed_mid_upload_leaves_a_whole_feed_and_the_next_run_completes(
    s3_show: Path, endpoint: str, bucket: str
) -> None:
    assert podpub(s3_show, "publish", SLUGS[0])[0] == 0
    before = objects(endpoint, bucket)
    kill_when_upload_stalls(s3_show, endpoint, "publish")
    assert_feed_and_audio_unchanged(before, objects(endpoint, bucket))
    assert podpub(s3_show, "publish")[0] == 0
    stored = objects(endpoint, bucket)
    episodes = feed_episodes(stored["reseaux/feed.xml"])
    assert len(episodes) == 2
    for episode in episodes:
        enclosure = episode["enclosures"][0]
        assert (
            len(stored["reseaux/" + enclosure["url"].rsplit("/", 1)[1]]) == enclosure["file_size"]
        )


def assert_fails_cleanly(show: Path, expected: str, *args: str) -> str:
    """Exit 1, one message naming the target, and nothing changed in the show's folder."""
    before = snapshot(show)
    code, out, err = podpub(show, "publish", *args)
    assert code == 1, err
    assert err.count("error: ") == 1 and expected in err, err
    assert out == "" and snapshot(show) == before
    return err


def test_a_missing_bucket_is_named(s3_show: Path, endpoint: str) -> None:
    use_storage(s3_show, "s3://no-such-bucket/reseaux", f"{endpoint}/no-such-bucket/")
    assert_fails_cleanly(s3_show, "s3://no-such-bucket: bucket 'no-such-bucket' does not exist")


def test_an_unreachable_endpoint_is_named(s3_show: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    assert_fails_cleanly(s3_show, f"cannot reach endpoint http://127.0.0.1:{port}")


def test_missing_credentials_say_how_to_provide_them(
    s3_show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert_fails_cleanly(s3_show, "no credentials found — set AWS_PROFILE")


def test_an_unknown_profile_is_named(s3_show: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "podcast-prod")
    assert_fails_cleanly(s3_show, "AWS profile 'podcast-prod' is not configured")


def test_an_invalid_bucket_name_is_refused(s3_show: Path) -> None:
    use_storage(s3_show, "s3://My_Bucket/x", "https://cdn.example.org/")
    assert_fails_cleanly(s3_show, "'My_Bucket' is not a valid bucket name")


@pytest.fixture
def read_only_keys(endpoint: str, bucket: str) -> Iterator[tuple[str, str]]:
    """Keys of a user who may read the bucket but not write it; moto checks IAM meanwhile."""
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    user = f"reader-{bucket}"
    iam.create_user(UserName=user)
    read = [
        "s3:ListBucket",
        "s3:HeadBucket",
        "s3:GetObject",
    ]  # AWS checks ListBucket, moto HeadBucket
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": read, "Resource": "*"}],
    }
    iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    previous = toggle_auth(endpoint, "0")
    try:
        yield key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        toggle_auth(endpoint, previous)


def toggle_auth(endpoint: str, free_requests: str) -> str:
    """moto's own switch: after `free_requests` requests, every request must be authorized.
    Returns the previous setting."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        free_requests.encode(),
        headers={"Content-Type": "text/plain"},  # not a form: moto reads the raw body
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        answer: dict[str, str] = json.load(response)
    return answer["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]


def test_access_denied_names_the_object(
    s3_show: Path, bucket: str, read_only_keys: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", read_only_keys[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", read_only_keys[1])
    err = assert_fails_cleanly(s3_show, f"access denied to s3://{bucket}/reseaux/cover-")
    assert read_only_keys[1] not in err


def test_unknown_keys_are_refused(
    s3_show: Path, bucket: str, read_only_keys: tuple[str, str]
) -> None:
    assert_fails_cleanly(s3_show, f"s3://{bucket}: access denied")


def test_credentials_never_reach_output_files_or_objects(
    s3_show: Path, endpoint: str, bucket: str
) -> None:
    outputs = [podpub(s3_show, "-v", "publish", "--json"), podpub(s3_show, "check", "--json")]
    outputs.append(podpub(s3_show, "feed"))
    texts = [out + err for _, out, err in outputs]
    texts += [p.read_bytes().decode("latin-1") for p in s3_show.rglob("*") if p.is_file()]
    texts += [data.decode("latin-1") for data in objects(endpoint, bucket).values()]
    for text in texts:
        assert KEY_ID not in text and SECRET not in text


def test_credentials_in_podcast_toml_are_refused_without_echoing_them(s3_show: Path) -> None:
    config = s3_show / "podcast.toml"
    config.write_text(
        config.read_text().replace(
            "[storage]\n", f'[storage]\naws_secret_access_key = "{SECRET}"\n'
        )
    )
    code, out, err = podpub(s3_show, "check")
    assert code == 1
    assert "storage.aws_secret_access_key: credentials never belong in podcast.toml" in err
    assert SECRET not in out + err


def test_a_large_file_goes_up_in_parts_with_its_type_and_checksum(
    s3_show: Path, endpoint: str, bucket: str, tmp_path: Path
) -> None:
    big = tmp_path / "long.mp3"
    big.write_bytes(os.urandom(17 * 1024 * 1024))  # above the 16 MiB multipart threshold
    sha = hashlib.sha256(big.read_bytes()).hexdigest()
    sent: list[float] = []
    s3_storage(s3_show).put_file(
        "long.mp3", big, sha, "public, max-age=86400", lambda n, _: sent.append(n)
    )
    head = admin_client(endpoint).head_object(Bucket=bucket, Key="reseaux/long.mp3")
    assert head["ETag"].strip('"').endswith("-3")  # three 8 MiB parts
    assert head["ContentType"] == "audio/mpeg" and head["Metadata"]["sha256"] == sha
    assert sum(sent) == big.stat().st_size
    assert objects(endpoint, bucket)["reseaux/long.mp3"] == big.read_bytes()
