"""`agentpol kill` and `agentpol check --killed` from the command line: files written
atomically, usage errors with exit 2, and the paths a kill leaves open (`kill-bypass`) with
their near misses."""
from __future__ import annotations

import json

import pytest

from agentpol.cli import main
from agentpol.pipeline import check
from agentpol.targets import kill
from conftest import ROOT
from helpers import model_from, policy_dir

ACME = str(ROOT / "policies")

LEAKY = """
resource secret db { name = "db-{env}" }
resource iam_role deployer { name = "deployer-{env}" }
resource dynamodb_table t { name = "t-{env}" }
resource api openai { provider = openai, key_name = "k-{env}" }
agent a {
  owner = "a@acme.com"
  service_account = "shared-sa"
  in prod {
    allow read on secret.db
    allow assume on iam_role.deployer
    allow call on api.openai
    budget api.openai 5 usd per day
  }
}
agent b {
  owner = "b@acme.com"
  service_account = "shared-sa"
  in prod { allow read on dynamodb_table.t }
}
"""

CLEAN = """
resource dynamodb_table t { name = "t-{env}" }
resource api openai { provider = openai, key_name = "k-{env}" }
agent a {
  owner = "a@acme.com"
  in prod {
    allow read on dynamodb_table.t
    allow call on api.openai
    budget api.openai 5 usd per day
  }
}
agent b {
  owner = "b@acme.com"
  in prod { allow call on api.openai
            budget api.openai 5 usd per day }
}
"""


def _bypasses(source: str, killed: list[str]) -> list[str]:
    model = model_from(source)
    report = check(model, killed=killed)
    return [f.message for f in report.findings if f.rule == "kill-bypass"]


def test_every_open_path_is_reported():
    found = _bypasses(LEAKY, ["a@prod"])
    assert any("secret.db@prod" in m and "rotate" in m for m in found)
    assert any("iam_role.deployer@prod" in m and "sessions" in m for m in found)
    assert any("service account shared-sa" in m and "b@prod" in m for m in found)
    assert any("runtime" in m and "agentpol-b" in m for m in found)
    assert not any("api.openai" in m for m in found), "the gateway holds api keys"


def test_near_misses_are_clean():
    """Gateway-held keys, an own service account, and the other role killed too: nothing."""
    assert _bypasses(CLEAN, ["a@prod"]) == []
    assert _bypasses(CLEAN, ["a@prod", "b@prod"]) == []
    assert _bypasses(LEAKY, []) == []


def test_kill_then_check_killed(tmp_path, capsys):
    out = tmp_path / "kill"
    with policy_dir(LEAKY) as d:
        assert main(["kill", "a@prod", str(d), "-o", str(out), "--now",
                     "2026-12-06T23:00:00Z"]) == 0
        assert json.loads((out / "kill.json").read_text())["principals"] == ["a@prod"]
        assert main(["kill", "a@prod", str(d), "-o", str(out)]) == 0  # replaces its own output
        capsys.readouterr()
        assert main(["check", str(d), "--killed", str(out)]) == 1
        assert "kill-bypass" in capsys.readouterr().out
        assert main(["check", str(d)]) == 0


@pytest.mark.parametrize("argv, says", [
    (["kill", "nobody@prod", ACME, "-o", "{tmp}/k"], "no such principal"),
    (["kill", "moon", ACME, "-o", "{tmp}/k"], "neither AGENT@ENV nor an environment"),
    (["kill", "prod", ACME, "-o", "{tmp}/k", "--now", "yesterday"], "ISO 8601"),
    (["check", ACME, "--killed", "{tmp}"], "kill.json"),
])
def test_usage_errors_exit_2(argv, says, tmp_path, capsys):
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not (tmp_path / "k").exists()


def test_kill_is_deterministic(acme_model):
    import datetime as dt
    now = dt.datetime(2026, 12, 6, 23, 0, tzinfo=dt.timezone.utc)
    assert kill.emit(acme_model, "prod", now) == kill.emit(acme_model, "prod", now)
