"""Several renders at once, each in a process of its own: `podpub render --jobs N` and `publish
--jobs N` (pass 1 while validating, pass 2 in the render step) share this one mechanism.

Processes, because the limiter is Python and holds the GIL. A worker renders one episode at a
time, so each render keeps the memory it has alone; workers are spawned (a fresh interpreter
inherits none of this one's threads, locks or storage clients). Each leaves a different core to
its encoder (audio/encode.py `share_cores`). With one job, tasks run in this process, as before.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from podpub.callbacks import Batch, Progress, ProgressFactory
from podpub.errors import AudioError, PodpubError

T = TypeVar("T")
TICK_S = 0.2  # a worker sends its progress at most this often
MEMORY_PER_RENDER = 400 * 1024 * 1024  # bytes: a render's peak, with room (see `make bench`)


@dataclass(frozen=True)
class Task(Generic[T]):
    """One episode's work: `function(*args, progress)`, a module-level function (it crosses to
    a worker process), reporting `work` units in all (seconds of audio times passes)."""

    label: str  # its bar: "rendering <slug>"
    seconds: float  # of audio: what the overall bar counts
    work: float
    function: Callable[..., T]
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Outcome(Generic[T]):
    task: Task[T]
    value: T | None = None
    error: PodpubError | None = None


@dataclass(frozen=True)
class Workers:
    """How many renders run at once, and who watches the whole."""

    jobs: int = 1
    batch: Batch | None = None

    def finished(self, line: str) -> None:
        if self.batch:
            self.batch.finished(line)


ONE = Workers()


def default_jobs() -> int:
    """As many renders as this machine has cores (its share: affinity, a container's CPU
    quota), fewer when memory is short. A render keeps about 1.5 cores busy (its limiter and
    meters, and its encoder), so one render per core keeps every core fed; on two cores the
    second render adds little (see the README's figures) but costs nothing."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = min(cores or 1, _cpu_quota() or cores or 1)
    return max(1, min(cores, _available_memory() // MEMORY_PER_RENDER))


def _cpu_quota() -> int | None:
    """The cgroup v2 CPU limit (a Kubernetes `limits.cpu`, `docker --cpus`), rounded up."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        return None if quota == "max" else max(1, -(-int(quota) // int(period)))
    except (OSError, ValueError):
        return None


def _available_memory() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 1 << 40  # not Linux: do not let memory decide


def run(
    tasks: list[Task[T]], workers: Workers, progress: ProgressFactory, what: str
) -> Iterator[Outcome[T]]:
    """Each task's outcome as it finishes (in any order); a PodpubError is its outcome, not
    raised. `what` the tasks do, for the overall bar ("rendering")."""
    watch = _Watch(tasks, progress, workers.batch)
    if workers.batch and tasks:
        workers.batch.start(what, len(tasks), sum(t.seconds for t in tasks))
    if workers.jobs <= 1 or len(tasks) <= 1:
        yield from _here(tasks, watch)
    else:
        yield from _in_processes(tasks, min(workers.jobs, len(tasks)), watch)


@dataclass
class _Watch:
    """Each task's bar, made when its first progress arrives, and the overall count."""

    tasks: list[Task[Any]]
    progress: ProgressFactory
    batch: Batch | None
    bars: dict[int, Progress | None] = field(default_factory=dict)
    done: dict[int, float] = field(default_factory=dict)

    def tick(self, index: int, amount: float) -> None:
        task = self.tasks[index]
        if index not in self.bars:
            self.bars[index] = self.progress(task.label)
        if index not in self.done:
            self.done[index] = 0.0
        amount = min(amount, task.work - self.done[index])  # a third encode counts no more
        if amount <= 0:
            return
        self.done[index] += amount
        if bar := self.bars[index]:
            bar(amount, task.work)
        if self.batch:
            self.batch.advance(amount / task.work * task.seconds)

    def finish(self, index: int) -> None:
        task = self.tasks[index]
        self.tick(index, task.work - self.done.get(index, 0.0))
        self.done[index] = float("inf")  # ticks still on their way count no more


def _here(tasks: list[Task[T]], watch: _Watch) -> Iterator[Outcome[T]]:
    for index, task in enumerate(tasks):

        def tick(amount: float, _total: float, index: int = index) -> None:
            watch.tick(index, amount)

        try:
            outcome = Outcome(task, task.function(*task.args, tick))
        except PodpubError as exc:
            outcome = Outcome(task, error=exc)
        watch.finish(index)
        yield outcome


def _in_processes(tasks: list[Task[T]], jobs: int, watch: _Watch) -> Iterator[Outcome[T]]:
    context = multiprocessing.get_context("spawn")
    ticks: Any = context.Queue()
    rank: Any = context.Value("i", 0)
    pool = ProcessPoolExecutor(
        jobs, context, initializer=_start_worker, initargs=(ticks, rank, os.getpid())
    )
    try:
        futures = {pool.submit(_work, i, t.function, t.args): i for i, t in enumerate(tasks)}
        pending: set[Future[T]] = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=TICK_S, return_when=FIRST_COMPLETED)
            _drain(ticks, watch)
            for future in finished:
                index = futures[future]
                watch.finish(index)
                yield _outcome(tasks[index], future)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        ticks.close()


def _drain(ticks: Any, watch: _Watch) -> None:
    while True:
        try:
            index, amount = ticks.get_nowait()
        except queue.Empty:
            return
        watch.tick(index, amount)


def _outcome(task: Task[T], future: Future[T]) -> Outcome[T]:
    try:
        return Outcome(task, future.result())
    except PodpubError as exc:
        return Outcome(task, error=exc)
    except BrokenProcessPool:
        message = "its render process died (killed, or out of memory: try fewer --jobs)"
        return Outcome(task, error=AudioError.at(task.label, message))


# In a worker process: where progress goes, and the parent that watches it.
_ticks: Any = None
_parent = 0


class _Orphaned(BaseException):
    """The parent is gone (killed): stop this render, cleaning up as an error would."""


def _start_worker(ticks: Any, rank: Any, parent: int) -> None:
    from podpub.audio.encode import share_cores

    global _ticks, _parent
    _ticks, _parent = ticks, parent
    with rank.get_lock():
        share_cores(rank.value)
        rank.value += 1


def _work(index: int, function: Callable[..., T], args: tuple[Any, ...]) -> T:
    unsent, sent_at = [0.0], [time.monotonic()]

    def progress(amount: float, _total: float) -> None:
        if os.getppid() != _parent:
            raise _Orphaned
        unsent[0] += amount
        if time.monotonic() - sent_at[0] >= TICK_S:
            _ticks.put((index, unsent[0]))
            unsent[0], sent_at[0] = 0.0, time.monotonic()

    try:
        return function(*args, progress)
    except _Orphaned:
        os._exit(1)  # the render's own clean-up has run: nothing left for anyone to use
    finally:
        if unsent[0]:
            _ticks.put((index, unsent[0]))
