"""`agentpol authorize OUT ...`: replays a request against compiled Cedar files; exit 0 when
the gateway would forward the call, 1 when it would not (denied, or a shadow dry run), 2 on a
usage error."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agentpol.cli import main

ROOT = Path(__file__).resolve().parents[3]
MET = {"cost_cents": 5, "spend_cents_day": 0, "total_spend_cents_day": 0, "calls_hour": 0,
       "calls_minute": 0, "approved": True}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("compiled") / "out"
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        assert main(["compile", "policies", "-o", str(out), "--target", "cedar",
                     "--now", "2026-01-01"]) == 0
    finally:
        os.chdir(here)
    return out


def run(out, capsys, principal, action, resource, context=None):
    argv = ["authorize", str(out), "--principal", principal, "--action", action,
            "--resource", resource]
    if context is not None:
        argv += ["--context", context if isinstance(context, str) else json.dumps(context)]
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_allowed_call_exits_0(out, capsys):
    code, text, _ = run(out, capsys, "support-bot@prod", "call", "api.openai", MET)
    assert code == 0
    assert text.splitlines()[0] == "decision: allow (forwarded)"
    assert "  [enforce] support-bot@prod allow call on api.openai@prod\n" in text
    assert "shadow: no" in text


def test_over_budget_exits_1_naming_the_budget(out, capsys):
    code, text, _ = run(out, capsys, "support-bot@prod", "call", "api.openai",
                        {**MET, "spend_cents_day": 3996})
    assert code == 1
    assert text.splitlines()[0] == "decision: deny"
    assert "support-bot@prod budget api.openai@prod 4000 cents per day" in text


def test_missing_context_denied(out, capsys):
    code, text, _ = run(out, capsys, "support-bot@staging", "search_issues", "mcp_server.jira")
    assert code == 1
    assert "support-bot@staging rate mcp_server.jira@staging 60 per minute" in text


def test_shadow_principal_reports_shadow_and_exits_1(out, capsys):
    code, text, _ = run(out, capsys, "refund-agent@prod", "refunds:write", "api.stripe", MET)
    assert code == 1
    assert text.splitlines()[0].startswith("decision: shadow")
    assert "[shadow] refund-agent@prod allow refunds:write on api.stripe@prod" in text
    assert "shadow: yes" in text


def test_cedar_uid_resource_outside_the_env_is_denied(out, capsys):
    code, text, _ = run(out, capsys, "support-bot@prod", "call",
                        'Agentpol::Api::"api.openai@staging"', MET)
    assert code == 1
    assert "none (no permit applies: denied by default)" in text


def test_unknown_action_denied_with_cedars_error(out, capsys):
    code, text, _ = run(out, capsys, "support-bot@prod", "delete_project", "mcp_server.jira",
                        MET)
    assert code == 1
    assert 'error: failed to build request: action `Agentpol::Action::"delete_project"`' in text


@pytest.mark.parametrize("principal,resource,context,message", [
    ("support-bot", "api.openai", None, "expected AGENT@ENV"),
    ("support-bot@qa", "api.openai", None, "no policies.cedar"),
    ("support-bot@prod", "api.nope", None, "no gateway resource 'api.nope' in env prod"),
    ("support-bot@prod", "api.openai", "{not json", "--context: not JSON"),
    ("support-bot@prod", "api.openai", "[1]", "--context: expected a JSON object"),
])
def test_usage_errors_exit_2(out, capsys, principal, resource, context, message):
    code, text, err = run(out, capsys, principal, "call", resource, context)
    assert code == 2 and text == ""
    assert message in err


def test_missing_option_exits_2(out):
    with pytest.raises(SystemExit) as exc:
        main(["authorize", str(out), "--principal", "support-bot@prod"])
    assert exc.value.code == 2
