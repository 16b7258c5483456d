"""A new show, as `podpub init` (and the first `podpub import`) writes it: podcast.toml, an
episodes/ folder, a .gitignore for the build cache and a CI workflow. Every answer is checked
on its own, so that a prompt can ask again at once and a flag can be refused by name."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from podpub.errors import ConfigError, Problems
from podpub.files import write_atomic
from podpub.show.artwork import check_artwork, image_facts
from podpub.show.config import DEFAULT_STORAGE, storage_url_problem
from podpub.show.episodes import discover
from podpub.standards.apple import (
    ARTWORK_MAX_SIDE,
    ARTWORK_MIN_SIDE,
    CATEGORIES,
    SHOW_TYPES,
    category_problem,
)
from podpub.standards.language import is_language
from podpub.standards.text import not_xml_character, url_problem

CONFIG_FILE = "podcast.toml"
WORKFLOW_FILE = Path(".github") / "workflows" / "podcast.yml"
IGNORED = (".podpub/",)  # the build cache: rendered audio, never committed
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
COVER_NEEDED = (
    f"square RGB JPEG or PNG, {ARTWORK_MIN_SIDE}–{ARTWORK_MAX_SIDE} px on a side, "
    "named as its format (cover.jpg or cover.png)"
)

# The workflow the README shows (a test keeps the two the same): publish on every push, and
# hourly, so that scheduled episodes go out on their date.
WORKFLOW = """\
name: podcast
on:
  push: { branches: [main] }
  schedule: [{ cron: "0 * * * *" }]      # hourly: release what has come due
jobs:
  publish:
    runs-on: ubuntu-latest
    env:                                 # boto3's standard chain; never in podcast.toml
      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}
      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: { python-version: "3.12" }
      - uses: actions/cache@v4             # the build cache: nothing is encoded twice
        with: { path: .podpub/build, key: podpub-${{ hashFiles('episodes/**', 'podcast.toml') }}, restore-keys: podpub- }
      - run: pip install podpub            # or: pip install .
      - run: podpub lint && podpub plan
      - run: podpub feed --upload --json
      - run: git diff --quiet || (git add episodes podcast.toml && git commit -m "podpub: records" && git push)
"""


@dataclass(frozen=True)
class ShowAnswers:
    """What a new show must say about itself; the rest of podcast.toml has defaults."""

    title: str
    author: str
    email: str
    language: str
    categories: tuple[str, ...]  # "Category" or "Category/Sub", from Apple's list
    base_url: str  # storage.public_base_url: where listeners fetch the files
    description: str = ""  # default: the title
    owner_name: str = ""  # default: the author
    link: str = ""  # the show's web page; default: the base URL
    explicit: bool = False
    type: str = "episodic"
    storage: str = DEFAULT_STORAGE
    image: str = "cover.jpg"
    copyright: str | None = None


def text_problem(text: str) -> str | None:
    if not text.strip():
        return "cannot be empty"
    if code := not_xml_character(text):
        return f"contains the character {code}, which no feed can carry"
    return None


def email_problem(text: str) -> str | None:
    """Apple writes to the owner's address to verify the show: it must look like one."""
    if not EMAIL.match(text.strip()):
        return f"{text!r} is not an email address such as podcast@example.org"
    return None


def language_problem(text: str) -> str | None:
    if not is_language(text.strip()):
        return f"{text!r} is not an ISO 639 language code such as 'fr', 'en' or 'en-US'"
    return None


def split_categories(text: str) -> tuple[str, ...]:
    """'Technology, Society & Culture/Relationships' → the two categories."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def categories_problem(text: str) -> str | None:
    categories = split_categories(text)
    if not categories:
        return "name at least one Apple Podcasts category, e.g. Technology"
    for category in categories:
        name, _, sub = category.partition("/")
        if problem := category_problem(name.strip(), sub.strip() or None):
            return problem
    return None


def type_problem(text: str) -> str | None:
    return None if text in SHOW_TYPES else f"{text!r}: choose {' or '.join(SHOW_TYPES)}"


def category_list() -> str:
    """Apple's categories, one line each with its subcategories, for a host who asks."""
    return "\n".join(
        f"{name}: {', '.join(subs)}" if subs else name for name, subs in CATEGORIES.items()
    )


# Each answer's check, by the ShowAnswers field it is for (None: nothing to say).
CHECKS: dict[str, Callable[[str], str | None]] = {
    "title": text_problem,
    "author": text_problem,
    "owner_name": text_problem,
    "description": text_problem,
    "email": email_problem,
    "language": language_problem,
    "categories": categories_problem,
    "base_url": url_problem,
    "link": url_problem,
    "storage": storage_url_problem,
    "type": type_problem,
}


def cover_problems(path: Path) -> list[str]:
    """Why a picture cannot be the show's cover (Apple's rules), or nothing."""
    problems = Problems()
    check_artwork(path, str(path), problems)
    return [p.message for p in problems.items]


