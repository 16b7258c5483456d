"""The loudness report: drawn from the curves publish keeps, showing what it claims (curves at
the loudness they stand for, the target where the target is), the same bytes every time."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import REPO, podpub

VOUS = "2012-04-26-vous"
SVG = "{http://www.w3.org/2000/svg}"


def points(svg: etree._Element, gid: str) -> list[tuple[float, float]]:
    """The vertices of the path drawn under the group with this id (SVG coordinates)."""
    (group,) = [g for g in svg.iter(f"{SVG}g") if g.get("id") == gid]
    (path,) = group.iter(f"{SVG}path")
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
    return list(zip(numbers[0::2], numbers[1::2], strict=True))


def axes_scale(svg: etree._Element) -> tuple[float, float]:
    """SVG y of 0 and of −60 LUFS: the loudness panel's frame (patch), top and bottom."""
    (group,) = [g for g in svg.iter(f"{SVG}g") if g.get("id") == "loudness-axes"]
    frame = next(group.iter(f"{SVG}path"))
    ys = [float(y) for y in re.findall(r"-?\d+(?:\.\d+)? (-?\d+(?:\.\d+)?)", frame.get("d", ""))]
    return min(ys), max(ys)


def lufs(y: float, scale: tuple[float, float]) -> float:
    top, bottom = scale
    return -60.0 * (y - top) / (bottom - top)


def test_publish_keeps_the_curves_and_report_draws_them(cached_show: Path) -> None:
    assert list((cached_show / ".podpub" / "build" / "render").glob("*.curves.npz"))
    out = cached_show / "out"
    code, stdout, err = podpub(
        cached_show, "report", VOUS, "-o", str(out / "r.svg"), "-o", str(out / "r.png")
    )
    assert code == 0, err
    assert stdout.split() == [str(out / "r.svg"), str(out / "r.png")]
    svg = etree.fromstring((out / "r.svg").read_bytes())
    scale = axes_scale(svg)
    target = {lufs(y, scale) for _, y in points(svg, "target")}
    assert len(target) == 1 and target.pop() == pytest.approx(-16.0, abs=0.2)
    after = [lufs(y, scale) for _, y in points(svg, "short-term-after")]
    before = [lufs(y, scale) for _, y in points(svg, "short-term-before")]
    # the demo speaks at about −41 LUFS and is published at −16
    assert statistics.median(after) == pytest.approx(-16.0, abs=2.5)
    assert statistics.median(before) == pytest.approx(-41.0, abs=2.5)
    for gid in ("momentary-after", "momentary-before", "true-peak", "limiter-gain", "chapter-1"):
        assert points(svg, gid), gid
    assert "Essentiel dans les réseaux sociaux" in (out / "r.svg").read_text()
    assert (out / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_report_is_byte_identical_across_runs(cached_show: Path) -> None:
    first, second = cached_show / "a", cached_show / "b"
    for folder in (first, second):
        code, _, err = podpub(
            cached_show, "report", VOUS, "-o", str(folder / "r.svg"), "-o", str(folder / "r.png")
        )
        assert code == 0, err
    assert (first / "r.svg").read_bytes() == (second / "r.svg").read_bytes()
    assert (first / "r.png").read_bytes() == (second / "r.png").read_bytes()


def test_default_outputs_and_refusals(cached_show: Path, tmp_path: Path) -> None:
    code, stdout, _ = podpub(cached_show, "report", VOUS)
    reports = cached_show / ".podpub" / "reports"
    assert code == 0 and stdout.split() == [
        str(reports / f"{VOUS}.svg"),
        str(reports / f"{VOUS}.png"),
    ]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for name in ("podcast.toml", "cover.jpg"):
        shutil.copy(REPO / name, fresh)
    shutil.copytree(REPO / "episodes", fresh / "episodes")
    code, _, err = podpub(fresh, "report", VOUS)  # nothing rendered in this copy
    assert code == 1 and "no loudness figures" in err and f"podpub publish {VOUS}" in err
    code, _, err = podpub(fresh, "report", "nope")
    assert code == 1 and "no such episode" in err
    code, _, err = podpub(cached_show, "report", VOUS, "-o", "r.pdf")
    assert code == 2 and ".svg or .png" in err


def test_loudness_plot_of_any_file(tmp_path: Path) -> None:
    source = REPO / "episodes" / VOUS / "audio.flac"
    out = tmp_path / "plot.svg"
    code, stdout, err = podpub(
        tmp_path, "loudness", str(source), "--plot", str(out), "--target", "-23"
    )
    assert code == 0, err
    assert "LUFS" in stdout
    svg = etree.fromstring(out.read_bytes())
    scale = axes_scale(svg)
    target = {lufs(y, scale) for _, y in points(svg, "target")}
    assert len(target) == 1 and target.pop() == pytest.approx(-23.0, abs=0.2)
    after = [lufs(y, scale) for _, y in points(svg, "short-term-after")]
    assert statistics.median(after) == pytest.approx(-41.0, abs=2.5)
    code, _, err = podpub(tmp_path, "loudness", str(source), str(source), "--plot", str(out))
    assert code == 2 and "one FILE" in err


def test_matplotlib_is_loaded_only_by_the_report() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from podpub.cli import main; "
        f"r = CliRunner().invoke(main, ['loudness', {str(REPO / 'episodes' / VOUS / 'audio.flac')!r}]); "
        "print(r.exit_code, 'matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["0", "False"]
