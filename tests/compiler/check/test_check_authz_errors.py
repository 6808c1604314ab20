"""A malformed --aws-authz file is an input error (exit 2, E040) naming the file and the role,
user, group or policy, never a traceback; a file of an account no env owns is a warning."""
from __future__ import annotations

import copy
import json

import pytest

from agentpol.pipeline import check
from agentpol.check.authz import AuthzError, load
from agentpol.cli import main
from helpers import model_from, policy_dir

TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole",
    "Principal": {"AWS": "arn:aws:iam::333333333333:root"}}]}
GOOD = {
    "RoleDetailList": [{
        "RoleName": "legacy", "Arn": "arn:aws:iam::333333333333:role/legacy",
        "AssumeRolePolicyDocument": TRUST,
        "RolePolicyList": [{"PolicyName": "reads", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["s3:GetObject"],
                "Resource": "arn:aws:s3:::b/*"}]}}],
        "AttachedManagedPolicies": [{"PolicyName": "extra",
                                     "PolicyArn": "arn:aws:iam::333333333333:policy/extra"}]}],
    "Policies": [{"PolicyName": "extra", "Arn": "arn:aws:iam::333333333333:policy/extra",
                  "DefaultVersionId": "v1", "PolicyVersionList": [{
                      "VersionId": "v1", "IsDefaultVersion": True, "Document": {
                          "Version": "2012-10-17", "Statement": {
                              "Effect": "Allow", "Action": "sqs:SendMessage",
                              "Resource": "*"}}}]}],
}


def _with(path: tuple, value):
    """GOOD with the element at `path` replaced (or removed, for value ...)."""
    doc = copy.deepcopy(GOOD)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


ROLE, POLICY = ("RoleDetailList", 0), ("RoleDetailList", 0, "RolePolicyList", 0)
INLINE_STMT = POLICY + ("PolicyDocument", "Statement")
MANAGED_DOC = ("Policies", 0, "PolicyVersionList", 0, "Document")

#: (case, document, what the error must name besides the file)
CASES = [
    ("statement-is-a-number", _with(INLINE_STMT, 3), ["role legacy", "reads", "Statement"]),
    ("statement-list-of-strings", _with(INLINE_STMT, ["Allow s3:*"]),
     ["role legacy", "reads", "statement 1 is not an object"]),
    ("action-with-a-number", _with(INLINE_STMT + (0, "Action"), ["s3:*", 3]),
     ["role legacy", "reads", "Action"]),
    ("action-not-service-colon", _with(INLINE_STMT + (0, "Action"), "GetObject"),
     ["role legacy", "reads", "GetObject"]),
    ("arn-not-an-arn", _with(ROLE + ("Arn",), "legacy"), ["role legacy", "Arn"]),
    ("arn-of-another-role", _with(ROLE + ("Arn",), "arn:aws:iam::333333333333:role/other"),
     ["role legacy", "Arn"]),
    ("arn-a-number", _with(ROLE + ("Arn",), 42), ["role legacy", "Arn"]),
    ("role-name-missing", _with(ROLE + ("RoleName",), ...), ["role", "RoleName"]),
    ("trust-missing", _with(ROLE + ("AssumeRolePolicyDocument",), ...),
     ["role legacy", "AssumeRolePolicyDocument"]),
    ("trust-not-json", _with(ROLE + ("AssumeRolePolicyDocument",), "%7Bnot json"),
     ["role legacy", "trust policy", "not JSON"]),
    ("trust-principal-number", _with(ROLE + ("AssumeRolePolicyDocument", "Statement", 0,
                                             "Principal"), 7),
     ["role legacy", "trust policy", "Principal"]),
    ("trust-principal-key-list-of-numbers", _with(
        ROLE + ("AssumeRolePolicyDocument", "Statement", 0, "Principal", "AWS"), [1, 2]),
     ["role legacy", "trust policy", "AWS"]),
    ("document-a-list", _with(POLICY + ("PolicyDocument",), [1]),
     ["role legacy", "reads", "not a JSON object"]),
    ("document-not-json", _with(POLICY + ("PolicyDocument",), "{{{"),
     ["role legacy", "reads", "not JSON"]),
    ("document-without-statement", _with(POLICY + ("PolicyDocument", "Statement"), ...),
     ["role legacy", "reads", "Statement"]),
    ("policy-name-missing", _with(POLICY + ("PolicyName",), ...),
     ["role legacy", "PolicyName"]),
    ("effect-missing", _with(INLINE_STMT + (0, "Effect"), ...),
     ["role legacy", "reads", "Effect"]),
    ("resource-missing", _with(INLINE_STMT + (0, "Resource"), ...),
     ["role legacy", "reads", "Resource"]),
    ("resource-not-arn", _with(INLINE_STMT + (0, "Resource"), "my-bucket"),
     ["role legacy", "reads", "my-bucket"]),
    ("condition-a-string", _with(INLINE_STMT + (0, "Condition"), "yes"),
     ["role legacy", "reads", "Condition"]),
    ("inline-list-an-object", _with(ROLE + ("RolePolicyList",), {"a": 1}),
     ["role legacy", "RolePolicyList"]),
    ("attached-without-arn", _with(ROLE + ("AttachedManagedPolicies", 0, "PolicyArn"), ...),
     ["role legacy", "attached policy"]),
    ("managed-statement-number", _with(MANAGED_DOC + ("Statement",), 5),
     ["policy extra", "v1", "Statement"]),
    ("managed-no-default", _with(("Policies", 0, "PolicyVersionList", 0,
                                  "IsDefaultVersion"), False),
     ["policy extra", "default"]),
    ("managed-arn-broken", _with(("Policies", 0, "Arn"), "extra"), ["policy extra", "Arn"]),
    ("role-list-a-string", {"RoleDetailList": "roles"}, ["RoleDetailList"]),
    ("max-session-string", _with(ROLE + ("MaxSessionDuration",), "1h"),
     ["role legacy", "MaxSessionDuration"]),
    ("truncated-page", {**GOOD, "IsTruncated": True}, ["IsTruncated"]),
    ("account-key-broken", {**GOOD, "Account": 333333333333}, ["Account"]),
    ("two-accounts", _with(("Policies", 0, "Arn"), "arn:aws:iam::444444444444:policy/extra"),
     ["333333333333", "444444444444"]),
    ("no-account-at-all", {"RoleDetailList": []}, ["none", "snapshot"]),
    ("not-gaad", {"hello": 1}, ["get-account-authorization-details"]),
    ("top-level-list", [GOOD], ["get-account-authorization-details"]),
]


