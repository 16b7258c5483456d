"""Telling podcast apps at once that the feed changed: WebSub hubs, Podcast Index, Podping."""

from podpub.notify.send import Outcome, notify_all, send_all
from podpub.notify.targets import Notification, notifications

__all__ = ["Notification", "Outcome", "notifications", "notify_all", "send_all"]
