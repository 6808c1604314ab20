"""Requests replayed through Cedar (`cedarpy.is_authorized`) against the emitted files: what a
gateway holding them would forward, deny, or log as a shadow dry run."""
from __future__ import annotations

import pytest

from agentpol.catalogue.cedar import CONTEXT, action_uid, agent_uid, resource_uid
from agentpol.evaluate.cedar import MET_CONTEXT, authorize
from agentpol.pipeline import load
from agentpol.targets.cedar import emit
from helpers import model_from, policy_dir

PROGRAM = '''
resource api openai { provider = openai, key_name = "k-{env}" }
resource api stripe { provider = stripe, key_name = "s-{env}" }
resource mcp_server jira { url = "https://jira.{env}.acme.internal/mcp" }
resource host payments { address = "payments.{env}.acme.internal:443" }
agent bot {
  owner = "a@acme.com"
  in staging, prod {
    allow call on api.openai
    allow "refunds:write", "charges:read" on api.stripe
    allow "search" on mcp_server.jira
    allow connect on host.payments
    budget api.openai 40 usd per day
    budget api.openai 300 usd per month
    budget api.stripe 10 usd per hour
    budget total 50 usd per day
    budget total 20 usd per hour
    budget total 900 usd per month
    rate api.openai 600 per hour
    rate api.openai 20 per second
    rate api.stripe 100 per day
    rate mcp_server.jira 2 per minute
    approval required for "refunds:write" on api.stripe
  }
}
agent helper {
  owner = "a@acme.com"
  in staging { allow call on api.openai }
  in prod {
    mode shadow
    allow call on api.openai
    budget api.openai 1 usd per day
  }
}
agent crosser {
  owner = "a@acme.com"
  in staging { allow "search" on mcp_server.jira@prod }
  in prod { allow "search" on mcp_server.jira@staging }
}
'''

#: (principal, action, resource type, resource key) the program grants, met limits allowed.
GRANTED = [
    ("bot@prod", "call", "api", "api.openai@prod"),
    ("bot@prod", "refunds:write", "api", "api.stripe@prod"),
    ("bot@prod", "charges:read", "api", "api.stripe@prod"),
    ("bot@prod", "search", "mcp_server", "mcp_server.jira@prod"),
    ("bot@prod", "connect", "host", "host.payments@prod"),
    ("helper@staging", "call", "api", "api.openai@staging"),
]

#: Every context key some request of the program needs: without it, that request is denied.
NEEDS = {
    "cost_cents": GRANTED[0], "spend_cents_day": GRANTED[0], "spend_cents_month": GRANTED[0],
    "spend_cents_hour": GRANTED[1], "total_spend_cents_day": GRANTED[0],
    "total_spend_cents_hour": GRANTED[2], "total_spend_cents_month": GRANTED[1],
    "calls_hour": GRANTED[0], "calls_second": GRANTED[0], "calls_day": GRANTED[2],
    "calls_minute": GRANTED[3], "approved": GRANTED[1],
}


@pytest.fixture(scope="module")
def files():
    return emit(model_from(PROGRAM))


def ask(files, principal, action, itype, key, context=MET_CONTEXT, extra=""):
    env = principal.split("@")[1]
    base = f"cedar/{env}"
    return authorize(files[f"{base}/policies.cedar"] + extra, files[f"{base}/entities.json"],
                     files[f"{base}/schema.cedarschema.json"], agent_uid(principal),
                     action_uid(action), resource_uid(itype, key), context)


def with_(**changes):
    return {**MET_CONTEXT, **changes}


@pytest.mark.parametrize("request_", GRANTED, ids=lambda r: f"{r[0]}:{r[1]}")
def test_granted_call_allowed(files, request_):
    result = ask(files, *request_)
    assert result.decision == "allow", result
    assert result.allowed and not result.shadow and not result.errors
    assert all(p.id.startswith(f"{request_[0]} allow ") for p in result.policies)


def test_ungranted_calls_denied(files):
    assert ask(files, "bot@prod", "call", "api", "api.stripe@prod").decision == "deny"
    assert ask(files, "helper@staging", "search", "mcp_server",
               "mcp_server.jira@staging").decision == "deny"
    unknown_tool = ask(files, "bot@prod", "delete_project", "mcp_server", "mcp_server.jira@prod")
    assert unknown_tool.decision == "deny" and unknown_tool.errors  # not in the schema


