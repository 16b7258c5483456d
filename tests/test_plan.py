"""`podpub plan` and `publish --dry-run`: what would happen, and nothing changed anywhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import edit, podpub, snapshot

VOUS, ISOLEMENT = "2012-04-26-vous", "2012-04-25-isolement"
VOUS_TITLE = "Essentiel dans les réseaux sociaux : VOUS !"


def plan(show: Path, *args: str) -> tuple[int, dict[str, object]]:
    before = snapshot(show)
    code, out, _ = podpub(show, "plan", "--json", *args)
    assert snapshot(show) == before  # a plan changes nothing, not even the build folder
    return code, json.loads(out)


def test_an_unchanged_show_plans_nothing(live: Path) -> None:
    code, found = plan(live)
    assert code == 0
    assert all(e["render"] == "reuse the build cache" for e in found["episodes"])  # type: ignore[attr-defined,index]
    actions = {a for e in found["episodes"] for a in e["objects"].values()}  # type: ignore[attr-defined,index]
    assert actions == {"skip (unchanged)"}
    assert found["added"] == found["removed"] == found["refused"] == [] and found["changed"] == {}


def test_an_edited_title_shows_the_upload_and_the_field_diff(live: Path) -> None:
    md = live / "episodes" / VOUS / "episode.md"
    md.write_text(md.read_text().replace(f'title: "{VOUS_TITLE}"', 'title: "VOUS, l’essentiel"'))
    code, found = plan(live)
    assert code == 0
    vous = next(e for e in found["episodes"] if e["slug"] == VOUS)  # type: ignore[attr-defined,index]
    assert [a for k, a in vous["objects"].items() if k.endswith(".mp3")] == ["upload (changed)"]
    changes = found["changed"]["VOUS, l’essentiel"]  # type: ignore[index]
    assert f"title: '{VOUS_TITLE}' → 'VOUS, l’essentiel'" in changes


def test_a_new_episode_is_added_and_a_drafted_one_refused(live: Path) -> None:
    new = live / "episodes" / "2012-04-27-nouveau"
    shutil.copytree(live / "episodes" / VOUS, new)
    (new / "published.json").unlink()
    edit(new / "episode.md", "guid: 8b1d5e43", "guid: 0b1d5e43")
    edit(new / "episode.md", f'title: "{VOUS_TITLE}"', 'title: "Nouveau"')
    edit(new / "episode.md", "number: 26", "number: 27")
    md = live / "episodes" / ISOLEMENT / "episode.md"
    edit(md, "number: 25\n", "number: 25\ndraft: true\n")
    code, found = plan(live)
    assert code == 1
    assert found["added"] == ["Nouveau"]
    assert found["removed"] == ["Enjeux des réseaux sociaux : l’isolement"]
    assert "would disappear from listeners' apps" in found["refused"][0]  # type: ignore[index]


def test_an_episode_without_a_render_says_why(live: Path) -> None:
    shutil.rmtree(live / ".podpub")
    code, found = plan(live)
    assert code == 0  # a fresh machine: storage holds the published audio
    assert {e["render"] for e in found["episodes"]} == {  # type: ignore[attr-defined,index]
        "reuse the stored audio (nothing to render)"
    }
    for path in (live / "public").glob("*.mp3"):
        path.unlink()
    code, found = plan(live)
    assert {e["render"][:16] for e in found["episodes"]} == {"render (neither "}  # type: ignore[attr-defined,index]


def test_publish_dry_run_prints_the_same_plan(live: Path) -> None:
    md = live / "episodes" / VOUS / "episode.md"
    md.write_text(md.read_text().replace(f'title: "{VOUS_TITLE}"', 'title: "VOUS, l’essentiel"'))
    before = snapshot(live)
    code, out, _ = podpub(live, "publish", "--dry-run")
    assert code == 0 and snapshot(live) == before
    assert out == podpub(live, "plan")[1]
    assert "upload (changed): 2012-04-26-vous-" in out and "feed ~ VOUS, l’essentiel: title:" in out


def test_a_plan_for_a_show_never_published_creates_nothing(show: Path) -> None:
    code, found = plan(show)  # plan() asserts that no file appeared or changed
    assert code == 0 and not (show / "public").exists()
    # (with another ffmpeg than the demo's, the reason also says the bytes will differ)
    assert {e["render"][:16] for e in found["episodes"]} == {"render (neither "}  # type: ignore[attr-defined,index]
