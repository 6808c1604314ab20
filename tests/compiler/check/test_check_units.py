"""The proof's building blocks: pattern intersection, authz files, quota, the report."""
from __future__ import annotations

import json

import pytest

from helpers import model_from

from agentpol.check import AuthzError
from agentpol.check.authz import load, trust_admits
from agentpol.globs import globs_meet
from agentpol.model import Destination
from agentpol.pipeline import check


@pytest.mark.parametrize("p, q, syntax, meets", [
    ("arn:aws:sm:*:*:secret:prod*", "arn:aws:sm:us-east-1:2:secret:prod/db-??????", "iam", True),
    ("arn:aws:sm:*:*:secret:stg*", "arn:aws:sm:us-east-1:2:secret:prod/db-??????", "iam", False),
    ("arn:aws:s3:::acme-*-exports/*", "arn:aws:s3:::acme-prod-exports/daily/*", "iam", True),
    ("a*b", "*c*", "iam", True),
    ("a*b", "c*", "iam", False),
    ("a?c", "abc", "iam", True),
    ("a?c", "ac", "iam", False),
    ("secret/data/+/app/*", "secret/data/prod/app/*", "vault", True),
    ("secret/data/+/app", "secret/data/prod/x/app", "vault", False),
    ("secret/data/prod-archive/*", "secret/data/prod/app", "vault", False),
    ("sys/*", "sys/audit*", "vault", True),
])
def test_globs_meet(p, q, syntax, meets):
    assert globs_meet(p, q, syntax) is meets
    assert globs_meet(q, p, syntax) is meets


def dest(value: str) -> Destination:
    parsed = Destination.parse(value, with_port=False)
    assert isinstance(parsed, Destination)
    return parsed


def within(d: Destination, c: Destination) -> bool:
    return d.within(c)


def meet(d: Destination, c: Destination) -> bool:
    return d.meets(c)


def test_destinations():
    assert within(dest("db.prod.acme.internal"), dest("*.prod.acme.internal"))
    assert not within(dest("prod.acme.internal"), dest("*.prod.acme.internal"))
    assert within(dest("*.x.prod.acme.internal"), dest("*.prod.acme.internal"))
    assert meet(dest("*.acme.internal"), dest("*.prod.acme.internal"))
    assert not meet(dest("x.notprod.acme.internal"), dest("*.prod.acme.internal"))
    assert meet(dest("10.0.0.0/8"), dest("10.30.0.0/16"))
    assert within(dest("10.30.1.2"), dest("10.30.0.0/16"))
    assert not meet(dest("10.31.0.0/16"), dest("10.30.0.0/16"))
    assert not meet(dest("10.30.0.1"), dest("*.prod.acme.internal"))


def _authz(tmp_path, doc, name="a.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


ROLE = {"RoleName": "r", "Arn": "arn:aws:iam::333333333333:role/r",
        "AssumeRolePolicyDocument": "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
        "%22Principal%22%3A%7B%22AWS%22%3A%22333333333333%22%7D%2C%22Action%22%3A%22sts%3A"
        "AssumeRole%22%7D%5D%7D"}


def test_authz_reads_url_encoded_documents(tmp_path):
    (account,) = load([_authz(tmp_path, {"RoleDetailList": [ROLE]})])
    assert account.account == "333333333333"
    role = account.roles[0]
    assert trust_admits(role.trust, "arn:aws:iam::333333333333:role/agentpol-x", "333333333333")
    assert not trust_admits(role.trust, "arn:aws:iam::444444444444:role/x", "444444444444")
    assert not trust_admits(role.trust, None, None, service=True)


@pytest.mark.parametrize("root, admitted", [
    ("arn:aws:iam::333333333333:root", True), ("arn:aws-cn:iam::333333333333:root", True),
    ("arn:aws-us-gov:iam::333333333333:root", True), ("arn:aws:iam::444444444444:root", False),
    ("333333333333", True)])
def test_an_account_root_is_trusted_in_any_partition(root, admitted):
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": root},
                            "Action": "sts:AssumeRole"}]}
    assert trust_admits(trust, "arn:aws-cn:iam::333333333333:role/r", "333333333333") is admitted


