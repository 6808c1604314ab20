"""Denies every agent role carries whatever it was granted: a second line of defence that holds
even if a grant is wrong.

- The account guard: nothing in an account other than the env's own, unless the grant itself
  names that resource and it belongs to no protected env (a shared resource, an explicit
  reference to an unprotected env, a third party's ARN). Foundation models are AWS's and
  always exempt. A request whose context has no `aws:ResourceAccount` (some actions carry
  none) is left to the Allow statements, so the guard never breaks an action it cannot see.
- No changes to any agentpol role or policy (the agent's own included): no attaching,
  rewriting, re-trusting or unbounding itself.
- The env's record: the audit log group and CloudTrail (catalogue.aws_audit).
"""

from __future__ import annotations

from agentpol.catalogue import aws_audit
from agentpol.catalogue.aws_roles import PREFIX
from agentpol.model import Environment, Grant, IamStatement, Model

ROLE_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
POLICY_ACTIONS = (
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)


def foundation_models(partition: str) -> str:
    return f"arn:{partition}:bedrock:*::foundation-model/*"


def _owner(model: Model, grant: Grant, arn: str, own: str) -> str | None:
    """The account that owns a granted ARN: the account it names; else its instance's (None
    for a shared bucket: bucket names carry no account, so it cannot be known); else, for a
    raw ARN with no literal account, the env's own, so a wildcard never escapes the guard."""
    parts = arn.split(":")
    if len(parts) > 5 and parts[4].isdigit() and len(parts[4]) == 12:
        return parts[4]
    if grant.target.instance is not None:
        return model.instance(grant.target.instance).account
    return own


def exemptions(model: Model, env: Environment, allowed: list[tuple[str, IamStatement, Grant]]) -> set[str]:
    """The granted resources outside the env's account that the account guard lets through."""
    protected = {
        e.aws_account for e in model.environments.values()
        if e.protected and e.name != env.name and e.aws_account != env.aws_account
    }
    own = env.aws_account or ""
    return {
        arn for _, scope, grant in allowed
        for arn in scope.resources
        if arn != "*"
        and (owner := _owner(model, grant, arn, own)) != env.aws_account
        and owner not in protected
    }


def account_guard(env: Environment, exempt: set[str], partition: str) -> dict:
    return {
        "Sid": "DenyOtherAccounts",
        "Effect": "Deny",
        "Action": ["*"],
        "NotResource": sorted(exempt | {foundation_models(partition)}),
        "Condition": {
            "Null": {"aws:ResourceAccount": "false"},
            "StringNotEquals": {"aws:ResourceAccount": [env.aws_account]},
        },
    }


def guards(model: Model, env: Environment, exempt: set[str], partition: str) -> list[dict]:
    """Every guard statement for a role (or the boundary) in `env`."""
    iam_arn = f"arn:{partition}:iam::{env.aws_account}:"
    out = [
        account_guard(env, exempt, partition),
        IamStatement(ROLE_ACTIONS, (f"{iam_arn}role/{PREFIX}*",)).statement("DenyAgentpolRoleChanges", "Deny"),
        IamStatement(POLICY_ACTIONS, (f"{iam_arn}policy/{PREFIX}*",)).statement(
            "DenyAgentpolPolicyChanges", "Deny"),
    ]
    if env.audit_log:
        log = model.instance(env.audit_log)
        out.append(aws_audit.log_sink_deny(log.placements(),
                                           log.account or env.aws_account or "", partition))
    out.append(aws_audit.trail_deny(partition))
    return out