def test_budget_exactly_met_allowed_and_exceeded_denied(files):
    openai = ("bot@prod", "call", "api", "api.openai@prod")
    assert ask(files, *openai, with_(spend_cents_day=3990, cost_cents=10)).allowed
    over = ask(files, *openai, with_(spend_cents_day=3991, cost_cents=10))
    assert over.decision == "deny"
    assert [p.id for p in over.policies] == [
        f"bot@prod budget api.openai@prod 4000 cents per day"]
    assert ask(files, *openai, with_(total_spend_cents_day=4990, cost_cents=10)).allowed
    total = ask(files, *openai, with_(total_spend_cents_day=4991, cost_cents=10))
    assert [p.id for p in total.policies] == [
        f"bot@prod budget total 5000 cents per day"]


def test_a_negative_cost_cannot_buy_room_under_the_budget(files):
    openai = ("bot@prod", "call", "api", "api.openai@prod")
    assert ask(files, *openai, with_(spend_cents_day=9999, cost_cents=-6000)).decision == "deny"


def test_total_budget_counts_every_api(files):
    stripe = ("bot@prod", "charges:read", "api", "api.stripe@prod")
    assert ask(files, *stripe, with_(total_spend_cents_hour=2001)).decision == "deny"
    assert ask(files, "bot@prod", "search", "mcp_server", "mcp_server.jira@prod",
               with_(total_spend_cents_hour=2001)).allowed  # a tool server is not an api


def test_rate_exceeded_denied(files):
    jira = ("bot@prod", "search", "mcp_server", "mcp_server.jira@prod")
    assert ask(files, *jira, with_(calls_minute=1)).allowed
    over = ask(files, *jira, with_(calls_minute=2))
    assert over.decision == "deny"
    assert [p.id for p in over.policies] == [
        f"bot@prod rate mcp_server.jira@prod 2 per minute"]
    assert ask(files, "bot@prod", "call", "api", "api.openai@prod",
               with_(calls_second=20)).decision == "deny"


def test_approval_missing_denied(files):
    refund = ("bot@prod", "refunds:write", "api", "api.stripe@prod")
    denied = ask(files, *refund, with_(approved=False))
    assert denied.decision == "deny"
    assert [p.id for p in denied.policies] == [
        f"bot@prod approval refunds:write on api.stripe@prod"]
    assert ask(files, "bot@prod", "charges:read", "api", "api.stripe@prod",
               with_(approved=False)).allowed  # the approval names refunds:write only


def test_needs_covers_every_context_key():
    assert sorted(NEEDS) == sorted(CONTEXT)


@pytest.mark.parametrize("key", sorted(NEEDS))
def test_missing_context_key_denied(files, key):
    request_ = NEEDS[key]
    assert ask(files, *request_).allowed
    context = {k: v for k, v in MET_CONTEXT.items() if k != key}
    result = ask(files, *request_, context)
    assert result.decision == "deny"
    assert result.policies and all(p.id.split(" ")[1] != "allow" for p in result.policies)
    assert not result.errors  # denied by a forbid's `unless`, not by an error


@pytest.mark.parametrize("key", sorted(NEEDS))
def test_missing_context_key_denied_by_the_permit_alone(files, key):
    """The permit's own `when` fails closed too: with every forbid removed, a missing key
    still leaves nothing permitted (docs/targets/cedar.md: each limit written twice)."""
    request_ = NEEDS[key]
    env = request_[0].split("@")[1]
    text = files[f"cedar/{env}/policies.cedar"]
    permits = "".join("@id(" + c for c in text.split("@id(")[1:] if "\npermit (" in c)
    only = {**files, f"cedar/{env}/policies.cedar": permits}
    assert ask(only, *request_).allowed
    context = {k: v for k, v in MET_CONTEXT.items() if k != key}
    assert ask(only, *request_, context).decision == "deny"


def test_empty_context_denies_every_limited_call(files):
    for request_ in GRANTED:
        limited = request_[0] == "bot@prod" and request_[2] != "host"
        assert ask(files, *request_, {}).allowed is not limited


