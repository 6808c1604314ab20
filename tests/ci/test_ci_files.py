"""The CI integration that ships in the repository: `action.yml`, `.pre-commit-hooks.yaml` and
the copy-paste workflow of docs/ci.md, validated against the schemas their consumers publish."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from agentpol.cli import main
from validators._common import schema_problems, schema_validator

ROOT = Path(__file__).resolve().parents[2]


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_action_yml_validates_against_the_github_action_schema():
    action = _yaml(ROOT / "action.yml")
    assert schema_problems(schema_validator("github-action.json"), action, prefix="action") == []
    assert action["runs"]["using"] == "composite"
    names = [s["name"] for s in action["runs"]["steps"]]
    assert names[:4] == ["Set up Python", "Install agentpol", "Compile", "Check"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif")
               for s in action["runs"]["steps"])
    script = "\n".join(s.get("run", "") for s in action["runs"]["steps"])
    assert "--format sarif" in script and "--format markdown" in script
    assert "<!-- agentpol-diff -->" in script  # updates its one comment in place


def test_pre_commit_hooks_validate_and_run(monkeypatch, capsys):
    hooks = _yaml(ROOT / ".pre-commit-hooks.yaml")
    assert schema_problems(schema_validator("pre-commit-hooks.json"), hooks, prefix="hooks") == []
    assert {h["id"] for h in hooks} == {"agentpol-fmt", "agentpol-check"}
    monkeypatch.chdir(ROOT)
    for hook in hooks:  # each entry is a real command that passes on the project's policies
        argv = shlex.split(hook["entry"])
        assert argv[0] == "agentpol"
        assert main(argv[1:]) == 0, hook["id"]
    capsys.readouterr()


def test_docs_workflow_is_copy_paste_ready():
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# \.github/workflows/agentpol\.yml.*?)```", text, re.S)
    assert block, "docs/ci.md has the workflow as a yaml block"
    flow = yaml.safe_load(block.group(1))
    job = next(iter(flow["jobs"].values()))
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0  # the lock's history and the base ref
    assert any(s.get("uses", "").startswith("./") or "agentpol" in s.get("uses", "")
               for s in job["steps"])
    perms = flow.get("permissions") or job.get("permissions")
    assert perms["security-events"] == "write" and perms["pull-requests"] == "write"
