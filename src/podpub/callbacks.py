"""How the library reports while it works, without printing: the CLI passes these in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

# One line for a human (the CLI prints it on stderr unless -q).
Log = Callable[[str], None]
# (amount just done, total amount): seconds of audio for a render (two passes, so the total is
# twice the duration), bytes for an upload.
Progress = Callable[[float, float], None]
# A progress callback for a labelled task ("rendering <slug>"), or None when nobody watches.
ProgressFactory = Callable[[str], Progress | None]


class Batch(Protocol):
    """Long work watched as a whole (many renders at once): how much there is, how much of
    it is done, and each episode as it finishes. Seconds are of audio."""

    def start(self, what: str, episodes: int, seconds: float) -> None:
        """`episodes` episodes, `seconds` of audio in all, are about to be `what` (rendered)."""
        ...

    def advance(self, seconds: float) -> None:
        """Running work has covered this many more seconds of audio."""
        ...

    def finished(self, line: str) -> None:
        """One episode is done; `line` says what became of it."""
        ...


def quiet(_: str) -> None:
    """A Log that says nothing."""


def unwatched(_: str) -> None:
    """A ProgressFactory for work nobody watches."""
