"""`podpub init` (flags and prompts, checked as the host answers) and `podpub move` (the
new-feed-url, its checklist, and lint's warning while it points elsewhere)."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

from click.testing import CliRunner

from podpub.cli import main
from podpub.show.newshow import WORKFLOW
from tests.conftest import REPO, podpub

FLAGS = (
    "--title", "Mon émission", "--author", "Moi", "--email", "moi@example.org",
    "--language", "fr", "--category", "Technology", "--category", "Society & Culture/Relationships",
    "--base-url", "https://cdn.example.org/show/",
)  # fmt: skip


def init(folder: Path, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["init", str(folder), *args], input=input)
    return result.exit_code, result.stderr


def test_init_with_flags_gives_a_show_that_checks_and_publishes(tmp_path: Path) -> None:
    show = tmp_path / "show"
    code, err = init(show, *FLAGS, "--image", str(REPO / "cover.jpg"), "--yes")
    assert code == 0, err
    config = tomllib.loads((show / "podcast.toml").read_text())
    assert config["show"]["categories"] == ["Technology", "Society & Culture/Relationships"]
    assert config["show"]["owner"] == {"name": "Moi", "email": "moi@example.org"}
    assert (show / ".gitignore").read_text().splitlines()[-1] == ".podpub/"
    assert (show / ".github/workflows/podcast.yml").read_text() == WORKFLOW
    assert podpub(show, "check")[0] == 0
    code, out, err = podpub(show, "new", "Premier épisode", "--date", "2024-01-01T08:00:00+01:00")
    assert code == 0, err
    episode = Path(out.strip())
    episode.write_text(episode.read_text().replace("draft: true\n", ""))
    shutil.copy(REPO / "episodes/2012-04-25-isolement/audio.flac", episode.parent)
    code, out, err = podpub(show, "publish", "--json")
    assert code == 0, err
    assert json.loads(out)["rendered"] == [episode.parent.name]
    assert (show / "public/feed.xml").is_file()


def test_init_asks_and_checks_each_answer_until_it_is_right(tmp_path: Path) -> None:
    answers = [
        "Titre", "", "Auteur", "",  # title, description (default), author, owner name (default)
        "pas-une-adresse", "moi@example.org", "xx", "fr", "Technologie", "Technology",
        "n", "", "https://cdn.example.org/x/", "", "", str(REPO / "cover.jpg"),
    ]  # fmt: skip
    code, err = init(tmp_path / "show", input="\n".join(answers) + "\n")
    assert code == 0, err
    assert "'pas-une-adresse' is not an email address" in err
    assert "'xx' is not an ISO 639 language code" in err
    assert "did you mean 'Technology'?" in err
    config = tomllib.loads((tmp_path / "show/podcast.toml").read_text())
    assert config["show"]["description"] == "Titre" and config["show"]["language"] == "fr"
    assert config["storage"]["url"] == "file://public"
    assert podpub(tmp_path / "show", "check")[0] == 0


def test_a_missing_required_field_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    flags = [f for f in FLAGS]
    at = flags.index("--email")
    del flags[at : at + 2]
    code, err = init(tmp_path / "show", *flags, "--yes")
    assert code == 2 and "missing --email" in err
    code, err = init(tmp_path / "show", *flags, input="")  # the input ends: the same error
    assert code == 2 and "missing --email" in err
    code, err = init(tmp_path / "show", *FLAGS, "--language", "klingon", "--yes")
    assert code == 2 and "--language" in err
    assert not (tmp_path / "show/podcast.toml").exists()


def test_without_a_cover_init_says_what_is_needed(tmp_path: Path) -> None:
    code, err = init(tmp_path / "show", *FLAGS, "--yes")
    assert code == 0 and "square RGB JPEG or PNG, 1400–3000 px" in err
    code, _, err = podpub(tmp_path / "show", "check")
    assert code == 1 and "show.image" in err


def test_init_never_overwrites_a_show(tmp_path: Path) -> None:
    show = tmp_path / "show"
    assert init(show, *FLAGS, "--yes")[0] == 0
    before = (show / "podcast.toml").read_bytes()
    code, err = init(show, *FLAGS, "--title", "Autre", "--yes")
    assert code == 1 and "never overwrites a show" in err
    assert (show / "podcast.toml").read_bytes() == before


def test_the_workflow_is_the_readmes() -> None:
    readme = (REPO / "README.md").read_text()
    block = re.search(r"```yaml\n# \.github/workflows/podcast\.yml\n(.*?)```", readme, re.S)
    assert block and block.group(1) == WORKFLOW


def test_move_sets_new_feed_url_and_prints_the_checklist(show: Path) -> None:
    before = (show / "podcast.toml").read_text()
    new = "https://podcast.example.org/reseaux/feed.xml"  # the show's own feed URL
    code, out, err = podpub(
        show, "move", new, "--from", "https://anchor.fm/s/123/podcast/rss", "--json"
    )
    assert code == 0, err
    move = json.loads(out)
    assert move["warnings"] == []
    assert any("301" in step and "anchor.fm/s/123" in step for step in move["checklist"])
    assert any("Podcasts Connect" in step for step in move["checklist"])
    after = (show / "podcast.toml").read_text()
    assert f'new_feed_url = "{new}"' in after
    assert after.replace(f'new_feed_url = "{new}"\n', "") == before  # comments and all kept
    code, out, _ = podpub(show, "lint", "--json")
    assert "new-feed-url" not in out


def test_lint_warns_while_new_feed_url_points_elsewhere(show: Path) -> None:
    code, out, err = podpub(show, "move", "https://elsewhere.example.net/feed.xml")
    assert code == 0 and "sends subscribers away" in err and "1. Publish" in out
    code, out, _ = podpub(show, "lint", "--json", "--offline")
    findings = [f for f in json.loads(out)["findings"] if "new-feed-url" in f["where"]]
    assert findings and findings[0]["level"] == "warning"
    assert "elsewhere.example.net" in findings[0]["text"]