def test_wrongly_typed_context_denied(files):
    result = ask(files, "bot@prod", "call", "api", "api.openai@prod", with_(cost_cents="10"))
    assert result.decision == "deny" and result.errors


def killswitches(files, env):
    text = files[f"cedar/{env}/killswitch.cedar"]
    return {c.split('"')[1]: "@id(" + c for c in text.split("@id(")[1:]}


def test_kill_switch_for_an_agent_denies_everything_it_does(files):
    switch = killswitches(files, "prod")["kill switch bot@prod"]
    for request_ in GRANTED:
        result = ask(files, *request_, extra=switch)
        if request_[0] == "bot@prod":
            assert result.decision == "deny"
            assert [p.id for p in result.policies] == ["kill switch bot@prod"]
        else:
            assert result.allowed
    assert ask(files, "crosser@prod", "search", "mcp_server", "mcp_server.jira@staging",
               extra=switch).allowed


def test_kill_switch_for_the_env_and_for_all(files):
    switches = killswitches(files, "prod")
    assert sorted(switches) == ["kill switch all", "kill switch bot@prod",
                                "kill switch crosser@prod", "kill switch env prod",
                                "kill switch helper@prod"]
    for name in ("kill switch env prod", "kill switch all"):
        for request_ in [r for r in GRANTED if r[0].endswith("@prod")]:
            assert ask(files, *request_, extra=switches[name]).decision == "deny"
        assert ask(files, "helper@prod", "call", "api", "api.openai@prod",
                   extra=switches[name]).decision == "deny"  # shadow permits too


def test_cross_env_tool_call_denied(files):
    """staging -> prod (protected): the permit is written, the env boundary forbids it."""
    result = ask(files, "crosser@staging", "search", "mcp_server", "mcp_server.jira@prod")
    assert result.decision == "deny"
    assert [p.id for p in result.policies] == ["staging env boundary"]
    own = ask(files, "bot@staging", "search", "mcp_server", "mcp_server.jira@staging")
    assert own.allowed
    assert ask(files, "bot@staging", "search", "mcp_server", "mcp_server.jira@prod"
               ).decision == "deny"  # not in staging's entities either


def test_explicit_grant_into_unprotected_env_passes_the_boundary(files):
    result = ask(files, "crosser@prod", "search", "mcp_server", "mcp_server.jira@staging")
    assert result.allowed


def test_shadow_principal_is_a_dry_run(files):
    result = ask(files, "helper@prod", "call", "api", "api.openai@prod")
    assert result.decision == "shadow" and not result.allowed and result.shadow
    assert [(p.id, p.mode) for p in result.policies] == [
        (f"helper@prod allow call on api.openai@prod",
         "shadow")]
    assert "helper@prod allow call" in files["cedar/prod/shadow.cedar"]
    over = ask(files, "helper@prod", "call", "api", "api.openai@prod", with_(cost_cents=101))
    assert over.decision == "deny" and not over.shadow  # the dry run applies the limits too


REVIEWED = '''
environment qa { aws_account = "444444444444", review_window = 24h }
resource api openai { provider = openai, key_name = "k-{env}" }
agent bot {
  owner = "a@acme.com"
  in qa {
    allow call on api.openai
    allow "chat" on api.openai
    allow "embed" on api.openai
  }
}
'''


def test_pending_grant_is_shadow_and_live_grant_still_forwards():
    with policy_dir(REVIEWED) as d:
        (d / "agentpol.lock").write_text(
            '2025-01-01  qa bot "chat" api.openai@qa api.openai.com:443/key=k-qa\n')
        files = emit(load(d, now="2026-01-01"))
    chat = ask(files, "bot@qa", "chat", "api", "api.openai@qa")
    assert chat.decision == "allow" and chat.shadow  # the live permit forwards it
    assert {p.mode for p in chat.policies} == {"enforce", "shadow"}
    embed = ask(files, "bot@qa", "embed", "api", "api.openai@qa")
    assert embed.decision == "shadow"
    assert {p.id for p in embed.policies} == {
        f"bot@qa allow call on api.openai@qa",
        f"bot@qa allow embed on api.openai@qa"}
    held = files["cedar/qa/shadow.cedar"]
    assert "allow embed" in held and "allow call" in held and "allow chat" not in held
