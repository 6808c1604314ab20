"""`--aws-authz FILE`: the roles and users that already exist in an account, read from the
output of `aws iam get-account-authorization-details` (one file per account).

Each role keeps its trust policy and every policy that applies to it (inline, attached managed
policies at their default version); each user keeps its own and its groups' policies. The
file's account comes from the ARNs it lists; the graph maps it to the env owning that account.
Permissions boundaries and Deny statements are not subtracted: a role reaches what any of its
Allow statements names (an over-approximation, so a leak is never hidden by a condition).
"""
from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

#: An account's root principal in a trust policy, in any partition (`arn:aws-cn:iam::1:root`).
_ROOT = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:root")


class AuthzError(ValueError):
    """An authz file that cannot be read as get-account-authorization-details output."""


@dataclass(frozen=True)
class Identity:
    """An existing IAM role or user, with where it was read from (`FILE:NAME`)."""

    kind: str  # "role" | "user"
    arn: str
    name: str
    account: str
    policies: tuple[dict, ...]  # policy documents that allow it things
    trust: dict | None  # a role's AssumeRolePolicyDocument
    source: str


@dataclass(frozen=True)
class Account:
    account: str
    path: str
    identities: tuple[Identity, ...]

    @property
    def roles(self) -> tuple[Identity, ...]:
        return tuple(i for i in self.identities if i.kind == "role")


def load(paths: Iterable[str | Path]) -> tuple[Account, ...]:
    """Every file, in the order given; AuthzError names the first file that is not valid."""
    accounts = [read(Path(p)) for p in paths]
    seen: dict[str, str] = {}
    for a in accounts:
        if a.account in seen:
            raise AuthzError(f"{a.path}: account {a.account} is already read from "
                             f"{seen[a.account]} (one file per account)")
        seen[a.account] = a.path
    return tuple(accounts)


def read(path: Path) -> Account:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuthzError(f"{path}: cannot read: {exc}") from None
    if not isinstance(doc, dict) or not any(k in doc for k in _LISTS):
        raise AuthzError(f"{path}: not the output of `aws iam get-account-authorization-details`")
    try:
        return _account(doc, str(path))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise AuthzError(f"{path}: malformed entry: {exc!r}") from None


_LISTS = ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies")


def _account(doc: Mapping, path: str) -> Account:
    managed = {p["Arn"]: _default_version(p) for p in doc.get("Policies", [])}
    groups = {g["GroupName"]: _documents(g, "GroupPolicyList", managed)
              for g in doc.get("GroupDetailList", [])}
    ids = []
    for r in doc.get("RoleDetailList", []):
        ids.append(Identity("role", r["Arn"], r["RoleName"], _account_of(r["Arn"]),
                            _documents(r, "RolePolicyList", managed),
                            _document(r.get("AssumeRolePolicyDocument") or {}),
                            f"{path}:{r['RoleName']}"))
    for u in doc.get("UserDetailList", []):
        docs = _documents(u, "UserPolicyList", managed)
        docs += tuple(d for g in u.get("GroupList", []) for d in groups.get(g, ()))
        ids.append(Identity("user", u["Arn"], u["UserName"], _account_of(u["Arn"]), docs, None,
                            f"{path}:{u['UserName']}"))
    arns = [i.arn for i in ids] + list(managed)
    accounts = {_account_of(a) for a in arns} - {"aws"}
    if len(accounts) != 1:
        raise AuthzError(f"{path}: expected the roles of one account, found "
                         f"{', '.join(sorted(accounts)) or 'none'}")
    return Account(accounts.pop(), path, tuple(ids))


def _account_of(arn: str) -> str:
    return arn.split(":")[4]


def _document(value) -> dict:
    """A policy document: the CLI prints objects, the raw API URL-encoded JSON strings."""
    if isinstance(value, str):
        value = json.loads(urllib.parse.unquote(value))
    if not isinstance(value, dict):
        raise ValueError("policy document is not an object")
    return value


def _default_version(policy: Mapping) -> dict:
    for v in policy.get("PolicyVersionList", []):
        if v.get("IsDefaultVersion"):
            return _document(v["Document"])
    return {}


def _documents(entry: Mapping, inline_key: str, managed: Mapping[str, dict]) -> tuple[dict, ...]:
    docs = [_document(p["PolicyDocument"]) for p in entry.get(inline_key, [])]
    docs += [managed[a["PolicyArn"]] for a in entry.get("AttachedManagedPolicies", [])
             if a["PolicyArn"] in managed]
    return tuple(docs)


def statements(doc: Mapping) -> list[dict]:
    s = doc.get("Statement", [])
    return [s] if isinstance(s, dict) else list(s)


def listed(value) -> list[str]:
    """A policy element as a list of strings (IAM allows one string or a list of them)."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise AuthzError(f"expected a string or a list of strings, found {value!r}")
    return items


def trust_admits(trust: Mapping | None, caller_arn: str | None, caller_account: str | None,
                 service: bool = False) -> bool:
    """Whether a role's trust policy lets the caller assume it (or, with `service`, lets some
    AWS service assume it, which is what `iam:PassRole` needs). Conditions are taken as met."""
    if not trust:
        return False
    allowed = denied = False
    for s in statements(trust):
        actions = [a.lower() for a in listed(s.get("Action"))]
        if not any(a in ("*", "sts:*", "sts:assumerole") for a in actions):
            continue
        if _names(s.get("Principal"), caller_arn, caller_account, service):
            if s.get("Effect") == "Deny":
                denied = True
            elif s.get("Effect") == "Allow":
                allowed = True
    return allowed and not denied


def _names(principal, caller_arn, caller_account, service: bool) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    if service:
        return bool(listed(principal.get("Service")))
    for p in listed(principal.get("AWS")):
        if p == "*" or (caller_arn and p == caller_arn):
            return True
        if caller_account and (p == caller_account or _ROOT.fullmatch(p) and
                               p.split(":")[4] == caller_account):
            return True
    return False
