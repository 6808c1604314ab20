"""Replay requests through the project's IAM evaluator over the emitted identity policies and
permissions boundary: acme's own `expect`s for AWS resources, and what the guards must stop."""
from __future__ import annotations

import json

import pytest

from agentpol.catalogue.aws_access import statements_for
from agentpol.evaluate.iam import Decision, Request, evaluate
from agentpol.model import AWS_TYPES, Raw
from agentpol.targets.aws import emit
from helpers import model_from

PROD, STAGING, DEV = "222222222222", "333333333333", "111111111111"
ADMIN = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture(scope="module")
def files(acme_model):
    return emit(acme_model)


def decide(files, principal, action, resource, context=None, extra=()):
    """The decision for agent@env's role; a principal without a role can do nothing."""
    agent, env = principal.split("@")
    base = f"aws/{env}/{agent}/"
    identity = [json.loads(text) for path, text in sorted(files.items())
                if path.startswith(base + "identity-policy")]
    if not identity:
        return Decision.IMPLICIT_DENY
    boundary = json.loads(files[base + "permissions-boundary.json"])
    return evaluate(Request(action, resource, context or {}), identity + list(extra), boundary)


def _concrete(pattern: str) -> str:
    """One ARN a pattern covers: AWS's secret suffix, then any name."""
    return pattern.replace("??????", "AbC123").replace("*", "x")


def _context(condition, account):
    """A request context that meets the grant's condition, from the resource's account."""
    context = {"aws:ResourceAccount": account} if account else {}
    for operator, key, values in condition.clauses if condition else ():
        context[key] = list(values) if operator.startswith("ForAnyValue") else _concrete(values[0])
    return context


def _requests(model, expect):
    """What `expect` stands for in IAM: every action of its access on the target; None when
    the target is not AWS's (GitHub, Vault, APIs answer elsewhere)."""
    if isinstance(expect.target, Raw):
        if not expect.target.value.startswith("arn:"):
            return None
        return [Request(expect.access.value, expect.target.value)]
    ref = f"{expect.target.type}.{expect.target.name}"
    if expect.target.type not in AWS_TYPES:
        return None
    shared = model.program.resources[ref].shared
    inst = model.instance(ref if shared else f"{ref}@{expect.target.env or expect.env}")
    grants = statements_for(inst.type, expect.access.value, inst.attrs, inst.account or "",
                            inst.region)
    return [Request(action, _concrete(g.resources[0]), _context(g.condition, inst.account))
            for g in grants for action in g.actions]


def test_acme_expectations_on_aws_resources_hold(acme_model, files):
    replayed = 0
    for test in acme_model.program.tests:
        for expect in test.expects:
            requests = _requests(acme_model, expect)
            if requests is None:
                continue
            principal = f"{expect.agent}@{expect.env}"
            allowed = [decide(files, principal, r.action, r.resource, r.context).allowed
                       for r in requests]
            want = expect.effect == "allow"
            assert all(allowed) if want else not any(allowed), str(expect)
            replayed += 1
    assert replayed >= 8  # acme's tests.agentpol may add more


TABLE = f"arn:aws:dynamodb:us-east-1:{PROD}:table/tickets-prod"


