"""Property-based fuzzing (Hypothesis) of every file a host writes: front matter, podcast.toml,
chapters.txt and transcripts, with wrong types, odd Unicode, extreme numbers and lengths.

The promise on every example: exit 0 or 1, one readable message per problem, never a
traceback or an "internal error", and nothing written when the exit is 1.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import tomlkit
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO, podpub, snapshot

VOUS = "2012-04-26-vous"
EXAMPLES = int(os.environ.get("PODPUB_FUZZ_EXAMPLES", "60"))  # per test; more for a long hunt
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FRONT_KEYS = [
    "title", "date", "guid", "number", "season", "type", "explicit", "audio", "image",
    "summary", "link", "chapters", "draft", "persons", "soundbites", "unknown",
]  # fmt: skip

# Text that breaks things: controls, surrogates' neighbours, U+FFFF, bidi, emoji, long runs.
odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300
) | st.sampled_from(["", " ", "\x00", "\x07", "\uffff", "\u202e", "💥" * 200, "a" * 5000, "]]>"])
scalars = (
    odd_text
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
    | st.none()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=12,
)


@contextmanager
def demo_copy(cached: Path) -> Iterator[Path]:
    """The demo show (renders cached) in a fresh folder for one example."""
    with tempfile.TemporaryDirectory() as folder:
        show = Path(folder) / "show"
        shutil.copytree(cached, show)
        yield show


def assert_the_promise(show: Path, *command: str) -> int:
    before = snapshot(show)
    code, _, err = podpub(show, *command)
    assert code in (0, 1), err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 1:
        assert err.startswith("error: "), err
        assert snapshot(show) == before  # nothing written
    return code


@pytest.fixture(scope="module")
def cached_template(tmp_path_factory: pytest.TempPathFactory, render_cache: Path) -> Path:
    """The demo show with one episode, its render cached: every example starts from a copy."""
    show = tmp_path_factory.mktemp("fuzz") / "show"
    show.mkdir()
    shutil.copy(REPO / "podcast.toml", show)
    shutil.copy(REPO / "cover.jpg", show)
    shutil.copytree(REPO / "episodes" / VOUS, show / "episodes" / VOUS)
    shutil.copytree(render_cache, show / ".podpub" / "build" / "render")
    return show


def front_matter(data: dict[str, Any]) -> str:
    try:
        header = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        header = "title: x\n"
    return f"---\n{header}---\n\nNotes.\n"


@SETTINGS
@given(st.dictionaries(st.sampled_from(FRONT_KEYS), values, max_size=8))
def test_fuzzed_front_matter_keeps_the_promise(cached_template: Path, data: dict[str, Any]) -> None:
    with demo_copy(cached_template) as show:
        (show / "episodes" / VOUS / "episode.md").write_text(front_matter(data), encoding="utf-8")
        assert_the_promise(show, "check")


@SETTINGS
@given(st.text(max_size=400))
def test_raw_front_matter_text_keeps_the_promise(cached_template: Path, text: str) -> None:
    with demo_copy(cached_template) as show:
        (show / "episodes" / VOUS / "episode.md").write_text(f"---\n{text}\n---\n", "utf-8")
        assert_the_promise(show, "check")


TOML_TABLES = {
    "show": ["title", "description", "language", "link", "categories", "explicit", "type"],
    "audio": ["preset", "bitrate", "mono_bitrate", "sample_rate", "target_lufs", "alternates"],
    "podcast": ["guid", "locked", "medium", "funding", "persons", "txt", "license_url"],
    "feed": ["limit", "chapters_in_notes", "new_feed_url", "block"],
    "storage": ["url", "public_base_url", "region"],
}
toml_edits = st.lists(
    st.sampled_from([(t, k) for t, keys in TOML_TABLES.items() for k in keys]).flatmap(
        lambda place: st.tuples(st.just(place), values)
    ),
    max_size=4,
)


@SETTINGS
@given(toml_edits)
def test_fuzzed_podcast_toml_keeps_the_promise(
    cached_template: Path, edits: list[tuple[tuple[str, str], Any]]
) -> None:
    with demo_copy(cached_template) as show:
        config = tomllib.loads((show / "podcast.toml").read_text(encoding="utf-8"))
        for (table, key), value in edits:
            config.setdefault(table, {})[key] = value
        try:
            text = tomlkit.dumps(_toml_safe(config))
        except (ValueError, TypeError):
            return  # a value TOML itself cannot hold: nothing for podpub to read
        (show / "podcast.toml").write_text(text, encoding="utf-8")
        assert_the_promise(show, "check")


def _toml_safe(value: Any) -> Any:
    """TOML has no null: drop it, as a host could only leave the key out."""
    if isinstance(value, dict):
        return {str(k): _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_safe(v) for v in value if v is not None]
    return value


@SETTINGS
@given(st.lists(st.text(max_size=60), max_size=8))
def test_fuzzed_chapters_txt_keeps_the_promise(cached_template: Path, lines: list[str]) -> None:
    with demo_copy(cached_template) as show:
        folder = show / "episodes" / VOUS
        md = folder / "episode.md"
        text = md.read_text(encoding="utf-8")
        md.write_text(text[: text.index("chapters:")] + text[text.index("---\n", 4) :], "utf-8")
        (folder / "chapters.txt").write_text("\n".join(lines), encoding="utf-8")
        assert_the_promise(show, "check")


cue_time = st.sampled_from(["00:00:00.000", "00:00:01.500", "99:99:99.999", "1", "-00:00:01.000"])
cues = st.lists(st.tuples(cue_time, cue_time, st.text(max_size=80)), max_size=5)


@SETTINGS
@given(cues, st.booleans(), st.text(max_size=40))
def test_fuzzed_transcripts_keep_the_promise(
    cached_template: Path, found: list[tuple[str, str, str]], vtt: bool, junk: str
) -> None:
    with demo_copy(cached_template) as show:
        folder = show / "episodes" / VOUS
        (folder / "transcript.vtt").unlink()
        body = "".join(
            f"{n}\n{a}{'.' if vtt else ','}000 --> {b}\n{text}\n\n".replace(".000.000", ".000")
            for n, (a, b, text) in enumerate(found, start=1)
        )
        name = "transcript.vtt" if vtt else "transcript.srt"
        header = "WEBVTT\n\n" if vtt else ""
        (folder / name).write_text(header + junk + body, encoding="utf-8")
        assert_the_promise(show, "check")


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.dictionaries(
        st.sampled_from(["title", "summary", "persons", "soundbites", "link"]), values, max_size=3
    )
)
def test_fuzzed_front_matter_publishes_or_writes_nothing(
    cached_template: Path, data: dict[str, Any]
) -> None:
    """The same promise through publish itself, on what check let through."""
    with demo_copy(cached_template) as show:
        md = show / "episodes" / VOUS / "episode.md"
        text = md.read_text(encoding="utf-8")
        end = text.index("---\n", 4)
        head = yaml.safe_load(text[4:end])
        head.update(data)
        md.write_text(front_matter(head) + text[end + 4 :], encoding="utf-8")
        assert_the_promise(show, "publish")
