"""What the provider will see for a grant's target: its resolved identity.

permissions.txt and the lock write it after `ENV AGENT ACCESS TARGET`, so a change to a resource
declaration (a widened prefix, another account, a renamed table) changes every line it affects,
and a grant approved in the lock for one identity is pending again for another.
"""
from __future__ import annotations

from .catalogue.aws_access import arn_for
from .catalogue.aws_roles import partition_of
from .model import AWS_TYPES, Instance, Program, Target


def identity(program: Program, env: str, target: Target) -> str:
    """One token, no spaces: the ARN(s) comma-joined, `owner/repo`, the Vault path, `host:port`
    (with `key=NAME` for an api key); "" for a raw target, which is its own identity.

    Remembered per (env, instance) for the last program asked about: expand, the lock and
    permissions.txt ask for every grant, and the agents of an org share their resources."""
    global _memo
    if _memo[0] is not program:
        _memo = (program, {})
    key = (env, target.instance)
    found = _memo[1].get(key)
    if found is None:
        found = _memo[1][key] = _identity(program, env, target)
    return found


_memo: tuple[Program | None, dict[tuple[str, str | None], str]] = (None, {})


def _identity(program: Program, env: str, target: Target) -> str:
    inst = program.instances.get(target.instance or "")
    if inst is None:
        return ""
    if inst.type in AWS_TYPES:
        partition = partition_of(program.environments[env].aws_runtime)
        return ",".join(_arn(inst, region, partition) for region in _regions(inst))
    if inst.type == "github_repo":
        return str(inst.attrs["repo"])
    if inst.type == "vault_path":
        return f"vault:{inst.attrs['path']}"
    key = inst.attrs.get("key_name")
    where = inst.endpoint.address if inst.endpoint is not None else inst.key
    return where + (f"/key={key}" if key else "")


def _regions(inst: Instance) -> tuple[str, ...]:
    """Every region the instance exists in (a global type's ARN has none: one ARN)."""
    return tuple(sorted(getattr(inst, "regions", None) or (inst.region or "us-east-1",)))


def _arn(inst: Instance, region: str, partition: str) -> str:
    try:
        return arn_for(inst.type, inst.attrs, inst.account or "", region, partition)
    except (KeyError, ValueError):  # a type whose identity the catalogue cannot render
        return inst.key
