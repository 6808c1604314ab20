"""The agent role naming convention shared by the AWS target, tokens and the checker."""

from agentpol.catalogue.aws_roles import partition_of, role_arn, role_name


def test_role_name_and_arn():
    assert role_name("support-bot") == "agentpol-support-bot"
    assert role_arn("support-bot", "222222222222") == "arn:aws:iam::222222222222:role/agentpol-support-bot"
    assert role_arn("x", "1" * 12, "aws-cn") == "arn:aws-cn:iam::111111111111:role/agentpol-x"


def test_partition_comes_from_the_runtime():
    assert partition_of(None) == "aws"
    assert partition_of("arn:aws:iam::222222222222:role/runner") == "aws"
    assert partition_of("arn:aws-us-gov:iam::222222222222:role/runner") == "aws-us-gov"
