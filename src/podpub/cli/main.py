"""The `podpub` command: Click commands only. Each parses options, calls one library function,
and turns PodpubErrors into a clean message and exit code (1 = inputs or run, 2 = usage)."""

from __future__ import annotations

from pathlib import Path

import click

from podpub import __version__
from podpub.cli.audio import loudness_command, normalize_command
from podpub.cli.common import State
from podpub.cli.episodes import new_command
from podpub.cli.feeds import feed_command, lint_command
from podpub.cli.importing import import_command
from podpub.cli.publishing import check_command, plan_command, publish_command
from podpub.cli.render import render_command
from podpub.cli.shows import init_command, move_command
from podpub.cli.site import site_command


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
    ctx.call_on_close(ctx.obj.display.close)


for command in (
    init_command,
    import_command,
    move_command,
    check_command,
    plan_command,
    publish_command,
    render_command,
    feed_command,
    site_command,
    lint_command,
    new_command,
    loudness_command,
    normalize_command,
):
    main.add_command(command)
