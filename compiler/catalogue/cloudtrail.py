"""CloudTrail data events: which resource types CloudTrail records data events for, and how an
advanced event selector names one resource (`resources.ARN`) so that its events are recorded.

Every other AWS type agentpol knows (secrets, SSM parameters, KMS keys, IAM roles, ECR
repositories, log groups, Bedrock foundation models) is recorded through management events,
which a trail keeps on by its own selector. Pure functions over plain values, shared by the
audit target and its tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .aws_access import arn_for

#: agentpol type -> CloudTrail `resources.type` of its data events.
DATA_EVENT_TYPES: Mapping[str, str] = {
    "s3_bucket": "AWS::S3::Object",
    "dynamodb_table": "AWS::DynamoDB::Table",
    "lambda_function": "AWS::Lambda::Function",
    "sns_topic": "AWS::SNS::Topic",
    "sqs_queue": "AWS::SQS::Queue",
}

#: ARN service -> CloudTrail `resources.type`, to read raw ARNs.
_SERVICES: Mapping[str, str] = {
    "s3": "AWS::S3::Object",
    "dynamodb": "AWS::DynamoDB::Table",
    "lambda": "AWS::Lambda::Function",
    "sns": "AWS::SNS::Topic",
    "sqs": "AWS::SQS::Queue",
}

EQUALS, STARTS_WITH = "Equals", "StartsWith"


@dataclass(frozen=True, order=True)
class Match:
    """`resources.ARN <operator> value` for events of `resources.type` = type."""

    type: str
    operator: str  # EQUALS | STARTS_WITH
    value: str


def instance_match(
    rtype: str, attrs: Mapping[str, object], account: str, region: str, partition: str = "aws"
) -> Match | None:
    """How a selector names one instance's data events; None for a type without data events.

    S3 objects are selected by `StartsWith` the bucket ARN and its prefix (AWS documents the
    trailing `/` for a whole bucket); the other types by `Equals` their ARN."""
    ctype = DATA_EVENT_TYPES.get(rtype)
    if ctype is None:
        return None
    arn = arn_for(rtype, attrs, account, region, partition)
    if rtype == "s3_bucket":
        return Match(ctype, STARTS_WITH, arn.removesuffix("*") if "/" in arn else arn + "/")
    return Match(ctype, EQUALS, arn)


def raw_matches(arn: str) -> tuple[Match, ...]:
    """The selectors that record every data event a raw ARN pattern can reach: `StartsWith` the
    text before its first wildcard, cut back to the ARN the events carry (a table for its
    indexes and streams, a function for its versions, a bucket's objects for the bucket)."""
    cut = min((i for i in (arn.find("*"), arn.find("?")) if i >= 0), default=len(arn))
    prefix, wild = arn[:cut], cut < len(arn)
    parts = prefix.split(":", 5)
    service = arn.split(":", 5)[2] if arn.count(":") >= 2 else "*"
    out = []
    for svc, ctype in _SERVICES.items():
        if fnmatchcase(svc, service):
            out.append(_raw_match(ctype, prefix, wild, parts))
    return tuple(sorted(set(out)))


def _raw_match(ctype: str, prefix: str, wild: bool, parts: list[str]) -> Match:
    resource = parts[5] if len(parts) == 6 else None
    if resource is None:
        return Match(ctype, STARTS_WITH, prefix)
    head = ":".join(parts[:5]) + ":"
    if ctype == "AWS::DynamoDB::Table":
        table = resource.split("/")
        if len(table) > 2:  # table/NAME/index/... : the events name the table
            return Match(ctype, EQUALS, head + "/".join(table[:2]))
    if ctype == "AWS::Lambda::Function":
        function = resource.split(":")
        if len(function) > 2:  # function:NAME:QUALIFIER (versions, aliases)
            return Match(ctype, STARTS_WITH, head + ":".join(function[:2]))
    if ctype == "AWS::S3::Object" and not wild and "/" not in resource:
        return Match(ctype, STARTS_WITH, prefix + "/")  # a bucket: all its objects
    return Match(ctype, STARTS_WITH if wild else EQUALS, prefix)
