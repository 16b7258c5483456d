"""`make bench` (part 3): a back catalog rendered into storage's render cache, against moto's S3
server, in one run:

- `podpub render --jobs 1`: one render at a time, as before
- `podpub render --jobs 2`: two at once on this machine
- two shards at once (`--shard 1/2` and `--shard 2/2`, `--jobs 1` each), from two checkouts,
  as two CI machines would, sharing this machine's cores
- `--jobs 1` and `--jobs 2` again into a local folder: moto's server runs on this machine and
  takes a share of its two cores that real storage would not (BENCH_CATALOG_FOLDER=0 skips it)

Each from a fresh checkout (no build cache) into a fresh prefix of the bucket. The catalog is
BENCH_CATALOG_EPISODES (12) episodes of BENCH_CATALOG_MINUTES (5) minutes of speech-like 44.1 kHz
stereo (the demo episodes looped, each at its own level: its own render key). Reported: wall
time (median of BENCH_CATALOG_RUNS interleaved rounds, 3 by default), throughput in hours of
audio per hour, its ratio to --jobs 1 (median of per-round ratios), CPU time, and peak memory
(PSS) of one render's process tree and of the whole run. The load average is printed with each
round: figures taken while other work loads the machine say so.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from run import CACHE, speech_wav, tree_memory_kb

from podpub.audio.ffmpeg import ffmpeg_exe
from podpub.publishing.batch import Shard

REPO = Path(__file__).resolve().parent.parent
EPISODES = int(os.environ.get("BENCH_CATALOG_EPISODES", "12"))
MINUTES = int(os.environ.get("BENCH_CATALOG_MINUTES", "5"))
RUNS = int(os.environ.get("BENCH_CATALOG_RUNS", "3"))
HOURS = EPISODES * MINUTES / 60


def catalog() -> Path:
    """The episodes' audio, made once and cached: FLAC, each episode at its own level."""
    folder = CACHE / f"catalog-{EPISODES}x{MINUTES}"
    speech = speech_wav(MINUTES)
    for n in range(1, EPISODES + 1):
        path = folder / f"{n:03d}.flac"
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            level = ["-af", f"volume={(n % 7) - 3}dB"]
            subprocess.run(
                [ffmpeg_exe(), "-v", "error", "-y", "-i", str(speech), *level, str(path)],
                check=True,
            )
    return folder


def checkout(root: Path, audio: Path, target: str) -> Path:
    """A fresh checkout of a show of the catalog's episodes (audio hard-linked), stored in
    `target`: no build cache, nothing published."""
    show = root / uuid.uuid4().hex[:8]
    (show / "episodes").mkdir(parents=True)
    shutil.copy(REPO / "cover.jpg", show)
    toml = (REPO / "podcast.toml").read_text()
    storage = f'[storage]\nurl = "{target}"\npublic_base_url = "https://example.org/show/"\n\n'
    (show / "podcast.toml").write_text(re.sub(r"\[storage\]\n.*?\n\n", storage, toml, flags=re.S))
    for n in range(1, EPISODES + 1):
        folder = show / "episodes" / f"2020-{n:03d}-episode"
        folder.mkdir()
        md = f'---\ntitle: "Épisode {n}"\ndate: 2020-01-01T08:00:00+01:00\n---\n\nNotes.\n'
        (folder / "episode.md").write_text(md)
        os.link(audio / f"{n:03d}.flac", folder / "audio.flac")
    return show


@dataclass
class Sampler:
    """Peak PSS of the process trees of running commands: all of them, and one render's (a
    worker's tree with --jobs, the whole command's tree without)."""

    pids: list[int]
    whole: int = 0
    render: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        recent: list[tuple[int, int]] = []
        while not self.stop.is_set():
            trees = [self._tree(pid) for pid in self.pids]
            sample = (sum(t[0] for t in trees), max(t[1] for t in trees))
            recent = [*recent[-1:], sample]  # the smaller of two: no vfork spike counts
            if len(recent) == 2:
                self.whole = max(self.whole, min(r[0] for r in recent))
                self.render = max(self.render, min(r[1] for r in recent))
            # Reading a process's PSS walks its page tables (about 6 ms of CPU for a render's
            # Python): every 50 ms, the sampler took half a core from the renders it measured,
            # and the most from --jobs 2. A render's peak lasts seconds: once a second is enough.
            time.sleep(1.0)

    @staticmethod
    def _tree(pid: int) -> tuple[int, int]:
        """(whole tree, largest render in it) in kB."""
        whole = sum(tree_memory_kb(pid).values())
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return whole, whole
        workers = [int(c) for c in children if "spawn_main" in _cmdline(int(c))]
        if not workers:
            return whole, whole
        return whole, max(sum(tree_memory_kb(w).values()) for w in workers)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


