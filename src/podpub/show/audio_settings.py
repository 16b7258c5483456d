"""The [audio] table of podcast.toml: how every episode's enclosure is rendered."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from podpub.show.fields import Fields, describe

PRESETS: dict[str, tuple[float, float]] = {
    "apple": (-16.0, -1.0),
    "spotify": (-14.0, -1.0),
    "speech": (-18.0, -1.0),  # AES TD1008
    "ebu-r128": (-23.0, -1.0),
}
FORMATS = ("mp3", "m4a")
# MP3 and AAC rates whose 20 ms measuring blocks hold a whole number of samples.
SAMPLE_RATES = (16000, 22050, 24000, 32000, 44100, 48000)
# What LAME and ffmpeg's AAC encoder accept: 8–320 kb/s.
BITRATE = re.compile(r"^(\d{1,3})k$")
MIN_KBPS, MAX_KBPS = 8, 320
# The bit rates an MP3 frame header can state (ISO 11172-3, 13818-3): LAME would silently pick
# another for any other value. MPEG-1 at 32–48 kHz, MPEG-2 below.
MP3_KBPS = {
    "mpeg1": (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    "mpeg2": (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
AUDIO_KEYS = {
    "preset",
    "target_lufs",
    "true_peak_dbtp",
    "format",
    "bitrate",
    "mono_bitrate",
    "sample_rate",
    "channels",
    "intro",
    "outro",
    "crossfade_s",
    "trim_silence",
    "silence_threshold_db",
    "alternates",
    "leveler",
}


@dataclass(frozen=True)
class LoudnessTarget:
    integrated_lufs: float = -16.0
    true_peak_dbtp: float = -1.0

    @classmethod
    def preset(cls, name: str) -> LoudnessTarget:
        lufs, peak = PRESETS[name]
        return cls(lufs, peak)


@dataclass(frozen=True)
class AudioSettings:
    """How an episode's enclosure is rendered; part of the build cache key."""

    target: LoudnessTarget = field(default_factory=LoudnessTarget)
    format: str = "mp3"
    bitrate: str = "128k"  # stereo output
    mono_bitrate: str = "64k"  # mono output (speech podcasts)
    sample_rate: int = 44100
    channels: str = "auto"  # auto: mono stays mono, everything else becomes stereo
    intro: Path | None = None  # jingles joined to every episode with a crossfade
    outro: Path | None = None
    crossfade_s: float = 0.5
    trim_silence: bool = False  # cut leading/trailing silence of each episode
    silence_threshold_db: float = -50.0
    alternates: tuple[str, ...] = ()  # extra encodings, as podcast:alternateEnclosure
    leveler: bool = False  # level speakers toward a common loudness (audio/leveler.py)

    @property
    def builds_program(self) -> bool:
        """Whether episodes get jingles or trimming before they are normalized."""
        return bool(self.intro or self.outro or self.trim_silence)


def read_audio_settings(f: Fields, root: Path) -> AudioSettings:
    f.check_unknown(AUDIO_KEYS)
    preset = LoudnessTarget.preset(f.choice("preset", PRESETS.keys(), "apple"))
    target = LoudnessTarget(
        f.number("target_lufs", preset.integrated_lufs, -40.0, -5.0),
        f.number("true_peak_dbtp", preset.true_peak_dbtp, -9.0, 0.0),
    )
    settings = AudioSettings(
        target=target,
        format=f.choice("format", set(FORMATS), "mp3"),
        bitrate=_bitrate(f, "bitrate", "128k"),
        mono_bitrate=_bitrate(f, "mono_bitrate", "64k"),
        sample_rate=_sample_rate(f),
        channels=f.choice("channels", {"auto", "mono", "stereo"}, "auto"),
        intro=_jingle(f, root, "intro"),
        outro=_jingle(f, root, "outro"),
        crossfade_s=f.number("crossfade_s", 0.5, 0.0, 10.0),
        trim_silence=f.boolean("trim_silence", False),
        silence_threshold_db=f.number("silence_threshold_db", -50.0, -90.0, -20.0),
        alternates=_alternates(f),
        leveler=f.boolean("leveler", False),
    )
    _check_mp3_bitrates(f, settings)
    return settings


def _check_mp3_bitrates(f: Fields, settings: AudioSettings) -> None:
    if "mp3" not in (settings.format, *settings.alternates):
        return
    version = "mpeg1" if settings.sample_rate >= 32000 else "mpeg2"
    allowed = MP3_KBPS[version]
    for key in ("bitrate", "mono_bitrate"):
        kbps = int(getattr(settings, key).removesuffix("k"))
        if key in f.data and kbps not in allowed:
            f.fail(
                key,
                f"{kbps}k is not an MP3 bit rate at {settings.sample_rate} Hz; "
                f"choose one of {', '.join(f'{k}k' for k in allowed)}",
            )


def _alternates(f: Fields) -> tuple[str, ...]:
    value = f.data.get("alternates", [])
    main = f.data.get("format", "mp3")
    if not isinstance(value, list) or any(v not in FORMATS or v == main for v in value):
        f.fail("alternates", f'{describe(value)}: list formats other than {main!r}, e.g. ["m4a"]')
        return ()
    return tuple(dict.fromkeys(value))


def _sample_rate(f: Fields) -> int:
    rate = f.integer("sample_rate", 44100, 8000, 48000) or 44100
    if rate not in SAMPLE_RATES:
        f.fail(
            "sample_rate",
            f"{rate} is not allowed; choose one of {', '.join(map(str, SAMPLE_RATES))}",
        )
        return 44100
    return rate


def _jingle(f: Fields, root: Path, key: str) -> Path | None:
    name = f.text(key)
    if name is None:
        return None
    if not (root / name).is_file():
        f.fail(key, f"file {name!r} not found next to {f.where}")
        return None
    return root / name


def _bitrate(f: Fields, key: str, default: str) -> str:
    value = f.text(key, default) or default
    match = BITRATE.match(value)
    if not match:
        f.fail(key, f"{value!r} is not a bitrate such as '128k'")
        return default
    if not MIN_KBPS <= int(match[1]) <= MAX_KBPS:
        f.fail(key, f"{value!r} is out of range; the encoders take {MIN_KBPS}k to {MAX_KBPS}k")
        return default
    return value
