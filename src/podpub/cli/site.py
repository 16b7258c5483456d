"""`podpub site`: the show's website built into a folder, from the same inputs as the feed."""

from __future__ import annotations

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
from podpub.files import write_atomic
from podpub.publishing.pipeline import show_site


@click.command("site")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="The folder to build the site into (storage keys become paths).",
)
@base_url_option
@storage_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@pass_state
@handles_errors
def site_command(
    state: State, output: Path, base_url: str | None, storage: str | None, as_json: bool
) -> None:
    """Build the show's website from episode.md + published.json only (no audio, no ffmpeg):
    the same bytes `publish` stores.

    Example: podpub site --output build/site
    """
    files = show_site(state.config(storage, base_url))
    for file in files:
        write_atomic(output / file.key, file.data)
    total = sum(len(f.data) for f in files)
    if as_json:
        print_json({"output": str(output), "files": [f.key for f in files], "bytes": total})
    state.log(f"wrote {len(files)} files ({total} bytes) into {output}")
