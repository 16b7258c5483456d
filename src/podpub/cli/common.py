"""What every `podpub` command shares: the run's state (config, logging, progress bars), the
translation of errors into messages and exit codes, common options and JSON output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from podpub.callbacks import Progress
from podpub.cli.progress import Display
from podpub.errors import PodpubError, Problem

if TYPE_CHECKING:
    from podpub.publishing.parallel import Workers
    from podpub.show.config import Config

F = TypeVar("F", bound=Callable[..., Any])


class State:
    def __init__(self, config_path: Path, verbose: bool, quiet: bool) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self.quiet = quiet
        self.display = Display(quiet)  # stopped when the command ends (cli/main.py)

    def config(self, storage: str | None = None, base_url: str | None = None) -> Config:
        from podpub.publishing.state import load_show  # not needed by the audio commands

        return load_show(self.config_path, storage, base_url)

    def log(self, message: str) -> None:
        self.display.log(message)

    def warn(self, warning: object) -> None:
        """A warning on stderr (-q keeps only errors)."""
        self.log(f"warning: {warning}")

    def progress(self, label: str) -> Progress | None:
        """A progress bar on stderr, only for humans watching a terminal; sized on first use."""
        return self.display.bar(label)

    def workers(self, jobs: int | None) -> Workers:
        """`jobs` renders at once (None: as many as the machine can feed), watched as a batch."""
        from podpub.publishing.parallel import Workers, default_jobs

        return Workers(jobs or default_jobs(), self.display)


def handles_errors(command: F) -> F:
    """PodpubError → every problem on stderr (and, with --json, as JSON on stdout), exit 1; a
    usage error is Click's (exit 2); a traceback only with -v."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        context = click.get_current_context()
        state = context.find_object(State)
        verbose = bool(state and state.verbose)
        try:
            return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except PodpubError as exc:
            if verbose:
                raise
            fail(exc.problems, bool(context.params.get("as_json")))
        except KeyboardInterrupt:
            click.echo(
                "interrupted: nothing half-written was left; run the command again", err=True
            )
            sys.exit(130)
        except Exception as exc:  # a bug of ours: say so plainly, the traceback only with -v
            if verbose:
                raise
            message = f"internal error ({type(exc).__name__}: {exc}); run with -v and report it"
            fail([Problem("podpub", message)], bool(context.params.get("as_json")))

    return wrapper  # type: ignore[return-value]


def fail(problems: list[Problem], as_json: bool) -> NoReturn:
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if as_json:
        print_json({"ok": False, "errors": [vars(p) for p in problems]})
    sys.exit(1)


pass_state = click.make_pass_decorator(State)

storage_option = click.option(
    "--storage", envvar="PODPUB_STORAGE", help="Storage URL (file://DIR or s3://BUCKET/PREFIX)."
)


def jobs_option(default: int | None) -> Callable[[F], F]:
    """--jobs N: episodes rendered at once, each in a process of its own (None: per core)."""
    shown = "one per core" if default is None else str(default)
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=default,
        help=f"Episodes rendered at once, each in a process of its own [default: {shown}].",
    )


base_url_option = click.option(
    "--base-url", envvar="PODPUB_BASE_URL", help="Public URL under which stored objects are served."
)


def print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
