"""Sending the notifications: all at once, each retried with backoff while its time budget
lasts, so that a failing or hanging server costs at most that budget and never an exception.
The standard library's urllib is enough for a handful of small requests."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from podpub.notify.targets import USER_AGENT, Notification, notifications
from podpub.show.config import Config

ATTEMPTS = 3
BACKOFF_S = 0.5  # before the second attempt; doubled before each next one
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}  # worth another try; other refusals are final


@dataclass(frozen=True)
class Outcome:
    notification: Notification
    ok: bool
    detail: str  # "HTTP 204 (attempt 1)", "HTTP 500 after 3 attempts"…

    def __str__(self) -> str:
        return f"{self.notification.describe()}: {self.detail}"


def notify_all(config: Config) -> list[Outcome]:
    """Tell every service [notify] names that the show's feed changed, now."""
    return send_all(notifications(config), config.notify.timeout_s)


def send_all(requests: list[Notification], timeout_s: float) -> list[Outcome]:
    """Send every notification in parallel; the outcomes come back in the same order."""
    if not requests:
        return []
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda n: send(n, timeout_s), requests))


def send(notification: Notification, timeout_s: float) -> Outcome:
    """At most ATTEMPTS tries within `timeout_s` seconds in all, waits included."""
    deadline = time.monotonic() + timeout_s
    wait, failure = BACKOFF_S, "not sent"
    for attempt in range(1, ATTEMPTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        status, failure = _attempt(notification, remaining)
        if status is not None and 200 <= status < 300:
            return Outcome(notification, True, f"HTTP {status} (attempt {attempt})")
        if status is not None and status not in RETRYABLE:
            return Outcome(notification, False, failure)
        if attempt < ATTEMPTS and deadline - time.monotonic() > wait:
            time.sleep(wait)
            wait *= 2
        else:
            return Outcome(notification, False, f"{failure} after {attempt} attempt(s)")
    return Outcome(notification, False, f"{failure}; gave up after {timeout_s:g} s")


def _attempt(notification: Notification, timeout: float) -> tuple[int | None, str]:
    """(HTTP status or None, what went wrong). Messages never quote a header."""
    request = urllib.request.Request(
        notification.url,
        data=notification.body,
        method=notification.method,
        headers={"User-Agent": USER_AGENT, **notification.headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), ""  # the status is the answer: no body is read
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"no answer ({reason})"
