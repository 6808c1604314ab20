"""`agentpol drift`: compare the roles compiled into `OUT/aws/E/main.tf.json` with those that
exist in the account (an authorization-details document, live or from a snapshot file).

Drift is anything a reviewer did not approve: a compiled role missing or with another trust
policy, session cap or boundary; a compiled policy missing or changed; a policy attached or
written inline that the compile does not have; an `agentpol-` role the compile no longer has.
"""
from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

ROLE_PREFIX = "agentpol-"


@dataclass(frozen=True)
class Drift:
    env: str
    role: str
    what: str

    def __str__(self) -> str:
        return f"{self.env} {self.role}: {self.what}"


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
        account = config["output"]["account_id"]["value"]
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
        envs.append(Desired(tf.parent.name, account, roles, policies.get("boundary")))
    return envs


def account_of(details: Mapping) -> str | None:
    """The one account an authorization-details document describes (from its ARNs)."""
    arns = [e["Arn"] for key in ("RoleDetailList", "UserDetailList", "GroupDetailList",
                                 "Policies") for e in details.get(key, [])]
    accounts = {a.split(":")[4] for a in arns} - {"aws", ""}
    return accounts.pop() if len(accounts) == 1 else None


def compare(desired: Desired, details: Mapping) -> list[Drift]:
    """Every difference between one env's compiled roles and the account's details."""
    deployed = {r["RoleName"]: r for r in details.get("RoleDetailList", [])}
    managed = {p["Arn"]: _default_version(p) for p in details.get("Policies", [])}
    out = []
    for name, want in sorted(desired.roles.items()):
        have = deployed.get(name)
        if have is None:
            out.append(Drift(desired.env, name, "role missing"))
            continue
        out += [Drift(desired.env, name, w) for w in _role(want, have, managed)]
    for name in sorted(deployed):
        if name.startswith(ROLE_PREFIX) and name not in desired.roles:
            out.append(Drift(desired.env, name, "role exists but is no longer compiled"))
    return out


def _role(want: dict, have: Mapping, managed: Mapping[str, dict | None]) -> Iterator[str]:
    """`managed`: policy ARN -> default version's document."""
    if _canon(_document(have.get("AssumeRolePolicyDocument"))) != _canon(want["trust"]):
        yield "trust policy differs"
    if "MaxSessionDuration" in have and have["MaxSessionDuration"] != want["max_session"]:
        yield (f"max session {have['MaxSessionDuration']}s, compiled "
               f"{want['max_session']}s")
    boundary = (have.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", "")
    if boundary.rsplit("/", 1)[-1] != want["boundary"]:
        yield f"permissions boundary is {boundary or 'missing'}, compiled {want['boundary']}"
    attached = {a["PolicyName"]: a["PolicyArn"] for a in have.get("AttachedManagedPolicies", [])}
    for name, doc in want["policies"].items():
        if name not in attached:
            yield f"policy {name} not attached"
        elif _canon(managed.get(attached[name])) != _canon(doc):
            yield f"policy {name} differs from the compiled one"
    for name in sorted(set(attached) - set(want["policies"])):
        yield f"unexpected attached policy {name}"
    for p in have.get("RolePolicyList", []):
        yield f"unexpected inline policy {p['PolicyName']}"


def _default_version(policy: Mapping) -> dict | None:
    for v in policy.get("PolicyVersionList", []):
        if v.get("IsDefaultVersion"):
            return _document(v["Document"])
    return None


def _document(value) -> dict | None:
    """The CLI prints documents as objects, the raw API as URL-encoded JSON strings."""
    if isinstance(value, str):
        value = json.loads(urllib.parse.unquote(value))
    return value


def _template(text: str) -> dict:
    """A policy string of the Terraform JSON, its template escapes undone."""
    return json.loads(text.replace("$${", "${").replace("%%{", "%{"))


def _ref(expr: str) -> str:
    """`${aws_iam_policy.KEY.arn}` -> KEY."""
    return expr.strip("${}").split(".")[1]


def _canon(doc) -> str:
    return json.dumps(doc, sort_keys=True)