def podcast_toml(
    answers: ShowAnswers,
    podcast: Mapping[str, Any] | None = None,
    feed: Mapping[str, Any] | None = None,
) -> str:
    """podcast.toml for a new show, commented as the demo's is (tomlkit quotes every value)."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment("The show. Every key is documented in podpub's README."))
    doc.add(tomlkit.nl())
    doc["show"] = _show_table(answers)
    storage = tomlkit.table()
    storage["url"] = _noted(answers.storage, "or s3://bucket/prefix")
    storage["public_base_url"] = _noted(answers.base_url, "where the stored files are served")
    doc["storage"] = storage
    audio = tomlkit.table()
    audio["preset"] = _noted("apple", "−16 LUFS / −1 dBTP; or spotify, speech, ebu-r128")
    doc["audio"] = audio
    if podcast:
        doc["podcast"] = _table(podcast)
    if feed:
        doc["feed"] = _table(feed)
    return tomlkit.dumps(doc)


def _show_table(answers: ShowAnswers) -> Any:
    show = tomlkit.table()
    show["title"] = answers.title
    show["description"] = answers.description or answers.title
    show["author"] = answers.author
    show["language"] = _noted(answers.language, "ISO 639, e.g. fr, en-US")
    show["link"] = answers.link or answers.base_url
    show["image"] = _noted(answers.image, f"{ARTWORK_MIN_SIDE}–{ARTWORK_MAX_SIDE} px, square RGB")
    categories = tomlkit.array()
    categories.extend(answers.categories)
    show["categories"] = _noted(categories, 'Apple\'s categories, "Category/Sub"')
    show["explicit"] = answers.explicit
    show["type"] = _noted(
        answers.type, "or serial" if answers.type == "episodic" else "or episodic"
    )
    if answers.copyright:
        show["copyright"] = answers.copyright
    owner = tomlkit.table()
    owner["name"] = answers.owner_name or answers.author
    owner["email"] = _noted(answers.email, "Apple verifies the show with it")
    show["owner"] = owner
    return show


def _noted(value: Any, comment: str) -> Any:
    item = tomlkit.item(value)
    item.comment(comment)
    return item


def _table(values: Mapping[str, Any]) -> Any:
    table = tomlkit.table()
    for key, value in values.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            array = tomlkit.array()
            for entry in value:
                inline = tomlkit.inline_table()
                inline.update(entry)
                array.append(inline)
            table[key] = array.multiline(True)
        else:
            table[key] = value
    return table


def refuse_existing_show(folder: Path) -> None:
    """A show is never overwritten: its GUIDs and records are what listeners' apps hold."""
    found = [folder / CONFIG_FILE] if (folder / CONFIG_FILE).exists() else []
    found += [p / "episode.md" for p in discover(folder / "episodes")]
    if found:
        raise ConfigError.at(
            found[0], "already exists: podpub init never overwrites a show (choose another folder)"
        )


def create_show(folder: Path, answers: ShowAnswers, cover: Path | None = None) -> list[str]:
    """Write the new show into `folder`; what was done (or is still needed), a line each."""
    refuse_existing_show(folder)
    done = []
    if cover is not None:
        answers = _place_cover(folder, cover, answers)
        done.append(f"cover: {answers.image}")
    write_atomic(folder / CONFIG_FILE, podcast_toml(answers).encode())
    done.append(f"wrote {folder / CONFIG_FILE}")
    done += write_scaffolding(folder)
    if not (folder / answers.image).is_file():
        done.append(f"needed: the show's cover as {folder / answers.image}: {COVER_NEEDED}")
    return done


def _place_cover(folder: Path, cover: Path, answers: ShowAnswers) -> ShowAnswers:
    """The picture, copied into the show as cover.jpg or cover.png (named as its content)."""
    fmt = image_facts(cover.read_bytes())[0]
    name = "cover.png" if fmt == "PNG" else "cover.jpg"
    target = folder / name
    if not target.exists() or not target.samefile(cover):
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cover, target)
    return ShowAnswers(**{**answers.__dict__, "image": name})


def write_scaffolding(folder: Path) -> list[str]:
    """episodes/, the .gitignore lines and the CI workflow, each only where it is missing."""
    done = []
    keep = folder / "episodes" / ".gitkeep"
    if not keep.parent.is_dir():
        write_atomic(keep, b"")
        done.append(f"made {keep.parent}/")
    ignore = folder / ".gitignore"
    present = ignore.read_text(encoding="utf-8").splitlines() if ignore.is_file() else []
    missing = [line for line in IGNORED if line not in present]
    if missing:
        text = "\n".join([*present, "# podpub's build cache", *missing]) + "\n"
        write_atomic(ignore, text.lstrip("\n").encode())
        done.append(f"{'added .podpub/ to' if present else 'wrote'} {ignore}")
    workflow = folder / WORKFLOW_FILE
    if not workflow.exists():
        write_atomic(workflow, WORKFLOW.encode())
        done.append(f"wrote {workflow} (set the AWS_* secrets, or change storage)")
    return done
