"""The last step of a publish: once the stored feed has changed, the apps are told at once
([notify]: WebSub hubs, Podcast Index, Podping). In a module of its own beside steps.py."""

from __future__ import annotations

from podpub.notify import notifications, notify_all
from podpub.publishing.plan import Plan
from podpub.publishing.steps import Run


class Notify:
    """A failure is a warning, never an error: the feed is stored and apps will find it when
    they poll; `podpub notify` sends the notifications again."""

    name = "notify"

    def actions(self, plan: Plan) -> list[str]:
        sent = [n.describe() for n in notifications(plan.config)]  # never a header's value
        live = plan.state.live.pages
        if sent and live and plan.pages[0][1] == live[0]:
            return ["nothing to send: the feed would not change"]
        return sent

    def run(self, run: Run) -> list[str]:
        if run.plan.config.storage.feed_key not in run.report.uploaded:
            return []  # the stored feed is unchanged: nothing new to tell
        if run.plan.config.notify.anything:
            run.log("telling the apps that the feed changed")
        done = []
        for outcome in notify_all(run.plan.config):
            if outcome.ok:
                run.report.notified.append(outcome.notification.describe())
                done.append(str(outcome))
            else:
                run.report.warnings.append(
                    f"notify: {outcome}; the feed is stored: `podpub notify` tries again"
                )
        return done
