"""Everything one principal's allowlist opens, each destination with what needs it.

Declared egress (and the address of each api, mcp_server or host it calls), plus the endpoints
its live grants need (`agentpol.catalogue.endpoints`): STS and each granted AWS service in the
grant's regions, GitHub's API and git host for `github_repo` grants, the env's `vault_address`
for `vault_path` grants. DNS is opened by each cluster format whenever this is not empty.
Reasons are statements as written, without line numbers (`read dynamodb_table.tickets`,
`egress "hooks.slack.com:443"`), so moving a statement changes no file.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from agentpol.catalogue import endpoints
from agentpol.model import (Environment, Grant, Model, Principal, Site, Target, iam_enforced,
                            site)
from agentpol.targets._netpolicy.destinations import Allowlist, Dest, merged

Need = tuple[Dest, str]  # a destination and what needs it

#: A grant's own endpoints, its label, and whether it is an AWS grant: they depend on the
#: grant's site alone, which an org's agents share (one emit fills it, `Model.iam`'s key).
Needs = dict[Site, tuple[tuple[Dest, ...], str, bool]]


def allowlist(model: Model, p: Principal, needs: Needs | None = None) -> Allowlist:
    """Every destination the principal may reach (sorted) -> what needs it."""
    env = model.environments[p.env]
    return merged([*_egress(model, p), *_grant_endpoints(model, p, env, {} if needs is None
                                                         else needs)])


def _label(model: Model, p: Principal, target: Target) -> str:
    """A target as the statement names it: `TYPE.NAME` in the principal's env, `TYPE.NAME@ENV`
    in another, a raw target quoted."""
    if target.instance is None:
        return f'"{target.raw}"'
    inst = model.instance(target.instance)
    return inst.ref if inst.env in (None, p.env) else inst.key


def _grant_label(model: Model, p: Principal, g: Grant) -> str:
    return f"{g.access} {_label(model, p, g.target)}"


def _egress(model: Model, p: Principal) -> Iterator[Need]:
    """Live egress; an address implied by a call grant is labelled with that grant."""
    calls = {(g.target, g.origin): g for g in p.live_grants()}
    for e in p.live_egress():
        g = calls.get((e.target, e.origin))
        why = _grant_label(model, p, g) if g else f"egress {_label(model, p, e.target)}"
        yield e.dest, why


def _grant_endpoints(model: Model, p: Principal, env: Environment, needs: Needs
                     ) -> Iterator[Need]:
    aws_grants = []
    for g in p.live_grants():
        key = site(g.env, g.access, g.target)
        if key not in needs:
            needs[key] = _needs(model, p, g, env)
        dests, why, aws = needs[key]
        if aws:
            aws_grants.append(why)
        for dest in dests:
            yield dest, why
    if aws_grants:
        for host in endpoints.sts_hosts(env.regions):
            yield _host(host, endpoints.HTTPS), ("the role's credentials (sts) for: "
                                                 + ", ".join(sorted(set(aws_grants))))


def _needs(model: Model, p: Principal, g: Grant, env: Environment
           ) -> tuple[tuple[Dest, ...], str, bool]:
    """The endpoints one grant needs, what it is called, and whether its role needs STS."""
    why = _grant_label(model, p, g)
    kind = _provider(model, g)
    if kind == "aws":
        pieces = model.iam_of(g) or ()
        return tuple(dest for piece in pieces for dest in _aws_dests(
            piece.actions, piece.resources,
            tuple(_regions(model, g, env, piece.resources)))), why, bool(pieces)
    if kind == "github":
        return tuple(_host(host, endpoints.HTTPS) for host in endpoints.GITHUB_HOSTS), why, False
    if kind == "vault" and env.vault_address:
        return (_parsed(env.vault_address),), why, False
    return (), why, False


def _provider(model: Model, g: Grant) -> str | None:
    """Which provider serves a grant: "aws", "github", "vault" (None for the others, whose
    addresses are egress already)."""
    if iam_enforced(g.target, model.instances):
        return "aws"
    inst = model.instances.get(g.target.instance or "")
    if inst is None:
        return g.target.kind
    return {"github_repo": "github", "vault_path": "vault"}.get(inst.type)


def _regions(model: Model, g: Grant, env: Environment, arns) -> list[str]:
    """The env's regions, plus a region the instance is pinned to or an ARN names."""
    regions = list(env.regions)
    inst = model.instances.get(g.target.instance or "")
    if inst is not None and inst.region:
        regions.append(inst.region)
    for arn in arns:
        parts = arn.split(":")
        if len(parts) > 3 and parts[3] and not any(c in parts[3] for c in "*?"):
            regions.append(parts[3])
    return list(dict.fromkeys(regions))


@lru_cache(maxsize=4096)
def _aws_dests(actions: tuple[str, ...], resources: tuple[str, ...],
               regions: tuple[str, ...]) -> tuple[Dest, ...]:
    """The endpoints of one IAM statement in these regions: the agents of an org share their
    resources, so the same statement recurs in every principal granted it."""
    return tuple(_host(host, endpoints.HTTPS)
                 for host in endpoints.aws_hosts(actions, resources, regions))


@lru_cache(maxsize=4096)
def _host(host: str, port: int) -> Dest:
    return _parsed(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")


def _parsed(text: str) -> Dest:
    """A destination agentpol itself names (a provider host, a validated `vault_address`)."""
    found = Dest.parse(text)
    assert not isinstance(found, str), f"{text}: {found}"
    return found
