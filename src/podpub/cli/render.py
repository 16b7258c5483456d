"""`podpub render`: what storage's render cache lacks, rendered and stored, N episodes at once,
or one shard of the catalog on each of several machines (a CI matrix, an array job)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Any

import click

from podpub.cli.common import (
    State,
    handles_errors,
    jobs_option,
    pass_state,
    print_json,
    storage_option,
)
from podpub.errors import EpisodeError, Problems
from podpub.publishing.batch import BatchReport, Shard, render_catalog, shard_episodes


class ShardType(click.ParamType):  # type: ignore[type-arg]
    name = "I/N"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Shard:
        if isinstance(value, Shard):
            return value
        try:
            return Shard.parse(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.command("render")
@click.argument("slugs", nargs=-1)
@jobs_option(default=None)
@click.option(
    "--shard",
    type=ShardType(),
    default="1/1",
    help="Only the I-th of N stable shares of the episodes (by a hash of the slug), e.g. 2/8.",
)
@click.option(
    "--list",
    "list_only",
    is_flag=True,
    help="Print the slugs of the episodes this shard renders, one a line, and stop.",
)
@storage_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@pass_state
@handles_errors
def render_command(
    state: State,
    slugs: tuple[str, ...],
    jobs: int | None,
    shard: Shard,
    list_only: bool,
    storage: str | None,
    as_json: bool,
) -> None:
    """Render what storage's render cache lacks (every episode but drafts, or the named ones),
    and store it there, untagged: `publish` on any machine then renders nothing.

    Example: podpub render --shard 3/8 --jobs 2
    """
    if list_only:
        _list(state, slugs, shard)
        return
    workers = state.workers(jobs)
    state.log(f"rendering {workers.jobs} episode(s) at once")
    config = state.config(storage)
    report = render_catalog(config, slugs, shard, workers, state.log, state.progress)
    if as_json:
        print_json({"ok": not report.problems, **asdict(report)})
    else:
        state.log(summary(report))
    for problem in report.problems:
        click.echo(f"error: {problem}", err=True)
    if report.problems:
        sys.exit(1)


def _list(state: State, slugs: tuple[str, ...], shard: Shard) -> None:
    """Without reading any audio: what a machine must fetch before it renders its shard."""
    problems = Problems()
    _, episodes = shard_episodes(state.config(), slugs, shard, problems)
    problems.raise_as(EpisodeError)
    for episode in episodes:
        click.echo(episode.slug)


def summary(report: BatchReport) -> str:
    hours, wall = report.hours_rendered, report.wall_seconds
    pace = f", {hours * 3600 / wall:.1f} h of audio per hour" if hours and wall else ""
    return (
        f"shard {report.shard}: {len(report.episodes)} episode(s); rendered "
        f"{len(report.rendered)} ({hours:.2f} h of audio in {wall:.0f} s{pace}), stored "
        f"{len(report.stored)} from the build cache; {len(report.present)} already in the "
        f"render cache, {len(report.published)} published as they are"
        + (f"; {len(report.problems)} failed" if report.problems else "")
    )
