"""The one pipeline: what `publish` would refuse, `check` refuses too, before anything is
written; `plan --json` and `publish --json` list the same steps, from the same plan."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from podpub.publishing import pipeline
from podpub.publishing.plan import Plan
from podpub.publishing.steps import Run
from tests.conftest import edit, make_audio, podpub, snapshot

VOUS = "2012-04-26-vous"
NEW = "2012-04-27-nouveau"
Breaker = Callable[[Path], None]


def add_episode(show: Path, slug: str, front: str = "", audio: str | None = None) -> Path:
    """A new episode (no GUID, no record yet): the demo's audio unless `audio` is a lavfi source."""
    folder = show / "episodes" / slug
    folder.mkdir()
    if audio is None:
        shutil.copy(show / "episodes" / VOUS / "audio.flac", folder / "audio.flac")
    else:
        make_audio(folder / "audio.flac", audio, 4.0)
    text = f'---\ntitle: "Nouvel épisode {slug[-2:]}"\ndate: 2012-04-27T08:00:00+02:00\n{front}---\n\nNotes.\n'
    (folder / "episode.md").write_text(text, encoding="utf-8")
    return folder


def front(text: str) -> Breaker:
    return lambda show: add_episode(show, NEW, text)


def chapters_file(show: Path) -> None:
    folder = add_episode(show, NEW)
    (folder / "chapters.txt").write_text("00:00:00 Début\n00:00:05 Suite\x01\n", encoding="utf-8")


def serial(show: Path) -> None:
    add_episode(show, NEW)
    edit(show / "podcast.toml", 'type = "episodic"', 'type = "serial"')


def funding_control(show: Path) -> None:
    add_episode(show, NEW)
    edit(show / "podcast.toml", 'text = "Soutenir', 'text = "\\u0007Soutenir')


def with_a_silent_one(show: Path) -> None:
    add_episode(show, NEW)  # a good new episode…
    add_episode(show, "2012-04-28-silence", audio="anullsrc=r=44100:cl=mono")  # …and a silent one


LONG = "x" * 129
# (name, breaker, what the error must name: the file, then the field and the fault)
REFUSED: list[tuple[str, Breaker, str, str]] = [
    (
        "person name over 128 characters",
        front(f"persons:\n  - name: {LONG}\n"),
        f"{NEW}/episode.md: persons:",
        "maxLength",
    ),
    (
        "soundbite title over 128 characters",
        front(f"soundbites:\n  - {{start: 1, duration: 2, title: {LONG}}}\n"),
        f"{NEW}/episode.md: soundbites:",
        "maxLength",
    ),
    (
        "serial show with an episode without a number",
        serial,
        f"{NEW}/episode.md: number:",
        "a serial show (itunes:type serial) numbers every episode",
    ),
    (
        "control character in a funding text",
        funding_control,
        "podcast.toml: podcast.funding[1].text:",
        "contains the character U+0007 (line 33), which no feed can carry",
    ),
    ("control character in chapters.txt", chapters_file, f"{NEW}/chapters.txt:2:", "U+0001"),
    (
        "control character in a YAML chapter title",
        front('chapters:\n  - {start: 0, title: "Début\\u0007"}\n'),
        f"{NEW}/episode.md: chapters[1].title:",
        "line 5 contains the character U+0007",
    ),
    (
        "U+FFFF in a summary",
        front('summary: "Résumé \\uFFFF"\n'),
        f"{NEW}/episode.md: summary:",
        "line 4 contains the character U+FFFF",
    ),
    (
        "a silent episode beside a good new one",
        with_a_silent_one,
        "2012-04-28-silence/audio.flac:",
        "is silent",
    ),
]


@pytest.mark.parametrize(
    ("name", "breaker", "where", "fault"), REFUSED, ids=[c[0] for c in REFUSED]
)
def test_check_and_publish_refuse_before_any_write(
    show: Path, name: str, breaker: Breaker, where: str, fault: str
) -> None:
    breaker(show)
    before = snapshot(show)
    code, _, err = podpub(show, "check")
    assert code == 1 and where in err and fault in err, err
    assert "internal error" not in err
    code, _, err = podpub(show, "publish")
    assert code == 1 and where in err and fault in err, err
    assert snapshot(show) == before  # no guid added, no published.json, no temp file
    assert not (show / "public").exists()  # nothing stored


def test_a_good_new_episode_publishes(show: Path) -> None:
    """The control for the cases above: the same new episode, unbroken, goes through."""
    folder = add_episode(show, NEW)
    code, out, err = podpub(show, "publish", "--json")
    assert code == 0, err
    assert NEW in json.loads(out)["episodes"]
    assert (folder / "published.json").is_file() and "guid:" in (folder / "episode.md").read_text()


class Announce:
    """A step added to the pipeline for the test: it says what it will do and does it."""

    name = "announce"

    def actions(self, plan: Plan) -> list[str]:
        return [f"announce {e.slug}" for e in plan.episodes]

    def run(self, run: Run) -> list[str]:
        return [f"announced {e.slug}" for e in run.plan.episodes]


def test_a_step_added_to_the_pipeline_shows_in_plan_and_publish(
    cached_show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [step.name for step in pipeline.STEPS]
    monkeypatch.setattr(pipeline, "STEPS", (*pipeline.STEPS, Announce()))
    code, out, _ = podpub(cached_show, "plan", "--json")
    planned = {s["name"]: s["actions"] for s in json.loads(out)["steps"]}
    assert code == 0 and planned["announce"] == [f"announce {s}" for s in sorted(planned_slugs())]
    code, out, _ = podpub(cached_show, "publish", "--json")
    steps = {s["name"]: s for s in json.loads(out)["steps"]}
    assert code == 0 and list(steps) == [*names, "announce"]
    assert steps["announce"]["actions"] == planned["announce"]
    assert steps["announce"]["done"] == [f"announced {s}" for s in sorted(planned_slugs())]
    code, out, _ = podpub(cached_show, "plan")
    assert "steps: render, stage, upload, records, feed, site, notify, announce" in out


def planned_slugs() -> list[str]:
    return ["2012-04-25-isolement", VOUS]
