"""IAM for the proof: which actions are credential reads, self-escalation or tampering with the
record, and the actions a grant allows (read from the lowering, as emitted).
"""
from __future__ import annotations

import re
from functools import cache, lru_cache

from agentpol import schema
from agentpol.catalogue import aws_audit, aws_roles, iam
from agentpol.globs import globs_meet
from agentpol.model import AWS_TYPES, Grant, IamStatement, Instance, Model, Principal

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
    return any(_format_names(rt.arn_format, pattern, account)
               for rt in iam.resource_types_for(action) if "${Account}" in rt.arn_format)


@cache
def _format_names(arn_format: str, pattern: str, account: str) -> bool:
    """names_in_account for one ARN format: asked once per format, not once per action (a
    `*` statement asks about every action, and most actions share their formats)."""
    return _arns_meet(pattern, _PLACEHOLDER.sub("*", arn_format.replace("${Account}", account)))


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


@cache
def expand(pattern: str) -> tuple[str, ...]:
    return iam.expand_action(pattern)


def actions_of(model: Model, g: Grant) -> frozenset[str]:
    """Every IAM action a grant allows (the lowering's), lower-cased."""
    return _actions(model.iam_of(g) or ())


@lru_cache(maxsize=1 << 16)
def _actions(statements: tuple[IamStatement, ...]) -> frozenset[str]:
    """Kept per lowering: the grants of an org's agents share theirs, and every rule asks."""
    return frozenset(a.lower() for s in statements for a in s.actions)


def principal_arn(model: Model, p: Principal) -> str | None:
    """The IAM role agent@env runs as (catalogue.aws_roles), None where its env has no account."""
    env = model.environments[p.env]
    if not env.aws_account:
        return None
    return aws_roles.role_arn(p.agent, env.aws_account, aws_roles.partition_of(env.aws_runtime))
