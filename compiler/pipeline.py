"""parse -> resolve -> expand, in one call, for every command that needs the model."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from . import artifacts, collector, lock
from .check import Report
from .errors import Diagnostic, InputErrors
from .expand import expand, grant_line
from .lower import lower
from .model import Model, Principal, Span
from .parse import discover, parse_directory
from .resolve import resolve


class UsageError(Exception):
    """A command-line mistake (exit 2), as opposed to an error in the policy source."""


def load(directory: Path, now: str | None = None) -> Model:
    """The lowered model of a policy directory; InputErrors carry the sources for caret
    rendering."""
    if not directory.exists():
        raise UsageError(f"{directory}: not a directory (none exists; `agentpol init "
                         f"{directory}` writes a starter organisation there)")
    if not directory.is_dir():
        raise UsageError(f"{directory}: not a directory")
    if not discover(directory):
        raise InputErrors([Diagnostic("E005", f"no .agentpol files in {directory}",
                                      Span(str(directory), 0, 0),
                                      f"policies are `*.agentpol` files; `agentpol init "
                                      f"{directory}` writes a starter set")])
    with collector.paused():  # the parse trees and the model: no cycles, millions of objects
        files, sources = parse_directory(directory)
        try:
            program = resolve(files)
            approved = lock.read(directory / lock.LOCK_NAME)
            model = expand(program, approved, today(now))
        except InputErrors as errs:
            found = errs.diagnostics
            if errs.program is not None:  # all errors in one run: also those only expansion finds
                found += _expansion_errors(errs.program)
            raise InputErrors(found, {**sources, **errs.sources}) from None
        return lower(model)


def _expansion_errors(program) -> tuple[Diagnostic, ...]:
    """The input errors expansion finds in a program that resolve already rejected (raw
    templates, profile references, conflicting sessions); what resolve could not bind is
    skipped, and a program too broken to expand adds nothing."""
    try:
        expand(program)
    except InputErrors as errs:
        return errs.diagnostics
    except (KeyError, TypeError, AttributeError):  # a reference resolve could not bind
        pass
    return ()


def today(now: str | None) -> dt.date:
    """`--now` (YYYY-MM-DD), else SOURCE_DATE_EPOCH, else the clock: review windows only."""
    if now:
        try:
            return dt.date.fromisoformat(now)
        except ValueError:
            raise UsageError(f"--now {now!r}: expected YYYY-MM-DD") from None
    return instant(None).date()


def instant(now: str | None) -> dt.datetime:
    """`--now` as an aware UTC time (ISO 8601; a date alone is its midnight), else
    SOURCE_DATE_EPOCH, else the clock: when a kill takes effect."""
    if now:
        try:
            when = dt.datetime.fromisoformat(now.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"--now {now!r}: expected an ISO 8601 time such as "
                             "2026-12-06T23:00:00Z") from None
        return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc)


def targets() -> Mapping:
    from agentpol.targets import TARGETS
    return TARGETS


def check(model: Model, files: Mapping[str, str] | None = None, authz: Iterable = (),
          killed: Iterable[str] = ()) -> Report:
    """The proof over `model` and its artifacts (built with every registered target when not
    given), with the `quota` findings measured on them; `killed` as `check.check` takes it."""
    from . import quota
    from .check import check as prove
    if files is None:
        table = targets()
        files = artifacts.build(model, table, list(table))
    return prove(model, files, authz, quota.findings(model, files), killed)


def proof_reads(model: Model) -> Callable[[str], bool]:
    """The compiled files whose text the proof reads: every file when the program has `test`
    blocks (their expectations are decided against the files), else none (`quota` measures each
    target's files as they are emitted, see `emission`)."""
    every = bool(model.program.tests)
    return lambda path: every


#: The targets compile emits in a forked process, on the other core, while this one emits the
#: others and runs the proof; each measures quota on the files it emits (see `emission`).
#: Chosen so that the two halves take about as long at the generator's default shape
#: (docs/performance.md): the proof plus network, cedar and audit here; aws and tokens
#: there.
ASIDE = frozenset({"aws", "tokens"})


def emission(model: Model, names: Sequence[str], env: str | None, sink: artifacts.Sink,
             spawn: Callable | None) -> artifacts.Emission:
    """compile's emission: every file to `sink`; the `ASIDE` targets in a process `spawn`
    forks, unless the program has `test` blocks (their expectations read every file, here);
    quota is measured on each target's files as soon as they are emitted, so a process holds
    one target's texts at a time (not every file quota reads: 300 MiB at 5,000 agents), and
    keeps only what `proof_reads` accepts."""
    from . import quota

    def measure(target: str, files: Mapping[str, str]) -> list:
        return quota.findings(model, files) if target in quota.READ_TARGETS else []
    return artifacts.Emission(model, targets(), names, env, sink, proof_reads(model), spawn,
                              () if model.program.tests else ASIDE, measure)


def proved(model: Model, emission: artifacts.Emission) -> Report:
    """The proof of what `emission` emits: the rules over the model (and, for `test` blocks,
    the files) while the forked process still emits, then the quota findings each process
    measured on its own files."""
    from .check import check as prove
    return prove(model, emission.files).adding(emission.measured())


def target_names(spec: str | None) -> list[str]:
    table = targets()
    if spec is None:
        return list(table)
    names = list(dict.fromkeys(n.strip() for n in spec.split(",") if n.strip()))  # once each
    unknown = [n for n in names if n not in table]
    if unknown:
        raise UsageError(f"unknown target(s) {', '.join(unknown)}; "
                         f"available: {', '.join(table)}")
    return names


def explain(p: Principal) -> str:
    """Effective permissions of one principal, each with the statement that grants it."""
    head = f"{p.key}  mode={p.mode} session={p.session // 60}m"
    rows = []
    for g in p.grants + p.denies:
        state = " (pending review)" if g.pending else ""
        rows.append((grant_line(g).split(" ", 2)[2] + state, g.origin))
    for e in p.egress:
        rows.append((f"egress {e.dest.address}" + (" (pending review)" if e.pending else ""),
                     e.origin))
    for b in p.budgets:
        rows.append((f"budget {b.api or 'total'} {b.cents / 100:.2f} usd per {b.period}",
                     b.origin))
    for r in p.rates:
        rows.append((f"rate {r.target} {r.count} per {r.period}", r.origin))
    for a in p.approvals:
        rows.append((f"approval required for {a.access} on {a.target}", a.origin))
    width = max((len(t) for t, _ in rows), default=0)
    lines = [head] + [f"  {t.ljust(width)}  {o.span}" + (f" via {' > '.join(o.via)}"
                                                        if o.via else "") for t, o in rows]
    if p.shadow:
        lines.append("  (shadow mode: nothing above is live; the gateway logs the calls)")
    return "\n".join(lines)
