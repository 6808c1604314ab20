"""Choices the contract leaves open (docs/targets/audit.md), each pinned by a test."""
from __future__ import annotations

import json

import pytest
import yaml

from agentpol.targets.audit import emit
from audit_fixture import SOURCE
from audit_readback import recorded, rulesets, selectors
from helpers import model_from
from validators.botocore_cloudtrail import validate_put_event_selectors


@pytest.fixture(scope="module")
def fixture_files():
    return emit(model_from(SOURCE))


def _values(sels) -> int:
    return sum(len(v) for s in sels for fs in s["FieldSelectors"]
               for k, v in fs.items() if k != "Field")


def test_records_only_the_granted_prefix(acme_model):
    sels = selectors(emit(acme_model), "prod")
    assert recorded(sels, "Data", "AWS::S3::Object", "arn:aws:s3:::acme-exports-prod/support/a.csv")
    assert not recorded(sels, "Data", "AWS::S3::Object",
                        "arn:aws:s3:::acme-exports-prod/private/a.csv")
    assert recorded(sels, "Data", "AWS::DynamoDB::Table",
                    "arn:aws:dynamodb:us-east-1:222222222222:table/tickets-prod")
    assert not recorded(sels, "Data", "AWS::DynamoDB::Table",
                        "arn:aws:dynamodb:us-east-1:222222222222:table/other")


def test_shadow_principals_resources_are_recorded(fixture_files):
    """worker@prod is in shadow mode: nothing of it is live, its resources are on record."""
    sels = selectors(fixture_files, "prod")
    assert recorded(sels, "Data", "AWS::Lambda::Function",
                    "arn:aws:lambda:us-east-1:222222222222:function:resize-prod")
    assert recorded(sels, "Data", "AWS::SNS::Topic",
                    "arn:aws:sns:us-east-1:222222222222:alerts-prod")
    assert recorded(sels, "Data", "AWS::SQS::Queue", "arn:aws:sqs:us-east-1:222222222222:jobs-prod")


def test_raw_arns_are_recorded_by_what_their_events_carry(fixture_files):
    sels = selectors(fixture_files, "staging")
    assert recorded(sels, "Data", "AWS::DynamoDB::Table",  # an index grant: events name the table
                    "arn:aws:dynamodb:us-east-1:333333333333:table/orders-staging")
    assert recorded(sels, "Data", "AWS::S3::Object", "arn:aws:s3:::acme-raw-staging/x/y.bin")
    assert recorded(sels, "Data", "AWS::Lambda::Function",
                    "arn:aws:lambda:us-east-1:333333333333:function:thumb-staging:live")


def test_prefix_inside_a_whole_bucket_is_not_listed_twice(fixture_files):
    starts = [v for s in selectors(fixture_files, "prod") for fs in s["FieldSelectors"]
              for v in fs.get("StartsWith", ())]
    assert "arn:aws:s3:::acme-data-prod/" in starts
    assert "arn:aws:s3:::acme-data-prod/in/" not in starts


def test_over_the_value_quota_a_type_is_recorded_whole():
    tables = "\n".join(f'resource dynamodb_table t{i} {{ name = "t{i}-{{env}}" }}'
                        for i in range(600))
    grants = ", ".join(f"dynamodb_table.t{i}" for i in range(600))
    files = emit(model_from(tables + f'''
resource sqs_queue q {{ name = "q-{{env}}" }}
agent bulk {{
  owner = "data-team@acme.com"
  in staging {{ allow read on {grants}
               allow send on sqs_queue.q }}
}}'''))
    text = files["audit/staging/cloudtrail-event-selectors.json"]
    sels = json.loads(text)["AdvancedEventSelectors"]
    assert _values(sels) <= 500
    assert validate_put_event_selectors(text) == []
    for i in (0, 599):
        assert recorded(sels, "Data", "AWS::DynamoDB::Table",
                        f"arn:aws:dynamodb:us-east-1:333333333333:table/t{i}-staging")
    # the small type keeps its precise selector
    assert recorded(sels, "Data", "AWS::SQS::Queue", "arn:aws:sqs:us-east-1:333333333333:q-staging")
    assert not recorded(sels, "Data", "AWS::SQS::Queue", "arn:aws:sqs:us-east-1:333333333333:other")


def test_any_write_level_gets_a_ruleset_and_reading_none():
    files = emit(model_from('''
resource github_repo a { repo = "acme/a", shared = true }
resource github_repo b { repo = "acme/b", shared = true }
agent triage {
  owner = "platform-team@acme.com"
  in staging { allow "issues:write" on github_repo.a
               allow read, "administration:read" on github_repo.b }
}'''))
    assert set(rulesets(files, "staging")) == {"acme/a"}


def test_acme_read_only_repository_has_no_ruleset(acme_model):
    assert "acme/infra" not in rulesets(emit(acme_model), "staging")


def test_env_without_an_account_has_no_trail_file():
    files = emit(model_from('''
environment lab { k8s_namespace = "agents-lab" }
resource github_repo a { repo = "acme/a", shared = true }
agent tinker {
  owner = "platform-team@acme.com"
  in lab { allow write on github_repo.a }
}''', with_envs=False))
    assert sorted(files) == ["audit/lab/github-rulesets.json"]


def test_tool_server_reaches_its_upstreams_only(fixture_files):
    base = "network/staging/mcp-tools/"
    netpol = yaml.safe_load(fixture_files[base + "networkpolicy.yaml"])
    assert netpol["metadata"]["namespace"] == "agents-staging"
    assert netpol["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "tools"}}
    assert netpol["spec"]["policyTypes"] == ["Egress"]
    blocks = [(to["ipBlock"]["cidr"], rule["ports"]) for rule in netpol["spec"]["egress"]
              for to in rule["to"] if "ipBlock" in to]
    assert blocks == [("10.9.8.7/32", [{"protocol": "TCP", "port": 5432}])]
    assert netpol["metadata"]["annotations"]["agentpol/not-expressible"] == "api.tools.example:443"
    cilium = yaml.safe_load(fixture_files[base + "cilium.yaml"])
    fqdns = [n["matchName"] for r in cilium["spec"]["egress"] for n in r.get("toFQDNs", ())]
    assert fqdns == ["api.tools.example"]
    squid = fixture_files[base + "squid.conf"]
    assert "dstdomain -n api.tools.example" in squid and "dst -n 10.9.8.7" in squid
    assert squid.rstrip().endswith("http_access deny all")


def test_shared_tool_server_is_locked_in_every_env(fixture_files):
    for env in ("staging", "prod"):
        doc = yaml.safe_load(fixture_files[f"network/{env}/mcp-search/cilium.yaml"])
        assert doc["metadata"]["namespace"] == f"agents-{env}"
        assert [n["matchName"] for r in doc["spec"]["egress"] for n in r.get("toFQDNs", ())] == [
            "search.example.com"]


def test_log_sink_lists_only_agents_that_have_a_role():
    """The AWS target gives a role to agents with an AWS grant; a GitHub-only agent has none."""
    files = emit(model_from('''
resource github_repo a { repo = "acme/a", shared = true }
agent logger {
  owner = "platform-team@acme.com"
  in prod { allow write on log_group.audit }
}
agent pusher {
  owner = "platform-team@acme.com"
  in prod { allow write on github_repo.a }
}'''))
    doc = json.loads(files["audit/prod/log-sink.json"])
    assert doc["roles"] == ["arn:aws:iam::222222222222:role/agentpol-logger"]
