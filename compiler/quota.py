"""The checker's `quota` findings: compiled files that exceed their provider's size or count
limits after splitting, as the driver hands them to `check` (which imports no target).

Each target knows its own limits: the AWS target's managed policies, attachments, trust
policies and role names (`targets.aws.quota_problems`), and the tokens target's STS session
policies (`targets.tokens.quota_problems`): both over the files, as emitted.
"""
from __future__ import annotations

from typing import Mapping

from agentpol.check.findings import Finding, Hop, finding
from agentpol.model import Model, Span
from agentpol.targets import aws, tokens


def reads(path: str) -> bool:
    """Whether `findings` reads this file's text (the AWS target's per-principal files and
    the tokens target's session policies)."""
    return aws.quota_reads(path) or tokens.quota_reads(path)


#: The targets some of whose files `reads` accepts.
READ_TARGETS = frozenset({"aws", "tokens"})


def findings(model: Model, files: Mapping[str, str]) -> list[Finding]:
    out = []
    for q in aws.quota_problems(files):
        who = f"{q.agent}@{q.env}"
        where = _span(model, who, q.path)
        out.append(finding("quota", str(q), where,
                           (Hop(f"p:{who}", who, where),
                            Hop(f"file:{q.path}", q.path, q.path, q.quota))))
    for s in tokens.quota_problems(files):
        where = _span(model, s.principal, s.path)
        out.append(finding("quota", s.message, where,
                           (Hop(f"p:{s.principal}", s.principal, where),
                            Hop(f"file:{s.path}", s.path, s.path, "session policy size"))))
    return out


def _span(model: Model, principal: str, path: str) -> Span | str:
    """Where a finding points: the principal's statements, or the file for one not declared."""
    p = model.principals.get(principal)
    return p.span if p is not None else path
