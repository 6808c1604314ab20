"""`agentpol diff`: every change of effective permissions, classified by risk."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from agentpol.cli import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def sides(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(ROOT / "policies", old)
    shutil.copytree(ROOT / "policies", new)
    agents = (new / "agents.agentpol").read_text()
    agents = agents.replace("allow read on secret.zendesk-token\n",
                            "allow read on secret.zendesk-token\n"
                            "    allow read on secret.db-password\n"
                            '    egress "hooks.slack.com:443"\n'
                            '    allow "s3:GetObject" on "arn:aws:s3:::acme-exports-{env}/*"\n', 1)
    agents = agents.replace("budget api.stripe 500 usd per day", "budget api.stripe 900 usd per day")
    agents = agents.replace("    mode shadow\n", "")
    agents = agents.replace("    allow send on sqs_queue.refunds\n", "")
    (new / "agents.agentpol").write_text(agents)
    return old, new


def _diff(capsys, *args) -> tuple[int, str]:
    rc = main(["diff", *map(str, args)])
    return rc, capsys.readouterr().out


def _lines(out: str) -> set[tuple[str, str]]:
    doc = json.loads(out)
    assert doc["schema"] == "agentpol-diff/1"
    return {(c["risk"], c["line"].rsplit(" arn:", 1)[0]) for c in doc["changes"]}


def test_every_risk_class_is_found(sides, capsys):
    rc, out = _diff(capsys, *sides, "--format", "json")
    assert rc == 0
    got = _lines(out)
    assert ("new access in a protected env", "prod support-bot read secret.db-password@prod") in got
    assert ("new credential access", "staging support-bot read secret.db-password@staging") in got
    assert ("widened wildcard", 'dev support-bot "s3:GetObject" '
            '"arn:aws:s3:::acme-exports-dev/*"') in got
    assert ("new egress", "staging support-bot egress hooks.slack.com:443") in got
    assert ("weakened guard", "prod refund-agent budget api.stripe@prod 900.00 usd per day") in got
    assert ("weakened guard", "prod refund-agent session 900s mode enforce") in got
    assert ("removed access", "dev support-bot send sqs_queue.refunds@dev") in got
    assert ("weakened guard", "prod support-bot approval send sqs_queue.refunds@prod") not in got
    changes = json.loads(out)["changes"]
    budget = next(c for c in changes if c["line"].startswith("prod refund-agent budget api.str"))
    assert "x1.80" in budget["detail"]  # the ratio
    assert json.loads(out)["verdict"]["passed"] is False  # acme's own tests fail on the new side


def test_removed_guards_are_weakened_guards(tmp_path, capsys):
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(ROOT / "policies", old)
    shutil.copytree(ROOT / "policies", new)
    agents = (new / "agents.agentpol").read_text()
    for gone in ("    deny delete on dynamodb_table.tickets\n",
                 "    approval required for send on sqs_queue.refunds\n",
                 "    rate api.stripe 100 per hour\n"):
        assert gone in agents
        agents = agents.replace(gone, "")
    (new / "agents.agentpol").write_text(agents.replace("session 15m", "session 1h"))
    envs = (new / "environments.agentpol").read_text()
    (new / "environments.agentpol").write_text(
        envs.replace("  audit_log     = log_group.agent-audit\n}", "}", 1))
    for side in (old, new):
        (side / "tests.agentpol").unlink()
    _, out = _diff(capsys, old, new, "--format", "json")
    weakened = {c["line"].rsplit(" arn:", 1)[0]: c["detail"]
                for c in json.loads(out)["changes"] if c["risk"] == "weakened guard"}
    assert "prod support-bot deny delete dynamodb_table.tickets@prod" in weakened
    assert "prod support-bot approval send sqs_queue.refunds@prod" in weakened
    assert "staging refund-agent rate api.stripe@staging 100 per hour" in weakened
    assert "longer session x4.00" in weakened["staging refund-agent session 3600s mode enforce"]
    assert weakened["env staging audit_log=log_group.agent-audit@staging"] == "removed audit_log"


def test_compiled_dirs_diff_like_their_sources(sides, tmp_path, capsys, monkeypatch):
    old, new = sides
    for side in sides:  # acme's own tests rightly fail on the new side: compile without them
        (side / "tests.agentpol").unlink()
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "old", "-o", "old-out"]) == 0
    assert main(["compile", "new", "-o", "new-out"]) == 0
    capsys.readouterr()
    _, from_source = _diff(capsys, "old", "new")
    _, from_compiled = _diff(capsys, "old-out", "new-out")
    assert from_source == from_compiled and "weakened guard (" in from_source


def test_git_refs(sides, tmp_path, capsys, monkeypatch):
    old, new = sides
    repo = tmp_path / "repo"
    shutil.copytree(old, repo / "policies")
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)
    git("init", "-q")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qam", "old", "--allow-empty")
    git("add", ".")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "old")
    shutil.copy(new / "agents.agentpol", repo / "policies" / "agents.agentpol")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qam", "new")
    monkeypatch.chdir(repo)
    rc, out = _diff(capsys, "HEAD~1", "HEAD", "--exit-code")
    assert rc == 1 and "new access in a protected env (" in out
    rc, out = _diff(capsys, "HEAD", "policies", "--exit-code")
    assert rc == 0 and "no change" in out
    assert main(["diff", "no-such-ref", "HEAD"]) == 2


def test_markdown_has_verdict_then_summary_then_high_risk_open(sides, capsys):
    _, out = _diff(capsys, *sides, "--format", "markdown")
    lines = out.splitlines()
    assert lines[0] == "<!-- agentpol-diff -->"
    assert lines[1].startswith("**agentpol check: FAILED with")
    assert lines[3].startswith("- `test-failed`")
    table = lines.index("| risk | changes |")
    assert lines[table + 2] == "| **new access in a protected env** | 3 |"
    high = out.index("#### new access in a protected env (3)")
    assert "<details>" not in out[:out.index("#### weakened guard")]
    assert high < out.index("<details><summary>widened wildcard")
