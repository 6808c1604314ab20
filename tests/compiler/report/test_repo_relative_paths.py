"""SARIF and annotations name files relative to the repository root, wherever the policy dir
sits, and every rule carries help text and a security-severity."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from agentpol.check.findings import RULES
from agentpol.cli import main
from agentpol.report.rule_help import HELP
from validators.sarif import validate_sarif

ROOT = Path(__file__).resolve().parents[3]


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    policies = repo / "infra" / "policies"
    shutil.copytree(ROOT / "policies", policies)
    agents = policies / "agents.agentpol"
    agents.write_text(agents.read_text().replace(
        "    allow read on github_repo.infra\n",
        "    allow read on github_repo.infra\n    allow read on secret.zendesk-token@prod\n"))
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def test_sarif_paths_resolve_from_the_repository_root(tmp_path, monkeypatch, capsys):
    repo = _repo(tmp_path)
    for cwd in (repo, repo / "infra"):  # wherever the command runs from
        monkeypatch.chdir(cwd)
        target = (repo / "infra" / "policies").relative_to(cwd)
        out = tmp_path / "check.sarif"
        assert main(["check", str(target), "--format", "sarif", "--output", str(out)]) == 1
        assert validate_sarif(out) == []
        results = json.loads(out.read_text())["runs"][0]["results"]
        assert any(r["ruleId"] == "cross-env-credential" for r in results)
        for r in results:
            loc = r["locations"][0]["physicalLocation"]
            assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            uri = loc["artifactLocation"]["uri"]
            assert uri.startswith("infra/policies/"), uri
            lines = (repo / uri).read_text().splitlines()
            assert 1 <= loc["region"]["startLine"] <= len(lines)
        leak = next(r for r in results if r["ruleId"] == "cross-env-credential")
        line = leak["locations"][0]["physicalLocation"]["region"]["startLine"]
        uri = leak["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert "zendesk-token@prod" in (repo / uri).read_text().splitlines()[line - 1]
    capsys.readouterr()


def test_annotations_name_repository_paths(tmp_path, monkeypatch, capsys):
    repo = _repo(tmp_path)
    monkeypatch.chdir(repo / "infra")
    assert main(["check", "policies", "--format", "github"]) == 1
    files = re.findall(r"^::\w+ file=([^,]+),", capsys.readouterr().out, re.M)
    assert files and all((repo / f).is_file() for f in files)
    assert all(f.startswith("infra/policies/") for f in files)


def test_every_rule_has_help_and_a_security_severity(tmp_path, capsys):
    assert set(RULES) <= set(HELP)
    out = tmp_path / "c.sarif"
    main(["check", str(ROOT / "policies"), "--format", "sarif", "--output", str(out)])
    for rule in json.loads(out.read_text())["runs"][0]["tool"]["driver"]["rules"]:
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
    capsys.readouterr()


def test_input_errors_are_repository_relative_too(tmp_path, monkeypatch, capsys):
    repo = _repo(tmp_path)
    agents = repo / "infra" / "policies" / "agents.agentpol"
    agents.write_text(agents.read_text() + "agent x { in nowhere { allow read on s3_bucket.b } }\n")
    monkeypatch.chdir(repo)
    assert main(["check", "infra/policies", "--format", "sarif"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert validate_sarif(doc) == []
    locs = [r["locations"][0]["physicalLocation"]["artifactLocation"]
            for r in doc["runs"][0]["results"]]
    assert locs and all(loc == {"uri": "infra/policies/agents.agentpol",
                                "uriBaseId": "%SRCROOT%"} for loc in locs)
    assert main(["check", "infra/policies", "--format", "github"]) == 2
    assert "::error file=infra/policies/agents.agentpol,line=" in capsys.readouterr().out
