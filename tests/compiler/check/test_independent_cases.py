"""Cases written from the contract alone (independent/README.md): every leak is caught with the
rule it names and a witness from the principal it names; every near miss has no error."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentpol.model import Span
from agentpol.pipeline import check, load

HERE = Path(__file__).parent / "independent"
CASES = sorted(p for p in HERE.iterdir() if (p / "expected.json").is_file())

def run(case: Path):
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    model = load(case, now="2026-01-01")
    return expected, check(model, authz=[case / a for a in expected.get("authz", [])])


def test_corpus_size():
    assert sum(c.name.startswith("leak-") for c in CASES) >= 30
    assert sum(c.name.startswith("near-") for c in CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_case(case):
    expected, report = run(case)
    errors = report.errors
    rules = {f.rule for f in errors}
    if expected["verdict"] == "clean":
        assert [(f.rule, f.message) for f in errors] == []
        return
    assert errors, f"{case.name}: no error; {expected['title']}"
    assert set(expected.get("rules", [])) <= rules, (expected["rules"], rules)
    if expected.get("rules_any_of"):
        assert rules & set(expected["rules_any_of"]), (expected["rules_any_of"], rules)
    wanted = set(expected.get("rules", [])) | set(expected.get("rules_any_of", []))
    hits = [f for f in errors if f.rule in wanted]
    assert all(f.witness and all(h.where for h in f.witness) for f in hits)
    principal = expected.get("principal", "")
    if "@" in principal and not principal.startswith("arn:"):
        path_rules = [f for f in hits if f.rule.startswith("cross-env") or
                      f.rule == "shared-credential"]
        if path_rules:
            assert any(f.witness[0].label == principal for f in path_rules), \
                [str(f.witness[0]) for f in path_rules]
    assert all(isinstance(f.location, Span) or ".json:" in str(f.location) for f in hits)