@dataclass
class Contender:
    name: str
    shards: list[list[str]]  # the render command's arguments, one list per process
    folder: bool = False  # stored in a local folder: no moto server taking CPU on this machine
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    renders: list[int] = field(default_factory=list)  # peak PSS of one render, MB
    wholes: list[int] = field(default_factory=list)  # peak PSS of the whole run, MB

    def run(self, audio: Path, bucket: str, root: Path) -> str:
        prefix = f"{self.name.replace(' ', '-')}-{len(self.walls)}"
        target = f"file://{root / 'stored' / prefix}" if self.folder else f"s3://{bucket}/{prefix}"
        podpub = str(Path(sys.executable).with_name("podpub"))
        shows = [checkout(root, audio, target) for _ in self.shards]
        before = os.times()
        started = time.perf_counter()
        runs = [
            subprocess.Popen(
                [podpub, "-q", "--config", str(show / "podcast.toml"), "render", *args],
                stdout=subprocess.DEVNULL,
            )
            for show, args in zip(shows, self.shards, strict=True)
        ]
        sampler = Sampler([r.pid for r in runs])
        watching = threading.Thread(target=sampler.run, daemon=True)
        watching.start()
        if any(r.wait() != 0 for r in runs):
            sys.exit(f"{self.name} failed")
        self.walls.append(time.perf_counter() - started)
        sampler.stop.set()
        watching.join()
        after = os.times()
        self.cpus.append(after.children_user + after.children_system)
        self.cpus[-1] -= before.children_user + before.children_system
        self.renders.append(sampler.render // 1024)
        self.wholes.append(sampler.whole // 1024)
        for show in shows:
            shutil.rmtree(show)
        return f"{self.name} {self.walls[-1]:.1f} s"

    def report(self, base: Contender) -> None:
        wall = statistics.median(self.walls)
        rate = HOURS / (wall / 3600)
        ratios = [b / s for s, b in zip(self.walls, base.walls, strict=False)]
        each = ", ".join(f"{r:.2f}" for r in ratios)
        print(
            f"  {self.name:9s} {wall:6.1f} s  {rate:5.1f} h of audio per hour  "
            f"×{statistics.median(ratios):.2f} of --jobs 1 (rounds: {each})  "
            f"CPU {statistics.median(self.cpus):5.1f} s  "
            f"PSS one render {max(self.renders)} MB, whole run {max(self.wholes)} MB",
            flush=True,
        )


def load() -> str:
    return "load " + "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    audio = catalog()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1"
    )
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    contenders = [
        Contender("--jobs 1", [["--jobs", "1"]]),
        Contender("--jobs 2", [["--jobs", "2"]]),
        Contender(
            "2 shards", [["--shard", "1/2", "--jobs", "1"], ["--shard", "2/2", "--jobs", "1"]]
        ),
    ]
    if os.environ.get("BENCH_CATALOG_FOLDER") != "0":  # without moto's CPU on this machine
        contenders += [
            Contender("folder, --jobs 1", [["--jobs", "1"]], folder=True),
            Contender("folder, --jobs 2", [["--jobs", "2"]], folder=True),
        ]
    print(
        f"catalog: {EPISODES} episodes × {MINUTES} min ({HOURS:.2f} h of 44.1 kHz stereo speech), "
        f"rendered into moto's S3 at {endpoint}; {RUNS} interleaved round(s), {os.cpu_count()} "
        f"cores; {load()} (1/5/15 min) at the start"
    )
    split = [
        sum(Shard(i, 2).holds(f"2020-{n:03d}-episode") for n in range(1, EPISODES + 1))
        for i in (1, 2)
    ]
    print(f"  the two shards hold {split[0]} and {split[1]} episodes (by the hash of the slug)")
    root = CACHE / "catalog-runs"
    shutil.rmtree(root, ignore_errors=True)
    for number in range(1, RUNS + 1):
        order = contenders[number - 1 :] + contenders[: number - 1]  # each goes first once
        walls = ", ".join(c.run(audio, bucket, root) for c in order)
        print(f"  round {number}: {walls}; {load()}", flush=True)
    into_folder = next((c for c in contenders if c.folder), contenders[0])
    for contender in contenders:  # each against --jobs 1 into the same kind of storage
        contender.report(into_folder if contender.folder else contenders[0])
    server.stop()


if __name__ == "__main__":
    main()
