"""`make bench`: podpub's loudness engine against the floor and the peer, in one run.

- floor: plain `ffmpeg -i in.wav -c:a libmp3lame -b:a 128k out.mp3` (the encode alone)
- peer:  `ffmpeg-normalize in.wav -nt ebu -t -16 -tp -1 -c:a libmp3lame -b:a 128k`
- podpub: `podpub normalize in.wav out.mp3 --target -16 --true-peak -1 --bitrate 128k`

on a 60-minute 44.1 kHz stereo speech-like WAV at about −32 LUFS (the demo episodes looped,
cached in bench/.cache), then podpub alone on 180 minutes for memory. Each run reports wall time,
peak RSS of the whole process tree (sampled from /proc every 20 ms), and ffmpeg's ebur128 figures
of the output. All runs use the same ffmpeg binary. Set BENCH_RUNS=3 for medians.
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
from pathlib import Path

from podpub.audio.ffmpeg import ffmpeg_exe

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / ".cache"
DEMO = sorted((ROOT.parent / "episodes").glob("*/audio.flac"))  # espeak-ng French speech
RUNS = int(os.environ.get("BENCH_RUNS", "1"))


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


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in kB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) if "VmRSS" in status else 0
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, AttributeError):
            continue
        pending.extend(int(child) for child in children)
    return total


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak tree RSS (MB) of a command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - start
    sampler.join()
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(command)}")
    return elapsed, peak[0] // 1024


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


def measure(name: str, command: list[str], output: Path) -> float:
    times, peaks = [], []
    for _ in range(RUNS):
        output.unlink(missing_ok=True)
        seconds, rss = timed(command)
        times.append(seconds)
        peaks.append(rss)
    wall = statistics.median(times)
    print(f"  {name:18s} {wall:7.1f} s  {max(peaks):5d} MB  {ebur128(output)}", flush=True)
    return wall


def main() -> None:
    ffmpeg = ffmpeg_exe()
    podpub = str(Path(sys.executable).with_name("podpub"))
    peer = shutil.which("ffmpeg-normalize") or str(
        Path(sys.executable).with_name("ffmpeg-normalize")
    )
    os.environ["FFMPEG_PATH"] = ffmpeg  # ffmpeg-normalize uses the same binary
    source = speech_wav(60)
    out = CACHE / "out"
    out.mkdir(exist_ok=True)
    print(
        f"60 min, 44.1 kHz stereo speech-like ({source.stat().st_size >> 20} MB WAV), "
        f"{RUNS} run(s), median wall, peak RSS, ebur128 of the output; ffmpeg: {ffmpeg}"
    )
    floor = measure(
        "plain encode",
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-c:a",
            "libmp3lame",
            "-b:a",
            "128k",
            str(out / "plain.mp3"),
        ],
        out / "plain.mp3",
    )
    ours = measure(
        "podpub normalize",
        [
            podpub,
            "-q",
            "normalize",
            str(source),
            str(out / "podpub.mp3"),
            "--target",
            "-16",
            "--true-peak",
            "-1",
            "--bitrate",
            "128k",
        ],
        out / "podpub.mp3",
    )
    theirs = measure(
        "ffmpeg-normalize",
        [
            peer,
            str(source),
            "-nt",
            "ebu",
            "-t",
            "-16",
            "-tp",
            "-1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "128k",
            "-f",
            "-o",
            str(out / "peer.mp3"),
        ],
        out / "peer.mp3",
    )
    print(
        f"  podpub / plain encode = {ours / floor:.2f}   ffmpeg-normalize / podpub = {theirs / ours:.2f}"
    )
    if os.environ.get("BENCH_SKIP_LONG") != "1":
        long_source = speech_wav(180)
        print("180 min, podpub only (memory must stay flat)")
        measure(
            "podpub normalize",
            [
                podpub,
                "-q",
                "normalize",
                str(long_source),
                str(out / "long.mp3"),
                "--target",
                "-16",
                "--true-peak",
                "-1",
            ],
            out / "long.mp3",
        )


if __name__ == "__main__":
    main()
