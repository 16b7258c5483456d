"""The real W3C feed validator (the code behind its online service), offline, on the demo feed,
a paged variant and a variant with every new tag: no error and no warning, but the one the
project owners accept: UnknownNamespace for psc: (the validator does not know Podlove Simple
Chapters; apps that read only inline chapters matter more).

The validator is on no registry that CI reaches: not on PyPI (its setup.py was never
published) nor npm, and Debian shipped python-feedvalidator (Python 2) last in buster. It runs
from a checkout of the w3c/feedvalidator repository: PODPUB_FEEDVALIDATOR names its `src`
folder, or the project's shared folder holds it as shared/feedvalidator/src. Without one, these
tests skip and say so.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from podpub.publishing.pipeline import show_feed
from podpub.publishing.state import load_show
from podpub.standards.namespaces import PSC_NS
from tests.conftest import REPO, edit, render_feed

VALIDATOR = Path(
    os.environ.get("PODPUB_FEEDVALIDATOR") or REPO.parent / "shared" / "feedvalidator" / "src"
)
BASE = "https://podcast.example.org/reseaux/"
ACCEPTED = [["UnknownNamespace", PSC_NS]]

pytestmark = pytest.mark.skipif(
    not (VALIDATOR / "feedvalidator" / "__init__.py").is_file(),
    reason="the W3C feed validator is on no registry CI reaches (not PyPI, npm or Debian "
    "bookworm): set PODPUB_FEEDVALIDATOR to the src folder of a w3c/feedvalidator checkout",
)

# Runs in a child process, with the validator's folder on its path.
SCRIPT = """
import json, sys
import feedvalidator
from feedvalidator import compatibility
result = feedvalidator.validateString(sys.stdin.buffer.read(), firstOccurrenceOnly=0, base=sys.argv[1])
events = compatibility.AA(result["loggedEvents"])  # errors and warnings, as the service shows
print(json.dumps([[type(e).__name__, e.params.get("namespace", "")] for e in events]))
"""


def w3c(xml: bytes, location: str) -> list[list[str]]:
    """The validator's errors and warnings for a document served at `location`."""
    env = {**os.environ, "PYTHONPATH": str(VALIDATOR)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, location],
        input=xml,
        capture_output=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    found: list[list[str]] = json.loads(result.stdout)
    return found


def test_the_demo_feed_has_no_errors_and_no_warnings() -> None:
    assert w3c(render_feed(load_show(REPO / "podcast.toml")), BASE + "feed.xml") == ACCEPTED


def test_every_page_of_a_paged_feed_is_clean(show: Path) -> None:
    edit(show / "podcast.toml", "chapters_in_notes = true", "chapters_in_notes = true\nlimit = 1")
    pages = show_feed(load_show(show / "podcast.toml"))
    assert len(pages) == 2
    for key, xml in pages:
        assert w3c(xml, BASE + key) == ACCEPTED, key
    assert ["SelfDoesntMatchLocation", ""] in w3c(pages[1][1], BASE + "feed.xml")  # it looks


def test_hubs_podping_seasons_and_awkward_characters_are_clean(
    show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODPUB_PODPING_TOKEN", "w3c-test-token")
    with (show / "podcast.toml").open("a", encoding="utf-8") as config:
        config.write('\n[notify]\nwebsub_hubs = ["https://pubsubhubbub.appspot.com/"]\n')
        config.write('\n[podcast.seasons]\n2 = "Saison 2 : vous & moi"\n')
    md = show / "episodes" / "2012-04-26-vous" / "episode.md"
    edit(md, "Essentiel dans les réseaux sociaux : VOUS !", "Q&A : <VOUS> & R&D > 2")
    edit(md, 'summary: "Le futile', 'summary: "Q&A <b> : le futile')
    edit(md, "number: 26\n", "number: 26\nseason: 2\n")
    isolement = show / "episodes" / "2012-04-25-isolement" / "episode.md"
    edit(isolement, "number: 25\n", "number: 25\nseason: 1\n")  # a season without a name
    edit(md, '    title: "Introduction"', '    title: "Intro & <début>"')
    xml = render_feed(load_show(show / "podcast.toml"))
    assert b"podcast:podping" in xml and b'rel="hub"' in xml
    assert w3c(xml, BASE + "feed.xml") == ACCEPTED
    plain = re.sub(
        rb"<title>Q&#x26;A[^<]*</title>", b"<title>Vous &amp; moi : &lt;VOUS&gt;</title>", xml
    )
    assert ["CharacterData", ""] in w3c(plain, BASE + "feed.xml")  # what the references avoid
