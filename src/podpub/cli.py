"""The `podpub` command: Click commands only. Each parses options, calls one library function,
and turns PodpubErrors into a clean message and exit code (1 = inputs or run, 2 = usage)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from podpub import __version__
from podpub.config import PRESETS, Config
from podpub.errors import FeedError, PodpubError
from podpub.files import write_atomic
from podpub.guards import Allowances
from podpub.lint import http_remote, lint_feed
from podpub.planning import Plan, make_plan
from podpub.publish import Report, check, lint_show, load_show, publish, render_feed
from podpub.scaffold import new_episode

if TYPE_CHECKING:
    from podpub.audio.render import Progress

# The audio engine (numpy, scipy) is imported inside the commands that use it: `check` and
# `feed`, which CI runs on every push, start in a fraction of the time without it.

F = TypeVar("F", bound=Callable[..., Any])


class State:
    def __init__(self, config_path: Path, verbose: bool, quiet: bool) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self.quiet = quiet

    def config(self, storage: str | None = None, base_url: str | None = None) -> Config:
        return load_show(self.config_path, storage, base_url)

    def log(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)

    def progress(self, label: str) -> Progress:
        """A progress bar on stderr, only for humans watching a terminal; sized on first use."""
        bars: list[Any] = []
        done = [0.0]

        def advance(seconds: float, total: float) -> None:
            if self.quiet or not sys.stderr.isatty() or total <= 0:
                return
            if not bars:
                bars.append(click.progressbar(length=int(total), label=label, file=sys.stderr))
            done[0] += seconds
            bars[0].update(int(done[0]) - bars[0].pos)
            if bars[0].pos >= int(total):
                bars[0].render_finish()

        return advance


def handles_errors(command: F) -> F:
    """PodpubError → every problem on stderr, exit 1; a traceback only with -v."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state = click.get_current_context().find_object(State)
        try:
            return command(*args, **kwargs)
        except PodpubError as exc:
            if state and state.verbose:
                raise
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo(
                "interrupted: nothing half-written was left; run the command again", err=True
            )
            sys.exit(130)
        except Exception as exc:  # a bug of ours: say so plainly, the traceback only with -v
            if state and state.verbose:
                raise
            click.echo(
                f"error: internal error ({type(exc).__name__}: {exc}); run with -v and report it",
                err=True,
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


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


pass_state = click.make_pass_decorator(State)


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
        _print_json({"ok": False, "errors": [vars(p) for p in exc.problems], "warnings": []})
        sys.exit(1)
    if as_json:
        _print_json(
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
@click.option(
    "--storage", envvar="PODPUB_STORAGE", help="Storage URL (file://DIR or s3://BUCKET/PREFIX)."
)
@click.option(
    "--base-url", envvar="PODPUB_BASE_URL", help="Public URL under which stored objects are served."
)
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
        _show_plan(make_plan(config, slugs, allow=allow), as_json)
        return
    report = publish(config, slugs, log=state.log, progress=state.progress, allow=allow)
    if as_json:
        _print_json(vars(report))
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
@click.option(
    "--storage", envvar="PODPUB_STORAGE", help="Storage URL (file://DIR or s3://BUCKET/PREFIX)."
)
@click.option(
    "--base-url", envvar="PODPUB_BASE_URL", help="Public URL under which stored objects are served."
)
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
    _show_plan(make_plan(state.config(storage, base_url), slugs), as_json)


def _show_plan(plan: Plan, as_json: bool) -> None:
    if as_json:
        _print_json(vars(plan) | {"episodes": [vars(e) for e in plan.episodes]})
    else:
        click.echo(f"plan for {plan.storage} (nothing has been changed)")
        for episode in plan.episodes:
            click.echo(f"  {episode.slug}: {episode.render}")
            for key, action in episode.objects.items():
                click.echo(f"      {action}: {key}")
        for title in plan.added:
            released = " (released: its date has come)" if title in plan.released else ""
            click.echo(f"  feed + {title}{released}")
        for title, changes in plan.changed.items():
            click.echo(f"  feed ~ {title}: " + "; ".join(changes))
        for title in plan.removed:
            click.echo(f"  feed - {title}")
        for refusal in plan.refused:
            click.echo(f"error: {refusal}", err=True)
    if plan.refused:
        sys.exit(1)


@main.command("feed")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here instead of stdout.",
)
@click.option(
    "--base-url", envvar="PODPUB_BASE_URL", help="Public URL under which stored objects are served."
)
@click.option(
    "--upload",
    is_flag=True,
    help="Publish what has come due (scheduled episodes) and write the feed to storage.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="With --upload or -o: a JSON summary on stdout."
)
@click.option(
    "--storage", envvar="PODPUB_STORAGE", help="Storage URL (file://DIR or s3://BUCKET/PREFIX)."
)
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
            _print_json(vars(report))
        else:
            _summarize(state, report)
        return
    feed = render_feed(config)
    if output is None:
        sys.stdout.buffer.write(feed)
        return
    write_atomic(output, feed)
    if as_json:
        _print_json({"feed": str(output), "bytes": len(feed)})
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
        _print_json({"ok": not errors, "findings": [{"feed": k, **vars(f)} for k, f in findings]})
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


@main.command("loudness")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array on stdout.")
@pass_state
@handles_errors
def loudness_command(state: State, files: tuple[Path, ...], as_json: bool) -> None:
    """Measure integrated loudness, LRA, true peak, sample peak and duration (BS.1770-4).

    Example: podpub loudness public/*.mp3 --json
    """
    from podpub.audio.render import loudness_row, measure_file

    rows = [loudness_row(path, measure_file(path)) for path in files]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        click.echo(_loudness_line(row))


@main.command("normalize")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--preset", type=click.Choice(sorted(PRESETS)), help="Loudness preset (default: apple)."
)
@click.option("--target", type=click.FloatRange(-40, -5), help="Integrated loudness target, LUFS.")
@click.option("--true-peak", type=click.FloatRange(-9, 0), help="True-peak ceiling, dBTP.")
@click.option("--bitrate", help="MP3 bitrate, e.g. 128k (mono output uses it too).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print before/after figures as JSON on stdout."
)
@pass_state
@handles_errors
def normalize_command(
    state: State,
    source: Path,
    output: Path,
    preset: str | None,
    target: float | None,
    true_peak: float | None,
    bitrate: str | None,
    as_json: bool,
) -> None:
    """Render one file exactly as publish does and report the before/after figures.

    Example: podpub normalize raw.wav episode.mp3 --preset speech --bitrate 96k
    """
    from podpub.audio.render import audio_settings, loudness_row, normalize_file

    settings = audio_settings(preset, target, true_peak, bitrate, output)
    result = normalize_file(source, output, settings, state.progress(f"normalizing {source.name}"))
    report: dict[str, Any] = {
        "before": loudness_row(source, result.before),
        "after": loudness_row(output, result.after),
        "gain_db": round(result.gain_db, 2),
        "limiter_max_reduction_db": round(-result.limiter_min_gain_db, 2),
    }
    if as_json:
        _print_json(report)
        return
    click.echo(f"before  {_loudness_line(report['before'])}")
    click.echo(f"after   {_loudness_line(report['after'])}")
    click.echo(
        f"gain {report['gain_db']:+.2f} dB, limiter up to -{report['limiter_max_reduction_db']:.2f} dB"
    )


def _loudness_line(row: dict[str, Any]) -> str:
    def fmt(value: float | None, unit: str) -> str:
        return f"{value:7.2f} {unit}" if value is not None else f"{'-inf':>7} {unit}"

    return (
        f"{fmt(row['integrated_lufs'], 'LUFS')}  LRA {fmt(row['lra_lu'], 'LU')}  "
        f"TP {fmt(row['true_peak_dbtp'], 'dBTP')}  SP {fmt(row['sample_peak_dbfs'], 'dBFS')}  "
        f"{row['duration_s']:8.2f} s  {row['file']}"
    )


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


def _print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
