"""The README's examples for many machines are complete files a host can copy: the GitHub
Actions workflow is valid against GitHub's workflow schema (as check-jsonschema vendors it), the
Kubernetes Indexed Job against Kubernetes' own schemas (kubernetes-validate, strict), and every
podpub command line in them parses with podpub's own options."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import kubernetes_validate
import pytest
import yaml

from podpub.cli.main import main
from tests.conftest import REPO

WORKFLOW = "# .github/workflows/catalog.yml"
KUBERNETES = "# podpub-render.yaml"
# Shell words in the examples, as they expand on a machine.
EXPANSIONS = {
    '"${{ matrix.shard }}/$SHARDS"': "3/16",
    '"$shard/$SHARDS"': "3/16",
    '"$shard"': "3/16",
    "$slugs": "2020-01-01-one 2020-01-02-two",
    "$replace": "--replace-audio 2020-01-01-one",
}


def example(first_line: str) -> str:
    """The README's YAML block that starts with `first_line`."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    found = [b for b in blocks if b.startswith(first_line + "\n")]
    assert len(found) == 1, first_line
    return found[0]


def check_workflow(text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "catalog.yml"
    path.write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "check_jsonschema"]
    command += ["--builtin-schema", "vendor.github-workflows", str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_the_workflow_is_a_valid_github_workflow(tmp_path: Path) -> None:
    text = example(WORKFLOW)
    result = check_workflow(text, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    workflow = yaml.safe_load(text)
    jobs = workflow["jobs"]
    assert jobs["render"]["needs"] == "shards" and jobs["publish"]["needs"] == "render"
    assert "matrix.shard" in str(jobs["render"]["steps"])
    # the check can fail: one misspelled key and the schema refuses the file
    broken = check_workflow(text.replace("runs-on:", "run-on:", 1), tmp_path)
    assert broken.returncode != 0


def test_the_kubernetes_job_is_a_valid_indexed_job() -> None:
    manifest = yaml.safe_load(example(KUBERNETES))
    version = kubernetes_validate.utils.latest_version()
    kubernetes_validate.validate(manifest, version, strict=True)
    spec = manifest["spec"]
    assert manifest["kind"] == "Job" and spec["completionMode"] == "Indexed"
    container = spec["template"]["spec"]["containers"][0]
    shards = next(e["value"] for e in container["env"] if e["name"] == "SHARDS")
    assert int(shards) == spec["completions"]
    assert "JOB_COMPLETION_INDEX + 1" in container["args"][0]
    spec["parallelizm"] = 16
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(manifest, version, strict=True)


def podpub_commands(text: str) -> list[list[str]]:
    """Every `podpub …` command line in an example, its shell words expanded."""
    commands = []
    for line in re.findall(r"podpub (?:render|publish)[^\n;|&)#]*", text):
        for word, value in EXPANSIONS.items():
            line = line.replace(word, value)
        commands.append(shlex.split(line)[1:])
    return commands


@pytest.mark.parametrize("first_line", [WORKFLOW, KUBERNETES])
def test_every_podpub_command_in_the_examples_parses(first_line: str) -> None:
    commands = podpub_commands(example(first_line))
    assert {c[0] for c in commands} >= {"render"}
    for name, *args in commands:
        command = main.get_command(click.Context(main), name)
        assert command is not None, name
        context: Any = command.make_context(name, list(args))
        assert isinstance(context, click.Context)
        if "--shard" in args:
            assert str(context.params["shard"]) == "3/16"
