"""Typed reads from a TOML table or YAML mapping that record problems instead of raising.

Config and episode validation both read user-written mappings; this keeps every message in one
shape: "<file>: <field>: what was found, what is allowed".
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from podpub.errors import Problems
from podpub.standards.text import not_xml_character, url_problem

_MISSING = object()


def describe(value: object) -> str:
    """A short, human description of a found value."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Fields:
    """Reads fields of one mapping, recording a problem for each wrong one."""

    def __init__(
        self, data: Mapping[str, Any], where: str, problems: Problems, prefix: str = ""
    ) -> None:
        self.data = data
        self.where = where
        self.problems = problems
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def fail(self, key: str, message: str) -> None:
        self.problems.add(f"{self.where}: {self.name(key)}", message)

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key, _MISSING)
        if value is _MISSING and required:
            self.fail(key, "is required but missing")
        return value

    def text(self, key: str, default: str | None = None, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"expected non-empty text, found {describe(value)}")
            return default
        return value.strip()

    def url(self, key: str, required: bool = False) -> str | None:
        """An http(s) link: the only kind a feed or a page may offer its readers."""
        value = self.text(key, required=required)
        if value is not None and (problem := url_problem(value)):
            self.fail(key, problem)
            return None
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, found {describe(value)}")
            return default
        return value

    def number(
        self, key: str, default: float, low: float | None = None, high: float | None = None
    ) -> float:
        value = self._get(key, False)
        if value is _MISSING:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fail(key, f"expected a number, found {describe(value)}")
            return default
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail(key, f"{value} is out of range; allowed: {low} to {high}")
            return default
        return float(value)

    def integer(
        self, key: str, default: int | None = None, low: int | None = None, high: int | None = None
    ) -> int | None:
        value = self._get(key, False)
        if value is _MISSING or value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected a whole number, found {describe(value)}")
            return default
        if low is not None and value < low:
            self.fail(key, f"must be at least {low}, found {value}")
            return default
        if high is not None and value > high:
            self.fail(key, f"must be at most {high}, found {value}")
            return default
        return value

    def choice(self, key: str, options: Collection[str], default: str) -> str:
        value = self._get(key, False)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or value not in options:
            allowed = ", ".join(sorted(options))
            self.fail(key, f"{describe(value)} is not allowed; choose one of: {allowed}")
            return default
        return str(value)

    def table(self, key: str) -> Fields:
        value = self._get(key, False)
        if value is _MISSING:
            value = {}
        elif not isinstance(value, Mapping):
            self.fail(key, f"expected a table of settings, found {describe(value)}")
            value = {}
        return Fields(value, self.where, self.problems, f"{self.name(key)}.")

    def check_unknown(
        self, allowed: Collection[str], *, warn: bool = False, handled: Collection[str] = ()
    ) -> None:
        """Report keys nobody reads, suggesting the nearest known key (typos are common)."""
        for key in self.data:
            if key in allowed or key in handled:
                continue
            near = difflib.get_close_matches(str(key), list(allowed), n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            message = f"unknown key{hint} (known: {', '.join(sorted(allowed))})"
            where = f"{self.where}: {self.name(str(key))}"
            if warn:
                self.problems.warn(where, message)
            else:
                self.problems.add(where, message)


def text_values(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, text) for every string in a tree of mappings and lists, e.g.
    ('podcast.funding[1].text', 'Soutenir')."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from text_values(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield from text_values(item, f"{path}[{index}]")


def check_feedable(
    data: Mapping[str, Any], where: str, problems: Problems, line: Callable[[str, str], int | None]
) -> None:
    """Every text value that could reach the feed holds only characters XML can carry; `line`
    finds the line of a field (path, bad character) in the file, for the message."""
    for path, text in text_values(data):
        if code := not_xml_character(text):
            found = line(path, code)
            at = f" (line {found})" if found else ""
            problems.add(
                f"{where}: {path}",
                f"{describe(text)} contains the character {code}{at}, which no feed can carry",
            )
