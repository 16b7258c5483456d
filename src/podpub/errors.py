"""One exception tree. Every message starts with the file (and field) it is about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Self


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where it is and what is wrong."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class PodpubError(Exception):
    """Base of every error podpub reports to a human; carries one or more problems."""

    def __init__(self, *problems: Problem | str) -> None:
        self.problems = [p if isinstance(p, Problem) else Problem("podpub", p) for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[PodpubError], tuple[Problem, ...]]:
        # keep the problems when the error crosses a process boundary (parallel measuring)
        return self.__class__, tuple(self.problems)

    @classmethod
    def at(cls, where: str | Path, message: str) -> Self:
        return cls(Problem(str(where), message))


class ConfigError(PodpubError):
    pass


class EpisodeError(PodpubError):
    pass


class AudioError(PodpubError):
    pass


class TagError(PodpubError):
    pass


class StorageError(PodpubError):
    pass


class StorageConflict(StorageError):
    """A conditional write lost: someone else changed the object since we read it."""


class FeedError(PodpubError):
    pass


class Problems:
    """Collects problems so that validation reports all of them at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, where: str | Path, message: str) -> None:
        self.items.append(Problem(str(where), message))

    def warn(self, where: str | Path, message: str) -> None:
        self.warnings.append(Problem(str(where), message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_as(self, error: type[PodpubError]) -> None:
        if self.items:
            raise error(*self.items)
