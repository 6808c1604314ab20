"""AWS's size and count limits, checked on the emitted files (for the checker's `quota` rule).

Defaults of an account that never asked for more (IAM quotas): a managed policy holds 6,144
characters without whitespace, a role has at most 10 managed policies attached (the boundary is
not attached, so it does not count) and a trust policy 2,048 characters; a role name is at most
64 characters. The identity policy is already split over managed policies, so a finding here
means it cannot be made to fit. The target emits no inline policy, so the 10,240-character
inline quota never applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from agentpol.catalogue.aws_roles import ROLE_NAME_MAX, role_name

from .policy import MANAGED_POLICY_MAX, size

ATTACHED_POLICIES_MAX = 10
TRUST_POLICY_MAX = 2048

_FILE = re.compile(r"^(?:shadow/)?aws/(?P<env>[^/]+)/(?P<agent>[^/]+)/(?P<name>[^/]+)$")
_IDENTITY = re.compile(r"^identity-policy(-\d+)?\.json$")


@dataclass(frozen=True)
class QuotaProblem:
    path: str  # the file, or the agent's directory for counts and names
    env: str
    agent: str
    quota: str
    size: int
    limit: int

    def __str__(self) -> str:
        return f"{self.path}: {self.quota} is {self.size}, over AWS's limit of {self.limit}"


def quota_reads(path: str) -> bool:
    """Whether `quota_problems` reads this file (a principal's policy documents)."""
    return _FILE.match(path) is not None


def quota_problems(files: Mapping[str, str]) -> list[QuotaProblem]:
    """Every limit the AWS files in `files` (path -> text, as `emit` returns) exceed."""
    out = []
    identity: dict[tuple[str, str, str], int] = {}
    for path, text in sorted(files.items()):
        match = _FILE.match(path)
        if match is None:
            continue
        env, agent, name = match["env"], match["agent"], match["name"]
        if _IDENTITY.match(name):
            directory = path.rsplit("/", 1)[0]
            identity[(directory, env, agent)] = identity.get((directory, env, agent), 0) + 1
            limit, quota = MANAGED_POLICY_MAX, "managed policy size"
        elif name == "permissions-boundary.json":
            limit, quota = MANAGED_POLICY_MAX, "managed policy size"
        elif name == "trust-policy.json":
            limit, quota = TRUST_POLICY_MAX, "trust policy size"
        else:
            continue
        if size(text) > limit:
            out.append(QuotaProblem(path, env, agent, quota, size(text), limit))
    for (directory, env, agent), count in identity.items():
        if count > ATTACHED_POLICIES_MAX:
            out.append(QuotaProblem(directory, env, agent, "managed policies per role", count,
                                    ATTACHED_POLICIES_MAX))
        if len(role_name(agent)) > ROLE_NAME_MAX:
            out.append(QuotaProblem(directory, env, agent, "role name length",
                                    len(role_name(agent)), ROLE_NAME_MAX))
    return out
