"""The audio commands: `podpub loudness`, `podpub normalize` and `podpub report`. The audio
engine (numpy, scipy) and matplotlib are imported inside them, so that the other commands start
without them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from podpub.cli.common import State, handles_errors, pass_state, print_json
from podpub.show.audio_settings import PRESETS


@click.command("loudness")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array on stdout.")
@click.option(
    "--plot",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also draw the file's loudness over time to this .svg or .png (one FILE).",
)
@click.option(
    "--target",
    type=click.FloatRange(-40, -5),
    default=-16.0,
    show_default=True,
    help="The target line drawn by --plot, LUFS.",
)
@pass_state
@handles_errors
def loudness_command(
    state: State, files: tuple[Path, ...], as_json: bool, plot: Path | None, target: float
) -> None:
    """Measure integrated loudness, LRA, true peak, sample peak and duration (BS.1770-4).

    Example: podpub loudness public/*.mp3 --json
    """
    from podpub.audio.measure import loudness_row, measured_file

    _check_plot(plot, files)
    measured = [measured_file(path) for path in files]
    rows = [loudness_row(path, m.loudness) for path, m in zip(files, measured, strict=True)]
    if plot:
        _plot_file(files[0], measured[0], plot, target)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(_loudness_line(row))


@click.command("normalize")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--preset", type=click.Choice(sorted(PRESETS)), help="Loudness preset (default: apple)."
)
@click.option("--target", type=click.FloatRange(-40, -5), help="Integrated loudness target, LUFS.")
@click.option("--true-peak", type=click.FloatRange(-9, 0), help="True-peak ceiling, dBTP.")
@click.option("--bitrate", help="MP3 bitrate, e.g. 128k (mono output uses it too).")
@click.option("--leveler", is_flag=True, help="Level speakers toward a common loudness first.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print before/after figures as JSON on stdout."
)
@pass_state
@handles_errors
def normalize_command(
    state: State,
    source: Path,
    output: Path,
    preset: str | None,
    target: float | None,
    true_peak: float | None,
    bitrate: str | None,
    leveler: bool,
    as_json: bool,
) -> None:
    """Render one file exactly as publish does and report the before/after figures.

    Example: podpub normalize raw.wav episode.mp3 --preset speech --bitrate 96k
    """
    from podpub.audio.measure import loudness_row
    from podpub.audio.render import audio_settings, normalize_file

    settings = audio_settings(preset, target, true_peak, bitrate, output, leveler)
    result = normalize_file(source, output, settings, state.progress(f"normalizing {source.name}"))
    report: dict[str, Any] = {
        "before": loudness_row(source, result.before),
        "after": loudness_row(output, result.after),
        "gain_db": round(result.gain_db, 2),
        # max: a limiter that took nothing reports −0.0 dB, printed "--0.00" before
        "limiter_max_reduction_db": max(0.0, round(-result.limiter_min_gain_db, 2)),
        "encodes": result.encodes,
    }
    if as_json:
        print_json(report)
        return
    click.echo(f"before  {_loudness_line(report['before'])}")
    click.echo(f"after   {_loudness_line(report['after'])}")
    click.echo(
        f"gain {report['gain_db']:+.2f} dB, limiter up to -{report['limiter_max_reduction_db']:.2f} dB"
    )


@click.command("report")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report here (.svg or .png; repeat for both). "
    "Default: .podpub/reports/SLUG.svg and .png.",
)
@pass_state
@handles_errors
def report_command(state: State, slug: str, outputs: tuple[Path, ...]) -> None:
    """Draw an episode's loudness report from its last render: loudness before and after, the
    target, the true peak, the leveler's and limiter's gain, the chapters.

    Example: podpub report 2012-04-26-vous -o vous.svg
    """
    from podpub.publishing.report import report_paths, write_episode_report

    config = state.config()
    chosen = list(outputs) or report_paths(config, slug)
    _check_formats(chosen)
    write_episode_report(config, slug, chosen)
    for path in chosen:
        click.echo(str(path))


def _check_plot(plot: Path | None, files: tuple[Path, ...]) -> None:
    if plot is None:
        return
    if len(files) != 1:
        raise click.UsageError("--plot draws one FILE at a time")
    _check_formats([plot])


def _check_formats(paths: list[Path]) -> None:
    # an error of usage (exit 2): the command line asks for something podpub cannot write
    from podpub.audio.plot import FORMATS  # not matplotlib: it is imported when drawing

    for path in paths:
        if path.suffix.lower() not in FORMATS:
            raise click.UsageError(f"{path}: the report is written as .svg or .png")


def _plot_file(path: Path, measured: Any, plot: Path, target: float) -> None:
    from podpub.audio.curves import Curves
    from podpub.audio.plot import write_report

    write_report(Curves.of_file(measured, target_lufs=target), [plot], f"{path.name} — loudness")


def _loudness_line(row: dict[str, Any]) -> str:
    def fmt(value: float | None, unit: str) -> str:
        return f"{value:7.2f} {unit}" if value is not None else f"{'-inf':>7} {unit}"

    return (
        f"{fmt(row['integrated_lufs'], 'LUFS')}  LRA {fmt(row['lra_lu'], 'LU')}  "
        f"TP {fmt(row['true_peak_dbtp'], 'dBTP')}  SP {fmt(row['sample_peak_dbfs'], 'dBFS')}  "
        f"{row['duration_s']:8.2f} s  {row['file']}"
    )
