"""`podpub init` (a new show) and `podpub move` (a show that changes address)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from podpub.cli.common import State, handles_errors, pass_state, print_json
from podpub.cli.prompts import ASKS, ask_cover, gather
from podpub.show.moving import move_show
from podpub.show.newshow import ShowAnswers, create_show, refuse_existing_show

SHOW_FLAGS = (
    click.option("--title", help="Show title."),
    click.option("--description", help="Show description (default: the title)."),
    click.option("--author", help="Author, shown under the title."),
    click.option("--owner-name", help="Owner's name (default: the author)."),
    click.option("--email", help="Owner's email: Apple verifies the show with it."),
    click.option("--language", help="ISO 639 language code, e.g. fr or en-US."),
    click.option(
        "--category",
        "categories",
        multiple=True,
        help='Apple category, "Category/Sub" (repeat for more).',
    ),
    click.option("--explicit/--clean", default=None, help="Explicit content (default: clean)."),
    click.option("--type", "show_type", help="episodic (default) or serial."),
    click.option("--link", help="The show's web page (default: the base URL)."),
    click.option("--base-url", help="Public URL under which stored files are served."),
    click.option("--storage", help="file://FOLDER (default file://public) or s3://BUCKET/PREFIX."),
    click.option("--yes", "-y", is_flag=True, help="Ask nothing: flags and defaults only."),
)


def show_flags(command: Any) -> Any:
    for option in reversed(SHOW_FLAGS):
        command = option(command)
    return command


def given_answers(flags: dict[str, Any]) -> dict[str, Any]:
    """The ShowAnswers fields the flags give (None: not given)."""
    given = {key: flags.get(key) for key in (ask.field for ask in ASKS)}
    given["type"] = flags.get("show_type")
    given["categories"] = flags.get("categories") or None
    return given


@click.command("init")
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False))
@show_flags
@click.option(
    "--image",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The cover: square RGB JPEG/PNG, 1400–3000 px (copied into the show).",
)
@click.option("--copyright", help="Copyright line.")
@pass_state
@handles_errors
def init_command(state: State, /, folder: Path | None, image: Path | None, **flags: Any) -> None:
    """Start a new show: podcast.toml, episodes/, .gitignore and a CI workflow.

    Asks on the terminal for what the flags do not give (each answer checked as you go);
    with --yes, or when the input ends, a missing required answer is a usage error.

    Example: podpub init my-show --title "Mon émission" --author "Moi" --email moi@example.org
    --language fr --category Technology --base-url https://cdn.example.org/show/ --yes
    """
    folder = folder or state.config_path.parent
    refuse_existing_show(folder)
    answers = gather(given_answers(flags), ASKS, interactive=not flags["yes"])
    cover = ask_cover(image, folder, interactive=not flags["yes"])
    show = ShowAnswers(**answers, copyright=flags.get("copyright"))
    for line in create_show(folder, show, cover):
        state.log(line)
    state.log(f'next: cd {folder} && podpub check && podpub new "First episode"')


@click.command("move")
@click.argument("new_feed_url")
@click.option(
    "--from", "old_feed_url", metavar="URL", help="The feed's old address (default: its own)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the checklist as JSON on stdout.")
@pass_state
@handles_errors
def move_command(state: State, new_feed_url: str, old_feed_url: str | None, as_json: bool) -> None:
    """Move the show's feed to NEW_FEED_URL: sets itunes:new-feed-url, keeps every GUID, and
    prints the checklist that keeps every subscriber.

    Example: podpub move https://podcast.example.org/reseaux/feed.xml --from https://anchor.fm/s/123/podcast/rss
    """
    move = move_show(state.config(), new_feed_url, old_feed_url)
    if as_json:
        print_json(move.to_json())
        return
    state.log(f"new-feed-url set to {move.new_feed_url} in {move.config_path}")
    for warning in move.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo("Checklist:")
    for number, step in enumerate(move.checklist, start=1):
        click.echo(f"{number:2d}. {step}")
