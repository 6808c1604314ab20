"""Which condition keys an action's requests carry, from the IAM catalogue."""

import pytest

from agentpol.catalogue.iam_conditions import action_has_condition_key


@pytest.mark.parametrize(("action", "key", "carried"), [
    ("s3:ListBucket", "s3:prefix", True),
    ("s3:ListBucketVersions", "s3:prefix", True),
    ("s3:GetBucketTagging", "s3:prefix", False),
    ("kms:Decrypt", "kms:ResourceAliases", True),     # a key of the `key` resource type
    ("kms:DescribeKey", "kms:ResourceAliases", True),
    ("kms:Decrypt", "KMS:resourcealiases", True),     # keys are case-insensitive
    ("sqs:SendMessage", "kms:ResourceAliases", False),
    ("kms:Decrypt", "aws:ResourceTag/team", True),    # templated: any tag key
])
def test_condition_keys(action, key, carried):
    assert action_has_condition_key(action, key) is carried


def test_unknown_action_is_a_key_error():
    with pytest.raises(KeyError):
        action_has_condition_key("s3:NoSuchAction", "s3:prefix")
