"""The layout tells the architecture (docs/architecture.md): dependencies flow one way, modules
stay readable, and the architecture document names every module there is."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

SRC = REPO / "src" / "podpub"
# Lower layers never import higher ones; packages of one layer never import each other.
LAYERS = {
    "errors": 0,
    "files": 0,
    "callbacks": 0,
    "standards": 1,
    "show": 2,
    "audio": 3,
    "storage": 3,
    "feed": 3,
    "site": 3,
    "importing": 3,
    "notify": 3,
    "tags": 4,
    "publishing": 5,
    "cli": 6,
}


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.name not in {"__init__.py", "__main__.py"})


def room(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def podpub_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("podpub."):
            found.append(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found += [a.name.split(".")[1] for a in node.names if a.name.startswith("podpub.")]
    return found


def test_every_room_has_a_layer() -> None:
    assert {room(p) for p in modules()} <= LAYERS.keys()


def test_imports_never_run_back_up_the_layers() -> None:
    wrong = [
        f"{path.relative_to(SRC)} imports podpub.{target}"
        for path in modules()
        for target in podpub_imports(path)
        if target != room(path) and LAYERS[target] >= LAYERS[room(path)]
    ]
    assert wrong == []


def test_modules_and_functions_stay_short() -> None:
    long = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 400:
            long.append(f"{path.relative_to(SRC)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 50:
                    long.append(f"{path.relative_to(SRC)}: {node.name}() is {length} lines")
    assert long == []


def test_the_architecture_document_names_every_module() -> None:
    """Each module is named in the document, on a line that names its room ('audio/ …
    decode.py') or with its whole path."""
    lines = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines()

    def named(path: Path) -> bool:
        relative = path.relative_to(SRC)
        room_name = f"{relative.parts[0]}/" if len(relative.parts) > 1 else ""
        return any(
            str(relative) in line or (f"`{path.name}`" in line and room_name in line)
            for line in lines
        )

    assert [str(p.relative_to(SRC)) for p in modules() if not named(p)] == []
