"""Cases for the `quota` rule written from the contract alone (quota/README.md): each one is
judged by `check` (every file in this process) and by compile's two processes (each measures
quota on the files it emitted): the same findings both ways, and the expected verdict."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentpol import pipeline, tree

HERE = Path(__file__).parent / "quota"
CASES = sorted(p for p in HERE.iterdir() if (p / "expected.json").is_file())


def test_corpus_size():
    assert sum(not c.name.startswith("quota-near-") for c in CASES) >= 10
    assert sum(c.name.startswith("quota-near-") for c in CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_case(case, tmp_path):
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    model = pipeline.load(case, now="2026-01-01")
    report = pipeline.check(model)
    with tree.Tree(tmp_path / "out") as out:
        emission = pipeline.emission(model, list(pipeline.targets()), None, out.put, out.spawn)
        compiled = pipeline.proved(model, emission)
        emission.finish()
    assert compiled.findings == report.findings
    errors = report.errors
    if expected["verdict"] == "clean":
        assert [(f.rule, f.message) for f in errors] == []
        return
    assert set(expected["rules"]) <= {f.rule for f in errors}
    assert not set(expected.get("rules_absent", ())) & {f.rule for f in report.findings}
    named = {f.witness[0].label for f in errors if f.rule == "quota"}
    assert expected["principal"] in named, named
    if expected.get("only_principal"):
        assert named == {expected["principal"]}
