"""The patch, validated by `check`: edits of the sources that must compile and add no error.

Each proposed change is one edit. All together first; when that fails, each alone, and then
those that passed alone together again. An edit that fails is never proposed: a removal is
reported as kept with the reason, an addition becomes the alert `rejected-by-check`.
"""
from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from agentpol.errors import InputErrors
from agentpol.model import Model, Principal, Rule

from .patch import Editor, access_text, rectangles, target_text
from .report import Addition, Alert


def _edits(model: Model, removals, additions):
    """One callable per proposed change, each applying itself to an Editor."""
    edits = []
    by_statement: dict = defaultdict(list)
    for p, g, u in removals:
        by_statement[(g.origin.span.file, g.origin.span.line, g.origin.span.col)].append(
            (p, g, u))
    for (file, line, col), items in by_statement.items():
        edits.append(("remove", items, _remover(model, file, line, col, items)))
    for p, add, r in additions:
        edits.append(("add", [(p, add, r)], _adder(model, p, add)))
    return edits


def _rule_of(model: Model, agent: str, file: str, line: int, col: int):
    for block in model.program.agents[agent].blocks:
        for s in block.statements:
            if isinstance(s, Rule) and (s.span.file, s.span.line, s.span.col) == (file, line, col):
                return block, s
    raise LookupError(f"no statement at {file}:{line}:{col}")


def _remover(model: Model, file: str, line: int, col: int, items):
    agent = items[0][0].agent
    block, rule = _rule_of(model, agent, file, line, col)
    gone = {(g.access.span, g.target.span, g.env) for _, g, _ in items}
    pairs = [(a, t) for a in rule.accesses for t in rule.targets]

    def apply(ed: Editor) -> None:
        everywhere = [(access_text(a), target_text(t)) for a, t in pairs
                      if not any((a.span, t.span, e) in gone for e in block.envs)]
        ed.rewrite(file, line, col, rectangles(everywhere))
        for env in block.envs:
            some = [(access_text(a), target_text(t)) for a, t in pairs
                    if (a.span, t.span, env) not in gone
                    and any((a.span, t.span, e) in gone for e in block.envs)]
            for stmt in rectangles(some):
                ed.add(model.program.agents[agent].span.file, agent, env, stmt)
    return apply


def _adder(model: Model, p: Principal, add: Addition):
    def apply(ed: Editor) -> None:
        ed.add(model.program.agents[p.agent].span.file, p.agent, p.env, add.statement)
    return apply


def validated(model: Model, directory: Path, texts: dict[str, str], removals, additions,
               today: dt.date):
    """The largest set of edits found whose patched program loads, compiles and adds no error
    finding: all together, else each alone and then the ones that passed together."""
    from agentpol.pipeline import check
    baseline = _error_counts(check(model))
    edits = _edits(model, removals, additions)

    def trial(chosen) -> tuple[dict[str, str] | None, str]:
        ed = Editor(directory, texts)
        try:
            for _, _, apply in chosen:
                apply(ed)
            new = ed.render()
        except (InputErrors, LookupError) as exc:
            return None, f"the edit cannot be applied ({exc})"
        return _check_patched(directory, new, baseline, today)

    if not edits:
        return {}, sum(baseline.values())
    patch, why = trial(edits)
    if patch is None:
        passing = []
        for edit in edits:
            ok, why_one = trial([edit])
            if ok is None:
                _reject(edit, why_one)
            else:
                passing.append(edit)
        patch, why = trial(passing) if passing else ({}, "")
        if patch is None:  # edits that pass alone but not together: propose none of them
            for edit in passing:
                _reject(edit, why)
            patch = {}
            passing = []
        edits = passing
    for kind, items, _ in edits:
        for item in items:
            if kind == "remove":
                item[2].proposed = True
            else:
                item[1].accepted = True
    return patch, sum(baseline.values())


def _reject(edit, why: str) -> None:
    kind, items, _ = edit
    for item in items:
        if kind == "remove":
            item[2].note = f"kept: {why}"
        else:
            p, add, r = item
            add.note = why
            r.alerts.append(Alert("rejected-by-check", "any", ", ".join(add.statement.accesses),
                                  ", ".join(add.statement.targets), add.count, add.first,
                                  add.last, f"`{add.statement.text()}` for {p.key}: {why}"))


def _error_counts(report) -> Counter:
    return Counter(f.rule for f in report.errors)


def _check_patched(directory: Path, new: dict[str, str], baseline: Counter,
                   today: dt.date) -> tuple[dict[str, str] | None, str]:
    from agentpol import artifacts, pipeline
    from agentpol.pipeline import check
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / directory.resolve().name
        shutil.copytree(directory, copy)
        for name, text in new.items():
            (copy / name.split("/", 1)[1]).write_text(text, encoding="utf-8")
        try:
            model = pipeline.load(copy, now=today.isoformat())
            files = artifacts.build(model, pipeline.targets(), list(pipeline.targets()))
        except InputErrors as errs:
            return None, f"the patched program does not compile ({errs.diagnostics[0].message})"
        found = _error_counts(check(model, files))
    worse = sorted(rule for rule, n in found.items() if n > baseline.get(rule, 0))
    if worse:
        return None, f"check rejects it ({', '.join(worse)})"
    return new, ""

