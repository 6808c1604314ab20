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


def test_every_risk_class_is_found(sides, capsys):
    rc, out = _diff(capsys, *sides, "--format", "json")
    assert rc == 0
    got = {(c["risk"], c["line"]) for c in json.loads(out)}
    assert ("new access in a protected env", "prod support-bot read secret.db-password@prod") in got
    assert ("new credential access", "staging support-bot read secret.db-password@staging") in got
    assert ("widened wildcard", 'dev support-bot "s3:GetObject" '
            '"arn:aws:s3:::acme-exports-dev/*"') in got
    assert ("new egress", "staging support-bot egress hooks.slack.com:443") in got
    assert ("raised budget", "prod refund-agent budget api.stripe@prod 900.00 usd per day") in got
    assert ("goes live", "prod refund-agent receive sqs_queue.refunds@prod") in got
    assert ("removed", "dev support-bot send sqs_queue.refunds@dev") in got


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
    assert from_source == from_compiled and "raised budget (2):" in from_source


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


def test_markdown_has_summary_table_first_and_folded_details(sides, capsys):
    _, out = _diff(capsys, *sides, "--format", "markdown")
    lines = out.splitlines()
    assert lines[2] == "| risk | changes |"
    assert lines[4] == "| new access in a protected env | 3 |"
    assert out.index("<details>") > out.index("| removed |")
