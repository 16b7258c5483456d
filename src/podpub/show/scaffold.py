"""`podpub new`: a fresh episode folder with front matter and a GUID."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path

import yaml

from podpub.errors import EpisodeError
from podpub.files import write_atomic
from podpub.show.episodes import EPISODE_FILE, new_guid, slug_problem


def slugify(title: str, when: datetime) -> str:
    """'2012-04-26-essentiel-dans-les-reseaux-sociaux-vous' from a French title and its date."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return f"{when:%Y-%m-%d}-{words[:60].rstrip('-')}".rstrip("-")


def new_episode(episodes_dir: Path, title: str, when: datetime, slug: str | None = None) -> Path:
    slug = slug or slugify(title, when)
    if problem := slug_problem(slug):
        raise EpisodeError.at(repr(slug), problem)
    path = episodes_dir / slug / EPISODE_FILE
    if path.exists():
        raise EpisodeError.at(path, "already exists; choose another --slug")
    meta = {"title": title, "date": when.isoformat(), "guid": new_guid(), "draft": True}
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    write_atomic(path, f"---\n{front}---\n\nShow notes in Markdown.\n".encode())
    return path
