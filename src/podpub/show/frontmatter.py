"""episode.md's two parts: YAML front matter between '---' lines, then Markdown notes.

The YAML is composed into nodes before it becomes data, so that what PyYAML would accept
silently is refused with its line: aliases (a few lines of them expand into gigabytes, the
"billion laughs"), a key given twice (the last would win unseen), and characters XML cannot
carry, written as escapes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from podpub.errors import Problems
from podpub.show.fields import describe
from podpub.standards.text import first_bad_line, not_xml_character

# libyaml's safe loader when PyYAML was built with it (10× faster on a 5,000-episode show)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
HEADER_LINE = 2  # the front matter starts on the file's second line, after '---'


def read_front_matter(path: Path, problems: Problems) -> tuple[dict[str, Any], str] | None:
    """(front matter, notes), or None with the problem recorded."""
    text = _read_text(path, problems)
    if text is None:
        return None
    if bad := first_bad_line(text):
        line, code = bad
        problems.add(path, f"line {line} contains the character {code}, which no feed can carry")
        return None
    if not text.startswith("---\n") or "\n---" not in text[3:]:
        problems.add(path, "must start with YAML front matter between two '---' lines")
        return None
    header, _, notes = text[4:].partition("\n---")
    meta = _parse_yaml(path, header, problems)
    if meta is None:
        return None
    return meta, notes.partition("\n")[2].strip() + "\n"


def _read_text(path: Path, problems: Problems) -> str | None:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(path, f"is not UTF-8 text (byte {exc.start}); save it as UTF-8")
        return None
    except OSError as exc:
        problems.add(path, f"cannot be read: {exc.strerror}")
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def _parse_yaml(path: Path, header: str, problems: Problems) -> dict[str, Any] | None:
    loader = SAFE_LOADER(header)
    try:
        node = loader.get_single_node()
        before = len(problems.items)
        if node is not None:
            _check_nodes(node, path, problems, set(), "")
        if len(problems.items) > before:
            return None
        meta = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + HEADER_LINE})" if mark else ""
        problems.add(path, f"front matter is not valid YAML{line}: {getattr(exc, 'problem', exc)}")
        return None
    except RecursionError:
        problems.add(path, "front matter nests lists or mappings too deeply to be episode fields")
        return None
    finally:
        loader.dispose()
    if not isinstance(meta, dict):
        problems.add(path, f"front matter must be a mapping of fields, found {describe(meta)}")
        return None
    return meta


def _check_nodes(node: Any, path: Path, problems: Problems, seen: set[int], field: str) -> None:
    """Refuse aliases, repeated keys and unfeedable text; each node is visited once."""
    line = node.start_mark.line + HEADER_LINE
    if id(node) in seen:
        problems.add(
            f"{path}: {field}",
            f"line {line} reuses a value with a YAML alias (*name); write the value out",
        )
        return
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        if code := not_xml_character(node.value):
            problems.add(
                f"{path}: {field}",
                f"line {line} contains the character {code}, which no feed can carry",
            )
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value, start=1):
            _check_nodes(item, path, problems, seen, f"{field}[{index}]")
    elif isinstance(node, yaml.MappingNode):
        _check_mapping(node, path, problems, seen, field)


def _check_mapping(node: Any, path: Path, problems: Problems, seen: set[int], field: str) -> None:
    keys: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + HEADER_LINE
        name = f"{field}.{key}" if field else key
        if key in keys:
            problems.add(
                f"{path}: {name}",
                f"is given twice (lines {keys[key]} and {line}); keep one",
            )
        keys[key] = line
        _check_nodes(value_node, path, problems, seen, name)
