"""`make bench`: podpub's loudness engine against the floor and the peer, on every ffmpeg.

- floor: plain `ffmpeg -i in.wav -c:a libmp3lame -b:a 128k out.mp3` (the encode alone)
- podpub: `podpub normalize in.wav out.mp3 --target -16 --true-peak -1 --bitrate 128k`, and the
  same with `--leveler`
- AAC: plain `ffmpeg -i in.wav -c:a aac -b:a 128k out.m4a` against `podpub normalize … out.m4a`
  (with the number of encodes podpub needed)
- peer: `ffmpeg-normalize in.wav -nt ebu -t -16 -tp -1 -c:a libmp3lame -b:a 128k`

on a 60-minute 44.1 kHz stereo speech-like WAV at about −32 LUFS (the demo episodes looped,
cached in bench/.cache), with each ffmpeg present: the one pinned by imageio-ffmpeg (podpub's
default) and the system's (PODPUB_FFMPEG when it names a binary, else `ffmpeg` on PATH); podpub
and the floor use the same binary in each set. Then podpub alone, leveler on, on 180 minutes for
memory, and the leveler's figures on espeak-ng recordings (bench/leveler.py).

Each run reports wall time, peak memory of the whole process tree (PSS, sampled from /proc every
0.3 s), and ffmpeg's ebur128 figures of the output. BENCH_RUNS rounds (5 by default) of the
floor and podpub, interleaved, the AAC pair and the peer in the first BENCH_PEER_RUNS (3);
BENCH_SKIP_LONG=1 skips the 180-minute run, BENCH_SKIP_PEER=1 the peer; BENCH_MINUTES sets the
timed file's length.
"""

from __future__ import annotations

import json
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

import imageio_ffmpeg

from podpub.audio.ffmpeg import ffmpeg_exe

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / ".cache"
DEMO = sorted((ROOT.parent / "episodes").glob("*/audio.flac"))  # espeak-ng French speech
RUNS = int(os.environ.get("BENCH_RUNS", "5"))  # rounds of the floor and podpub
PEER_RUNS = int(os.environ.get("BENCH_PEER_RUNS", "3"))  # of the peer (4-5 minutes each)
MINUTES = int(os.environ.get("BENCH_MINUTES", "60"))  # of the timed file (shorter: a smoke test)


def ffmpegs() -> list[tuple[str, str]]:
    """(label, path) of each distinct ffmpeg binary present: bundled first."""
    chosen = os.environ.get("PODPUB_FFMPEG", "")
    system = chosen if chosen not in ("", "system") else shutil.which("ffmpeg")
    found = [("bundled", imageio_ffmpeg.get_ffmpeg_exe())]
    if system and os.path.realpath(system) != os.path.realpath(found[0][1]):
        found.append(("system", system))
    return [(f"{label} {version(path)}", path) for label, path in found]


