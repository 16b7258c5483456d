"""Load and validate podcast.toml into frozen settings."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from podpub.errors import ConfigError, Problems
from podpub.show.audio_settings import AudioSettings, read_audio_settings
from podpub.show.feed_settings import (
    FeedSettings,
    PodcastSettings,
    read_feed_settings,
    read_podcast_settings,
)
from podpub.show.fields import Fields, check_feedable
from podpub.show.notify_settings import NotifySettings, read_notify_settings
from podpub.show.site_settings import SiteSettings, read_site_settings
from podpub.standards.apple import SHOW_TYPES, category_problem
from podpub.standards.language import is_language
from podpub.standards.text import url_problem

DEFAULT_STORAGE = "file://public"
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")  # S3's bucket naming rules


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
    site: SiteSettings = field(default_factory=SiteSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)

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
            if problem := storage_url_problem(storage):
                raise ConfigError.at("--storage", problem)
            settings = replace(settings, url=storage)
        if base_url:
            if problem := url_problem(base_url):
                raise ConfigError.at("--base-url", problem)
            settings = replace(settings, public_base_url=base_url.rstrip("/") + "/")
        return replace(self, storage=settings)


def public_url(base_url: str, key: str) -> str:
    return base_url.rstrip("/") + "/" + key


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` → (bucket, prefix without slashes at either end)."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/")


def storage_url_problem(url: str) -> str | None:
    if url.startswith("file://"):
        return None if url.removeprefix("file://") else f"{url!r} names no folder: file://FOLDER"
    if url.startswith("s3://"):
        bucket, _ = parse_s3_url(url)
        if not BUCKET.match(bucket):
            return f"{bucket!r} is not a valid bucket name (3–63 of a-z 0-9 . -)"
        return None
    return f"{url!r} is not a storage URL; use file://FOLDER or s3://BUCKET/PREFIX"


def load_config(path: Path) -> Config:
    """Read and validate podcast.toml; every problem is reported at once."""
    raw = _read_raw(path)
    data = _parse_toml(path, raw)
    problems = Problems()
    check_feedable(data, str(path), problems, lambda _, code: _escape_line(raw, code))
    top = Fields(data, str(path), problems)
    top.check_unknown({"show", "storage", "audio", "podcast", "feed", "site", "notify"})
    show = _read_show(top.table("show"), path.parent)
    storage = _read_storage(top.table("storage"))
    audio = read_audio_settings(top.table("audio"), path.parent)
    podcast = read_podcast_settings(top.table("podcast"))
    feed = read_feed_settings(top.table("feed"))
    site = read_site_settings(top.table("site"), path.parent)
    notify = read_notify_settings(top.table("notify"))
    problems.raise_as(ConfigError)
    assert show is not None
    return Config(path, show, storage, audio, podcast, feed, site, notify)


def _read_raw(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError.at(
            path, "not found; run podpub from the show's folder or pass --config"
        ) from None
    except OSError as exc:
        raise ConfigError.at(path, f"cannot be read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError.at(path, "is not UTF-8 text") from exc


def _parse_toml(path: Path, raw: str) -> dict[str, Any]:
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError.at(path, f"is not valid TOML: {exc}") from exc


def _escape_line(raw: str, code: str) -> int | None:
    """The line of the escape that wrote a character XML cannot carry (TOML refuses the
    character itself, so only an escape such as \\u0007 or \\b can have put it there)."""
    value = int(code.removeprefix("U+"), 16)
    short = {8: r"\b", 12: r"\f", 0x1B: r"\e"}.get(value)
    forms = [f"\\u{value:04x}", f"\\U{value:08x}", *([short] if short else [])]
    for number, line in enumerate(raw.splitlines(), start=1):
        if any(form.lower() in line.lower() for form in forms):
            return number
    return None


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


def _read_show(f: Fields, root: Path) -> Show | None:
    f.check_unknown(SHOW_KEYS)
    owner = f.table("owner")
    owner.check_unknown({"name", "email"})
    language = f.text("language", required=True)
    if language and not is_language(language):
        f.fail("language", f"{language!r} is not an ISO 639 language code such as 'fr' or 'en-US'")
    link = f.url("link", required=True)
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
        "type": f.choice("type", SHOW_TYPES, "episodic"),
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
    base = f.url("public_base_url", required=True) or ""
    endpoint = f.url("endpoint_url")
    url = f.text("url", DEFAULT_STORAGE) or DEFAULT_STORAGE
    if problem := storage_url_problem(url):
        f.fail("url", problem)
    return StorageSettings(
        url=url,
        public_base_url=base.rstrip("/") + "/",
        feed_key=f.text("feed_key", "feed.xml") or "feed.xml",
        endpoint_url=endpoint,
        region=f.text("region"),
        profile=f.text("profile"),
        addressing_style=f.choice("addressing_style", {"auto", "path", "virtual"}, "auto"),
        checksum=f.choice("checksum", {"when_supported", "when_required"}, "when_supported"),
        acl=f.choice("acl", {"private", "public-read"}, "") or None,
    )
