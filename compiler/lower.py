"""Stage 4, lower: what every grant and expect means in IAM, computed once after expand.

The aws target (identity policies and the boundary), the tokens target (STS session policies),
the proof (`check.graph`, `check.rules`) and `expect` all read `Model.iam_of` and `Model.arns`,
so the proof judges exactly the statements that are emitted.

A grant's meaning depends on its env's partition and on its access and target: an access word
on an AWS instance is the catalogue's word table; a quoted action on an instance goes on the
instance's ARNs it can be scoped to (catalogue.aws_raw); a quoted action on a raw ARN goes on
that ARN. Action patterns (`s3:Get*`) are expanded against the catalogue, so every statement
names real actions; an unknown action lowers to nothing (the checker reports it).
"""
from __future__ import annotations

from dataclasses import replace

from agentpol.catalogue import aws_access, aws_raw, aws_roles
from agentpol.model import (AWS_TYPES, Access, IamStatement, Instance, Model, Raw, Ref, Site,
                            Target, site)
from agentpol.schema import raw_kind


def lower(model: Model) -> Model:
    """The model with its lowering: every principal's grants and denies, every expect, and
    every AWS instance's ARNs."""
    lowered: dict[Site, tuple[IamStatement, ...] | None] = {}
    for p in model.principals.values():
        partition = _partition(model, p.env)
        for g in p.grants + p.denies:
            key = site(g.env, g.access, g.target)
            if key not in lowered:
                lowered[key] = statements(model, g.access, g.target, partition)
    for test in model.program.tests:
        for e in test.expects:
            target = expect_target(model, e.env, e.target)
            key = site(e.env, e.access, target)
            if key not in lowered:
                lowered[key] = statements(model, e.access, target, _partition(model, e.env))
    arns = {inst.key: _instance_arns(model, inst) for inst in model.instances.values()
            if inst.type in AWS_TYPES}
    return replace(model, iam=lowered, arns=arns)


def _partition(model: Model, env: str) -> str:
    return aws_roles.partition_of(model.environments[env].aws_runtime)


def statements(model: Model, access: Access, target: Target,
               partition: str) -> tuple[IamStatement, ...] | None:
    """What an access on a target means in IAM; None when IAM does not enforce it."""
    inst = model.instances.get(target.instance or "")
    if inst is not None and inst.type in AWS_TYPES:  # in each region the instance exists in
        places = [(attrs, inst.account or "", region or "us-east-1", partition)
                  for region, attrs in inst.placements()]
        if access.raw:
            return aws_raw.raw_grants(access.value, [
                c for where in places for c in aws_raw.instance_candidates(inst.type, *where)])
        return in_every_region([aws_access.statements_for(inst.type, access.value, *where)
                                for where in places])
    if target.kind == "aws" and target.raw is not None and access.raw:
        return aws_raw.raw_grants(access.value, [(target.raw, None)])
    return None


def in_every_region(per_region: list[tuple[IamStatement, ...]]) -> tuple[IamStatement, ...]:
    """A word's statements in each region of an instance as one set: each statement's
    resources in every region (a multi-region agent works in all of them)."""
    return tuple(IamStatement(same[0].actions,
                              tuple(dict.fromkeys(arn for s in same for arn in s.resources)),
                              same[0].condition)
                 for same in zip(*per_region))


def expect_target(model: Model, env: str, written: Ref | Raw) -> Target:
    """An expect's target as a grant's would be: the instance it names (a Ref without env is
    the principal's env; a shared resource has one instance), or the raw string with its
    templates expanded (expand has checked each has a value in this env: E019)."""
    if isinstance(written, Ref):
        res = model.program.resources.get(f"{written.type}.{written.name}")
        key = res.ref if res is not None and res.shared else \
            f"{written.type}.{written.name}@{written.env or env}"
        return Target(written.span, instance=key)
    e = model.environments[env]
    raw = (written.value.replace("{env}", e.name).replace("{account}", e.aws_account or "")
           .replace("{region}", e.region))
    return Target(written.span, raw=raw, kind=raw_kind(raw))


def _instance_arns(model: Model, inst: Instance) -> tuple[str, ...]:
    """Every ARN an AWS instance answers to, in each of its regions, its identities first, in
    the partition of the env that owns it (for a shared one, the env whose account holds
    it)."""
    env = model.environments.get(inst.env or "") or next(
        (e for e in model.environments.values() if inst.account and e.aws_account == inst.account),
        None)
    partition = aws_roles.partition_of(env.aws_runtime if env else None)
    places = [(inst.type, attrs, inst.account or "", region or "us-east-1", partition)
              for region, attrs in inst.placements()]
    identities = tuple(dict.fromkeys(aws_access.arn_for(*where) for where in places))
    return identities + tuple(dict.fromkeys(
        a for where in places for a in aws_access.instance_arns(*where) if a not in identities))
