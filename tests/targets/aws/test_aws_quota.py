"""AWS's quotas: splitting identity policies, and one test per limit `quota_problems` reports."""
from __future__ import annotations

import json

import pytest

from agentpol.targets.aws import emit, quota_problems
from agentpol.targets.aws.policy import MANAGED_POLICY_MAX, size
from helpers import model_from


def _tables(count: int, words: str = "read, write, delete") -> str:
    """An agent granted `words` on `count` tables in staging."""
    resources = "\n".join(f'resource dynamodb_table t{i} {{ name = "table-{i:03}-{{env}}" }}'
                          for i in range(count))
    targets = ", ".join(f"dynamodb_table.t{i}" for i in range(count))
    return resources + f'\nagent bot {{ owner = "t@acme.com"\n  in staging {{ allow {words} on {targets} }} }}\n'


def _parts(files, agent="bot"):
    return sorted((p for p in files if p.startswith(f"aws/staging/{agent}/identity-policy")),
                  key=lambda p: (len(p), p))


@pytest.fixture(scope="module")
def big():
    """Twenty tables: more than one managed policy's worth, well under ten."""
    return emit(model_from(_tables(20)))


def test_an_identity_policy_over_6144_characters_is_split(big):
    parts = _parts(big)
    assert parts[:3] == ["aws/staging/bot/identity-policy.json",
                         "aws/staging/bot/identity-policy-2.json",
                         "aws/staging/bot/identity-policy-3.json"]
    assert all(size(big[p]) <= MANAGED_POLICY_MAX for p in parts)
    # nothing lost or repeated: every table's statements are there once, Sids unique
    statements = [st for p in parts for st in json.loads(big[p])["Statement"]]
    sids = [st["Sid"] for st in statements]
    assert len(sids) == len(set(sids))
    tables = {r for st in statements if st["Effect"] == "Allow" for r in st["Resource"]
              if r.endswith("-staging")}
    assert len(tables) == 20


def test_each_part_is_attached_to_the_role(big):
    tf = json.loads(big["aws/staging/main.tf.json"])["resource"]
    count = len(_parts(big))
    assert len(tf["aws_iam_role_policy_attachment"]) == count
    assert tf["aws_iam_policy"][f"bot_identity_{count}"]["name"] == f"agentpol-bot-identity-{count}"


def test_a_fitting_split_has_no_quota_problem(big):
    assert [p for p in quota_problems(big) if p.path.startswith("aws/staging/bot/identity")] == []


def test_more_than_ten_managed_policies_per_role_is_a_problem():
    files = emit(model_from(_tables(80)))
    assert len(_parts(files)) > 10
    problems = [p for p in quota_problems(files) if p.quota == "managed policies per role"]
    assert [(p.path, p.env, p.agent, p.size, p.limit) for p in problems] == [
        ("aws/staging/bot", "staging", "bot", len(_parts(files)), 10)]


def test_a_boundary_over_6144_characters_is_a_problem():
    # the boundary names every granted action: a few hundred of them do not fit in one policy
    source = ('agent bot { owner = "t@acme.com"\n  in staging {\n'
              '    allow "ec2:*" on "arn:aws:ec2:{region}:{account}:instance/*" } }\n')
    files = emit(model_from(source))
    problems = [p for p in quota_problems(files) if p.path.endswith("permissions-boundary.json")]
    assert [p.quota for p in problems] == ["managed policy size"]
    assert problems[0].size > problems[0].limit == MANAGED_POLICY_MAX


TYPES = [("dynamodb_table", "read"), ("secret", "read"), ("s3_bucket", "write"),
         ("sqs_queue", "send"), ("log_group", "write"), ("ssm_parameter", "read")]


def _crowd(agents: int, resources: int = 200) -> str:
    """`agents` agents in staging, each granted 8 of `resources` resources of six types."""
    out = [f'resource {TYPES[r % 6][0]} r{r} {{ name = "acme-{{env}}-r{r}" }}'
           for r in range(resources)]
    for a in range(agents):
        grants = "\n".join(f"    allow {TYPES[r % 6][1]} on {TYPES[r % 6][0]}.r{r}"
                           for r in (i % resources for i in range(a, a + 8)))
        out.append(f'agent a{a} {{ owner = "t@acme.com"\n  in staging {{\n{grants}\n  }} }}')
    return "\n".join(out) + "\n"


def test_the_boundary_does_not_grow_with_the_agents_or_resources_of_an_env():
    """1,000 agents on 200 resources in one env: no quota problem, and the boundary is the one
    twelve agents on those resource types get."""
    crowd = emit(model_from(_crowd(1000)))
    assert quota_problems(crowd) == []
    few = emit(model_from(_crowd(12)))
    assert crowd["aws/staging/a999/permissions-boundary.json"] == \
        few["aws/staging/a0/permissions-boundary.json"]


def test_one_statement_too_big_for_a_policy_is_cut_by_actions():
    source = ('agent bot { owner = "t@acme.com"\n  in staging {\n'
              '    allow "ec2:Describe*" on "arn:aws:ec2:{region}:{account}:instance/*" } }\n')
    files = emit(model_from(source))
    statements = [st for p in _parts(files) for st in json.loads(files[p])["Statement"]]
    star = [st for st in statements if st.get("Resource") == ["*"]]
    assert len(star) == 2 and star[1]["Sid"] == star[0]["Sid"] + "2"
    assert all(size(files[p]) <= MANAGED_POLICY_MAX for p in _parts(files))
    # the boundary is one policy and cannot be split: it holds the whole statement and is over
    assert [p.path for p in quota_problems(files)] == ["aws/staging/bot/permissions-boundary.json"]


def test_a_trust_policy_over_2048_characters_and_a_long_role_name_are_problems():
    name = "a" + "-agent" * 400
    files = emit(model_from(f'resource sqs_queue q {{ name = "q" }}\n'
                            f'agent {name} {{ owner = "t@acme.com"  in staging {{ allow send on sqs_queue.q }} }}'))
    problems = {p.quota: p for p in quota_problems(files)}
    assert problems["trust policy size"].path == f"aws/staging/{name}/trust-policy.json"
    assert problems["trust policy size"].limit == 2048
    assert problems["role name length"].size == len("agentpol-" + name)
    assert problems["role name length"].limit == 64


def test_quota_problems_reads_shadow_copies_and_ignores_other_files():
    huge = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "x" * 7000}]})
    files = {"shadow/aws/prod/bot/identity-policy.json": huge,
             "aws/prod/bot/notes.json": huge, "cedar/prod/policies.cedar": huge}
    (problem,) = quota_problems(files)
    assert (problem.path, problem.env, problem.agent) == (
        "shadow/aws/prod/bot/identity-policy.json", "prod", "bot")
    assert "over AWS's limit of 6144" in str(problem)


def test_whitespace_does_not_count():
    assert size('{\n  "a": "b c"\n}\n') == len('{"a":"bc"}')
