"""IAM policies: the `parliament` linter (PyPI `parliament`, Duo Labs), used as a library.

`lint_iam_policy` runs `parliament.analyze_policy_string` (what the `parliament` CLI runs per file,
without community or private auditors) and returns every finding with the severity and title
from parliament's own config. Parliament works from its bundled `iam_definition.json`: no
network access is needed.

`validate_iam_policy` keeps the finding kinds the AWS target rules out (unknown action, resource
mismatch, needless `*`) plus those that mean the policy could not be analysed at all.

Parliament lints identity policies (and permissions boundaries and session policies, which have
the same shape). A trust policy has no `Resource`, so parliament reports it as MALFORMED: do not
run it on `trust-policy.json`.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field

from validators._common import Source, ValidatorUnavailable, read_source

# Finding kinds that must not occur in emitted IAM policies.
UNKNOWN_ACTION_KINDS = frozenset({"UNKNOWN_ACTION", "UNKNOWN_PREFIX"})
RESOURCE_MISMATCH_KINDS = frozenset({"RESOURCE_MISMATCH"})
NEEDLESS_STAR_KINDS = frozenset({"RESOURCE_STAR", "RESOURCE_EFFECTIVELY_STAR"})
DESIGN_KINDS = UNKNOWN_ACTION_KINDS | RESOURCE_MISMATCH_KINDS | NEEDLESS_STAR_KINDS
# Kinds after which parliament could not check the rest.
BROKEN_KINDS = frozenset({"MALFORMED_JSON", "MALFORMED", "EXCEPTION", "INVALID_ARN", "INVALID_VERSION"})


@dataclass(frozen=True)
class Finding:
    issue: str
    severity: str
    title: str
    detail: object = None
    location: dict = field(default_factory=dict)

    def __str__(self) -> str:
        detail = self.detail if isinstance(self.detail, str) else json.dumps(self.detail, sort_keys=True, default=str)
        line = self.location.get("line")
        at = f" (line {line}, column {self.location.get('column')})" if line is not None else ""
        return f"{self.issue} [{self.severity}] {self.title}: {detail}{at}"


def require_tool():
    try:
        with warnings.catch_warnings():  # parliament imports pkg_resources, which warns
            warnings.simplefilter("ignore")
            import parliament
    except ImportError as e:  # pragma: no cover - environment problem
        raise ValidatorUnavailable("parliament is not installed: pip install 'parliament>=1.6'") from e
    return parliament


def parliament_version() -> str:
    return require_tool().__version__


def lint_iam_policy(source: Source) -> list[Finding]:
    """Every parliament finding for one IAM policy document (path, JSON text or dict)."""
    parliament = require_tool()
    text, label = read_source(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        policy = parliament.analyze_policy_string(
            text, filepath=label, ignore_private_auditors=True, include_community_auditors=False
        )
    out = []
    for f in policy.findings:
        f = parliament.enhance_finding(f)
        location = {k: v for k, v in (f.location or {}).items() if k != "filepath"}
        out.append(Finding(f.issue, f.severity, f.title, f.detail, location))
    return sorted(out, key=lambda f: (f.issue, str(f)))


def design_findings(findings: list[Finding], kinds: frozenset = DESIGN_KINDS | BROKEN_KINDS) -> list[Finding]:
    """The findings whose kind is in `kinds` (default: what the AWS target rules out, or unparseable)."""
    return [f for f in findings if f.issue in kinds]


def validate_iam_policy(source: Source, kinds: frozenset = DESIGN_KINDS | BROKEN_KINDS) -> list[str]:
    """Problems parliament finds in an IAM identity policy, empty when it has none of `kinds`."""
    return [str(f) for f in design_findings(lint_iam_policy(source), kinds)]
