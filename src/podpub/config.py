"""Load and validate podcast.toml into frozen settings."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import langcodes

from podpub.apple import category_problem
from podpub.errors import ConfigError, Problems
from podpub.feed_settings import (
    FeedSettings,
    PodcastSettings,
    read_feed_settings,
    read_podcast_settings,
)
from podpub.fields import Fields, describe

PRESETS: dict[str, tuple[float, float]] = {
    "apple": (-16.0, -1.0),
    "spotify": (-14.0, -1.0),
    "speech": (-18.0, -1.0),  # AES TD1008
    "ebu-r128": (-23.0, -1.0),
}
DEFAULT_STORAGE = "file://public"
BITRATE = re.compile(r"^\d{2,3}k$")


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

    @property
    def builds_program(self) -> bool:
        """Whether episodes get jingles or trimming before they are normalized."""
        return bool(self.intro or self.outro or self.trim_silence)


@dataclass(frozen=True)
class Owner:
    name: str
    email: str


@dataclass(frozen=True)
class Category:
    name: str
    sub: str | None = None


@dataclass(frozen=True)
class Show:
    title: str
    description: str
    author: str
    owner: Owner
    language: str
    link: str
    image: Path
    categories: tuple[Category, ...]
    explicit: bool = False
    type: str = "episodic"
    copyright: str | None = None


@dataclass(frozen=True)
class StorageSettings:
    """Where objects go. Credentials are never here: boto3's own chain provides them."""

    url: str = DEFAULT_STORAGE
    public_base_url: str = ""
    feed_key: str = "feed.xml"
    endpoint_url: str | None = None  # None: boto3 default, or AWS_ENDPOINT_URL(_S3)
    region: str | None = None
    profile: str | None = None
    addressing_style: str = "auto"
    checksum: str = "when_supported"  # "when_required" for B2, older R2 and MinIO
    acl: str | None = None  # off by default: BucketOwnerEnforced buckets reject ACLs


@dataclass(frozen=True)
class Config:
    path: Path
    show: Show
    storage: StorageSettings
    audio: AudioSettings
    podcast: PodcastSettings = field(default_factory=PodcastSettings)
    feed: FeedSettings = field(default_factory=FeedSettings)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def episodes_dir(self) -> Path:
        return self.root / "episodes"

    @property
    def build_dir(self) -> Path:
        return self.root / ".podpub" / "build"

    @property
    def feed_url(self) -> str:
        return public_url(self.storage.public_base_url, self.storage.feed_key)

    def with_overrides(self, storage: str | None, base_url: str | None) -> Config:
        """Apply command-line/environment overrides of the storage target and public URL."""
        settings = self.storage
        if storage:
            settings = replace(settings, url=storage)
        if base_url:
            settings = replace(settings, public_base_url=base_url.rstrip("/") + "/")
        return replace(self, storage=settings)


def public_url(base_url: str, key: str) -> str:
    return base_url.rstrip("/") + "/" + key


