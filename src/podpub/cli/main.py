"""The `podpub` command: Click commands only. Each parses options, calls one library function,
and turns PodpubErrors into a clean message and exit code (1 = inputs or run, 2 = usage)."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from podpub.cli.common import State

# Each command's module is imported when that command runs (or `--help` lists them all), so
# that `podpub normalize` does not load the feed, storage and validation layers, nor
# `podpub feed` the audio engine.
COMMANDS = {
    "init": "podpub.cli.shows:init_command",
    "import": "podpub.cli.importing:import_command",
    "move": "podpub.cli.shows:move_command",
    "check": "podpub.cli.publishing:check_command",
    "plan": "podpub.cli.publishing:plan_command",
    "publish": "podpub.cli.publishing:publish_command",
    "render": "podpub.cli.render:render_command",
    "feed": "podpub.cli.feeds:feed_command",
    "site": "podpub.cli.site:site_command",
    "lint": "podpub.cli.feeds:lint_command",
    "notify": "podpub.cli.notify:notify_command",
    "new": "podpub.cli.episodes:new_command",
    "loudness": "podpub.cli.audio:loudness_command",
    "normalize": "podpub.cli.audio:normalize_command",
    "report": "podpub.cli.audio:report_command",
}


def _print_version(ctx: click.Context) -> None:
    import podpub

    click.echo(f"podpub, version {podpub.__version__}")
    ctx.exit()


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _, value: _print_version(ctx) if value else None,
    help="Show the version and exit.",
)
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
