"""Paid-API credentials: OpenAI project / Anthropic workspace settings from `budget` and
`rate`, the Stripe restricted-key checklist from scopes, and key names that never serve two
principals."""
from __future__ import annotations

import json

from helpers import model_from

from agentpol.targets.tokens import emit

APIS = '''
resource api openai    { provider = openai,    host = "api.openai.com",    key_name = "oa-{env}" }
resource api anthropic { provider = anthropic, host = "api.anthropic.com", key_name = "an-{env}" }
resource api stripe    { provider = stripe,    host = "api.stripe.com",    key_name = "st-{env}" }
resource api slack     { provider = slack,     host = "slack.com",         key_name = "sl-{env}" }
'''


def test_openai_project_limits(acme_model):
    doc = json.loads(emit(acme_model)["tokens/staging/support-bot/openai-project.json"])
    assert doc["project"] == {"name": "agentpol-support-bot@staging"}
    [key] = doc["api_keys"]
    assert key == {"api": "api.openai@staging", "host": "api.openai.com",
                   "name": "support-staging", "access": ["call"],
                   "spend_limits": [{"usd": "40.00", "per": "day"}],
                   "rate_limits": [{"requests": 600, "per": "hour"}]}
    assert doc["monthly_limit_usd"] == "1200.00"  # 40 usd a day for a 30-day month
    assert doc["lifetime"]["ttl_seconds"] == doc["lifetime"]["session_seconds"] == 3600


def test_total_budget_caps_the_monthly_limit():
    model = model_from(APIS + '''agent a { owner = "a@b.c"
      in staging { allow call on api.anthropic
                   budget api.anthropic 30 usd per day
                   budget total 100 usd per month
                   rate api.anthropic 5 per minute } }''')
    doc = json.loads(emit(model)["tokens/staging/a/anthropic-workspace.json"])
    assert doc["workspace"] == {"name": "agentpol-a@staging"}
    assert doc["total_spend_limits"] == [{"usd": "100.00", "per": "month"}]
    assert doc["monthly_limit_usd"] == "100.00"
    assert doc["api_keys"][0]["rate_limits"] == [{"requests": 5, "per": "minute"}]


def test_stripe_checklist(acme_model):
    text = emit(acme_model)["tokens/staging/refund-agent/stripe-restricted-key.md"]
    assert "## Key `refunds-staging`" in text
    lines = [line for line in text.splitlines() if line.startswith("- [ ]")]
    assert lines == ["- [ ] charges: **Read**", "- [ ] refunds: **Write**",
                     "- [ ] every other resource: **None**"]
    assert "500.00 usd per day" in text and "100 requests per hour" in text
    assert "520.00 usd per day" in text


def test_stripe_write_wins_and_unmapped_scopes_are_listed():
    model = model_from(APIS + '''agent a { owner = "a@b.c"
      in staging { allow "customers:read", "customers:write", "call" on api.stripe
                   budget api.stripe 1 usd per day } }''')
    text = emit(model)["tokens/staging/a/stripe-restricted-key.md"]
    assert "- [ ] customers: **Write**" in text and "customers: **Read**" not in text
    assert "no resource setting (check by hand): `call`" in text


def test_key_shared_by_two_principals_gets_one_name_each():
    model = model_from(APIS + '''
      agent a { owner = "a@b.c"
        in staging { allow call on api.openai, api.slack } }
      agent b { owner = "a@b.c"
        in staging { allow call on api.openai } }''')
    out = emit(model)
    names = {agent: json.loads(out[f"tokens/staging/{agent}/openai-project.json"])
             ["api_keys"][0]["name"] for agent in ("a", "b")}
    assert names == {"a": "oa-staging-a@staging", "b": "oa-staging-b@staging"}
    index = json.loads(out["tokens/staging/index.json"])
    assert {(c["kind"], c["name"]) for c in index["credentials"] if c["agent"] == "a"} == {
        ("openai-api-key", "oa-staging-a@staging"), ("api-key", "sl-staging")}


def test_egress_alone_is_no_credential():
    model = model_from(APIS + '''agent a { owner = "a@b.c"
      in staging { egress api.openai } }''')
    assert [p for p in emit(model) if "/a/" in p] == []
