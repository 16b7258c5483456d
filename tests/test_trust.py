"""Trust under real conditions: a fresh machine renders nothing storage holds, a full disk or a
killed upload leaves nothing behind, and the CLI keeps its word on exit codes and output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from podpub.storage import LocalStorage
from tests.conftest import edit, make_audio, podpub, snapshot
from tests.s3_helpers import admin_client, use_storage

VOUS = "2012-04-26-vous"


def fresh_clone(show: Path, tmp_path: Path) -> Path:
    """The same show from a fresh clone: no build cache."""
    clone = tmp_path / "clone"
    shutil.copytree(show, clone, ignore=shutil.ignore_patterns(".podpub", "public"))
    return clone


@pytest.mark.usefixtures("aws_env")
def test_a_fresh_machine_renders_nothing_storage_holds_and_retags_a_title_change(
    cached_show: Path, tmp_path: Path, endpoint: str, bucket: str
) -> None:
    use_storage(cached_show, f"s3://{bucket}/show", f"{endpoint}/{bucket}/show/")
    assert podpub(cached_show, "publish")[0] == 0
    clone = fresh_clone(cached_show, tmp_path)
    code, out, err = podpub(clone, "publish", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["rendered"] == [] and not [k for k in report["uploaded"] if k.endswith(".mp3")]
    assert not (clone / ".podpub" / "build" / "render").exists()  # nothing fetched either

    new_title = 'title: "VOUS, l’essentiel"'
    for show in (clone, cached_show):
        edit(
            show / "episodes" / VOUS / "episode.md",
            'title: "Essentiel dans les réseaux sociaux : VOUS !"',
            new_title,
        )
    code, out, err = podpub(clone, "publish", "--json")
    assert code == 0, err
    report = json.loads(out)
    render = next(s for s in report["steps"] if s["name"] == "render")
    assert report["rendered"] == [] and [d for d in render["done"] if d.startswith("fetched")]
    uploaded = [k for k in report["uploaded"] if k.endswith(".mp3")]
    assert len(uploaded) == 1 and uploaded[0].startswith(VOUS)
    stored = admin_client(endpoint).get_object(Bucket=bucket, Key=f"show/{uploaded[0]}")
    # The first checkout now disagrees with the target about this episode, and says so…
    code, _, err = podpub(cached_show, "publish")
    assert code == 1 and f"{VOUS}/published.json: says {VOUS} was published as" in err
    # …and once it takes the stored record, tags its own render with the same title: the very
    # bytes the fresh machine made by tagging the stored file again.
    (cached_show / "episodes" / VOUS / "published.json").unlink()
    code, out, err = podpub(cached_show, "publish", "--json")
    assert code == 0, err
    assert uploaded[0] in json.loads(out)["skipped"]
    record = json.loads((cached_show / "episodes" / VOUS / "published.json").read_text())
    assert record["audio_sha256"] == stored["Metadata"]["sha256"]


def test_plan_says_when_a_render_would_come_from_another_ffmpeg(live: Path) -> None:
    """As if another machine's ffmpeg had rendered what is published (its record and its
    snapshot say so), and this machine had neither that render nor the stored file."""
    path = live / "episodes" / VOUS / "published.json"
    snapshot_path = live / "public" / ".podpub" / "records" / f"{VOUS}.json"
    record = json.loads(path.read_text())
    record["ffmpeg"] = "4.4.2-0ubuntu0.22.04.1"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    stored = json.loads(snapshot_path.read_text())
    stored["record"]["ffmpeg"] = record["ffmpeg"]
    snapshot_path.write_text(json.dumps(stored, indent=2, ensure_ascii=False, sort_keys=True))
    shutil.rmtree(live / ".podpub")
    (live / "public" / record["audio_key"]).unlink()
    code, out, err = podpub(live, "plan", "--json")
    assert code == 0, err
    vous = next(e for e in json.loads(out)["episodes"] if e["slug"] == VOUS)
    assert (
        "the published audio came from 4.4.2-0ubuntu0.22.04.1: its bytes will differ"
        in (vous["render"])
    )


def test_a_full_disk_leaves_no_temporary_file(tmp_path: Path) -> None:
    """A copy into local storage cut short by the file-size limit (as by a full disk)."""
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * 300_000)
    public = tmp_path / "public"
    code = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from podpub.storage import LocalStorage\n"
        "from podpub.errors import StorageError\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))\n"
        "try:\n"
        f"    LocalStorage(Path({str(public)!r})).put_file('a/big.mp3', Path({str(source)!r}), '0', '', None)\n"
        "except StorageError as exc:\n"
        "    print(exc); sys.exit(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 3, result.stderr
    assert "cannot write: File too large" in result.stdout
    assert [p for p in public.rglob("*") if p.is_file()] == []


def test_temporary_files_of_a_killed_run_are_cleaned_up(tmp_path: Path) -> None:
    public = tmp_path / "public"
    public.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = public / f".ep.mp3.tmp-{dead.pid}"
    left.write_bytes(b"half")
    running = public / f".other.mp3.tmp-{subprocess.os.getpid()}"  # a writer still at work
    running.write_bytes(b"busy")
    storage = LocalStorage(public)
    assert storage.clean_up() == [str(left)]
    assert not left.exists() and running.exists()


@pytest.mark.usefixtures("aws_env")
def test_an_unfinished_multipart_upload_is_aborted_on_the_next_run(
    s3_show_here: Path, endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = admin_client(endpoint)
    upload = client.create_multipart_upload(Bucket=bucket, Key="reseaux/killed.mp3")
    monkeypatch.setattr("podpub.storage.s3.STALE_AFTER_S", 0)
    code, out, err = podpub(s3_show_here, "publish", "--json")
    assert code == 0, err
    upload_step = next(s for s in json.loads(out)["steps"] if s["name"] == "upload")
    assert f"cleaned up s3://{bucket}/reseaux/killed.mp3 (unfinished upload)" in upload_step["done"]
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert upload["UploadId"]


@pytest.fixture
def s3_show_here(cached_show: Path, bucket: str, endpoint: str) -> Path:
    use_storage(cached_show, f"s3://{bucket}/reseaux", f"{endpoint}/{bucket}/reseaux/")
    return cached_show


def test_quiet_hides_warnings(cached_show: Path) -> None:
    edit(cached_show / "episodes" / VOUS / "episode.md", "number: 26\n", "number: 26\nsumary: x\n")
    code, _, err = podpub(cached_show, "check")
    assert code == 0 and "warning:" in err
    code, _, err = podpub(cached_show, "-q", "check")
    assert code == 0 and err == ""
    code, _, err = podpub(cached_show, "-q", "publish")
    assert code == 0 and err == ""


def test_a_date_without_time_zone_is_a_usage_error(show: Path) -> None:
    code, _, err = podpub(show, "new", "Titre", "--date", "2013-05-05")
    assert code == 2 and "add a time zone" in err and "internal error" not in err


@pytest.mark.parametrize(
    "command",
    [("check",), ("plan",), ("publish",), ("feed", "-o", "out.xml"), ("site", "-o", "out")],
)
def test_a_failing_command_with_json_says_so_on_stdout(
    show: Path, command: tuple[str, ...]
) -> None:
    edit(show / "podcast.toml", 'language = "fr"', 'language = "français"')
    before = snapshot(show)
    code, out, err = podpub(show, *command, "--json")
    assert code == 1 and "show.language" in err
    found = json.loads(out)
    assert found["ok"] is False and "show.language" in found["errors"][0]["where"]
    assert snapshot(show) == before


def test_an_mp4_whose_video_runs_past_its_audio_is_not_truncated(show: Path) -> None:
    folder = show / "episodes" / VOUS
    audio = make_audio(show.parent / "voice.wav", "sine=f=440:r=44100,volume=0.1", 4.0)
    picture = ["-f", "lavfi", "-i", "color=c=blue:s=160x120:d=10", "-i", str(audio)]
    from tests.conftest import run_ffmpeg

    result = run_ffmpeg(
        "-v", "error", *picture, "-c:v", "mpeg4", "-c:a", "aac", str(folder / "video.mp4")
    )
    assert result.returncode == 0, result.stderr
    (folder / "audio.flac").unlink()
    edit(folder / "episode.md", "chapters:", "audio: video.mp4\nchapters:")
    code, _, err = podpub(show, "check", VOUS)
    assert code == 1 and "truncated" not in err
    assert (
        "chapter 'L’humain au cœur de la relation' starts at 00:00:18.371, at or after the end of the audio (00:00:04"
        in err
    )  # the audio's own end
