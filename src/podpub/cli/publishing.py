"""`podpub check`, `plan` and `publish`: the three views of the one pipeline."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Any

import click

from podpub.cli.common import (
    State,
    base_url_option,
    handles_errors,
    jobs_option,
    pass_state,
    print_json,
    storage_option,
)
from podpub.publishing.guards import Allowances
from podpub.publishing.pipeline import check, make_show_plan, publish
from podpub.publishing.steps import Report


@click.command("check")
@click.argument("slugs", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@pass_state
@handles_errors
def check_command(state: State, slugs: tuple[str, ...], as_json: bool) -> None:
    """Validate podcast.toml and the episodes; change nothing.

    Example: podpub check --json
    """
    episodes, warnings = check(state.config(), slugs)
    if as_json:
        print_json(
            {
                "ok": True,
                "errors": [],
                "warnings": [vars(w) for w in warnings],
                "episodes": [e.slug for e in episodes],
            }
        )
        return
    for warning in warnings:
        state.warn(warning)
    state.log(f"ok: podcast.toml and {len(episodes)} episode(s) are valid")


@click.command("publish")
@click.argument("slugs", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Check and show what would happen; change nothing.")
@storage_option
@base_url_option
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout.")
@click.option(
    "--allow-guid-change",
    multiple=True,
    metavar="SLUG",
    help="Accept a changed GUID (apps re-download).",
)
@click.option(
    "--allow-removal",
    multiple=True,
    metavar="GUID",
    help="Accept that a live item leaves the feed.",
)
@click.option(
    "--replace-audio",
    multiple=True,
    metavar="SLUG",
    help="Replace published audio (new URL, same GUID).",
)
@click.option(
    "--allow-url-change", is_flag=True, help="Accept new enclosure URLs for unchanged audio."
)
@jobs_option(default=1)
@pass_state
@handles_errors
def publish_command(
    state: State,
    slugs: tuple[str, ...],
    dry_run: bool,
    storage: str | None,
    base_url: str | None,
    as_json: bool,
    allow_guid_change: tuple[str, ...],
    allow_removal: tuple[str, ...],
    replace_audio: tuple[str, ...],
    allow_url_change: bool,
    jobs: int,
) -> None:
    """Render, tag and store every due episode (or the named ones), then the feed.

    Refuses, before any work, what would break listeners' apps: a changed GUID, a live item that
    would disappear, an enclosure that moves; each has a flag to say it is intended.

    Example: podpub publish 2012-04-26-vous
    """
    allow = Allowances(
        frozenset(allow_guid_change),
        frozenset(allow_removal),
        frozenset(replace_audio),
        allow_url_change,
    )
    config = state.config(storage, base_url)
    if dry_run:
        _show_plan(make_show_plan(config, slugs, allow=allow), as_json)
        return
    workers = state.workers(jobs)
    report = publish(
        config, slugs, log=state.log, progress=state.progress, allow=allow, workers=workers
    )
    if as_json:
        print_json(asdict(report))
    else:
        summarize(state, report)


def summarize(state: State, report: Report) -> None:
    for warning in report.warnings:
        state.warn(warning)
    state.log(
        f"published {len(report.episodes)} episode(s): rendered {len(report.rendered)}, "
        f"reused {len(report.reused)}; uploaded {len(report.uploaded)}, "
        f"unchanged {len(report.skipped)}, verified {len(report.verified)}; feed: {report.feed}"
        + (f"; site: {report.site}" if report.site else "")
        + (f"; notified {len(report.notified)}" if report.notified else "")
    )


@click.command("plan")
@click.argument("slugs", nargs=-1)
@storage_option
@base_url_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON on stdout.")
@pass_state
@handles_errors
def plan_command(
    state: State, slugs: tuple[str, ...], storage: str | None, base_url: str | None, as_json: bool
) -> None:
    """Show what publish would do — renders, uploads, the feed diff — changing nothing.

    Exit 1 when publish would refuse (a changed GUID, a vanishing item…).

    Example: podpub plan --json
    """
    _show_plan(make_show_plan(state.config(storage, base_url), slugs), as_json)


SHOWN_ABOVE = {"render", "stage", "upload", "feed"}


def _show_plan(plan: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(plan)
    else:
        click.echo(f"plan for {plan['storage']} (nothing has been changed)")
        for episode in plan["episodes"]:
            click.echo(f"  {episode['slug']}: {episode['render']}")
            for key, action in episode["objects"].items():
                click.echo(f"      {action}: {key}")
        for title in plan["added"]:
            released = " (released: its date has come)" if title in plan["released"] else ""
            click.echo(f"  feed + {title}{released}")
        for title, changes in plan["changed"].items():
            click.echo(f"  feed ~ {title}: " + "; ".join(changes))
        for title in plan["removed"]:
            click.echo(f"  feed - {title}")
        click.echo("  steps: " + ", ".join(step["name"] for step in plan["steps"]))
        for step in plan["steps"]:  # what the lines above do not show already
            if step["name"] not in SHOWN_ABOVE:
                for action in step["actions"]:
                    click.echo(f"  {step['name']}: {action}")
        for refusal in plan["refused"]:
            click.echo(f"error: {refusal}", err=True)
    if plan["refused"]:
        sys.exit(1)
