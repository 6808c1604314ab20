"""How agentpol names the IAM role of an agent in an environment's account.

One convention, read by the AWS target (which creates the roles), the tokens target (which asks
STS for them) and the checker (which puts them in the reachability graph).
"""

from __future__ import annotations

#: Every role and managed policy agentpol creates starts with this; agents may not change them.
PREFIX = "agentpol-"
#: Session tags every AssumeRole of an agent role must carry (the trust policy requires them).
TAG_AGENT, TAG_ENV = "agentpol:agent", "agentpol:env"
#: IAM's limit on a role name.
ROLE_NAME_MAX = 64


def role_name(agent: str) -> str:
    """`agentpol-AGENT`: one role per agent per env, each env in its own account."""
    return PREFIX + agent


def role_arn(agent: str, account: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:role/{role_name(agent)}"


def partition_of(aws_runtime: str | None) -> str:
    """The env's AWS partition (`aws`, `aws-cn`, `aws-us-gov`), read off its runtime's ARN."""
    return aws_runtime.split(":")[1] if aws_runtime else "aws"
