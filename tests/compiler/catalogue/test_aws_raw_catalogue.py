"""Quoted IAM actions on instances and raw ARNs: real actions only, on the ARNs they act on,
conditions kept only where the action's requests carry the key."""
from __future__ import annotations

from agentpol.catalogue.aws_raw import instance_candidates, raw_grants
from agentpol.model import Condition, IamStatement

BUCKET = instance_candidates("s3_bucket", {"name": "b", "prefix": "p/"}, "", "us-east-1")
KEY = instance_candidates("kms_key", {"alias": "alias/x"}, "111111111111", "us-east-1")
PREFIX = Condition.of({"StringLike": {"s3:prefix": ["p/*"]}})
ALIAS = Condition.of({"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/x"]}})


def test_candidates_carry_the_words_conditions():
    assert BUCKET == [("arn:aws:s3:::b", PREFIX), ("arn:aws:s3:::b/p/*", None)]
    assert KEY == [("arn:aws:kms:us-east-1:111111111111:key/*", ALIAS),
                   ("arn:aws:kms:us-east-1:111111111111:alias/x", None)]


def test_action_goes_on_the_arns_of_its_resource_type():
    assert raw_grants("s3:GetObjectTagging", BUCKET) == (
        IamStatement(("s3:GetObjectTagging",), ("arn:aws:s3:::b/p/*",)),)
    assert raw_grants("s3:ListBucket", BUCKET) == (
        IamStatement(("s3:ListBucket",), ("arn:aws:s3:::b",), PREFIX),)
    assert raw_grants("kms:Decrypt", KEY) == (
        IamStatement(("kms:Decrypt",), ("arn:aws:kms:us-east-1:111111111111:key/*",), ALIAS),)


def test_unscoped_actions_go_on_star_and_unknown_ones_nowhere():
    assert raw_grants("sts:GetCallerIdentity", [("arn:aws:s3:::b", None)]) == (
        IamStatement(("sts:GetCallerIdentity",), ("*",)),)
    assert raw_grants("s3:NoSuchAction", BUCKET) == ()


def test_patterns_expand_to_catalogue_actions():
    grants = raw_grants("s3:*", [("arn:aws:s3:::b", None)])
    scoped = {g.actions[0] for g in grants if g.resources == ("arn:aws:s3:::b",)}
    assert "s3:ListBucket" in scoped and "s3:GetObject" not in scoped
    assert all("*" not in g.actions[0] for g in grants)