@pytest.mark.parametrize("doc, problem", [
    ({"nothing": []}, "get-account-authorization-details"),
    ({"RoleDetailList": [ROLE, {**ROLE, "Arn": "arn:aws:iam::444444444444:role/r"}]},
     "one account"),
    ({"RoleDetailList": [{"RoleName": "x"}]}, "not the ARN of role x"),
])
def test_authz_rejects(tmp_path, doc, problem):
    with pytest.raises(AuthzError, match=problem):
        load([_authz(tmp_path, doc)])


def test_authz_one_file_per_account(tmp_path):
    doc = {"RoleDetailList": [ROLE]}
    with pytest.raises(AuthzError, match="one file per account"):
        load([_authz(tmp_path, doc, "a.json"), _authz(tmp_path, doc, "b.json")])


def test_quota_after_splitting():
    lines = "\n".join(f'    allow "dynamodb:GetItem" on "arn:aws:dynamodb:us-east-1:333333333333:'
                      f'table/a-rather-long-table-name-number-{i:04d}"' for i in range(600))
    report = check(model_from(f'agent bot {{\n  owner = "t@acme.com"\n  in staging {{\n'
                              f'{lines}\n  }}\n}}\n'))
    quota = [f.message for f in report.findings if f.rule == "quota"]
    assert any("managed policies per role is" in m for m in quota)
    assert not any("session policy" in m for m in quota)  # it widens within the role instead
    assert report.triples == 600


def test_clean_report_counts_and_unused_warning():
    report = check(model_from('resource secret db { name = "{env}/db" }\n'
                              'resource sqs_queue q { name = "q-{env}" }\n'
                              'profile spare { allow send on sqs_queue.q }\n'
                              'agent bot {\n  owner = "t@acme.com"\n'
                              '  in staging, prod { allow read on secret.db }\n}\n'))
    assert report.errors == ()
    assert report.triples == 2
    unused = sorted(f.message for f in report.findings if f.rule == "unused")
    assert unused == ["profile `spare` is used by no agent or profile",
                      "resource sqs_queue.q is used by no agent, env or test"]
    assert all(f.severity == "warning" for f in report.findings)


def test_wildcard_resource_is_a_warning_outside_protected_envs():
    report = check(model_from('agent bot {\n  owner = "t@acme.com"\n  in staging '
                              '{ allow "s3:*" on "arn:aws:s3:::acme-staging-*" }\n}\n'))
    (f,) = [f for f in report.findings if f.rule == "wildcard-resource"]
    assert f.severity == "warning"


def test_unknown_action_suggests():
    report = check(model_from('resource s3_bucket d { name = "d-{env}" }\nagent bot {\n'
                              '  owner = "t@acme.com"\n'
                              '  in staging { allow "s3:GetObjekt" on s3_bucket.d }\n}\n'))
    (f,) = [f for f in report.findings if f.rule == "unknown-action"]
    assert "did you mean `s3:GetObject`?" in f.message
    assert (f.location.line, f.location.col) == (4, 22)


def test_an_approval_no_gateway_sees_is_a_warning_and_one_it_sees_is_not():
    src = '''
resource sqs_queue q { name = "q-{env}" }
resource api llm { provider = openai, key_name = "llm-{env}" }
agent bot {
  owner = "o"
  in staging {
    allow send on sqs_queue.q
    allow call on api.llm
    budget api.llm 5 usd per day
    approval required for send on sqs_queue.q
    approval required for call on api.llm
  }
}
'''
    found = [f for f in check(model_from(src)).findings if f.rule == "unenforced-approval"]
    assert [(f.severity, f.location.line, f.witness[-1].label) for f in found] == [
        ("warning", 10, "sqs_queue.q@staging")]


def test_a_vault_grant_without_vault_address_is_a_warning():
    """The allowlists cannot open Vault without the env's address; with it, no warning."""
    src = '''
resource vault_path creds { path = "secret/data/{env}/x" }
agent bot {
  owner = "o@acme.com"
  in staging { allow read on vault_path.creds }
}
'''
    found = [f for f in check(model_from(src)).findings if f.rule == "missing-vault-address"]
    assert [(f.severity, f.location.line) for f in found] == [("warning", 5)]
    with_address = src.replace("agent bot", 'environment qa { aws_account = "444444444444", '
                               'vault_address = "v.qa:8200" }\n'
                               "agent bot").replace("in staging", "in qa")
    assert not [f for f in check(model_from(with_address)).findings
                if f.rule == "missing-vault-address"]
