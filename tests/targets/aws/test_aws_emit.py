"""The AWS target's files for acme and the raw-action fixture: golden copies, the IAM catalogue,
parliament, the guards every role carries, shadow and pending grants, and the Terraform."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agentpol.artifacts import build
from agentpol.targets import TARGETS
from agentpol.targets.aws import emit
from agentpol.targets.aws.terraform import Role, main_tf
from aws_fixture import RAW_SOURCE
from aws_policy_checks import catalogue_problems, iam_documents, star_problems
from helpers import model_from
from validators.parliament_lint import design_findings, lint_iam_policy, validate_iam_policy

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def raw_model():
    return model_from(RAW_SOURCE)


@pytest.fixture(scope="module", params=["acme", "raw"])
def files(request, acme_model, raw_model):
    return emit(acme_model if request.param == "acme" else raw_model)


def _doc(files, path):
    return json.loads(files[path])


def _identity(files, env, agent):
    """All statements of a role's identity policies, in order."""
    paths = sorted((p for p in files if p.startswith(f"aws/{env}/{agent}/identity-policy")),
                   key=lambda p: (len(p), p))
    return [st for p in paths for st in _doc(files, p)["Statement"]]


def test_registered_as_aws():
    assert TARGETS["aws"] is emit


def test_acme_matches_golden(acme_model, golden):
    golden(GOLDEN / "acme", emit(acme_model))


def test_raw_fixture_matches_golden(raw_model, golden):
    golden(GOLDEN / "raw", emit(raw_model))


def test_output_is_deterministic(acme_model, raw_model):
    assert emit(acme_model) == emit(acme_model)
    assert list(emit(raw_model)) == sorted(emit(raw_model))


def test_acme_has_a_role_for_every_principal_with_aws_grants(acme_model):
    roles = {tuple(p.split("/")[1:3]) for p in emit(acme_model) if p.count("/") == 3}
    assert roles == {("dev", "support-bot"), ("dev", "code-agent"), ("staging", "support-bot"),
                     ("staging", "code-agent"), ("staging", "refund-agent"),
                     ("prod", "support-bot"), ("prod", "refund-agent")}
    for env, agent in roles:
        base = f"aws/{env}/{agent}/"
        assert {base + f for f in ("trust-policy.json", "identity-policy.json",
                                   "permissions-boundary.json")} <= set(emit(acme_model))


def test_every_action_and_arn_fits_the_iam_catalogue(files):
    docs = iam_documents(files)
    assert docs
    for path, doc in docs.items():
        assert catalogue_problems(doc) == [], path


def test_no_action_that_supports_scoping_is_on_star(files):
    for path, doc in iam_documents(files).items():
        assert star_problems(doc) == [], path


