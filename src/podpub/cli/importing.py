"""`podpub import FEED`: bring a show that lives elsewhere, keeping every GUID."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from podpub.cli.common import State, handles_errors, pass_state, print_json
from podpub.cli.prompts import ASKS, gather
from podpub.cli.shows import given_answers, show_flags
from podpub.importing.importer import ImportOptions, import_feed
from podpub.importing.report import ImportReport
from podpub.show.newshow import ShowAnswers


@click.command("import")
@click.argument("feed")
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--download",
    is_flag=True,
    help="Fetch the audio (and transcripts, artwork, chapters) into the episode folders.",
)
@click.option("--owner", metavar="EMAIL", help="Confirm a podcast:locked feed is yours.")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON on stdout.")
@show_flags
@pass_state
@handles_errors
def import_command(
    state: State,
    /,
    feed: str,
    folder: Path | None,
    download: bool,
    owner: str | None,
    as_json: bool,
    **flags: Any,
) -> None:
    """Write a podpub show from FEED (a URL or a file) into FOLDER (default: the show's).

    Every item keeps its GUID, title, date and enclosure; by default its audio stays where it
    is (listed as published, never rendered or uploaded). The show's fields the feed lacks
    come from the flags, or are asked for on a terminal.

    Example: podpub import https://anchor.fm/s/123/podcast/rss --base-url https://cdn.example.org/show/
    """
    folder = folder or state.config_path.parent

    def complete(found: dict[str, Any]) -> ShowAnswers:
        given = {**found, **{k: v for k, v in given_answers(flags).items() if v is not None}}
        answers = gather(given, ASKS, interactive=not flags["yes"], ask_optional=False)
        return ShowAnswers(**answers, copyright=found.get("copyright"))

    options = ImportOptions(folder, download, owner)
    report = import_feed(feed, options, complete, state.progress)
    if as_json:
        print_json(report.to_json())
    else:
        _summarize(state, report)
    for failed in report.failed:
        click.echo(f"error: {failed.url}: {failed.status}", err=True)
    if report.failed:
        sys.exit(1)


def _summarize(state: State, report: ImportReport) -> None:
    for decision in report.decisions:
        state.log(f"note: {decision.where}: {decision.field}: {decision.text}")
    for skipped in report.skipped:
        state.log(f"skipped: {skipped.where}: {skipped.field}: {skipped.text}")
    for element, count in sorted(report.not_kept.items()):
        state.log(f"not kept: <{element}> in {count} item(s)")
    added = sum(1 for e in report.episodes if e.status == "added")
    state.log(
        f"imported {len(report.episodes)} episode(s) from {len(report.pages)} page(s): {added} "
        f"new, {len(report.skipped)} skipped; podcast.toml {report.config_status}"
    )
    state.log(f"next: podpub check, then podpub move NEW_FEED_URL --from {report.feed}")
