"""`--aws-authz FILE`: the roles and users that already exist in an account, read from the
output of `aws iam get-account-authorization-details` (or `agentpol snapshot aws`), one file per
account.

Each role keeps its trust policy and every policy that applies to it (inline, attached managed
policies at their default version), its boundary's ARN and, from a snapshot, its
`MaxSessionDuration`; each user keeps its own and its groups' policies. The file's account is
its `Account` key (a snapshot records it, even for an account with no roles) or the one account
its ARNs name. Permissions boundaries and Deny statements are not subtracted: a role reaches what
any of its Allow statements names (an over-approximation, so a leak is never hidden by a
condition).

Nothing in a file can crash the reader: every entry is checked against the shape AWS gives it,
and each problem is an input error (E040) naming the file, the role, user, group or policy, and
the statement; all of a file's problems are reported at once.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from agentpol.errors import Diagnostic, InputErrors
from agentpol.globs import globs_meet
from agentpol.model import Model, Span

from .authz_documents import document, shown as _shown, strings

_LISTS = ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies")
_ENTITY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):(role|user|group)(/.*)?/([^/]+)$")
_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy(/.*)?/([^/]+)$")
_ACCOUNT = re.compile(r"^\d{12}$")
_SHOWN_LINE = 240  # longest line of a file that error messages quote

#: An account's root principal in a trust policy, in any partition (`arn:aws-cn:iam::1:root`).
_ROOT = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:root")


class AuthzError(InputErrors):
    """Authz files that cannot be read as get-account-authorization-details output."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: Mapping[str, str]):
        super().__init__(diagnostics)
        self.sources = dict(sources)

    def __str__(self) -> str:
        return "\n".join(f"{getattr(d.span, 'file', d.span)}: {d.message}"
                         for d in self.diagnostics)


@dataclass(frozen=True)
class Policy:
    """One policy document that allows an identity things, and where it was read from."""

    name: str  # an inline policy's name, or a managed policy's ARN
    document: dict  # checked: `Statement` is a list of well-typed statements
    source: str  # `FILE:ENTITY (... policy NAME)`, as a witness prints the step


@dataclass(frozen=True)
class ManagedPolicy:
    arn: str
    name: str
    default: str  # the version in use
    versions: Mapping[str, dict]  # version id -> document

    @property
    def document(self) -> dict:
        return self.versions[self.default]


@dataclass(frozen=True)
class Identity:
    """An existing IAM role or user, with where it was read from (`FILE:NAME`)."""

    kind: str  # "role" | "user"
    arn: str
    name: str
    account: str
    policies: tuple[Policy, ...]  # policy documents that allow it things
    trust: dict | None  # a role's AssumeRolePolicyDocument
    source: str
    inline: Mapping[str, dict] = field(default_factory=dict)  # its own inline policies by name
    attached: Mapping[str, str] = field(default_factory=dict)  # policy name -> ARN
    boundary: str | None = None  # the permissions boundary's ARN
    max_session: int | None = None  # seconds; a snapshot reads it with GetRole


@dataclass(frozen=True)
class Account:
    account: str
    path: str
    identities: tuple[Identity, ...]
    managed: Mapping[str, ManagedPolicy] = field(default_factory=dict)  # by ARN
    warnings: tuple[str, ...] = ()  # what the file cannot tell (a policy with no document)

    @property
    def roles(self) -> tuple[Identity, ...]:
        return tuple(i for i in self.identities if i.kind == "role")


def load(paths: Iterable[str | Path]) -> tuple[Account, ...]:
    """Every file, in the order given; AuthzError lists every problem of every file."""
    accounts: list[Account] = []
    diags: list[Diagnostic] = []
    sources: dict[str, str] = {}
    seen: dict[str, str] = {}
    for p in paths:
        try:
            a = read(Path(p))
        except AuthzError as exc:
            diags += exc.diagnostics
            sources.update(exc.sources)
            continue
        if a.account in seen:
            diags.append(Diagnostic("E040", f"account {a.account} is already read from "
                                            f"{seen[a.account]} (one file per account)",
                                    Span(a.path, 1, 1)))
        seen[a.account] = a.path
        accounts.append(a)
    if diags:
        raise AuthzError(diags, sources)
    return tuple(accounts)


def read(path: Path) -> Account:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthzError([Diagnostic("E040", f"cannot read: {exc}", Span(str(path), 1, 1))],
                         {}) from None
    return parse(text, str(path))