#: Parliament 1.6 requires every resource type its data marks required for an action, but
#: bedrock:InvokeModel lists eight alternatives that way (foundation model, inference profile,
#: ...), and it rejects a `:` in a resource id (model ids end in `:0`): any least-privilege
#: InvokeModel grant is a RESOURCE_MISMATCH to it. The IAM catalogue check above holds these.
PARLIAMENT_FALSE_MISMATCH = {"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}


def _real(finding) -> bool:
    return not (finding.issue == "RESOURCE_MISMATCH"
                and {d["action"] for d in finding.detail} <= PARLIAMENT_FALSE_MISMATCH)


def test_parliament_finds_no_unknown_action_mismatch_or_needless_star(files):
    linted = 0
    for path, text in files.items():
        if "/identity-policy" in path or path.endswith("permissions-boundary.json"):
            assert [str(f) for f in design_findings(lint_iam_policy(text)) if _real(f)] == [], path
            linted += 1
    assert linted


def test_parliament_catches_a_needless_star():
    """The linter is live: the same check fails on a policy that puts s3:GetObject on `*`."""
    bad = {"Version": "2012-10-17",
           "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]}
    assert validate_iam_policy(bad)


def test_sids_are_alphanumeric_and_unique_per_role(files):
    roles = {p.rsplit("/", 1)[0] for p in files if p.count("/") == 3}
    for role in roles:
        env, agent = role.split("/")[1:]
        sids = [st["Sid"] for st in _identity(files, env, agent)]
        assert len(sids) == len(set(sids)), role
        assert all(re.fullmatch(r"[A-Za-z0-9]+", s) for s in sids), sids


def test_sids_name_what_the_grant_means_never_a_line(acme_model):
    sids = [st["Sid"] for st in _identity(emit(acme_model), "prod", "support-bot")]
    assert "WriteDynamodbTableTickets" in sids
    assert "DenyDeleteDynamodbTableTickets" in sids
    assert "ReadDynamodbTableTickets" in sids and "ReadDynamodbTableTickets2" in sids


def test_every_role_carries_the_guards(acme_model):
    files = emit(acme_model)
    accounts = {"dev": "111111111111", "staging": "333333333333", "prod": "222222222222"}
    for path in files:
        if not path.endswith("/identity-policy.json"):
            continue
        env = path.split("/")[1]
        by_sid = {st["Sid"]: st for st in _identity(files, env, path.split("/")[2])}
        guard = by_sid["DenyOtherAccounts"]
        assert guard["Condition"]["StringNotEquals"] == {"aws:ResourceAccount": [accounts[env]]}
        assert "arn:aws:bedrock:*::foundation-model/*" in guard["NotResource"]
        assert by_sid["DenyAgentpolRoleChanges"]["Resource"] == [
            f"arn:aws:iam::{accounts[env]}:role/agentpol-*"]
        assert "iam:PutRolePolicy" in by_sid["DenyAgentpolRoleChanges"]["Action"]
        assert "iam:CreatePolicyVersion" in by_sid["DenyAgentpolPolicyChanges"]["Action"]
        assert "cloudtrail:StopLogging" in by_sid["DenyCloudTrailTampering"]["Action"]
        # dev declares no audit_log; staging and prod do
        assert ("DenyAuditLogTampering" in by_sid) == (env != "dev")


def test_the_audit_deny_names_the_envs_audit_log_group(acme_model):
    by_sid = {st["Sid"]: st for st in _identity(emit(acme_model), "prod", "support-bot")}
    deny = by_sid["DenyAuditLogTampering"]
    assert "arn:aws:logs:us-east-1:222222222222:log-group:/acme/prod/agent-audit" in deny["Resource"]
    assert {"logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
            "logs:DeleteLogStream"} <= set(deny["Action"])


def test_shadow_principal_gets_a_role_with_no_allow(acme_model):
    statements = _identity(emit(acme_model), "prod", "refund-agent")
    assert statements and all(st["Effect"] == "Deny" for st in statements)


def test_shadow_copy_holds_what_would_go_live(acme_model):
    files = build(acme_model, {"aws": emit}, ["aws"])
    shadow = json.loads(files["shadow/aws/prod/refund-agent/identity-policy.json"])
    allows = [st for st in shadow["Statement"] if st["Effect"] == "Allow"]
    assert [st["Action"] for st in allows] == [["sqs:DeleteMessage", "sqs:ReceiveMessage"]]
    # the live boundary is the ceiling of live grants only: nothing of refund-agent's
    boundary = files["aws/prod/support-bot/permissions-boundary.json"]
    assert "sqs:ReceiveMessage" not in boundary


def test_grants_pending_review_stay_out_of_live_policies():
    source = '''
    environment prod {
      aws_account = "222222222222"
      aws_runtime = "arn:aws:iam::222222222222:role/agent-runner"
      review_window = 24h
    }
    resource dynamodb_table tickets { name = "tickets" }
    agent bot { owner = "t@acme.com"  in prod { allow read on dynamodb_table.tickets } }
    '''
    files = emit(model_from(source, with_envs=False))
    assert all(st["Effect"] == "Deny" for st in _identity(files, "prod", "bot"))
    assert "dynamodb" not in files["aws/prod/bot/permissions-boundary.json"]


def test_a_principal_without_aws_grants_has_no_role(acme_model):
    # a principal whose grants are all GitHub (or Vault, or API) ones needs no AWS role
    model = model_from('agent api-only { owner = "t@acme.com"\n'
                       '  in staging { allow "contents:read" on "acme/web" } }')
    assert emit(model) == {}


def test_trust_policy_admits_the_runtime_with_the_agents_session_tags(acme_model):
    trust = _doc(emit(acme_model), "aws/staging/code-agent/trust-policy.json")
    (st,) = trust["Statement"]
    assert st["Principal"] == {"AWS": "arn:aws:iam::333333333333:role/agent-runner"}
    assert st["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    assert st["Condition"]["StringEquals"] == {"aws:RequestTag/agentpol:agent": "code-agent",
                                               "aws:RequestTag/agentpol:env": "staging"}


def test_trust_without_aws_runtime_is_the_account():
    source = '''
    environment solo { aws_account = "555555555555" }
    resource sqs_queue q { name = "q" }
    agent bot { owner = "t@acme.com"  in solo { allow send on sqs_queue.q } }
    '''
    trust = _doc(emit(model_from(source, with_envs=False)), "aws/solo/bot/trust-policy.json")
    assert trust["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::555555555555:root"}


# -- Terraform -------------------------------------------------------------------------------


def test_main_tf_creates_roles_policies_and_attachments(acme_model):
    files = emit(acme_model)
    tf = json.loads(files["aws/staging/main.tf.json"])
    assert tf["terraform"]["required_providers"]["aws"]["source"] == "hashicorp/aws"
    resources = tf["resource"]
    roles = resources["aws_iam_role"]
    assert set(roles) == {"code-agent", "refund-agent", "support-bot"}
    for agent, role in roles.items():
        assert role["name"] == f"agentpol-{agent}"
        assert json.loads(role["assume_role_policy"]) == _doc(
            files, f"aws/staging/{agent}/trust-policy.json")
        assert role["permissions_boundary"] == "${aws_iam_policy.boundary.arn}"
    policies = resources["aws_iam_policy"]
    assert json.loads(policies["boundary"]["policy"]) == _doc(
        files, "aws/staging/support-bot/permissions-boundary.json")
    assert json.loads(policies["support-bot_identity"]["policy"]) == _doc(
        files, "aws/staging/support-bot/identity-policy.json")
    attachments = resources["aws_iam_role_policy_attachment"]
    assert attachments["support-bot_identity"] == {
        "role": "${aws_iam_role.support-bot.name}",
        "policy_arn": "${aws_iam_policy.support-bot_identity.arn}"}


def test_main_tf_references_only_declared_resources(acme_model, raw_model):
    for model in (acme_model, raw_model):
        for path, text in emit(model).items():
            if not path.endswith("main.tf.json"):
                continue
            declared = {f"{kind}.{name}" for kind, block in json.loads(text)["resource"].items()
                        for name in block}
            used = set(re.findall(r"(?<!\$)\$\{(aws_[a-z_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}", text))
            assert used and used <= declared, path


def test_max_session_duration_is_at_least_an_hour_and_the_session(acme_model):
    roles = {env: json.loads(emit(acme_model)[f"aws/{env}/main.tf.json"])["resource"]["aws_iam_role"]
             for env in ("dev", "staging")}
    assert roles["dev"]["code-agent"]["max_session_duration"] == 7200      # session 2h
    assert roles["staging"]["refund-agent"]["max_session_duration"] == 3600  # session 15m
    assert roles["staging"]["support-bot"]["max_session_duration"] == 3600   # session 1h


def test_policy_variables_are_escaped_for_terraform(acme_model):
    """IAM's `${aws:username}` must reach AWS as written, not be read as Terraform's `${}`."""
    env = acme_model.environments["staging"]
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": ["arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::x/%{y}"]}]}
    tf = main_tf(env, [Role("bot", 3600, doc, (doc,))], doc)
    policy = json.loads(tf)["resource"]["aws_iam_policy"]["bot_identity"]["policy"]
    assert "home/$${aws:username}/*" in policy and "x/%%{y}" in policy
    assert json.loads(policy.replace("$${", "${").replace("%%{", "%{")) == doc
