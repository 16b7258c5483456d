"""`podpub feed` and `podpub lint`: the feed from the records alone, and its checks."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import click

from podpub.cli.common import (
    State,
    base_url_option,
    handles_errors,
    pass_state,
    print_json,
    storage_option,
)
from podpub.cli.publishing import summarize
from podpub.errors import FeedError
from podpub.feed.lint import http_remote, lint_feed
from podpub.files import write_atomic
from podpub.publishing.pipeline import lint_show, publish, show_feed


@click.command("feed")
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
            summarize(state, report)
        return
    feed = show_feed(config)[0][1]
    if output is None:
        sys.stdout.buffer.write(feed)
        return
    write_atomic(output, feed)
    if as_json:
        print_json({"feed": str(output), "bytes": len(feed)})
    state.log(f"wrote {output} ({len(feed)} bytes)")


@click.command("lint")
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
        remote = None if offline else http_remote()
        location = source if source.startswith(("http://", "https://")) else None
        findings = [(source, f) for f in lint_feed(_read_feed(source), remote, location)]
    errors = [f for _, f in findings if f.level == "error"]
    if as_json:
        print_json({"ok": not errors, "findings": [{"feed": k, **vars(f)} for k, f in findings]})
    else:
        for key, finding in findings:
            line = f"{key}: {finding.where}: {finding.text}"
            if finding.level == "error":
                click.echo(f"error: {line}", err=True)
            else:
                state.warn(line)
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