@pytest.mark.parametrize(("principal", "action", "resource", "context", "decision"), [
    ("support-bot@prod", "dynamodb:PutItem", TABLE, {"aws:ResourceAccount": PROD}, Decision.ALLOW),
    ("support-bot@prod", "dynamodb:Query", TABLE + "/index/by-status",
     {"aws:ResourceAccount": PROD}, Decision.ALLOW),
    ("support-bot@prod", "dynamodb:DeleteItem", TABLE, {"aws:ResourceAccount": PROD},
     Decision.EXPLICIT_DENY),
    ("support-bot@prod", "dynamodb:DeleteTable", TABLE, {"aws:ResourceAccount": PROD},
     Decision.IMPLICIT_DENY),
    # write under the export prefix only
    ("support-bot@prod", "s3:PutObject", "arn:aws:s3:::acme-exports-prod/support/a.csv",
     {"aws:ResourceAccount": PROD}, Decision.ALLOW),
    ("support-bot@prod", "s3:PutObject", "arn:aws:s3:::acme-exports-prod/other/a.csv",
     {"aws:ResourceAccount": PROD}, Decision.IMPLICIT_DENY),
    # staging's role and prod's bucket: not granted, and the account guard denies outright
    ("support-bot@staging", "s3:GetObject", "arn:aws:s3:::acme-exports-prod/support/a.csv",
     {"aws:ResourceAccount": PROD}, Decision.EXPLICIT_DENY),
    ("support-bot@staging", "s3:PutObject", "arn:aws:s3:::acme-exports-prod/support/a.csv",
     {"aws:ResourceAccount": PROD}, Decision.EXPLICIT_DENY),
    ("support-bot@staging", "s3:PutObject", "arn:aws:s3:::acme-exports-staging/support/a.csv",
     {"aws:ResourceAccount": STAGING}, Decision.ALLOW),
    ("support-bot@staging", "secretsmanager:GetSecretValue",
     f"arn:aws:secretsmanager:us-east-1:{PROD}:secret:prod/db-AbC123",
     {"aws:ResourceAccount": PROD}, Decision.EXPLICIT_DENY),
    # the shared bucket and the foundation model live in accounts no env owns
    ("support-bot@staging", "s3:GetObject", "arn:aws:s3:::acme-public-docs/guide.md",
     {"aws:ResourceAccount": "999999999999"}, Decision.ALLOW),
    ("support-bot@prod", "bedrock:InvokeModel",
     "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
     {"aws:ResourceAccount": "000000000000"}, Decision.ALLOW),
    # a KMS key granted by alias: only a key that carries the alias
    ("code-agent@dev", "kms:Decrypt", f"arn:aws:kms:us-east-1:{DEV}:key/k-1",
     {"aws:ResourceAccount": DEV, "kms:ResourceAliases": ["alias/acme-dev-data"]}, Decision.ALLOW),
    ("code-agent@dev", "kms:Decrypt", f"arn:aws:kms:us-east-1:{DEV}:key/k-2",
     {"aws:ResourceAccount": DEV, "kms:ResourceAliases": ["alias/other"]}, Decision.IMPLICIT_DENY),
    # shadow mode: the role exists and can do nothing
    ("refund-agent@prod", "sqs:ReceiveMessage",
     f"arn:aws:sqs:us-east-1:{PROD}:refund-requests-prod", {"aws:ResourceAccount": PROD},
     Decision.IMPLICIT_DENY),
    ("refund-agent@staging", "sqs:ReceiveMessage",
     f"arn:aws:sqs:us-east-1:{STAGING}:refund-requests-staging",
     {"aws:ResourceAccount": STAGING}, Decision.ALLOW),
])
def test_requests(files, principal, action, resource, context, decision):
    assert decide(files, principal, action, resource, context) == decision


@pytest.mark.parametrize(("action", "resource", "decision"), [
    # the boundary caps whatever else gets attached to the role
    ("dynamodb:DeleteTable", TABLE, Decision.IMPLICIT_DENY),
    # (by action and resource type: no prod agent may delete an object, whatever the bucket)
    ("s3:DeleteObject", "arn:aws:s3:::acme-exports-prod/support/a.csv", Decision.IMPLICIT_DENY),
    # the guards hold even then
    ("iam:PutRolePolicy", f"arn:aws:iam::{PROD}:role/agentpol-support-bot", Decision.EXPLICIT_DENY),
    ("iam:AttachRolePolicy", f"arn:aws:iam::{PROD}:role/agentpol-refund-agent",
     Decision.EXPLICIT_DENY),
    ("iam:CreatePolicyVersion", f"arn:aws:iam::{PROD}:policy/agentpol-support-bot-identity",
     Decision.EXPLICIT_DENY),
    ("logs:DeleteLogGroup", f"arn:aws:logs:us-east-1:{PROD}:log-group:/acme/prod/agent-audit:*",
     Decision.EXPLICIT_DENY),
    ("logs:PutRetentionPolicy", f"arn:aws:logs:us-east-1:{PROD}:log-group:/acme/prod/agent-audit",
     Decision.EXPLICIT_DENY),
    ("cloudtrail:StopLogging", f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/org", Decision.EXPLICIT_DENY),
    # and what the role was granted still works
    ("dynamodb:PutItem", TABLE, Decision.ALLOW),
])
def test_an_attached_admin_policy_gains_nothing(files, action, resource, decision):
    context = {"aws:ResourceAccount": PROD}
    assert decide(files, "support-bot@prod", action, resource, context, extra=[ADMIN]) == decision


def test_a_wildcard_that_covers_another_envs_bucket_is_stopped_by_the_guard():
    model = model_from('agent bot { owner = "t@acme.com"\n'
                       '  in staging { allow "s3:GetObject" on "arn:aws:s3:::acme-exports-*/*" } }')
    files = emit(model)
    own = decide(files, "bot@staging", "s3:GetObject", "arn:aws:s3:::acme-exports-staging/a",
                 {"aws:ResourceAccount": STAGING})
    other = decide(files, "bot@staging", "s3:GetObject", "arn:aws:s3:::acme-exports-prod/a",
                   {"aws:ResourceAccount": PROD})
    assert (own, other) == (Decision.ALLOW, Decision.EXPLICIT_DENY)
