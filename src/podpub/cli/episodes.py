"""`podpub new`: a new episode folder."""

from __future__ import annotations

from datetime import datetime

import click

from podpub.cli.common import State, handles_errors, pass_state
from podpub.show.scaffold import new_episode


@click.command("new")
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
