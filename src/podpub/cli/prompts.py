"""The show's answers for `podpub init` and `podpub import`: from flags, else asked on the
terminal (each answer checked at once, the question asked again until it is right), else a
default; a required one that nobody gave is a usage error naming its flag."""

from __future__ import annotations

import locale
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from podpub.show.newshow import CHECKS, category_list, cover_problems, split_categories


@dataclass(frozen=True)
class Ask:
    field: str  # a ShowAnswers field
    flag: str
    question: str
    required: bool = False
    default: Callable[[dict[str, Any]], Any] | None = None  # from the answers so far


def _locale_language(_: dict[str, Any]) -> str | None:
    code = (locale.getlocale()[0] or "").partition("_")[0]
    return code if code and CHECKS["language"](code) is None else None


ASKS = (
    Ask("title", "--title", "Show title", required=True),
    Ask("description", "--description", "One-paragraph description", default=lambda a: a["title"]),
    Ask("author", "--author", "Author (shown under the title)", required=True),
    Ask("owner_name", "--owner-name", "Owner's name", default=lambda a: a["author"]),
    Ask("email", "--email", "Owner's email (Apple verifies the show with it)", required=True),
    Ask("language", "--language", "Language (ISO 639: fr, en-US…)", True, _locale_language),
    Ask("categories", "--category", "Categories ('?' lists Apple's)", required=True),
    Ask("explicit", "--explicit", "Explicit content", default=lambda _: False),
    Ask("type", "--type", "Type (episodic or serial)", default=lambda _: "episodic"),
    Ask("base_url", "--base-url", "Public base URL (where listeners fetch files)", required=True),
    Ask("link", "--link", "The show's web page", default=lambda a: a["base_url"]),
    Ask(
        "storage",
        "--storage",
        "Storage (file://FOLDER or s3://BUCKET/PREFIX)",
        default=lambda _: "file://public",
    ),
)


def gather(
    given: dict[str, Any], asks: tuple[Ask, ...], interactive: bool, ask_optional: bool = True
) -> dict[str, Any]:
    """Every answer: the flag's (checked), else the host's (asked until valid), else the
    default. Without a terminal to ask on, a missing required answer is a usage error.
    `ask_optional` off: only what is required and missing is asked (import)."""
    answers: dict[str, Any] = {}
    for ask in asks:
        value = given.get(ask.field)
        if value is not None:
            answers[ask.field] = _checked(ask, value)
            continue
        default = ask.default(answers) if ask.default else None
        if interactive and (ask_optional or (ask.required and default is None)):
            try:
                answers[ask.field] = _prompt(ask, default)
                continue
            except click.Abort:  # the input ended: a script without --yes
                interactive = False
        if default is None and ask.required:
            raise click.UsageError(f"missing {ask.flag}: {ask.question.lower()} is required")
        if default is not None:
            answers[ask.field] = default
    return answers


def _checked(ask: Ask, value: Any) -> Any:
    if ask.field == "categories" and isinstance(value, tuple):
        value = ", ".join(value)
    if isinstance(value, str) and (problem := _problem(ask.field, value)):
        raise click.BadParameter(problem, param_hint=ask.flag)
    return split_categories(value) if ask.field == "categories" else value


def _problem(field: str, value: str) -> str | None:
    check = CHECKS.get(field)
    return check(value) if check else None


def _prompt(ask: Ask, default: Any) -> Any:
    if ask.field == "explicit":
        return click.confirm(ask.question, default=bool(default), err=True)

    def check(text: str) -> str:
        if ask.field == "categories" and text.strip() == "?":
            raise click.BadParameter("Apple's categories (Category/Sub):\n" + category_list())
        if problem := _problem(ask.field, text):
            raise click.BadParameter(problem)
        return text.strip()

    answer = click.prompt(ask.question, default=default, value_proc=check, err=True)
    return split_categories(answer) if ask.field == "categories" else answer


def ask_cover(given: Path | None, folder: Path, interactive: bool) -> Path | None:
    """The cover picture: the flag's, else one already in the folder, else asked for (empty:
    the host adds it later, and init says what it must be)."""
    if given is not None:
        if problems := cover_problems(given):
            raise click.BadParameter("; ".join(problems), param_hint="--image")
        return given
    existing = [folder / name for name in ("cover.jpg", "cover.png") if (folder / name).is_file()]
    if existing or not interactive:
        return existing[0] if existing else None

    def check(text: str) -> str:
        if text.strip() and (problems := cover_problems(Path(text.strip()).expanduser())):
            raise click.BadParameter("; ".join(problems))
        return text.strip()

    try:
        answer = click.prompt(
            "Cover picture (path; empty to add cover.jpg later)",
            default="",
            show_default=False,
            value_proc=check,
            err=True,
        )
    except click.Abort:
        return None
    return Path(answer).expanduser() if answer else None
