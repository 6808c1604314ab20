"""`agentpol drift`: compare the roles compiled into `OUT/aws/E/main.tf.json` with those that
exist in the account (an authz file from `agentpol snapshot aws`, or read live).

Drift is anything a reviewer did not approve: a compiled role missing; a trust policy that
admits another principal (named) or changed its conditions; a session cap other than the
compiled one; a permissions boundary missing, another one, or the env's boundary with another
document; a compiled policy missing or whose version in use says something else (what it adds
and removes); a policy attached or written inline that the compile does not have; an
`agentpol-` role or policy the compile no longer has (a leftover of a deleted role).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from agentpol.catalogue.aws_roles import PREFIX
from agentpol.check.authz import Account, Identity, listed, statements

_PIN = re.compile(r'account_id\s*==\s*\\?"(\d{12})')
_SHOWN = 4  # changed statements named in one message


@dataclass(frozen=True)
class Drift:
    env: str
    subject: str  # a role or policy name
    kind: str  # role-missing, trust, max-session, boundary, policy-missing, policy-changed, ...
    what: str

    def __str__(self) -> str:
        return f"{self.env} {self.subject}: {self.what}"


@dataclass(frozen=True)
class Desired:
    """One env's compiled roles: role name -> trust, session cap, boundary and policies."""

    env: str
    account: str
    roles: Mapping[str, dict]
    boundary: tuple[str, dict] | None


def compiled(out: Path) -> list[Desired]:
    """Every env's desired roles, read from the Terraform JSON the aws target wrote."""
    envs = []
    for tf in sorted(out.glob("aws/*/main.tf.json")):
        config = json.loads(tf.read_text(encoding="utf-8"))
        res = config["resource"]
        policies = {key: (p["name"], _template(p["policy"]))
                    for key, p in res.get("aws_iam_policy", {}).items()}
        attached: dict[str, list[str]] = {}
        for a in res.get("aws_iam_role_policy_attachment", {}).values():
            attached.setdefault(_ref(a["role"]), []).append(_ref(a["policy_arn"]))
        roles = {}
        for key, r in res.get("aws_iam_role", {}).items():
            roles[r["name"]] = {
                "trust": _template(r["assume_role_policy"]),
                "max_session": r["max_session_duration"],
                "boundary": policies[_ref(r["permissions_boundary"])][0],
                "policies": dict(policies[k] for k in sorted(attached.get(key, []))),
            }
        envs.append(Desired(tf.parent.name, _account(config, tf), roles,
                            policies.get("boundary")))
    return envs


def _account(config: Mapping, tf: Path) -> str:
    """The account an env's Terraform is pinned to: its provider's `allowed_account_ids`, or
    the account its caller-identity precondition requires."""
    pinned = config.get("provider", {}).get("aws", {}).get("allowed_account_ids")
    if pinned:
        return pinned[0]
    m = _PIN.search(json.dumps(config.get("resource", {}).get("aws_iam_policy", {})))
    if m is None:
        raise ValueError(f"{tf}: names no account (no allowed_account_ids, no account pin)")
    return m[1]


def compare(desired: Desired, account: Account) -> tuple[list[Drift], list[str]]:
    """Every difference between one env's compiled roles and the account, and what could not
    be compared (a session cap an authz file does not carry)."""
    roles = {r.name: r for r in account.roles}
    out, notes = [], []
    env = desired.env
    for name, want in sorted(desired.roles.items()):
        have = roles.get(name)
        if have is None:
            out.append(Drift(env, name, "role-missing", "role missing"))
            continue
        out += [Drift(env, name, kind, what) for kind, what in _role(want, have, account)]
        if have.max_session is None:
            notes.append(f"{account.path}: role {name} has no MaxSessionDuration (the "
                         "authorization details do not carry it; `agentpol snapshot aws` adds "
                         "it): its session cap is not compared")
    for name in sorted(roles):
        if name.startswith(PREFIX) and name not in desired.roles:
            out.append(Drift(env, name, "stale-role", "role exists but is no longer compiled"))
    out += _boundary(desired, account)
    compiled_names = {p for r in desired.roles.values() for p in r["policies"]}
    compiled_names |= {desired.boundary[0]} if desired.boundary else set()
    for arn, pol in sorted(account.managed.items()):
        if arn.split(":")[4] == account.account and pol.name.startswith(PREFIX) \
                and pol.name not in compiled_names:
            users = [r.name for r in account.roles if arn in r.attached.values()]
            out.append(Drift(env, pol.name, "stale-policy",
                             "policy exists but is no longer compiled ("
                             + (f"attached to {', '.join(users)}" if users
                                else "attached to nothing: a leftover of a deleted role")
                             + ")"))
    return out, notes


