"""CloudTrail data-event knowledge: which types have data events and how a selector names them."""

import pytest

from agentpol.catalogue.aws_access import AWS_TYPES
from agentpol.catalogue.cloudtrail import (DATA_EVENT_TYPES, EQUALS, STARTS_WITH, Match,
                                           instance_match, raw_matches)

A, R = "222222222222", "us-east-1"


def test_data_event_types_are_aws_types():
    assert set(DATA_EVENT_TYPES) <= set(AWS_TYPES)
    assert set(DATA_EVENT_TYPES) == {"s3_bucket", "dynamodb_table", "lambda_function",
                                     "sns_topic", "sqs_queue"}


@pytest.mark.parametrize("rtype,attrs,expected", [
    ("s3_bucket", {"name": "b", "prefix": "support/"},
     Match("AWS::S3::Object", STARTS_WITH, "arn:aws:s3:::b/support/")),
    ("s3_bucket", {"name": "b"}, Match("AWS::S3::Object", STARTS_WITH, "arn:aws:s3:::b/")),
    ("dynamodb_table", {"name": "t"},
     Match("AWS::DynamoDB::Table", EQUALS, f"arn:aws:dynamodb:{R}:{A}:table/t")),
    ("lambda_function", {"name": "f"},
     Match("AWS::Lambda::Function", EQUALS, f"arn:aws:lambda:{R}:{A}:function:f")),
    ("sns_topic", {"name": "n"}, Match("AWS::SNS::Topic", EQUALS, f"arn:aws:sns:{R}:{A}:n")),
    ("sqs_queue", {"name": "q"}, Match("AWS::SQS::Queue", EQUALS, f"arn:aws:sqs:{R}:{A}:q")),
])
def test_instance_match(rtype, attrs, expected):
    assert instance_match(rtype, attrs, A, R) == expected


@pytest.mark.parametrize("rtype", sorted(set(AWS_TYPES) - set(DATA_EVENT_TYPES)))
def test_management_only_types_have_no_data_selector(rtype):
    assert instance_match(rtype, {"name": "x", "alias": "alias/x", "model_id": "m"}, A, R) is None


@pytest.mark.parametrize("arn,expected", [
    ("arn:aws:s3:::raw/*", [(STARTS_WITH, "arn:aws:s3:::raw/")]),
    ("arn:aws:s3:::acme-*", [(STARTS_WITH, "arn:aws:s3:::acme-")]),
    ("arn:aws:s3:::raw", [(STARTS_WITH, "arn:aws:s3:::raw/")]),
    ("arn:aws:s3:::raw/a.csv", [(EQUALS, "arn:aws:s3:::raw/a.csv")]),
    (f"arn:aws:dynamodb:{R}:{A}:table/t/index/*", [(EQUALS, f"arn:aws:dynamodb:{R}:{A}:table/t")]),
    (f"arn:aws:dynamodb:{R}:{A}:table/t*", [(STARTS_WITH, f"arn:aws:dynamodb:{R}:{A}:table/t")]),
    (f"arn:aws:dynamodb:*:{A}:table/t", [(STARTS_WITH, "arn:aws:dynamodb:")]),
    (f"arn:aws:lambda:{R}:{A}:function:f:*", [(STARTS_WITH, f"arn:aws:lambda:{R}:{A}:function:f")]),
    (f"arn:aws:lambda:{R}:{A}:function:f", [(EQUALS, f"arn:aws:lambda:{R}:{A}:function:f")]),
    (f"arn:aws:sqs:{R}:{A}:q", [(EQUALS, f"arn:aws:sqs:{R}:{A}:q")]),
    (f"arn:aws:secretsmanager:{R}:{A}:secret:x", []),
])
def test_raw_matches(arn, expected):
    assert [(m.operator, m.value) for m in raw_matches(arn)] == expected


def test_wildcard_service_selects_every_type_it_can_name():
    types = {m.type for m in raw_matches(f"arn:aws:s*:{R}:{A}:x")}
    assert types == {"AWS::S3::Object", "AWS::SNS::Topic", "AWS::SQS::Queue"}
    assert {m.value for m in raw_matches("arn:aws:*")} == {"arn:aws:"}
    assert len(raw_matches("arn:aws:*")) == len(DATA_EVENT_TYPES)

