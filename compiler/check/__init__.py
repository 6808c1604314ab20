"""The proof: no principal of one env reaches another, protected env's credentials.

`check(model, files)` builds the reachability graph from every grant as written (after
expansion), runs every rule of the rule table of docs/checks.md over it and over the compiled
artifacts the driver hands in, and says how much it looked at: the (principal, action,
resource) triples examined and the roles it could not look into. It imports no target and not
the driver.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator, Mapping

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
    with _no_cycle_collection():
        accounts = tuple(a for a in given if isinstance(a, Account)) + _authz.load(
            Path(a) for a in given if not isinstance(a, Account))
        graph = build(model, accounts)
        warnings = _authz.warnings(model, accounts)
        ctx = Context(model, graph, files, tuple(quota))
        found = {f for rule in RULES.values() for f in rule(ctx)}
        found.update(_killed.bypasses(model, graph, killed))
        return Report(tuple(sorted(found, key=Finding.sort_key)), len(graph.triples),
                      graph.opaque_roles(), graph, warnings)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused: an account's authz files and the graph are
    millions of small objects that live until the proof is done, and CPython would scan them
    all again at each full collection as they grow (a fifth of the time at 7,800 roles, with
    the default thresholds) to free nothing. Reference counting still frees what dies. After,
    what was made is moved to the oldest generation (a freeze and thaw, unless someone else
    keeps objects frozen), so the young collections that follow do not scan it twice more on
    its way there."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()
