"""What a grant means in IAM, for the proof: its actions and resource patterns, and which
IAM actions are credential reads, self-escalation or tampering with the record.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from agentpol.catalogue import aws_access, aws_audit, aws_roles, iam
from agentpol.model import AWS_TYPES, Grant, Instance, Model, Principal

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


@dataclass(frozen=True)
class IamGrant:
    """Some IAM actions on some resource patterns (what one grant or statement allows)."""

    actions: tuple[str, ...]  # catalogue spelling; () for a pattern the catalogue lacks
    resources: tuple[str, ...]


@cache
def expand(pattern: str) -> tuple[str, ...]:
    return iam.expand_action(pattern)


def location(model: Model, inst: Instance) -> tuple[str, str]:
    """(account, region) an AWS instance lives in ("" for the global types' account)."""
    env = model.environments.get(inst.env or "")
    account = inst.account or (env.aws_account if env else None) or ""
    region = inst.region or (env.region if env else "us-east-1")
    return account, region


def partition(model: Model, inst: Instance) -> str:
    """The partition of an instance's ARNs (`aws-cn`, ...): its env's, or for a shared one the
    env's that owns its account (as the aws target writes them for that env's agents)."""
    env = model.environments.get(inst.env or "") or next(
        (e for e in model.environments.values() if inst.account and e.aws_account == inst.account),
        None)
    return aws_roles.partition_of(env.aws_runtime if env else None)


def instance_arns(model: Model, inst: Instance) -> tuple[str, ...]:
    account, region = location(model, inst)
    try:
        return aws_access.instance_arns(inst.type, inst.attrs, account, region,
                                        partition(model, inst))
    except (ValueError, KeyError):
        return ()


def iam_of(model: Model, g: Grant) -> tuple[IamGrant, ...]:
    """The IAM meaning of a grant on an AWS instance or a raw ARN; () for other providers."""
    t = g.target
    if t.raw is not None:
        if t.kind != "aws":
            return ()
        return (IamGrant(expand(g.access.value) if g.access.raw else (), (t.raw,)),)
    inst = model.instances.get(t.instance or "")
    if inst is None or inst.type not in AWS_TYPES:
        return ()
    account, region = location(model, inst)
    if g.access.raw:
        return (IamGrant(expand(g.access.value), instance_arns(model, inst)),)
    try:
        stmts = aws_access.statements_for(inst.type, g.access.value, inst.attrs, account, region,
                                          partition(model, inst))
    except (ValueError, KeyError):
        return ()
    return tuple(IamGrant(s.actions, s.resources) for s in stmts)


def actions_of(model: Model, g: Grant) -> frozenset[str]:
    """Every IAM action a grant allows, lower-cased."""
    return frozenset(a.lower() for ig in iam_of(model, g) for a in ig.actions)


def principal_arn(model: Model, p: Principal) -> str | None:
    """The IAM role agent@env runs as (catalogue.aws_roles), None where its env has no account."""
    env = model.environments[p.env]
    if not env.aws_account:
        return None
    return aws_roles.role_arn(p.agent, env.aws_account, aws_roles.partition_of(env.aws_runtime))