def parse(text: str, path: str) -> Account:
    """An account from the text of an authz file (`path` names it in messages)."""
    reader = _Reader(path, text)
    account = reader.account()
    if reader.diagnostics:  # a caret under a line of a minified file would be the whole file
        short = max(map(len, text.splitlines() or [""])) <= _SHOWN_LINE
        raise AuthzError(reader.diagnostics, {path: text} if short else {})
    assert account is not None
    return account


def warnings(model: Model, accounts: Iterable[Account]) -> tuple[str, ...]:
    """What the files cannot tell the proof: an account that belongs to no env (its roles are
    nobody's: they can be a path, never a start or an end), policies without a document."""
    owned = {e.aws_account for e in model.environments.values() if e.aws_account}
    out = []
    for a in accounts:
        if a.account not in owned:
            out.append(f"{a.path}: account {a.account} belongs to no environment; its roles "
                       "and users are read, but as no env's")
        out += a.warnings
    return tuple(out)


def statements(doc: Mapping) -> list[dict]:
    s = doc.get("Statement", [])
    return [s] if isinstance(s, dict) else list(s)


def listed(value) -> list[str]:
    """A policy element as a list of strings (documents are checked when read, so this holds
    for every element of a document that `read` returned)."""
    if value is None:
        return []
    items = strings(value)
    if items is None:
        raise ValueError(f"expected a string or a list of strings, found {value!r}")
    return items


