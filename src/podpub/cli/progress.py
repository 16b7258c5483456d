"""Progress on stderr, for humans: on a terminal, a bar per running task (rich) and, for many
renders at once, an overall bar (episodes done, hours of audio done, time left) with a line
above the bars for each finished episode; elsewhere (CI logs) only that line, with the same
figures. Nothing with -q."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from podpub.callbacks import Progress as Advance

if TYPE_CHECKING:  # rich is imported when a bar is first shown: 60 ms no run with -q needs
    from rich.progress import Progress, TaskID


@dataclass
class Tally:
    """The whole of a batch: its episodes and seconds of audio, how much is done."""

    what: str
    episodes: int
    seconds: float
    started: float
    finished: int = 0
    done: float = 0.0  # seconds of audio

    def left(self) -> str:
        """Time left, from the pace so far (hours of audio per hour of wall time)."""
        elapsed = time.monotonic() - self.started
        if self.done <= 0 or elapsed <= 0:
            return "time left unknown"
        seconds = (self.seconds - self.done) * elapsed / self.done
        if self.finished >= self.episodes or seconds <= 0:  # the durations are rounded
            return "all done"
        return f"about {_duration(seconds)} left"

    def line(self) -> str:
        return (
            f"{self.finished}/{self.episodes} episodes, {self.done / 3600:.2f} of "
            f"{self.seconds / 3600:.2f} h of audio, {self.left()}"
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Display:
    """The CLI's ProgressFactory (`bar`), Batch (`start`, `advance`, `finished`) and log."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.terminal = sys.stderr.isatty()
        self.bars: Progress | None = None
        self.overall: TaskID | None = None
        self.tally: Tally | None = None

    def log(self, message: str) -> None:
        if self.quiet:
            return
        if self.bars:  # above the bars, which stay at the bottom
            self.bars.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(message, err=True)

    def bar(self, label: str) -> Advance | None:
        """A bar for one task, shown from its first progress until it is complete."""
        if self.quiet or not self.terminal:
            return None
        task: list[TaskID] = []
        done = [0.0]

        def advance(amount: float, total: float) -> None:
            if total <= 0:
                return
            bars = self._bars()
            if not task:
                task.append(bars.add_task(label, total=total, hours=""))
            done[0] += amount
            bars.update(task[0], total=total, completed=done[0])
            if done[0] >= total:
                bars.remove_task(task.pop())
                done[0] = 0.0

        return advance

    def start(self, what: str, episodes: int, seconds: float) -> None:
        self.tally = Tally(what, episodes, seconds, time.monotonic())
        if self.quiet or not self.terminal:
            return
        bars = self._bars()
        if self.overall is not None:
            bars.remove_task(self.overall)
        self.overall = bars.add_task(self._title(), total=seconds, hours=self._hours())

    def advance(self, seconds: float) -> None:
        if self.tally:
            self.tally.done += seconds
        if self.bars and self.overall is not None:
            self.bars.update(self.overall, advance=seconds, hours=self._hours())

    def finished(self, line: str) -> None:
        if self.tally:
            self.tally.finished += 1
        if self.bars and self.overall is not None:
            self.bars.update(self.overall, description=self._title())
            self.log(line)
            if self.tally and self.tally.finished >= self.tally.episodes:
                self.close()  # the whole is done: what is said next goes below its bar
        elif self.tally:
            self.log(f"{line}: {self.tally.line()}")

    def close(self) -> None:
        if self.bars:
            self.bars.stop()
            self.bars, self.overall = None, None

    def _title(self) -> str:
        assert self.tally is not None
        return f"{self.tally.what}: {self.tally.finished}/{self.tally.episodes} episodes"

    def _hours(self) -> str:
        tally = self.tally
        return f"{tally.done / 3600:.2f}/{tally.seconds / 3600:.2f} h of audio" if tally else ""

    def _bars(self) -> Progress:
        if self.bars is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bars = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}% {task.fields[hours]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self.bars.start()
        return self.bars
