"""`vault-policy.hcl` and `vault-token-role.json`: a Vault ACL policy from the agent's
vault_path grants, and the token role that mints its tokens (orphan, not renewable, living at
most `session`).

Vault applies, for a request path, the capabilities of the most specific matching rule only
(an exact path before a glob, a longer glob prefix before a shorter). So a `deny` of the agent
on a path that a broader grant covers is written as a rule for that path holding what is left
(`["deny"]` when nothing is), and it lowers the rules it covers that are more specific still.
"""
from __future__ import annotations

import json
import re

from agentpol.catalogue import vault
from agentpol.model import Model, Principal, Target

from .credential import Credential, Issued, base_name, dumps, sources


def path_of(model: Model, target: Target) -> str | None:
    """The path of a vault_path instance or a raw Vault target; None for anything else."""
    if target.instance is not None:
        inst = model.instances.get(target.instance)
        return str(inst.attrs["path"]) if inst is not None and inst.type == "vault_path" else None
    return target.raw if target.kind == "vault" else None


def _rank(path: str) -> tuple[bool, int]:
    """How specific a policy path is: exact before glob, then the longer prefix."""
    glob = "*" in path or "+" in path
    return (not glob, len(path.split("*")[0].split("+")[0]))


def _covers(rule: str, path: str) -> bool:
    """Whether policy path `rule` matches every request path that `path` matches (`+` one
    segment, a trailing `*` any rest; the wildcards of `path` taken as the names they stand
    for)."""
    rx = re.escape(rule).replace(r"\+", "[^/]+")
    if rx.endswith(r"\*"):
        rx = rx[:-2] + ".*"
    return re.fullmatch(rx, path.removesuffix("*") if rule.endswith("*") else path) is not None


def _overlap(a: str, b: str) -> str | None:
    """The policy path of the paths two globs share, when neither holds the other and the
    overlap is one path pattern: a trailing-`*` prefix fills the `+` segments of the other
    (`secret/prod/*` and `secret/+/x` share `secret/prod/x`). None otherwise."""
    if _covers(a, b) or _covers(b, a):
        return None
    for star, plus in ((a, b), (b, a)):
        if not star.endswith("*") or "*" in plus or "+" in star:
            continue
        fixed = star[:-1].split("/")
        if fixed[-1] != "":  # `secret/pro*`: a partial segment no `+` can take
            continue
        fixed = fixed[:-1]
        segments = plus.split("/")
        if len(segments) < len(fixed):
            continue
        out = []
        for i, seg in enumerate(segments):
            if i < len(fixed):
                if seg not in ("+", fixed[i]):
                    break
                out.append(fixed[i])
            else:
                out.append(seg)
        else:
            path = "/".join(out)
            return path if path not in (a, b) else None
    return None


def rules(model: Model, p: Principal) -> dict[str, list[str]]:
    """Policy path -> capabilities, in path order."""
    granted: dict[str, set[str]] = {}
    for g in p.live_grants():
        path, caps = path_of(model, g.target), vault.capabilities(g.access.value, g.access.raw)
        if path is not None and caps is not None:
            rule = vault.rule_path(path, g.access.value, g.access.raw)
            granted.setdefault(rule, set()).update(caps)
    # Vault applies only the most specific rule: a path also covered by a broader grant
    # keeps what that grant allows there, and where two globs overlap without either holding
    # the other, their overlap gets a rule of its own
    for a in list(granted):
        for b in list(granted):
            both = _overlap(a, b)
            if both is not None and both not in granted:
                granted[both] = set()
    written = {rule: set(caps) for rule, caps in granted.items()}
    for rule in granted:
        for other, caps in written.items():
            if other != rule and _covers(other, rule):
                granted[rule] |= caps
    for d in p.denies:
        path, caps = path_of(model, d.target), vault.capabilities(d.access.value, d.access.raw)
        if path is None or caps is None:
            continue
        rule = vault.rule_path(path, d.access.value, d.access.raw)
        for other in [r for r in granted if r != rule and _covers(rule, r)]:
            granted[other] -= set(caps)
        broader = [r for r in granted if _covers(r, rule)]
        if broader:
            granted[rule] = granted[max(broader, key=_rank)] - set(caps)
    return {path: vault.order(caps) or ["deny"] for path, caps in sorted(granted.items())}


def issue(model: Model, p: Principal) -> Issued:
    policy = rules(model, p)
    if not policy:
        return {}, []
    name = base_name(p)
    blocks = "".join(f"\npath {json.dumps(path)} {{\n  capabilities = {json.dumps(caps)}\n}}\n"
                     for path, caps in policy.items())
    how = (f"token_explicit_max_ttl = session ({p.session}s), not renewable, orphan; the runner "
           "revokes the token when the run ends")
    hcl = (f"# Vault ACL policy {name} (generated by agentpol; do not edit)\n"
           f"# vault policy write '{name}' vault-policy.hcl\n"
           f"# tokens: vault token create -role='{name}' ({how})\n" + blocks)
    role = {
        "role_name": name,
        "allowed_policies": [name],
        "orphan": True,
        "renewable": False,
        "token_explicit_max_ttl": p.session,
        "token_no_default_policy": True,
        "token_type": "service",
    }
    granted = [g for g in p.live_grants() if path_of(model, g.target) is not None]
    files = {"vault-policy.hcl": hcl, "vault-token-role.json": dumps(role)}
    return files, [Credential(
        kind="vault-token", name=name, ttl_seconds=p.session, lifetime=how,
        scope={"policy": name, "role": name, "paths": policy},
        files=tuple(sorted(files)), sources=sources(granted))]