def _role(want: dict, have: Identity, account: Account) -> Iterator[tuple[str, str]]:
    yield from (("trust", w) for w in trust_changes(want["trust"], have.trust or {}))
    if have.max_session is not None and have.max_session != want["max_session"]:
        yield ("max-session", f"max session {have.max_session}s, compiled "
                              f"{want['max_session']}s")
    boundary = (have.boundary or "").rsplit("/", 1)[-1]
    if boundary != want["boundary"]:
        yield ("boundary", f"permissions boundary is {have.boundary or 'missing'}, compiled "
                           f"{want['boundary']}")
    for name, doc in want["policies"].items():
        arn = have.attached.get(name)
        pol = account.managed.get(arn or "")
        if arn is None:
            yield "policy-missing", f"policy {name} not attached"
        elif pol is None:
            yield "policy-unknown", f"policy {name} is attached but not in the file"
        elif _canon(pol.document) != _canon(doc):
            yield ("policy-changed", f"policy {name} (version {pol.default} in use) differs "
                                     f"from the compiled one: {_changes(doc, pol.document)}")
    for name in sorted(set(have.attached) - set(want["policies"])):
        yield "unexpected-policy", f"unexpected attached policy {name} ({have.attached[name]})"
    for name, doc in sorted(have.inline.items()):
        yield ("inline-policy", f"unexpected inline policy {name}: "
                                f"{_changes({'Statement': []}, doc)}")


def _boundary(desired: Desired, account: Account) -> list[Drift]:
    """The env's boundary document as compiled, against the version in use."""
    if desired.boundary is None:
        return []
    name, doc = desired.boundary
    found = [p for p in account.managed.values()
             if p.name == name and p.arn.split(":")[4] == account.account]
    if not found:
        return [Drift(desired.env, name, "boundary", "boundary policy missing")] \
            if desired.roles else []
    pol = found[0]
    if _canon(pol.document) == _canon(doc):
        return []
    return [Drift(desired.env, name, "boundary",
                  f"boundary (version {pol.default} in use) differs from the compiled one: "
                  f"{_changes(doc, pol.document)}")]


def trust_changes(want: Mapping, have: Mapping) -> list[str]:
    """What changed in a trust policy, by principal: who it admits now that it did not, who it
    no longer admits, and whose statement changed (actions, effect or conditions)."""
    w, h = _admitted(want), _admitted(have)
    out = [f"trust policy admits {p} (added)" for p in sorted(set(h) - set(w))]
    out += [f"trust policy no longer admits {p}" for p in sorted(set(w) - set(h))]
    out += [f"trust policy changed the actions or conditions under which it admits {p}"
            for p in sorted(set(w) & set(h)) if w[p] != h[p]]
    if not out and _canon(want) != _canon(have):
        out.append("trust policy differs")
    return out


def _admitted(doc: Mapping) -> dict[str, str]:
    """Principal -> the canonical form of the statements naming it."""
    out: dict[str, list[str]] = {}
    for s in statements(doc):
        key = "NotPrincipal" if "NotPrincipal" in s else "Principal"
        principal = s.get(key)
        names = ["*"] if principal == "*" else [
            f"{'not ' if key == 'NotPrincipal' else ''}{v}" if k == "AWS" else f"{k} {v}"
            for k, vs in (principal or {}).items() for v in listed(vs)]
        rest = _canon({k: v for k, v in s.items() if k not in ("Principal", "NotPrincipal",
                                                               "Sid")})
        for n in names:
            out.setdefault(n, []).append(rest)
    return {k: "|".join(sorted(v)) for k, v in out.items()}


def _changes(want: Mapping, have: Mapping) -> str:
    """`adds Allow s3:* on *; removes ...`: the (effect, action, resource) lines that differ."""
    w, h = _lines(want), _lines(have)
    parts = []
    for verb, items in (("adds", sorted(h - w)), ("removes", sorted(w - h))):
        if items:
            more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
            parts.append(f"{verb} {'; '.join(items[:_SHOWN])}{more}")
    return ", ".join(parts) or "same statements, other conditions or layout"


def _lines(doc: Mapping) -> set[str]:
    out = set()
    for s in statements(doc):
        acts = listed(s.get("Action")) or [f"all but {a}" for a in listed(s.get("NotAction"))]
        res = listed(s.get("Resource")) or [f"all but {r}" for r in listed(s.get("NotResource"))]
        cond = " (with conditions)" if s.get("Condition") else ""
        out |= {f"{s.get('Effect')} {a} on {r}{cond}" for a in acts for r in res}
    return out


def _template(text: str) -> dict:
    """A policy string of the Terraform JSON, its template escapes undone."""
    return json.loads(text.replace("$${", "${").replace("%%{", "%{"))


def _ref(expr: str) -> str:
    """`${aws_iam_policy.KEY.arn}` -> KEY."""
    return expr.strip("${}").split(".")[1]


def _canon(doc) -> str:
    return json.dumps(doc, sort_keys=True)
