"""Bad show and episode files: one clear message per problem, all at once, exit 1, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from podpub.cli import main
from tests.conftest import edit

VOUS = Path("episodes") / "2012-04-26-vous" / "episode.md"


def run(show: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(show / "podcast.toml"), *args])
    return result.exit_code, result.stdout, result.stderr


def test_demo_show_checks_clean(show: Path) -> None:
    code, out, err = run(show, "check", "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "ok": True,
        "errors": [],
        "warnings": [],
        "episodes": ["2012-04-25-isolement", "2012-04-26-vous"],
    }


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'language = "fr"',
            'language = "French"',
            "show.language: 'French' is not an ISO 639 language code",
        ),
        ('language = "fr"', 'language = "xx"', "show.language: 'xx' is not an ISO 639"),
        ('title = "Réseaux', 'titel = "Réseaux', "show.titel: unknown key; did you mean 'title'?"),
        (
            'type = "episodic"',
            'type = "daily"',
            "show.type: 'daily' is not allowed; choose one of: episodic, serial",
        ),
        ('preset = "apple"', 'preset = "loud"', "audio.preset: 'loud' is not allowed"),
        ('bitrate = "128k"', 'bitrate = "fast"', "audio.bitrate: 'fast' is not a bitrate"),
        ('email = "podcast@example.org"', "", "show.owner.email: is required but missing"),
        (
            'image = "cover.jpg"',
            'image = "missing.jpg"',
            "show.image: file 'missing.jpg' not found",
        ),
        ("[audio]", "[audio]\ntarget_lufs = -3", "audio.target_lufs: -3 is out of range"),
        ("[audio]", '[audio]\nleveler = "yes"', "audio.leveler: expected true or false"),
    ],
)
def test_bad_podcast_toml(show: Path, old: str, new: str, message: str) -> None:
    edit(show / "podcast.toml", old, new)
    code, _, err = run(show, "check")
    assert code == 1
    assert f"error: {show / 'podcast.toml'}: {message}" in err
    assert "Traceback" not in err


def test_podcast_toml_that_is_not_toml(show: Path) -> None:
    (show / "podcast.toml").write_text("[show\ntitle = 1\n")
    code, _, err = run(show, "check")
    assert code == 1 and "podcast.toml: is not valid TOML" in err


def test_missing_podcast_toml(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "check")
    assert code == 1 and "podcast.toml: not found" in err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [  # more in test_bad_inputs.py, run through publish
        (
            "type: full",
            "type: episode",
            "type: 'episode' is not allowed; choose one of: bonus, full, trailer",
        ),
        (
            'start: "00:00:05.952"',
            'start: "5 secondes"',
            "chapters[2].start: '5 secondes' is not a time",
        ),
        ('start: "00:00:18.371"', 'start: "00:00:01"', "does not come after"),
    ],
)
def test_bad_front_matter(show: Path, old: str, new: str, message: str) -> None:
    edit(show / VOUS, old, new)
    code, _, err = run(show, "check")
    assert code == 1, err
    assert str(show / VOUS) in err and message in err


def test_every_problem_is_reported_at_once(show: Path) -> None:
    edit(show / VOUS, "number: 26", "number: -2")
    edit(show / VOUS, "type: full", "type: nope")
    edit(show / "podcast.toml", 'language = "fr"', 'language = "xx_YY"')
    code, _, err = run(show, "check")
    assert code == 1
    assert err.count("error: ") == 3


def test_usage_error_exits_2(show: Path) -> None:
    code, _, err = run(show, "publish", "--no-such-option")
    assert code == 2 and "No such option" in err


def test_version_and_help() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("podpub, version ")
    for command in ("check", "publish", "feed", "new"):
        assert CliRunner().invoke(main, [command, "-h"]).exit_code == 0


def test_new_scaffolds_a_draft_with_a_guid(show: Path) -> None:
    code, out, err = run(
        show, "new", "Le contact : maillon faible !", "--date", "2012-11-05T09:00:00+01:00"
    )
    assert code == 0, err
    path = Path(out.strip())
    assert path == show / "episodes" / "2012-11-05-le-contact-maillon-faible" / "episode.md"
    text = path.read_text()
    assert (
        "title: 'Le contact : maillon faible !'" in text
        and "guid: " in text
        and "draft: true" in text
    )
    code, _, err = run(show, "check")
    assert code == 0, err  # a draft needs no audio yet
    code, _, err = run(
        show, "new", "Le contact : maillon faible !", "--date", "2012-11-05T09:00:00+01:00"
    )
    assert code == 1 and "already exists" in err


def test_both_commonmark_renderers_give_the_same_html() -> None:
    """Notes render with markdown-it in Rust where it is installed, else markdown-it-py."""
    from podpub.show.notes import _markdown, python_markdown

    text = (
        "# Titre\n\nHi <script>alert(1)</script> ]]> &amp; *é* `code`\n\n<div>x</div>\n\n"
        "- [lien](https://example.org/a?b=1&c=2)\n- <https://example.org>\n\n> cité\n\n"
        "    indenté\n\n1. un\n2. deux\n\n![img](https://example.org/i.png)\n"
    )
    assert _markdown().render(text) == python_markdown().render(text)
    assert "&lt;script&gt;" in _markdown().render(text)
