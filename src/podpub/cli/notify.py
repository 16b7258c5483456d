"""`podpub notify`: tell the apps now that the feed changed (when something other than publish
changed it, or when a notification failed)."""

from __future__ import annotations

import sys

import click

from podpub.cli.common import State, base_url_option, handles_errors, pass_state, print_json
from podpub.notify import notify_all


@click.command("notify")
@base_url_option
@click.option("--json", "as_json", is_flag=True, help="Print what was sent as JSON on stdout.")
@pass_state
@handles_errors
def notify_command(state: State, base_url: str | None, as_json: bool) -> None:
    """Send the [notify] notifications for the show's feed now: WebSub hubs, Podcast Index,
    Podping (with PODPUB_PODPING_TOKEN). Exit 1 when one fails after its retries.

    Example: podpub notify
    """
    config = state.config(base_url=base_url)
    outcomes = notify_all(config)
    if as_json:
        sent = [
            {
                "target": o.notification.target,
                "request": o.notification.describe(),
                "ok": o.ok,
                "detail": o.detail,
            }
            for o in outcomes
        ]
        print_json({"feed": config.feed_url, "sent": sent})
    elif not outcomes:
        state.log("nothing to notify: [notify] names no service and PODPUB_PODPING_TOKEN is unset")
    for outcome in outcomes:
        if outcome.ok:
            state.log(f"notified: {outcome}")
        else:
            click.echo(f"error: notify: {outcome}", err=True)
    if not all(o.ok for o in outcomes):
        sys.exit(1)
