"""Raw IAM actions (on instances and on ARNs), unknown actions, denies and the account guard's
exemptions, on the raw fixture program."""
from __future__ import annotations

import json

import pytest

from agentpol.pipeline import check
from agentpol.targets.aws import emit
from aws_fixture import RAW_SOURCE
from helpers import model_from


@pytest.fixture(scope="module")
def model():
    return model_from(RAW_SOURCE)


@pytest.fixture(scope="module")
def files(model):
    return emit(model)


def _statements(files, env, agent="raw-bot"):
    return json.loads(files[f"aws/{env}/{agent}/identity-policy.json"])["Statement"]


def _by_sid(files, env, agent="raw-bot"):
    return {st["Sid"]: st for st in _statements(files, env, agent)}


def _actions(files, env, effect="Allow"):
    return {a for st in _statements(files, env) if st["Effect"] == effect for a in st["Action"]}


def _unknown(model):
    return [f for f in check(model).findings if f.rule == "unknown-action"]


def test_unknown_actions_are_reported_once_with_a_suggestion(model):
    (found,) = _unknown(model)
    assert '"s3:GetObjcet" is not an IAM action; did you mean `s3:GetObject`?' in found.message
    assert (found.location.file, found.location.line) == ("policies/main.agentpol", 18)


def test_unknown_and_mismatched_actions_are_left_out(files):
    for env in ("staging", "prod"):
        text = files[f"aws/{env}/raw-bot/identity-policy.json"]
        assert "GetObjcet" not in text
        # s3:GetObject was also asked for on a DynamoDB table ARN: that part grants nothing
        for st in _statements(files, env):
            if "s3:GetObject" in st["Action"]:
                assert st["Resource"] == ["arn:aws:s3:::acme-docs/*"]


def test_an_unknown_action_alone_gives_a_role_without_it():
    model = model_from('agent bot { owner = "t@acme.com"\n'
                       '  in staging { allow "s3:NoSuchThing" on "arn:aws:s3:::b/*" } }')
    assert ['"s3:NoSuchThing"' in f.message for f in _unknown(model)] == [True]
    statements = json.loads(emit(model)["aws/staging/bot/identity-policy.json"])["Statement"]
    assert all(st["Effect"] == "Deny" for st in statements)


def test_raw_actions_on_an_instance_keep_its_scoping(files):
    sids = _by_sid(files, "staging")
    assert sids["S3GetObjectTaggingS3BucketExports"]["Resource"] == [
        "arn:aws:s3:::acme-exports-staging/support/*"]
    listing = sids["S3ListBucketS3BucketExports"]
    assert listing["Resource"] == ["arn:aws:s3:::acme-exports-staging"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["support/*"]}}
    # a bucket-level action cannot be held to the prefix: it is not granted at all
    assert "s3:GetBucketTagging" not in _actions(files, "staging")
    describe = sids["KmsDescribeKeyKmsKeyData"]
    assert describe["Resource"] == ["arn:aws:kms:us-east-1:333333333333:key/*"]
    assert describe["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/data-staging"]}}


def test_wildcard_actions_expand_to_catalogue_actions_on_the_arn(files):
    st = _by_sid(files, "staging")["S3GetTaggingArn"]
    assert st["Action"] == ["s3:GetObjectTagging", "s3:GetObjectVersionTagging"]
    assert st["Resource"] == ["arn:aws:s3:::acme-raw-staging/*"]


def test_actions_without_resource_scope_are_one_listed_statement_on_star(files):
    st = _by_sid(files, "staging")["ActionsWithoutResourceScope"]
    assert st == {"Sid": "ActionsWithoutResourceScope", "Effect": "Allow",
                  "Action": ["dynamodb:ListTables", "ecr:GetAuthorizationToken"],
                  "Resource": ["*"]}
    assert _by_sid(files, "staging")["DynamodbGetItemArn"]["Action"] == ["dynamodb:GetItem"]


def test_denies_become_deny_statements(files):
    sids = _by_sid(files, "prod")
    assert sids["DenyS3DeleteObjectS3BucketExports"]["Effect"] == "Deny"
    word = sids["DenyPullEcrRepositoryBase"]
    # a word's login action is not the repository: denying `pull` on one repo keeps ECR login
    assert word["Action"] == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert sids["DenyEcrGetAuthorizationTokenEcrRepositoryBase"]["Resource"] == ["*"]


def test_the_account_guard_lets_through_only_named_foreign_resources(files):
    staging = _by_sid(files, "staging")["DenyOtherAccounts"]["NotResource"]
    prod = _by_sid(files, "prod")["DenyOtherAccounts"]["NotResource"]
    shared = {"arn:aws:bedrock:*::foundation-model/*", "arn:aws:s3:::acme-docs/*",
              "arn:aws:sqs:us-east-1:444444444444:partner-in"}
    assert set(staging) == shared
    # prod names staging's (unprotected) log group explicitly
    assert set(prod) == shared | {
        "arn:aws:logs:us-east-1:333333333333:log-group:/acme/staging/app:*",
        "arn:aws:logs:us-east-1:333333333333:log-group:/acme/staging/app:log-stream:*"}


def test_a_grant_into_a_protected_env_is_not_exempted():
    """The checker reports it; the guard still blocks it at run time."""
    model = model_from('resource secret s { name = "s" }\nagent bot { owner = "t@acme.com"\n'
                       '  in staging { allow read on secret.s@prod\n'
                       '    allow "sqs:SendMessage" on "arn:aws:sqs:us-east-1:222222222222:q" } }')
    statements = json.loads(emit(model)["aws/staging/bot/identity-policy.json"])["Statement"]
    guard = {st["Sid"]: st for st in statements}["DenyOtherAccounts"]
    assert guard["NotResource"] == ["arn:aws:bedrock:*::foundation-model/*"]


def test_the_partition_follows_the_runtime():
    source = '''
    environment gov {
      aws_account = "666666666666"
      regions = ["us-gov-west-1"]
      aws_runtime = "arn:aws-us-gov:iam::666666666666:role/runner"
    }
    resource dynamodb_table t { name = "t" }
    agent bot { owner = "t@acme.com"  in gov { allow read on dynamodb_table.t } }
    '''
    files = emit(model_from(source, with_envs=False))
    for path, text in files.items():
        if path.endswith("-policy.json") or path.endswith("boundary.json"):
            arns = [a for a in json.dumps(json.loads(text)).split('"') if a.startswith("arn:")]
            assert arns and all(a.startswith("arn:aws-us-gov:") for a in arns), path
