"""The proof: no principal of one env reaches another, protected env's credentials.

`check(model, files)` builds the reachability graph from every grant as written (after
expansion), runs every rule of the rule table of docs/checks.md over it and over the compiled
artifacts the driver hands in, and says how much it looked at: the (principal, action,
resource) triples examined and the roles it could not look into. It imports no target and not
the driver.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping

from agentpol import collector
from agentpol.model import Model

from . import authz as _authz, killed as _killed
from .authz import Account, AuthzError
from .findings import ERROR, RULES as RULE_TABLE, Finding
from .graph import Graph, build
from .rules import RULES, Context

__all__ = ["AuthzError", "Finding", "Report", "RULE_TABLE", "check"]


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]  # sorted by location, then rule
    triples: int  # (principal, action, resource) triples examined
    opaque_roles: int  # roles reachable but known only by name (no authz file)
    graph: Graph
    warnings: tuple[str, ...] = ()  # what the authz files could not tell the proof

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)

    def adding(self, found: Iterable[Finding]) -> Report:
        """This report with more findings, in order (compile's quota, measured on files that
        another process emitted while the proof ran)."""
        return replace(self, findings=tuple(sorted({*self.findings, *found},
                                                   key=Finding.sort_key)))


def check(model: Model, files: Mapping[str, str], authz: Iterable[str | Path | Account] = (),
          quota: Iterable[Finding] = (), killed: Iterable[str] = ()) -> Report:
    """Every finding about `model`. `files` are its compiled artifacts and `quota` the limits
    they exceed (the driver, `pipeline.check`, builds both with every registered target);
    `authz` are get-account-authorization-details files (paths, or accounts already read);
    `killed` are the principals a kill in force has stopped (`kill-bypass` reports what it
    leaves open)."""
    given = tuple(authz)
    with collector.paused():  # the authz files and the graph: millions of objects
        accounts = tuple(a for a in given if isinstance(a, Account)) + _authz.load(
            Path(a) for a in given if not isinstance(a, Account))
        graph = build(model, accounts)
        warnings = _authz.warnings(model, accounts)
        ctx = Context(model, graph, files, tuple(quota))
        found = {f for rule in RULES.values() for f in rule(ctx)}
        found.update(_killed.bypasses(model, graph, killed))
        return Report(tuple(sorted(found, key=Finding.sort_key)), len(graph.triples),
                      graph.opaque_roles(), graph, warnings)
