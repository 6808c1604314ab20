"""IAM for the proof: which actions are credential reads, self-escalation or tampering with the
record, and the actions a grant allows (read from the lowering, as emitted).
"""
from __future__ import annotations

from functools import cache

from agentpol.catalogue import aws_audit, aws_roles, iam
from agentpol.model import Grant, Model, Principal

#: IAM actions that let a principal widen its own rights (or get someone else's).
ESCALATION = frozenset(a.lower() for a in (
    "iam:PassRole", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
    "iam:PutRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy",
    "iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:AttachGroupPolicy",
    "iam:DeleteRolePolicy", "iam:DetachRolePolicy",  # remove the denies that hold it in
    "iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary", "iam:PutUserPermissionsBoundary",
    "iam:UpdateAssumeRolePolicy", "iam:CreateAccessKey", "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile", "iam:AddUserToGroup", "iam:CreateServiceSpecificCredential",
    "iam:UpdateRole",
))

#: Actions that stop or narrow the CloudTrail record (on any resource), and that delete or
#: shorten a log group's record (on an env's `audit_log`): the lists the guards deny.
TRAIL_TAMPER = frozenset(a.lower() for a in aws_audit.TRAIL_ACTIONS)
LOG_TAMPER = frozenset(a.lower() for a in aws_audit.LOG_GROUP_ACTIONS
                       + aws_audit.LOG_STREAM_ACTIONS)

#: Roles are entered with these; users' credentials are minted with those.
ASSUME = frozenset({"sts:assumerole"})
PASS = frozenset({"iam:passrole"})
USER_KEYS = frozenset({"iam:createaccesskey", "iam:createloginprofile", "iam:updateloginprofile"})

#: Actions that read or mint credential material wherever they apply.
_CREDENTIAL_READS = frozenset(a.lower() for a in (
    "secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue",
    "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
    "ssm:GetParameterHistory", "kms:Decrypt", "sts:AssumeRole", "iam:PassRole",
    "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
))


def credential_action(action: str) -> bool:
    return action.lower() in _CREDENTIAL_READS


@cache
def expand(pattern: str) -> tuple[str, ...]:
    return iam.expand_action(pattern)


def actions_of(model: Model, g: Grant) -> frozenset[str]:
    """Every IAM action a grant allows (the lowering's), lower-cased."""
    return frozenset(a.lower() for s in model.iam_of(g) or () for a in s.actions)


def principal_arn(model: Model, p: Principal) -> str | None:
    """The IAM role agent@env runs as (catalogue.aws_roles), None where its env has no account."""
    env = model.environments[p.env]
    if not env.aws_account:
        return None
    return aws_roles.role_arn(p.agent, env.aws_account, aws_roles.partition_of(env.aws_runtime))
