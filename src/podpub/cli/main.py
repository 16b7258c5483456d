"""The `podpub` command: Click commands only. Each parses options, calls one library function,
and turns PodpubErrors into a clean message and exit code (1 = inputs or run, 2 = usage)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from podpub import __version__
from podpub.cli.audio import loudness_command, normalize_command
from podpub.cli.common import (
    State,
    base_url_option,
    handles_errors,
    pass_state,
    print_json,
    storage_option,
)
from podpub.errors import FeedError, PodpubError
from podpub.feed.lint import http_remote, lint_feed
from podpub.files import write_atomic
from podpub.publishing.guards import Allowances
from podpub.publishing.pipeline import check, lint_show, make_show_plan, publish, show_feed
from podpub.publishing.steps import Report
from podpub.show.scaffold import new_episode


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="podpub")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default="podcast.toml",
    envvar="PODPUB_CONFIG",
    show_default=True,
    help="The show's podcast.toml.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_context
def main(ctx: click.Context, config_path: Path, verbose: bool, quiet: bool) -> None:
    """podpub: from raw recording to a normalized, tagged episode in storage and a feed.

    \b
    Example:
      podpub check
      podpub publish 2012-04-26-vous
    """
    ctx.obj = State(config_path, verbose, quiet)


@main.command("check")
@click.argument("slugs", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@pass_state
@handles_errors
def check_command(state: State, slugs: tuple[str, ...], as_json: bool) -> None:
    """Validate podcast.toml and the episodes; change nothing.

    Example: podpub check --json
    """
    try:
        episodes, warnings = check(state.config(), slugs)
    except PodpubError as exc:  # --json reports problems as data, still with exit 1
        if not as_json:
            raise
        print_json({"ok": False, "errors": [vars(p) for p in exc.problems], "warnings": []})
        sys.exit(1)
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
        click.echo(f"warning: {warning}", err=True)
    state.log(f"ok: podcast.toml and {len(episodes)} episode(s) are valid")


@main.command("publish")
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
    report = publish(config, slugs, log=state.log, progress=state.progress, allow=allow)
    if as_json:
        print_json(asdict(report))
    else:
        _summarize(state, report)


def _summarize(state: State, report: Report) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    state.log(
        f"published {len(report.episodes)} episode(s): rendered {len(report.rendered)}, "
        f"reused {len(report.reused)}; uploaded {len(report.uploaded)}, "
        f"unchanged {len(report.skipped)}, verified {len(report.verified)}; feed: {report.feed}"
    )


@main.command("plan")
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
        for refusal in plan["refused"]:
            click.echo(f"error: {refusal}", err=True)
    if plan["refused"]:
        sys.exit(1)


@main.command("feed")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here instead of stdout.",
)
@base_url_option
@click.option(
    "--upload",
    is_flag=True,
    help="Publish what has come due (scheduled episodes) and write the feed to storage.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="With --upload or -o: a JSON summary on stdout."
)
@storage_option
@pass_state
@handles_errors
def feed_command(
    state: State,
    output: Path | None,
    base_url: str | None,
    upload: bool,
    storage: str | None,
    as_json: bool,
) -> None:
    """Rebuild the feed from episode.md + published.json only (no audio, no ffmpeg); with
    --upload, as a CI cron job: release episodes whose date has come, then store the feed.

    Example: podpub feed --output public/feed.xml
    """
    config = state.config(storage, base_url)
    if upload:
        report = publish(config, log=state.log, progress=state.progress, only_new=True)
        if as_json:
            print_json(asdict(report))
        else:
            _summarize(state, report)
        return
    feed = show_feed(config)[0][1]
    if output is None:
        sys.stdout.buffer.write(feed)
        return
    write_atomic(output, feed)
    if as_json:
        print_json({"feed": str(output), "bytes": len(feed)})
    state.log(f"wrote {output} ({len(feed)} bytes)")


@main.command("lint")
@click.argument("source", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON on stdout.")
@click.option("--offline", is_flag=True, help="Do not fetch artwork or HEAD enclosures.")
@pass_state
@handles_errors
def lint_command(state: State, source: str | None, as_json: bool, offline: bool) -> None:
    """Check a feed against Apple's and the Podcasting 2.0 rules; exit 1 on errors.

    Without SOURCE, lints the show's own feed as publish would write it. SOURCE may be a file
    or an http(s) URL.

    Example: podpub lint https://podcast.example.org/reseaux/feed.xml
    """
    if source is None:
        findings = lint_show(state.config())
    else:
        findings = [
            (source, f) for f in lint_feed(_read_feed(source), None if offline else http_remote())
        ]
    errors = [f for _, f in findings if f.level == "error"]
    if as_json:
        print_json({"ok": not errors, "findings": [{"feed": k, **vars(f)} for k, f in findings]})
    else:
        for key, finding in findings:
            click.echo(f"{finding.level}: {key}: {finding.where}: {finding.text}", err=True)
        state.log(f"{len(errors)} error(s), {len(findings) - len(errors)} warning(s)")
    if errors:
        sys.exit(1)


def _read_feed(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        content = http_remote().content(source)
        if content is None:
            raise FeedError.at(source, "cannot be fetched")
        return content
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise FeedError.at(source, f"cannot be read: {exc.strerror}") from exc


@main.command("new")
@click.argument("title")
@click.option("--date", "date_text", help="ISO 8601 date-time with time zone (default: now).")
@click.option("--slug", help="Folder name (default: date + title).")
@pass_state
@handles_errors
def new_command(state: State, title: str, date_text: str | None, slug: str | None) -> None:
    """Scaffold episodes/<slug>/episode.md with a fresh GUID (as a draft).

    Example: podpub new "Essentiel dans les réseaux sociaux : VOUS !" --date 2012-04-26T08:00:00+02:00
    """
    when = _parse_date(date_text)
    path = new_episode(state.config().episodes_dir, title, when, slug)
    state.log(f"created {path} (draft: remove `draft: true` when the audio is in place)")
    click.echo(str(path))


def _parse_date(text: str | None) -> datetime:
    if text is None:
        return datetime.now().astimezone().replace(microsecond=0)
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(
            f"{text!r} is not ISO 8601, e.g. 2012-04-26T08:00:00+02:00", param_hint="--date"
        ) from exc
    if value.tzinfo is None:
        raise click.BadParameter("add a time zone, e.g. +02:00 or Z", param_hint="--date")
    return value


main.add_command(loudness_command)
main.add_command(normalize_command)
