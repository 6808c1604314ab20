"""Who may assume an agent's role: the env's `aws_runtime` only, and only naming the agent.

The runtime must tag the session with the agent and env it runs for (`agentpol:agent`,
`agentpol:env`) and no other tag, so a runtime that serves several agents cannot take one
agent's role for another by mistake, and CloudTrail records which agent acted. Session tags
rather than `sts:ExternalId`: an external id guards against a confused third party, while the
tags also land in every CloudTrail event of the session.

IAM has no condition key for a session's length on AssumeRole, so the trust policy cannot cap
it: the role's MaxSessionDuration and the DurationSeconds the runtime asks for do (see
`max_session`).
"""

from __future__ import annotations

from agentpol.catalogue.aws_roles import TAG_AGENT, TAG_ENV
from agentpol.model import Environment

from .policy import VERSION

HOUR = 3600


def runtime_principal(env: Environment, partition: str) -> str:
    """The env's `aws_runtime`; without one, the account itself (any principal of the env's
    account to which an IAM policy there grants sts:AssumeRole on the role)."""
    return env.aws_runtime or f"arn:{partition}:iam::{env.aws_account}:root"


def trust_policy(env: Environment, agent: str, partition: str) -> dict:
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "AgentRuntimeWithSessionTags",
                "Effect": "Allow",
                "Principal": {"AWS": runtime_principal(env, partition)},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "ForAllValues:StringEquals": {"aws:TagKeys": [TAG_AGENT, TAG_ENV]},
                    "StringEquals": {
                        f"aws:RequestTag/{TAG_AGENT}": agent,
                        f"aws:RequestTag/{TAG_ENV}": env.name,
                    },
                },
            }
        ],
    }


def max_session(session: int) -> int:
    """The role's MaxSessionDuration: max(1h, session), as AWS allows no less than an hour
    (docs/language.md). A shorter session is held by the DurationSeconds the runtime requests, and
    a runtime that is itself a role is cut to 1h by AWS (role chaining) whatever this says."""
    return max(HOUR, session)