@pytest.mark.parametrize("case, doc, named", CASES, ids=[c[0] for c in CASES])
def test_malformed_authz_is_exit_2_naming_file_and_entity(case, doc, named, tmp_path, capsys):
    authz = tmp_path / f"{case}.json"
    authz.write_text(json.dumps(doc, indent=2))
    with policy_dir('agent a {\n  owner = "o"\n  in staging { }\n}\n') as d:
        assert main(["check", str(d), "--aws-authz", str(authz)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{authz}:" in err and "error[E040]" in err
    for word in named:
        assert word in err, f"{case}: {word!r} not in {err!r}"


def test_text_that_is_not_json_names_the_file(tmp_path, capsys):
    authz = tmp_path / "authz.json"
    authz.write_text("<html><body>Proxy login</body></html>")
    with policy_dir('agent a {\n  owner = "o"\n  in staging { }\n}\n') as d:
        assert main(["check", str(d), "--aws-authz", str(authz)]) == 2
    assert f"{authz}:1:1: error[E040]: not JSON" in capsys.readouterr().err


def test_the_caret_points_at_the_role(tmp_path, capsys):
    authz = tmp_path / "authz.json"
    authz.write_text(json.dumps(_with(INLINE_STMT, 3), indent=2))
    with pytest.raises(AuthzError) as caught:
        load([authz])
    (d,) = caught.value.diagnostics
    line = authz.read_text().splitlines()[d.span.line - 1]
    assert '"PolicyName": "reads"' in line


def test_every_problem_of_every_file_at_once(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_with(INLINE_STMT + (0, "Action"), 3)))
    doc = _with(ROLE + ("Arn",), "x")
    doc["Policies"][0]["PolicyVersionList"][0]["Document"] = "nope"
    b.write_text(json.dumps(doc))
    with pytest.raises(AuthzError) as caught:
        load([a, b])
    files = sorted(d.span.file for d in caught.value.diagnostics)
    assert files == [str(a), str(b), str(b)]


def test_a_minified_file_is_not_quoted_whole(tmp_path, capsys):
    doc = _with(INLINE_STMT, 3)
    doc["RoleDetailList"] += [{**GOOD["RoleDetailList"][0], "RoleName": f"r{i}",
                               "Arn": f"arn:aws:iam::333333333333:role/r{i}"} for i in range(20)]
    authz = tmp_path / "authz.json"
    authz.write_text(json.dumps(doc))
    with policy_dir('agent a {\n  owner = "o"\n  in staging { }\n}\n') as d:
        assert main(["check", str(d), "--aws-authz", str(authz)]) == 2
    err = capsys.readouterr().err
    assert "role legacy" in err and len(err) < 1000


def test_a_good_file_reads(tmp_path):
    authz = tmp_path / "authz.json"
    authz.write_text(json.dumps(GOOD))
    (account,) = load([authz])
    (role,) = account.roles
    assert [p.name for p in role.policies] == ["reads", "arn:aws:iam::333333333333:policy/extra"]
    assert role.policies[1].document["Statement"] == [
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]
    assert role.attached == {"extra": "arn:aws:iam::333333333333:policy/extra"}


def test_an_account_of_no_env_is_a_warning(tmp_path, capsys):
    doc = json.loads(json.dumps(GOOD).replace("333333333333", "999999999999"))
    authz = tmp_path / "authz.json"
    authz.write_text(json.dumps(doc))
    with policy_dir('agent a {\n  owner = "o"\n  in staging { }\n}\n') as d:
        assert main(["check", str(d), "--aws-authz", str(authz)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {authz}: account 999999999999 belongs to no environment" in err


def test_an_empty_account_reads_from_its_account_key(tmp_path):
    authz = tmp_path / "authz.json"
    authz.write_text(json.dumps({"Account": "333333333333", "RoleDetailList": [],
                                 "UserDetailList": [], "GroupDetailList": [], "Policies": []}))
    report = check(model_from('agent a {\n  owner = "o"\n  in staging { }\n}\n'),
                   authz=[authz])
    assert report.errors == () and report.warnings == ()


def test_an_attached_policy_missing_from_the_file_is_a_warning(tmp_path):
    doc = _with(("Policies",), [])
    authz = tmp_path / "authz.json"
    authz.write_text(json.dumps(doc))
    report = check(model_from('agent a {\n  owner = "o"\n  in staging { }\n}\n'),
                   authz=[authz])
    assert any("policy/extra is not in the file" in w for w in report.warnings)
