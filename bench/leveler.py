"""`make bench` (leveler): what `podpub normalize --leveler` does to recordings made with
espeak-ng voices (tests/recordings.py), read by an independent meter, ffmpeg's ebur128: the
spread of short-term loudness between segments (median of the 3 s values inside each), the
loudness range, the integrated loudness and the true peak; before, without and with the
leveler. Needs espeak-ng (skipped with a message without it)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))  # tests/recordings.py

from tests import recordings  # noqa: E402
from tests.conftest import ebur128  # noqa: E402

CACHE = ROOT / ".cache" / "leveler"


def row(name: str, path: Path, segments: list[recordings.Segment]) -> None:
    figures = ebur128(path)
    print(
        f"  {name:22s} spread {recordings.spread(path, segments):5.1f} LU   "
        f"LRA {figures['lra']:5.1f} LU   I {figures['integrated']:6.1f} LUFS   "
        f"TP {figures['true_peak']:5.1f} dBTP",
        flush=True,
    )


def compare(title: str, source: Path, segments: list[recordings.Segment]) -> None:
    print(title)
    row("source", source, segments)
    for name, options in (("normalize", []), ("normalize --leveler", ["--leveler"])):
        out = CACHE / f"{source.stem}-{len(options)}.mp3"
        podpub = str(Path(sys.executable).with_name("podpub"))
        subprocess.run([podpub, "-q", "normalize", str(source), str(out), *options], check=True)
        row(name, out, segments)


def main() -> None:
    if not recordings.have_espeak():
        print("leveler: skipped, espeak-ng is not installed (apt-get install espeak-ng)")
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    talk = CACHE / "conversation.wav"
    turns = recordings.conversation(talk, levels_db=(0.0, -10.0), turns=8)
    compare("leveler: two voices 10 dB apart, taking turns (8 sentences)", talk, turns)
    fading = CACHE / "fading.wav"
    recordings.fading_speaker(fading, seconds=60.0, fade_db=10.0)
    ends = [recordings.Segment(0.0, 10.0, "first 10 s"), recordings.Segment(50.0, 60.0, "last")]
    compare("leveler: one voice fading by 10 dB over a minute (first and last 10 s)", fading, ends)
    bed = CACHE / "music-bed.wav"
    start = recordings.with_music(bed, talk)
    moved = [replace(s, start=s.start + start, end=s.end + start) for s in turns]
    compare("leveler: the two voices over a music bed, after an 8 s music intro", bed, moved)


if __name__ == "__main__":
    main()