def load_config(path: Path) -> Config:
    """Read and validate podcast.toml; every problem is reported at once."""
    data = _read_toml(path)
    problems = Problems()
    top = Fields(data, str(path), problems)
    top.check_unknown({"show", "storage", "audio", "podcast", "feed"})
    show = _read_show(top.table("show"), path.parent)
    storage = _read_storage(top.table("storage"))
    audio = read_audio_settings(top.table("audio"), path.parent)
    podcast = read_podcast_settings(top.table("podcast"))
    feed = read_feed_settings(top.table("feed"))
    problems.raise_as(ConfigError)
    assert show is not None
    return Config(path, show, storage, audio, podcast, feed)


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError.at(
            path, "not found; run podpub from the show's folder or pass --config"
        ) from None
    except OSError as exc:
        raise ConfigError.at(path, f"cannot be read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError.at(path, "is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError.at(path, f"is not valid TOML: {exc}") from exc


SHOW_KEYS = {
    "title",
    "description",
    "author",
    "owner",
    "language",
    "link",
    "image",
    "categories",
    "explicit",
    "type",
    "copyright",
}


def is_language(tag: str) -> bool:
    """A well-formed BCP 47 tag whose language is a real ISO 639 code (fr, en-US, pt-BR)."""
    try:
        return langcodes.tag_is_valid(tag) and bool(langcodes.Language.get(tag).to_alpha3())
    except (LookupError, ValueError):
        return False


def id3_language(tag: str) -> str:
    """ISO 639-2 code for ID3 COMM/USLT frames ('fr' → 'fra'); 'und' when unknown."""
    try:
        return str(langcodes.Language.get(tag).to_alpha3())
    except (LookupError, ValueError):
        return "und"


def _read_show(f: Fields, root: Path) -> Show | None:
    f.check_unknown(SHOW_KEYS)
    owner = f.table("owner")
    owner.check_unknown({"name", "email"})
    language = f.text("language", required=True)
    if language and not is_language(language):
        f.fail("language", f"{language!r} is not an ISO 639 language code such as 'fr' or 'en-US'")
    link = f.text("link", required=True)
    if link and not link.startswith(("http://", "https://")):
        f.fail("link", f"{link!r} is not an http(s) URL")
    image = f.text("image", required=True)
    if image and not (root / image).is_file():
        f.fail("image", f"file {image!r} not found next to {f.where}")
    values = {
        "title": f.text("title", required=True),
        "description": f.text("description", required=True),
        "author": f.text("author", required=True),
        "owner": Owner(
            owner.text("name", required=True) or "", owner.text("email", required=True) or ""
        ),
        "language": language,
        "link": link,
        "image": root / (image or ""),
        "categories": _read_categories(f),
        "explicit": f.boolean("explicit", False),
        "type": f.choice("type", {"episodic", "serial"}, "episodic"),
        "copyright": f.text("copyright"),
    }
    if f.problems:
        return None
    return Show(**values)  # type: ignore[arg-type]


def _read_categories(f: Fields) -> tuple[Category, ...]:
    value = f.data.get("categories")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        f.fail(
            "categories",
            'expected a list such as ["Technology", "Society & Culture/Relationships"]',
        )
        return ()
    categories = []
    for text in value:
        name, _, sub = text.partition("/")
        category = Category(name.strip(), sub.strip() or None)
        problem = category_problem(category.name, category.sub)
        if problem:
            f.fail("categories", problem)
        categories.append(category)
    return tuple(categories)


STORAGE_KEYS = {
    "url",
    "public_base_url",
    "feed_key",
    "endpoint_url",
    "region",
    "profile",
    "addressing_style",
    "checksum",
    "acl",
}
SECRET_KEYS = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}


def _read_storage(f: Fields) -> StorageSettings:
    for key in SECRET_KEYS & set(f.data):
        f.fail(
            key, "credentials never belong in podcast.toml: use AWS_PROFILE or the AWS_* variables"
        )
    f.check_unknown(STORAGE_KEYS, handled=SECRET_KEYS)
    base = f.text("public_base_url", required=True) or ""
    if base and not base.startswith(("http://", "https://")):
        f.fail("public_base_url", f"{base!r} is not an http(s) URL")
    endpoint = f.text("endpoint_url")
    if endpoint and not endpoint.startswith(("http://", "https://")):
        f.fail("endpoint_url", f"{endpoint!r} is not an http(s) URL")
    return StorageSettings(
        url=f.text("url", DEFAULT_STORAGE) or DEFAULT_STORAGE,
        public_base_url=base.rstrip("/") + "/",
        feed_key=f.text("feed_key", "feed.xml") or "feed.xml",
        endpoint_url=endpoint,
        region=f.text("region"),
        profile=f.text("profile"),
        addressing_style=f.choice("addressing_style", {"auto", "path", "virtual"}, "auto"),
        checksum=f.choice("checksum", {"when_supported", "when_required"}, "when_supported"),
        acl=f.choice("acl", {"private", "public-read"}, "") or None,
    )


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
}


def read_audio_settings(f: Fields, root: Path) -> AudioSettings:
    f.check_unknown(AUDIO_KEYS)
    preset = LoudnessTarget.preset(f.choice("preset", PRESETS.keys(), "apple"))
    target = LoudnessTarget(
        f.number("target_lufs", preset.integrated_lufs, -40.0, -5.0),
        f.number("true_peak_dbtp", preset.true_peak_dbtp, -9.0, 0.0),
    )
    return AudioSettings(
        target=target,
        format=f.choice("format", {"mp3", "m4a"}, "mp3"),
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
    )


FORMATS = ("mp3", "m4a")


def _alternates(f: Fields) -> tuple[str, ...]:
    value = f.data.get("alternates", [])
    main = f.data.get("format", "mp3")
    if not isinstance(value, list) or any(v not in FORMATS or v == main for v in value):
        f.fail("alternates", f'{describe(value)}: list formats other than {main!r}, e.g. ["m4a"]')
        return ()
    return tuple(dict.fromkeys(value))


# MP3 and AAC rates whose 20 ms measuring blocks hold a whole number of samples.
SAMPLE_RATES = (16000, 22050, 24000, 32000, 44100, 48000)


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
    if not BITRATE.match(value):
        f.fail(key, f"{value!r} is not a bitrate such as '128k'")
        return default
    return value
