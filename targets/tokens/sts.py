"""`sts-session-policy.json`: the session policy that narrows the agent's role to its AWS grants
for one run, with the `AssumeRole` parameters that pass it.

A session policy can only narrow: the session gets what both the role's identity policy and the
session policy allow, so the role's denies (the AWS target's) still hold and are not repeated
here, where every character counts against STS's limit of 2,048. Statements are compacted
without widening: actions on the same resources merge, then resources of the same actions.

When even that is over the limit, the policy is widened step by step, never past the role:
first to each service's actions (`svc:*`) on that service's granted resources, then to the
services alone on `*`. The session is the role's grants intersected with this policy, so a
wider session policy grants nothing the role does not; the file says which form it holds.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from agentpol.catalogue import aws_roles, iam_statements
from agentpol.catalogue.aws_roles import TAG_AGENT, TAG_ENV
from agentpol.model import IamStatement, Model, Principal
from agentpol.serialise import dumps as json_text

from .credential import Credential, Issued, base_name, dumps, lifetime, sources

FILE = "sts-session-policy.json"
LIMIT = 2048  # STS: characters of a session policy, packed (no whitespace)
CHAINED_MAX = 3600  # AWS: a role assumed by a role (role chaining) gets at most one hour
SESSION_NAME_MAX = 64


@dataclass(frozen=True)
class QuotaProblem:
    """A session policy over STS's limit: for the checker's `quota` rule."""

    principal: str
    path: str
    size: int
    limit: int

    @property
    def message(self) -> str:
        return (f"the session policy of {self.principal} is {self.size} characters packed; "
                f"STS accepts at most {self.limit} ({self.path})")


def _grants(model: Model, p: Principal) -> tuple[list[IamStatement], list]:
    """IAM statements for the live AWS grants (the lowering's), and the grants they come from."""
    out: list[IamStatement] = []
    used = []
    for g in p.live_grants():
        statements = model.iam_of(g)
        if statements is not None:
            out.extend(statements)
            used.append(g)
    return out, used


def compact(grants: list[IamStatement]) -> list[dict]:
    """Allow statements, merged without widening, in a stable order."""
    return [s.statement(None, "Allow") for s in iam_statements.merge(
        replace(g, resources=tuple(sorted(set(g.resources)))) for g in grants)]


def packed(doc: dict) -> str:
    return json_text(doc, indent=False, sort_keys=True)


def session_policy(model: Model, p: Principal) -> tuple[dict | None, list, str]:
    """The session policy of a principal's live AWS grants (None without any), those grants,
    and how narrow it is: "exact", "per-service" or "services" (see the module docstring)."""
    grants, used = _grants(model, p)
    if not grants:
        return None, used, "exact"
    for form, statements in (("exact", compact), ("per-service", _per_service),
                             ("services", _services)):
        doc = {"Version": "2012-10-17", "Statement": statements(grants)}
        if len(packed(doc)) <= LIMIT:
            break
    return doc, used, form


def _service(action: str) -> str:
    return action.split(":", 1)[0].lower()


def _per_service(grants: list[IamStatement]) -> list[dict]:
    """Each service's actions (`svc:*`) on that service's granted resources."""
    by_service: dict[str, set[str]] = {}
    for g in grants:
        for a in g.actions:
            by_service.setdefault(_service(a), set()).update(g.resources)
    return [{"Effect": "Allow", "Action": [f"{svc}:*"], "Resource": sorted(res)}
            for svc, res in sorted(by_service.items())]


def _services(grants: list[IamStatement]) -> list[dict]:
    """The services alone: what the role allows of them, and nothing else."""
    services = sorted({_service(a) for g in grants for a in g.actions})
    return [{"Effect": "Allow", "Action": [f"{svc}:*" for svc in services], "Resource": "*"}]


def duration(model: Model, p: Principal) -> int:
    """DurationSeconds: the session, but at most an hour when the runtime is itself a role."""
    runtime = model.environments[p.env].aws_runtime or ""
    return min(p.session, CHAINED_MAX) if ":role/" in runtime else p.session


def session_name(p: Principal) -> str:
    """RoleSessionName: the principal's name; a long one is cut and given a hash of the whole,
    so that two principals never share it."""
    name = base_name(p)
    if len(name) <= SESSION_NAME_MAX:
        return name
    return name[:SESSION_NAME_MAX - 9] + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]


_FILE = re.compile(r"^(?:shadow/)?tokens/(?P<env>[^/]+)/(?P<agent>[^/]+)/"
                   + re.escape(FILE) + "$")


def quota_reads(path: str) -> bool:
    """Whether `quota_problems` reads this file (a principal's session policy)."""
    return _FILE.match(path) is not None


def quota_problems(files: Mapping[str, str]) -> list[QuotaProblem]:
    """Session policies over STS's limit (emitted anyway, so reviewers see them), measured on
    the files: the `Policy` parameter of each AssumeRole, as the runner will pass it."""
    out = []
    for path, text in sorted(files.items()):
        found = _FILE.match(path)
        if found is not None:
            size = len(json.loads(text)["assume_role"]["Policy"])
            if size > LIMIT:
                out.append(QuotaProblem(f"{found['agent']}@{found['env']}", path, size, LIMIT))
    return out


#: What each form of session policy means, for the reviewer reading the file.
NARROWING = {
    "exact": "the agent's AWS grants, exactly",
    "per-service": "each service's actions on the granted resources (the exact form is over "
                   "STS's limit); the session still gets only what the role allows",
    "services": "the granted services on `*` (narrower forms are over STS's limit); the "
                "session gets exactly what the role allows",
}


def issue(model: Model, p: Principal) -> Issued:
    doc, used, form = session_policy(model, p)
    if doc is None:
        return {}, []
    env = model.environments[p.env]
    text, ttl, name = packed(doc), duration(model, p), session_name(p)
    role = (aws_roles.role_arn(p.agent, env.aws_account, aws_roles.partition_of(env.aws_runtime))
            if env.aws_account else None)
    assume = {"RoleSessionName": name, "DurationSeconds": ttl, "Policy": text,
              "Tags": [{"Key": TAG_AGENT, "Value": p.agent}, {"Key": TAG_ENV, "Value": p.env}]}
    if role:
        assume["RoleArn"] = role
    if ttl < p.session:
        how = (f"AWS cuts the session short: a role assumed by the role {env.aws_runtime} "
               f"(role chaining) lasts at most {CHAINED_MAX}s, less than the {p.session}s "
               "session; the runner assumes the role again while the session lasts")
    else:
        how = f"DurationSeconds = session ({p.session}s)"
    files = {FILE: dumps({
        "agent": p.agent,
        "env": p.env,
        "assume_role": assume,
        "session_policy": doc,
        "narrowing": {"form": form, "means": NARROWING[form]},
        "size": {"packed_characters": len(text), "limit": LIMIT},
        "lifetime": lifetime(p, ttl, how),
    })}
    actions = sorted({a for s in doc["Statement"] for a in s["Action"]})
    return files, [Credential(
        kind="aws-sts-session", name=name, ttl_seconds=ttl, lifetime=how,
        scope={"role_arn": role, "actions": actions, "packed_characters": len(text)},
        files=(FILE,), sources=sources(used))]