class _Reader:
    """One file: every entry checked, problems collected as diagnostics."""

    def __init__(self, path: str, text: str):
        self.path, self.text = path, text
        self.diagnostics: list[Diagnostic] = []
        self.warnings: list[str] = []

    def fail(self, message: str, *anchors: tuple[str, str]) -> None:
        self.diagnostics.append(Diagnostic("E040", message, self.span(anchors)))

    def span(self, anchors: Iterable[tuple[str, str]]) -> Span:
        """Where `"KEY": "VALUE"` anchors sit in the text, each searched after the last (a
        role's name, then its policy's): good enough for a caret, 1:1 when not found."""
        pos, found = 0, None
        for key, value in anchors:
            m = re.compile(rf'"{re.escape(key)}"\s*:\s*{re.escape(json.dumps(value))}').search(
                self.text, pos)
            if m is None:
                break
            pos, found = m.start(), m
        if found is None:
            return Span(self.path, 1, 1)
        line = self.text.count("\n", 0, found.start()) + 1
        col = found.start() - (self.text.rfind("\n", 0, found.start()) + 1) + 1
        return Span(self.path, line, col, found.end() - found.start())

    # --- the file -------------------------------------------------------------------------

    def account(self) -> Account | None:
        try:
            doc = json.loads(self.text)
        except ValueError as exc:
            self.fail(f"not JSON ({exc})")
            return None
        if not isinstance(doc, dict) or not any(k in doc for k in _LISTS + ("Account",)):
            self.fail("not the output of `aws iam get-account-authorization-details` (no "
                      "RoleDetailList, UserDetailList, GroupDetailList or Policies)")
            return None
        if doc.get("IsTruncated") is True:
            self.fail("`IsTruncated` is true: the file holds one page of the answer, not the "
                      "whole account (take it with `agentpol snapshot aws`, which reads every "
                      "page)")
        lists = {k: self.entries(doc, k) for k in _LISTS}
        managed = dict(filter(None, (self.managed(p) for p in lists["Policies"])))
        groups = dict(filter(None, (self.group(g, managed) for g in lists["GroupDetailList"])))
        ids = [i for r in lists["RoleDetailList"] if (i := self.role(r, managed))]
        ids += [i for u in lists["UserDetailList"] if (i := self.user(u, managed, groups))]
        if self.diagnostics:  # which account is asked once the entries read (no echoes)
            return None
        account = self.owner(doc, [i.arn for i in ids] + list(managed) + [
            g["Arn"] for g in lists["GroupDetailList"]])
        if account is None:
            return None
        return Account(account, self.path, tuple(ids), managed, tuple(self.warnings))

    def entries(self, doc: Mapping, key: str) -> list[dict]:
        value = doc.get(key, [])
        if not isinstance(value, list):
            self.fail(f"`{key}` must be a list, found {_shown(value)}")
            return []
        good = [e for e in value if isinstance(e, dict)]
        if len(good) != len(value):
            self.fail(f"`{key}` holds entries that are not objects")
        return good

    def owner(self, doc: Mapping, arns: list[str]) -> str | None:
        named = {a.split(":")[4] for a in arns} - {"aws"}
        declared = doc.get("Account")
        if declared is not None:
            if not (isinstance(declared, str) and _ACCOUNT.match(declared)):
                self.fail(f"`Account` must be a 12-digit account id, found {_shown(declared)}")
                return None
            named.add(declared)
        if len(named) != 1:
            self.fail("expected the roles of one account, found "
                      + (", ".join(sorted(named)) or "none (no `Account` key and no ARN of an "
                         "account: take it with `agentpol snapshot aws`, which records it)"))
            return None
        return named.pop()

    # --- entities -------------------------------------------------------------------------

    def name_and_arn(self, entry: Mapping, kind: str, key: str) -> tuple[str, str] | None:
        name, arn = entry.get(key), entry.get("Arn")
        label = f"{kind} {name}" if isinstance(name, str) else f"a {kind}"
        if not isinstance(name, str) or not name:
            self.fail(f"{label}: `{key}` is missing or not a string",
                      *((("Arn", arn),) if isinstance(arn, str) else ()))
            return None
        m = _ENTITY_ARN.match(arn) if isinstance(arn, str) else None
        if m is None or m[2] != kind or m[4] != name:
            self.fail(f"{label}: `Arn` {_shown(arn)} is not the ARN of {kind} {name}",
                      (key, name))
            return None
        return name, m[0]

    def role(self, r: Mapping, managed: Mapping[str, ManagedPolicy]) -> Identity | None:
        named = self.name_and_arn(r, "role", "RoleName")
        if named is None:
            return None
        name, arn = named
        where = ("RoleName", name)
        if "AssumeRolePolicyDocument" not in r:
            self.fail(f"role {name}: no `AssumeRolePolicyDocument`", where)
            trust = None
        else:
            trust = self.doc(r["AssumeRolePolicyDocument"], f"role {name}: trust policy",
                             True, where)
        inline = self.inline(r, "RolePolicyList", f"role {name}", where)
        attached = self.attached(r, f"role {name}", where)
        max_session = r.get("MaxSessionDuration")
        if max_session is not None and (type(max_session) is not int
                                        or not 3600 <= max_session <= 43200):
            self.fail(f"role {name}: `MaxSessionDuration` must be 3600 to 43200 seconds, found "
                      f"{_shown(max_session)}", where)
        return Identity("role", arn, name, arn.split(":")[4],
                        self.policies(name, inline, attached, managed), trust,
                        f"{self.path}:{name}", inline, attached,
                        self.boundary(r, f"role {name}", where), max_session)

    def user(self, u: Mapping, managed: Mapping[str, ManagedPolicy],
             groups: Mapping[str, tuple[Policy, ...]]) -> Identity | None:
        named = self.name_and_arn(u, "user", "UserName")
        if named is None:
            return None
        name, arn = named
        where = ("UserName", name)
        inline = self.inline(u, "UserPolicyList", f"user {name}", where)
        attached = self.attached(u, f"user {name}", where)
        policies = self.policies(name, inline, attached, managed)
        member = u.get("GroupList", [])
        if strings(member) is None or isinstance(member, str):
            self.fail(f"user {name}: `GroupList` must be a list of group names, found "
                      f"{_shown(member)}", where)
            member = []
        for g in member:
            policies += groups.get(g, ())
        return Identity("user", arn, name, arn.split(":")[4], policies, None,
                        f"{self.path}:{name}", inline, attached,
                        self.boundary(u, f"user {name}", where))

    def group(self, g: Mapping, managed) -> tuple[str, tuple[Policy, ...]] | None:
        named = self.name_and_arn(g, "group", "GroupName")
        if named is None:
            return None
        name, _ = named
        where = ("GroupName", name)
        inline = self.inline(g, "GroupPolicyList", f"group {name}", where)
        attached = self.attached(g, f"group {name}", where)
        return name, self.policies(f"{name} (group)", inline, attached, managed)

    def managed(self, p: Mapping) -> tuple[str, ManagedPolicy] | None:
        arn = p.get("Arn")
        m = _POLICY_ARN.match(arn) if isinstance(arn, str) else None
        name = p.get("PolicyName", m[3] if m else None)  # some answers leave it out
        label = f"policy {name}" if isinstance(name, str) else "a managed policy"
        if not isinstance(name, str) or m is None or m[3] != name:
            self.fail(f"{label}: `PolicyName` and `Arn` must name one managed policy, found "
                      f"{_shown(name)} and {_shown(arn)}",
                      *((("Arn", arn),) if isinstance(arn, str) else ()))
            return None
        arn = m[0]
        where = ("Arn", arn)
        versions: dict[str, dict] = {}
        default = None
        raw = p.get("PolicyVersionList")
        if not isinstance(raw, list) or not all(isinstance(v, dict) for v in raw):
            self.fail(f"{label}: `PolicyVersionList` must be a list of objects, found "
                      f"{_shown(raw)}", where)
            return None
        for v in raw:
            vid = v.get("VersionId")
            if not isinstance(vid, str) or "Document" not in v:
                self.fail(f"{label}: a version without `VersionId` or `Document`", where)
                continue
            doc = self.doc(v["Document"], f"{label} version {vid}", False, where)
            if doc is not None:
                versions[vid] = doc
            if v.get("IsDefaultVersion") is True:
                default = vid
        if default is None:
            self.fail(f"{label}: no version is the default (`IsDefaultVersion`)", where)
            return None
        if default not in versions:
            return None
        return arn, ManagedPolicy(arn, name, default, versions)

    # --- what applies to an entity -------------------------------------------------------

    def inline(self, entry: Mapping, key: str, label: str, where) -> dict[str, dict]:
        out: dict[str, dict] = {}
        raw = entry.get(key, [])
        if not isinstance(raw, list):
            self.fail(f"{label}: `{key}` must be a list, found {_shown(raw)}", where)
            return out
        for p in raw:
            name = p.get("PolicyName") if isinstance(p, dict) else None
            if not isinstance(name, str) or "PolicyDocument" not in p:
                self.fail(f"{label}: an inline policy without `PolicyName` or "
                          f"`PolicyDocument`: {_shown(p)}", where)
                continue
            doc = self.doc(p["PolicyDocument"], f"{label}: inline policy {name}", False,
                           where, ("PolicyName", name))
            if doc is not None:
                out[name] = doc
        return out

    def attached(self, entry: Mapping, label: str, where) -> dict[str, str]:
        out: dict[str, str] = {}
        raw = entry.get("AttachedManagedPolicies", [])
        if not isinstance(raw, list):
            self.fail(f"{label}: `AttachedManagedPolicies` must be a list, found {_shown(raw)}",
                      where)
            return out
        for a in raw:
            arn = a.get("PolicyArn") if isinstance(a, dict) else None
            m = _POLICY_ARN.match(arn) if isinstance(arn, str) else None
            if m is None:
                self.fail(f"{label}: attached policy {_shown(a)} has no policy ARN", where)
                continue
            out[a["PolicyName"] if isinstance(a.get("PolicyName"), str) else m[3]] = m[0]
        return out

    def boundary(self, entry: Mapping, label: str, where) -> str | None:
        raw = entry.get("PermissionsBoundary")
        if raw is None:
            return None
        arn = raw.get("PermissionsBoundaryArn") if isinstance(raw, dict) else None
        if not (isinstance(arn, str) and _POLICY_ARN.match(arn)):
            self.fail(f"{label}: `PermissionsBoundary` has no policy ARN: {_shown(raw)}", where)
            return None
        return arn

    def policies(self, owner: str, inline: Mapping[str, dict], attached: Mapping[str, str],
                 managed: Mapping[str, ManagedPolicy]) -> tuple[Policy, ...]:
        out = [Policy(n, d, f"{self.path}:{owner} (inline policy {n})")
               for n, d in inline.items()]
        for name, arn in attached.items():
            if arn in managed:
                out.append(Policy(arn, managed[arn].document,
                                  f"{self.path}:{owner} (policy {name})"))
            else:
                self.warnings.append(f"{self.path}: {owner}: attached policy {arn} is not in "
                                     "the file; what it allows is not known")
        return tuple(out)

    def doc(self, value: Any, label: str, trust: bool, *anchors) -> dict | None:
        doc, problems = document(value, trust)
        for p in problems:
            self.fail(f"{label} {p}" if p.startswith(("is ", "has ")) else f"{label}: {p}",
                      *anchors)
        return doc


def trust_admits(trust: Mapping | None, caller_arn: str | None, caller_account: str | None,
                 service: bool = False) -> bool:
    """Whether a role's trust policy lets the caller assume it (or, with `service`, lets some
    AWS service assume it, which is what `iam:PassRole` needs). Conditions are taken as met."""
    if not trust:
        return False
    allowed = denied = False
    for s in statements(trust):
        actions = [a.lower() for a in listed(s.get("Action"))]
        if not any(globs_meet(a, "sts:assumerole") for a in actions):  # `sts:Assume*` too
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

