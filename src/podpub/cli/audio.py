"""The audio commands: `podpub loudness` and `podpub normalize`. The audio engine (numpy,
scipy) is imported inside them, so that the other commands start without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from podpub.cli.common import State, handles_errors, pass_state, print_json
from podpub.show.audio_settings import PRESETS


@click.command("loudness")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array on stdout.")
@pass_state
@handles_errors
def loudness_command(state: State, files: tuple[Path, ...], as_json: bool) -> None:
    """Measure integrated loudness, LRA, true peak, sample peak and duration (BS.1770-4).

    Example: podpub loudness public/*.mp3 --json
    """
    from podpub.audio.measure import loudness_row, measure_file

    rows = [loudness_row(path, measure_file(path)) for path in files]
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
    as_json: bool,
) -> None:
    """Render one file exactly as publish does and report the before/after figures.

    Example: podpub normalize raw.wav episode.mp3 --preset speech --bitrate 96k
    """
    from podpub.audio.measure import loudness_row
    from podpub.audio.render import audio_settings, normalize_file

    settings = audio_settings(preset, target, true_peak, bitrate, output)
    result = normalize_file(source, output, settings, state.progress(f"normalizing {source.name}"))
    report: dict[str, Any] = {
        "before": loudness_row(source, result.before),
        "after": loudness_row(output, result.after),
        "gain_db": round(result.gain_db, 2),
        "limiter_max_reduction_db": round(-result.limiter_min_gain_db, 2),
    }
    if as_json:
        print_json(report)
        return
    click.echo(f"before  {_loudness_line(report['before'])}")
    click.echo(f"after   {_loudness_line(report['after'])}")
    click.echo(
        f"gain {report['gain_db']:+.2f} dB, limiter up to -{report['limiter_max_reduction_db']:.2f} dB"
    )


def _loudness_line(row: dict[str, Any]) -> str:
    def fmt(value: float | None, unit: str) -> str:
        return f"{value:7.2f} {unit}" if value is not None else f"{'-inf':>7} {unit}"

    return (
        f"{fmt(row['integrated_lufs'], 'LUFS')}  LRA {fmt(row['lra_lu'], 'LU')}  "
        f"TP {fmt(row['true_peak_dbtp'], 'dBTP')}  SP {fmt(row['sample_peak_dbfs'], 'dBFS')}  "
        f"{row['duration_s']:8.2f} s  {row['file']}"
    )
