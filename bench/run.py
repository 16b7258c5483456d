"""`make bench`: podpub's loudness engine against the floor and the peer, in one run.

- floor: plain `ffmpeg -i in.wav -c:a libmp3lame -b:a 128k out.mp3` (the encode alone)
- peer:  `ffmpeg-normalize in.wav -nt ebu -t -16 -tp -1 -c:a libmp3lame -b:a 128k`
- podpub: `podpub normalize in.wav out.mp3 --target -16 --true-peak -1 --bitrate 128k`

on a 60-minute 44.1 kHz stereo speech-like WAV at about −32 LUFS (the demo episodes looped,
cached in bench/.cache), then podpub alone on 180 minutes for memory. Each run reports wall time,
peak memory of the whole process tree (PSS, sampled from /proc every 20 ms), and ffmpeg's ebur128 figures
of the output. All runs use the same ffmpeg binary. BENCH_RUNS rounds (5 by default) of
the floor and podpub, interleaved, the peer in the first BENCH_PEER_RUNS (3) of them.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from podpub.audio.ffmpeg import ffmpeg_exe

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / ".cache"
DEMO = sorted((ROOT.parent / "episodes").glob("*/audio.flac"))  # espeak-ng French speech
RUNS = int(os.environ.get("BENCH_RUNS", "5"))  # rounds of the floor and podpub
PEER_RUNS = int(os.environ.get("BENCH_PEER_RUNS", "3"))  # of the peer (4-5 minutes each)


def speech_wav(minutes: int) -> Path:
    path = CACHE / f"speech-{minutes}min.wav"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-y",
                "-stream_loop",
                "-1",
                "-i",
                str(DEMO[-1]),
                "-af",
                "volume=9dB",
                "-t",
                str(minutes * 60),
                "-ar",
                "44100",
                "-ac",
                "2",
                str(path),
            ],
            check=True,
        )
    return path


def tree_memory_kb(pid: int) -> dict[str, int]:
    """Proportional set size (PSS) of a process and its descendants, by process, in kB.

    PSS counts each shared page once across the processes sharing it, so a forked helper or a
    shared library is not counted twice, as a sum of RSS would.
    """
    found, pending = {}, [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            name = Path(f"/proc/{current}/comm").read_text().strip()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        match = re.search(r"^Pss:\s+(\d+)", rollup, re.M)
        found[f"{name}[{current}]"] = int(match.group(1)) if match else 0
        pending.extend(int(child) for child in children)
    return found


def timed(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak PSS of the process tree (MB), and its largest processes at that peak."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_total, peak_parts = 0, {}

    def sample() -> None:
        # A child between vfork and exec reports its parent's whole address space for a few
        # milliseconds: keep the smallest of three consecutive samples (40 ms) so that such
        # a spike never counts, while a real peak (pass 1 lasts seconds) does.
        nonlocal peak_total, peak_parts
        recent: list[tuple[int, dict[str, int]]] = []
        while process.poll() is None:
            parts = tree_memory_kb(process.pid)
            recent = [*recent[-2:], (sum(parts.values()), parts)]
            steady = min(recent, key=lambda item: item[0])
            if len(recent) == 3 and steady[0] > peak_total:
                peak_total, peak_parts = steady
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - start
    sampler.join()
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(command)}")
    largest = sorted(peak_parts.items(), key=lambda item: -item[1])[:4]
    breakdown = ", ".join(f"{name.split('[')[0]} {kb // 1024}" for name, kb in largest)
    return elapsed, peak_total // 1024, breakdown


def ebur128(path: Path) -> str:
    report = subprocess.run(
        [ffmpeg_exe(), "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
    ).stderr
    summary = report[report.rindex("Summary:") :]
    lufs = re.search(r"I:\s+(-?[\d.]+)", summary).group(1)
    peak = re.search(r"Peak:\s+(-?[\d.]+)", summary).group(1)
    return f"{lufs} LUFS / {peak} dBTP"


@dataclass
class Contender:
    name: str
    command: list[str]
    output: Path
    times: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)
    breakdowns: list[str] = field(default_factory=list)

    def run(self) -> None:
        self.output.unlink(missing_ok=True)
        seconds, memory, breakdown = timed(self.command)
        self.times.append(seconds)
        self.peaks.append(memory)
        self.breakdowns.append(breakdown)

    def report(self) -> None:
        worst = self.breakdowns[self.peaks.index(max(self.peaks))]
        runs = ", ".join(f"{t:.1f}" for t in self.times)
        print(
            f"  {self.name:18s} {statistics.median(self.times):7.1f} s ({runs})  "
            f"{max(self.peaks):4d} MB PSS ({worst})  {ebur128(self.output)}",
            flush=True,
        )


def rounds(
    contenders: list[Contender], runs: int = RUNS, occasional: Contender | None = None
) -> None:
    """Run every contender once per round: the host's speed drifts by ±15 % over minutes, so
    interleaving lets each ratio compare runs made side by side. The order flips every round
    (A B, B A, ...), so that a drift within a round does not always favour the same one. The
    `occasional` contender (the slow peer) runs in the first PEER_RUNS rounds only, after them."""
    for round_number in range(1, runs + 1):
        order = contenders if round_number % 2 else contenders[::-1]
        if occasional and round_number <= PEER_RUNS:
            order = [*order, occasional]
        for contender in order:
            contender.run()
        walls = ", ".join(f"{c.name} {c.times[-1]:.1f} s" for c in order)
        print(f"  round {round_number}: {walls}", flush=True)
    for contender in [*contenders, *([occasional] if occasional else [])]:
        contender.report()


def ratio(a: Contender, b: Contender) -> str:
    """Median of the per-round ratios a/b, each round's, and the ratio of the medians. Runs pair
    by round; the peer ran in the first rounds only, hence the zip to the shorter list."""
    pairs = [x / y for x, y in zip(a.times, b.times, strict=False)]
    of_medians = statistics.median(a.times) / statistics.median(b.times)
    each = ", ".join(f"{p:.2f}" for p in pairs)
    return f"{statistics.median(pairs):.2f} (rounds: {each}; medians: {of_medians:.2f})"


def normalize(source: Path, output: Path, *bitrate: str) -> list[str]:
    podpub = str(Path(sys.executable).with_name("podpub"))
    target = ["--target", "-16", "--true-peak", "-1", *bitrate]
    return [podpub, "-q", "normalize", str(source), str(output), *target]


def main() -> None:
    ffmpeg = ffmpeg_exe()
    peer = shutil.which("ffmpeg-normalize") or str(
        Path(sys.executable).with_name("ffmpeg-normalize")
    )
    os.environ["FFMPEG_PATH"] = ffmpeg  # ffmpeg-normalize uses the same binary
    source = speech_wav(60)
    out = CACHE / "out"
    out.mkdir(exist_ok=True)
    print(
        f"60 min, 44.1 kHz stereo speech-like ({source.stat().st_size >> 20} MB WAV), "
        f"{RUNS} interleaved round(s); median wall (each run), peak PSS of the process tree, "
        f"ebur128 of the output; ffmpeg: {ffmpeg}"
    )
    mp3 = ["-c:a", "libmp3lame", "-b:a", "128k"]
    plain = Contender(
        "plain encode",
        [ffmpeg, "-v", "error", "-y", "-i", str(source), *mp3, str(out / "plain.mp3")],
        out / "plain.mp3",
    )
    ours = Contender(
        "podpub normalize",
        normalize(source, out / "podpub.mp3", "--bitrate", "128k"),
        out / "podpub.mp3",
    )
    peer_target = ["-nt", "ebu", "-t", "-16", "-tp", "-1"]
    theirs = Contender(
        "ffmpeg-normalize",
        [peer, str(source), *peer_target, *mp3, "-f", "-o", str(out / "peer.mp3")],
        out / "peer.mp3",
    )
    rounds([plain, ours], occasional=theirs)
    print(
        f"  podpub / plain encode = {ratio(ours, plain)}   "
        f"ffmpeg-normalize / podpub = {ratio(theirs, ours)}"
    )
    if os.environ.get("BENCH_SKIP_LONG") != "1":
        print("180 min, podpub only, one run (memory must stay flat)")
        long = out / "long.mp3"
        rounds([Contender("podpub normalize", normalize(speech_wav(180), long), long)], runs=1)


if __name__ == "__main__":
    main()
