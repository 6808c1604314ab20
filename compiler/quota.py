"""The checker's `quota` findings: compiled files that exceed their provider's size or count
limits after splitting, as the driver hands them to `check` (which imports no target).

Each target knows its own limits: the AWS target's managed policies, attachments, trust
policies and role names (`targets.aws.quota_problems`, over the files), and the tokens target's
STS session policies (`targets.tokens.quota_problems`, over the model).
"""
from __future__ import annotations

from typing import Mapping

from agentpol.check.findings import Finding, Hop, finding
from agentpol.model import Model
from agentpol.targets import aws, tokens


def reads(path: str) -> bool:
    """Whether `findings` reads this file's text (the AWS target's per-principal files)."""
    return aws.quota_reads(path)


#: The targets some of whose files `reads` accepts.
READ_TARGETS = frozenset({"aws"})


def findings(model: Model, files: Mapping[str, str]) -> list[Finding]:
    out = []
    for q in aws.quota_problems(files):
        p = model.principals.get(f"{q.agent}@{q.env}")
        where = p.span if p is not None else q.path
        out.append(finding("quota", str(q), where,
                           (Hop(f"p:{q.agent}@{q.env}", f"{q.agent}@{q.env}", where),
                            Hop(f"file:{q.path}", q.path, q.path, q.quota))))
    for s in tokens.quota_problems(model):
        out.append(finding("quota", s.message, s.span,
                           (Hop(f"p:{s.principal}", s.principal, s.span),
                            Hop(f"file:{s.path}", s.path, s.path, "session policy size"))))
    return out
