"""How the library reports while it works, without printing: the CLI passes these in."""

from __future__ import annotations

from collections.abc import Callable

# One line for a human (the CLI prints it on stderr unless -q).
Log = Callable[[str], None]
# (amount just done, total amount): seconds of audio for a render (two passes, so the total is
# twice the duration), bytes for an upload.
Progress = Callable[[float, float], None]
# A progress callback for a labelled task ("rendering <slug>"), or None when nobody watches.
ProgressFactory = Callable[[str], Progress | None]


def quiet(_: str) -> None:
    """A Log that says nothing."""
