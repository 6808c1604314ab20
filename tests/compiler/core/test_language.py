"""The constructs of docs/language.md resolve to the model it describes."""
from __future__ import annotations

from pathlib import Path

import pytest

from agentpol.expand import grant_line
from agentpol.pipeline import load
from helpers import model_from

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def lang():
    return load(ROOT / "tests" / "fixtures" / "language", now="2026-01-01")


def test_every_language_example_resolves(lang):
    assert set(lang.principals) == {"support-bot@staging", "support-bot@prod", "ops-bot@staging"}


def test_per_env_map_limits_existence(lang):
    inst = lang.program.instances
    assert inst["secret.db-password@staging"].attrs["name"] == "stg/db"
    assert inst["secret.db-password@prod"].attrs["name"] == "prod/db"
    assert lang.program.resources["secret.db-password"].envs == ("prod", "staging")


def test_env_limit_and_shared(lang):
    assert "iam_role.deployer@prod" in lang.program.instances
    assert "iam_role.deployer@staging" not in lang.program.instances
    shared = lang.program.instances["s3_bucket.public-docs"]
    assert shared.env is None and shared.attrs["name"] == "acme-public-docs"


def test_templates_expand_env_account_region(lang):
    inst = lang.program.instances
    assert inst["lambda_function.summarize@prod"].attrs["name"] == "summarize-prod-us-east-1"
    assert inst["sns_topic.alerts@prod"].region == "eu-west-1"
    grants = {grant_line(g) for g in lang.principals["support-bot@staging"].grants}
    assert 'staging support-bot "s3:GetObject" "arn:aws:s3:::acme-exports-staging/*"' in grants


def test_identity_and_credentials(lang):
    inst = lang.program.instances
    assert inst["secret.zendesk-token@prod"].credential
    assert inst["ssm_parameter.signing@prod"].credential  # secure = true
    assert not inst["sqs_queue.work@prod"].credential      # credential = false
    assert inst["iam_role.deployer@prod"].credential        # by nature
    assert not inst["github_repo.infra"].credential
    assert inst["github_repo.infra"].holds_secrets_of == ("prod",)
    assert inst["dynamodb_table.tickets@prod"].identity == (
        "dynamodb_table", "tickets-prod", "222222222222", "us-east-1")
    assert inst["bedrock_model.claude@prod"].identity == inst["bedrock_model.claude@staging"].identity


def test_statements_of_both_blocks_add_up(lang):
    prod = lang.principals["support-bot@prod"]
    assert prod.mode == "shadow" and prod.session == 3600
    assert any(g.target.instance == "log_group.app@staging" for g in prod.grants)
    assert [(a.access.value, a.target.instance) for a in prod.approvals] == [
        ("write", "dynamodb_table.tickets@prod")]


def test_deny_removes_exactly_matching_grant(lang):
    p = lang.principals["support-bot@staging"]
    assert not any(g.access.value == "delete" for g in p.grants)
    assert [(d.access.value, d.target.instance) for d in p.denies] == [
        ("delete", "dynamodb_table.tickets@staging")]


def test_budgets_rates_in_cents_and_periods(lang):
    p = lang.principals["support-bot@staging"]
    assert {(b.api, b.cents, b.period) for b in p.budgets} == {
        ("api.openai@staging", 5000, "day"), (None, 8000, "day")}
    ops = lang.principals["ops-bot@staging"]
    assert [(b.cents, b.period) for b in ops.budgets] == [(1250, "month")]
    assert {(r.target, r.count, r.period) for r in p.rates} == {
        ("api.openai@staging", 600, "hour"), ("mcp_server.jira@staging", 60, "minute")}


def test_profiles_inline_with_their_chain(lang):
    ops = lang.principals["ops-bot@staging"]
    g = next(g for g in ops.grants if g.target.instance == "dynamodb_table.tickets@staging")
    assert g.origin.via == ("base", "ticket-reader")


def test_egress_kinds_and_implied_hosts(lang):
    ops = lang.principals["ops-bot@staging"]
    got = {(e.dest.host, e.dest.port, e.dest.kind) for e in ops.egress}
    assert {("10.1.2.3", 5432, "ip"), ("10.0.0.0/8", 443, "cidr"),
            ("*.example.com", 443, "wildcard"), ("status.acme.com", 443, "domain"),
            ("jira-mcp.staging.acme.internal", 443, "domain"),  # implied by a call grant
            ("hooks.staging.acme.internal", 443, "domain")} <= got


def test_raw_targets_are_classified(lang):
    ops = lang.principals["ops-bot@staging"]
    kinds = {g.target.raw: g.target.kind for g in ops.grants if g.target.raw}
    assert kinds == {"acme/web": "github"}


def test_review_window_marks_unlocked_grants_pending(tmp_path):
    src = ('agent a { owner = "o"\n in prod { allow read on log_group.audit } }\n'
           "environment qa { aws_account = \"444444444444\", review_window = 24h }\n"
           'agent b { owner = "o"\n in qa { allow read on log_group.audit } }\n')
    m = model_from(src)
    assert not m.principals["a@prod"].grants[0].pending  # prod has no review_window here
    assert m.principals["b@qa"].grants[0].pending
    assert m.principals["b@qa"].live_grants() == ()


def test_keywords_are_exactly_the_contract():
    from agentpol.model import KEYWORDS
    assert KEYWORDS == set(
        "environment resource profile agent test in use allow deny egress budget rate session "
        "mode approval required for on per usd total expect shadow enforce true false".split())


def test_connect_on_a_host_implies_egress_to_it():
    m = model_from('resource host db { url = "https://db.{env}.example.com:8443" }\n'
                   'agent a { owner = "o"\n in staging { allow connect on host.db } }')
    assert [(e.dest.host, e.dest.port) for e in m.principals["a@staging"].egress] == [
        ("db.staging.example.com", 8443)]


def test_egress_destinations_expand_templates_per_env():
    """`{env}` expands in a quoted egress destination as in any raw string (docs/language.md)."""
    m = model_from('agent a { owner = "o"\n in staging, prod { egress "db.{env}.acme.internal:5432" } }')
    for env in ("staging", "prod"):
        assert [(e.dest.host, e.dest.port) for e in m.principals[f"a@{env}"].egress] == [
            (f"db.{env}.acme.internal", 5432)]


def test_a_denied_grant_implies_no_egress():
    """`deny` always wins: a `connect` or `call` it removes does not leave its address open."""
    m = model_from('resource host db { address = "db.{env}.example.com:5432" }\n'
                   'resource api oa { provider = openai, key_name = "k-{env}" }\n'
                   'agent a { owner = "o"\n in staging { allow connect on host.db  allow call on api.oa'
                   '  budget api.oa 1 usd per day }\n in staging { deny connect on host.db'
                   '  deny call on api.oa } }')
    p = m.principals["a@staging"]
    assert p.grants == () and p.egress == ()


def test_default_service_account_is_a_kubernetes_name():
    m = model_from('agent support-bot { owner = "o" }\nagent Ops_Bot { owner = "o" }\n'
                   'agent x { owner = "o", service_account = "runner" }')
    sa = {a.name: a.service_account for a in m.program.agents.values()}
    assert sa["support-bot"] == "support-bot" and sa["x"] == "runner"
    assert sa["Ops_Bot"].startswith("ops-bot-") and len(sa["Ops_Bot"]) == len("ops-bot-") + 8