def version(path: str) -> str:
    first = subprocess.run([path, "-version"], capture_output=True, text=True).stdout
    return first.split()[2] if first.startswith("ffmpeg version") else "?"


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


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str, str]:
    """Wall seconds, peak PSS of the process tree (MB), its largest processes at that peak, and
    what the command printed."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, **env}
    )
    peak_total, peak_parts = 0, {}

    def sample() -> None:
        # A child between vfork and exec reports its parent's whole address space for a few
        # milliseconds: keep the smaller of two consecutive samples so that such a spike never
        # counts, while a real peak (pass 1 and pass 2 last seconds) does. Reading PSS walks
        # each process's page tables (about 6 ms of CPU for podpub's Python): sampled every
        # 20 ms, it took half a core from podpub's render and almost none from the plain
        # encode; every 0.3 s it takes a few per cent.
        nonlocal peak_total, peak_parts
        recent: list[tuple[int, dict[str, int]]] = []
        while process.poll() is None:
            parts = tree_memory_kb(process.pid)
            recent = [*recent[-1:], (sum(parts.values()), parts)]
            steady = min(recent, key=lambda item: item[0])
            if len(recent) == 2 and steady[0] > peak_total:
                peak_total, peak_parts = steady
            time.sleep(0.3)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    printed = process.communicate()[0].decode()
    code = process.wait()
    elapsed = time.perf_counter() - start
    sampler.join()
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(command)}")
    largest = sorted(peak_parts.items(), key=lambda item: -item[1])[:4]
    breakdown = ", ".join(f"{name.split('[')[0]} {kb // 1024}" for name, kb in largest)
    return elapsed, peak_total // 1024, breakdown, printed


def ebur128(path: Path) -> str:
    report = subprocess.run(
        [BUNDLED, "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
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
    env: dict[str, str] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)
    breakdowns: list[str] = field(default_factory=list)
    encodes: list[int] = field(default_factory=list)

    def run(self) -> None:
        self.output.unlink(missing_ok=True)
        seconds, memory, breakdown, printed = timed(self.command, self.env)
        self.times.append(seconds)
        self.peaks.append(memory)
        self.breakdowns.append(breakdown)
        if printed.startswith("{"):  # podpub normalize --json
            self.encodes.append(json.loads(printed)["encodes"])

    def report(self) -> None:
        worst = self.breakdowns[self.peaks.index(max(self.peaks))]
        runs = ", ".join(f"{t:.1f}" for t in self.times)
        encodes = f"  encodes {self.encodes}" if self.encodes else ""
        print(
            f"  {self.name:22s} {statistics.median(self.times):7.1f} s ({runs})  "
            f"{max(self.peaks):4d} MB PSS ({worst})  {ebur128(self.output)}{encodes}",
            flush=True,
        )


def rounds(
    contenders: list[Contender], runs: int = RUNS, occasional: tuple[Contender, ...] = ()
) -> None:
    """Run every contender once per round: the host's speed drifts by ±15 % over minutes, so
    interleaving lets each ratio compare runs made side by side. The order flips every round
    (A B, B A, ...), so that a drift within a round does not always favour the same one. The
    `occasional` contenders (the AAC pair, the slow peer) run in the first PEER_RUNS rounds
    only, after the others, in the same flipping order."""
    for round_number in range(1, runs + 1):
        flip = round_number % 2 == 0
        order = contenders[::-1] if flip else contenders
        if round_number <= PEER_RUNS:
            order = [*order, *(occasional[::-1] if flip else occasional)]
        for contender in order:
            contender.run()
        walls = ", ".join(f"{c.name} {c.times[-1]:.1f} s" for c in order)
        print(f"  round {round_number}: {walls}", flush=True)
    for contender in [*contenders, *occasional]:
        contender.report()


def ratio(a: Contender, b: Contender) -> float:
    """Median of the per-round ratios a/b. Runs pair by round; the occasional contenders ran in
    the first rounds only, hence the zip to the shorter list."""
    return statistics.median(x / y for x, y in zip(a.times, b.times, strict=False))


def ratio_text(a: Contender, b: Contender) -> str:
    """The median ratio, each round's, and the ratio of the medians."""
    pairs = [x / y for x, y in zip(a.times, b.times, strict=False)]
    of_medians = statistics.median(a.times) / statistics.median(b.times)
    each = ", ".join(f"{p:.2f}" for p in pairs)
    return f"{ratio(a, b):.2f} (rounds: {each}; medians: {of_medians:.2f})"


def normalize(source: Path, output: Path, *options: str) -> list[str]:
    podpub = str(Path(sys.executable).with_name("podpub"))
    target = ["--target", "-16", "--true-peak", "-1", *options]
    return [podpub, "-q", "normalize", str(source), str(output), *target, "--json"]


def plain(ffmpeg: str, source: Path, output: Path, *codec: str) -> list[str]:
    return [ffmpeg, "-v", "error", "-y", "-i", str(source), *codec, str(output)]


