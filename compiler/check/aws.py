"""What a grant means in IAM, for the proof: its actions and resource patterns, and which
IAM actions are credential reads, self-escalation or tampering with the record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Mapping

from agentpol import schema
from agentpol.catalogue import aws_access, aws_audit, aws_roles, iam, iam_statements
from agentpol.model import AWS_TYPES, Grant, Instance, Model, Principal

from .patterns import globs_meet

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


_PLACEHOLDER = re.compile(r"\$\{[^}]+\}")


@cache
def names_in_account(action: str, pattern: str, account: str) -> bool:
    """Whether an ARN pattern can name, in `account`, a resource of a type the action acts on.
    A pattern can only cover what its resource type can be: a foundation model's ARN has no
    account, so `arn:aws:bedrock:*:*:foundation-model/*` names nothing in any account."""
    for rt in iam.resource_types_for(action):
        if "${Account}" not in rt.arn_format:
            continue
        if _arns_meet(pattern, _PLACEHOLDER.sub("*", rt.arn_format.replace("${Account}",
                                                                           account))):
            return True
    return False


def _arns_meet(pattern: str, arn_glob: str) -> bool:
    """Whether a pattern meets an ARN format, field by field where the pattern has all six
    fields: a real ARN's partition, service, region and account hold no `:`, so a `*` there
    cannot run into the next field."""
    p, f = pattern.split(":", 5), arn_glob.split(":", 5)
    if len(p) < 6 or len(f) < 6:
        return globs_meet(pattern, arn_glob)
    return all(globs_meet(a, b) for a, b in zip(p, f))


#: Types whose identity can be a pattern that covers other instances: AWS types (IAM
#: globs), Vault paths and GitHub repos. Network and API identities are names, not patterns.
_PATTERN_TYPES = AWS_TYPES | {"vault_path", "github_repo"}


def pattern_identity(inst: Instance) -> bool:
    """A resource whose identity is a pattern (a name with `*`, an ssm subtree, a Vault path
    ending in `*` or holding `+`): it covers every instance it matches, in any env."""
    if inst.type not in _PATTERN_TYPES:
        return False
    values = [str(inst.attr(k, "")) for k in schema.IDENTITY.get(inst.type, ("name",))]
    return any("*" in v or (inst.type == "vault_path" and "+" in v) for v in values)


@dataclass(frozen=True)
class IamGrant:
    """Some IAM actions on some resource patterns (what one grant or statement allows)."""

    actions: tuple[str, ...]  # catalogue spelling; () for a pattern the catalogue lacks
    resources: tuple[str, ...]


@cache
def expand(pattern: str) -> tuple[str, ...]:
    return iam.expand_action(pattern)


def location(model: Model, inst: Instance) -> tuple[str, str]:
    """(account, first region) an AWS instance lives in ("" for the global types' account)."""
    env = model.environments.get(inst.env or "")
    account = inst.account or (env.aws_account if env else None) or ""
    region = inst.region or (env.region if env else "us-east-1")
    return account, region


def placements(model: Model, inst: Instance) -> list[tuple[Mapping, str, str, str]]:
    """(attributes, account, region, partition) of each region an AWS instance exists in."""
    account, first = location(model, inst)
    part = partition(model, inst)
    return [(attrs, account, region or first, part) for region, attrs in inst.placements()]


def partition(model: Model, inst: Instance) -> str:
    """The partition of an instance's ARNs (`aws-cn`, ...): its env's, or for a shared one the
    env's that owns its account (as the aws target writes them for that env's agents)."""
    env = model.environments.get(inst.env or "") or next(
        (e for e in model.environments.values() if inst.account and e.aws_account == inst.account),
        None)
    return aws_roles.partition_of(env.aws_runtime if env else None)


def instance_arns(model: Model, inst: Instance) -> tuple[str, ...]:
    """Every ARN of the instance, in each of its regions."""
    try:
        return tuple(sorted({arn for where in placements(model, inst)
                             for arn in aws_access.instance_arns(inst.type, *where)}))
    except (ValueError, KeyError):
        return ()


def iam_of(model: Model, g: Grant) -> tuple[IamGrant, ...]:
    """The IAM meaning of a grant on an AWS instance (in each of its regions) or a raw ARN;
    () for other providers."""
    t = g.target
    if t.raw is not None:
        if t.kind != "aws":
            return ()
        return (IamGrant(expand(g.access.value) if g.access.raw else (), (t.raw,)),)
    inst = model.instances.get(t.instance or "")
    if inst is None or inst.type not in AWS_TYPES:
        return ()
    if g.access.raw:
        return (IamGrant(expand(g.access.value), instance_arns(model, inst)),)
    try:
        per_region = [aws_access.statements_for(inst.type, g.access.value, *where)
                      for where in placements(model, inst)]
    except (ValueError, KeyError):
        return ()
    return tuple(IamGrant(s.actions, s.resources)
                 for s in iam_statements.in_every_region(per_region))


def actions_of(model: Model, g: Grant) -> frozenset[str]:
    """Every IAM action a grant allows, lower-cased."""
    return frozenset(a.lower() for ig in iam_of(model, g) for a in ig.actions)


def principal_arn(model: Model, p: Principal) -> str | None:
    """The IAM role agent@env runs as (catalogue.aws_roles), None where its env has no account."""
    env = model.environments[p.env]
    if not env.aws_account:
        return None
    return aws_roles.role_arn(p.agent, env.aws_account, aws_roles.partition_of(env.aws_runtime))
