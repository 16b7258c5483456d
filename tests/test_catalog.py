"""What the storage target says it holds, against what a checkout knows: stale checkouts,
removals, pages of episodes a checkout lacks, and snapshots damaged by hand."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import edit, podpub, snapshot

VOUS, ISOLEMENT = "2012-04-26-vous", "2012-04-25-isolement"
ISOLEMENT_GUID = "3f6c2a0e-8d1b-4c57-9a7e-25a04b1e2012"


def clone(show: Path, name: str) -> Path:
    """Another checkout of the same show (its records included, as git shares them), both
    publishing to one folder: the storage URL made absolute, so that both name one target."""
    if 'url = "file://public"' in (show / "podcast.toml").read_text():
        edit(show / "podcast.toml", 'url = "file://public"', f'url = "file://{show / "public"}"')
        assert podpub(show, "publish")[0] == 0  # the records now name that target
    other = show.parent / name
    shutil.copytree(show, other, ignore=shutil.ignore_patterns("public"))
    return other


def test_a_stale_checkout_cannot_undo_another_hosts_edit_of_the_notes(live: Path) -> None:
    stale = clone(live, "stale")
    edit(live / "episodes" / VOUS / "episode.md", "Dans les réseaux sociaux", "Sur les réseaux")
    assert podpub(live, "publish")[0] == 0
    before = snapshot(live / "public")
    code, _, err = podpub(stale, "publish")
    assert code == 1 and f"{VOUS}/published.json: says {VOUS} was published as" in err, err
    assert "Update this checkout (git pull)" in err
    assert snapshot(live / "public") == before
    assert "Sur les réseaux" in (live / "public" / "feed.xml").read_text()


def test_allowing_the_removal_of_an_episode_that_stays_leaves_no_tombstone(live: Path) -> None:
    code, out, err = podpub(live, "publish", "--allow-removal", ISOLEMENT_GUID, "--json")
    assert code == 0, err
    records = next(s for s in json.loads(out)["steps"] if s["name"] == "records")
    assert not [line for line in records["done"] if "tombstone" in line]
    assert podpub(live, "publish")[0] == 0  # and nothing stands in the next run's way


def test_a_checkout_leaves_the_pages_of_episodes_it_lacks_to_their_own(live: Path) -> None:
    partial = clone(live, "partial")
    shutil.rmtree(partial / "episodes" / ISOLEMENT)
    code, out, err = podpub(partial, "plan", "--json")
    assert code == 0, err
    site = next(s for s in json.loads(out)["steps"] if s["name"] == "site")
    assert not [a for a in site["actions"] if f"episodes/{ISOLEMENT}/" in a]
    page = live / "public" / "episodes" / ISOLEMENT / "index.html"
    before = page.read_bytes()
    assert podpub(partial, "publish")[0] == 0
    assert page.read_bytes() == before  # its transcript and artwork, as its owner made it
    assert ISOLEMENT in (live / "public" / "index.html").read_text()  # still listed


@pytest.mark.parametrize(
    ("change", "value"),
    [
        (("episode", "date"), "2012-04-25T08:00:00"),  # no time zone
        (("episode", "number"), "x"),
        (("episode", "chapters"), [{"start": "x", "title": "t", "url": None, "image": None}]),
        (("episode", "title"), "bell \u0007"),
        (("episode", "type"), "weird"),
        (("record", "duration_s"), "x"),
        (("slug",), "../../escape"),
    ],
)
def test_a_damaged_snapshot_is_named_not_a_crash(
    live: Path, change: tuple[str, ...], value: object
) -> None:
    path = live / "public" / ".podpub" / "records" / f"{ISOLEMENT}.json"
    document = json.loads(path.read_text())
    target = document
    for key in change[:-1]:
        target = target[key]
    target[change[-1]] = value
    path.write_text(json.dumps(document))
    code, _, err = podpub(live, "plan")
    assert code == 1 and f"{ISOLEMENT}.json: is not a podpub snapshot" in err, err
    assert "internal error" not in err and "Traceback" not in err