@dataclass
class Set:
    """The contenders on one ffmpeg binary."""

    label: str
    floor: Contender
    podpub: Contender
    leveled: Contender
    aac_floor: Contender
    aac: Contender
    peer: Contender | None

    @classmethod
    def on(cls, label: str, ffmpeg: str, source: Path, with_peer: bool) -> Set:
        out = CACHE / "out" / label.split()[0]
        out.mkdir(parents=True, exist_ok=True)
        env = {"PODPUB_FFMPEG": ffmpeg, "FFMPEG_PATH": ffmpeg}  # the peer's too
        mp3, aac = ["-c:a", "libmp3lame", "-b:a", "128k"], ["-c:a", "aac", "-b:a", "128k"]

        def contender(name: str, command: list[str], output: Path) -> Contender:
            return Contender(name, command, output, env)

        peer_command = [PEER, str(source), "-nt", "ebu", "-t", "-16", "-tp", "-1", *mp3]
        return cls(
            label,
            contender("plain encode", plain(ffmpeg, source, out / "plain.mp3", *mp3), out / "plain.mp3"),
            contender("podpub normalize", normalize(source, out / "podpub.mp3", "--bitrate", "128k"), out / "podpub.mp3"),
            contender("podpub --leveler", normalize(source, out / "leveled.mp3", "--bitrate", "128k", "--leveler"), out / "leveled.mp3"),
            contender("plain AAC encode", plain(ffmpeg, source, out / "plain.m4a", *aac), out / "plain.m4a"),
            contender("podpub normalize m4a", normalize(source, out / "podpub.m4a", "--bitrate", "128k"), out / "podpub.m4a"),
            contender("ffmpeg-normalize", [*peer_command, "-f", "-o", str(out / "peer.mp3")], out / "peer.mp3") if with_peer else None,
        )  # fmt: skip

    def run(self) -> None:
        occasional = (self.aac_floor, self.aac, *([self.peer] if self.peer else []))
        rounds([self.floor, self.podpub, self.leveled], occasional=occasional)
        print(f"  podpub / plain encode           = {ratio_text(self.podpub, self.floor)}")
        print(f"  podpub --leveler / plain encode = {ratio_text(self.leveled, self.floor)}")
        print(f"  podpub m4a / plain AAC encode   = {ratio_text(self.aac, self.aac_floor)}")
        if self.peer:
            print(f"  ffmpeg-normalize / podpub       = {ratio_text(self.peer, self.podpub)}")


PEER = shutil.which("ffmpeg-normalize") or str(Path(sys.executable).with_name("ffmpeg-normalize"))
BUNDLED = imageio_ffmpeg.get_ffmpeg_exe()  # ebur128 reads every output with the same meter


def main() -> None:
    source = speech_wav(MINUTES)
    found = ffmpegs()
    print(
        f"{MINUTES} min, 44.1 kHz stereo speech-like ({source.stat().st_size >> 20} MB WAV), "
        f"{RUNS} interleaved round(s) per ffmpeg; median wall (each run), peak PSS of the "
        f"process tree, ebur128 of the output. ffmpeg: {'; '.join(name for name, _ in found)}"
    )
    sets = []
    for index, (label, path) in enumerate(found):
        print(f"ffmpeg {label}: {path}", flush=True)
        current = Set.on(
            label, path, source, index == 0 and os.environ.get("BENCH_SKIP_PEER") != "1"
        )
        current.run()
        sets.append(current)
    fastest = min(sets, key=lambda s: statistics.median(s.floor.times))
    print(
        f"fastest plain LAME encode: ffmpeg {fastest.label} "
        f"({statistics.median(fastest.floor.times):.1f} s): podpub / plain = "
        f"{ratio(fastest.podpub, fastest.floor):.2f}, with the leveler "
        f"{ratio(fastest.leveled, fastest.floor):.2f}; AAC {ratio(fastest.aac, fastest.aac_floor):.2f} "
        f"(encodes per M4A: {fastest.aac.encodes})"
    )
    if os.environ.get("BENCH_SKIP_LONG") != "1":
        print(
            f"180 min, podpub --leveler only, one run (memory must stay flat), ffmpeg {fastest.label}"
        )
        long = CACHE / "out" / "long.mp3"
        env = {"PODPUB_FFMPEG": fastest.floor.env["PODPUB_FFMPEG"]}
        rounds(
            [
                Contender(
                    "podpub --leveler", normalize(speech_wav(180), long, "--leveler"), long, env
                )
            ],
            runs=1,
        )
    import leveler

    leveler.main()


if __name__ == "__main__":
    main()
