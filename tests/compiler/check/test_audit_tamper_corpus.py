"""The audit-tamper corpus: every program that tampers with its env's record is caught, with a
witness pointing into the program; every near miss is not (audit_tamper/README.md)."""
from __future__ import annotations

from pathlib import Path

import pytest

from agentpol.pipeline import check
from helpers import model_from

CORPUS = Path(__file__).parent / "audit_tamper"
PROGRAMS = sorted(CORPUS.glob("*.agentpol"))


def expectation(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: first line must be `# expect: ...`"
    return first.removeprefix("# expect: ").strip()


def findings(path: Path):
    return check(model_from(path.read_text(encoding="utf-8")), files={}).findings


def test_corpus_covers_every_action_class():
    tamper = [p.name for p in PROGRAMS if expectation(p) == "audit-tamper"]
    clean = [p.name for p in PROGRAMS if expectation(p) == "clean"]
    assert len(tamper) >= 8 and len(clean) >= 4
    text = " ".join(p.read_text() for p in PROGRAMS if expectation(p) == "audit-tamper")
    for needle in ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                   "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors",
                   "logs:DeleteLogGroup", "logs:DeleteLogStream", "logs:PutRetentionPolicy",
                   "logs:DeleteRetentionPolicy", "administration:write", "sys/audit"):
        assert needle in text, needle


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_program(path):
    expected = expectation(path)
    found = findings(path)
    tamper = [f for f in found if f.rule == "audit-tamper"]
    if expected == "clean":
        assert tamper == []
        assert [f for f in found if f.severity == "error"] == []
        return
    assert expected == "audit-tamper"
    assert tamper, f"{path.name}: not caught"
    for f in tamper:
        assert f.severity == "error" and f.witness
        assert f.location.file == "policies/main.agentpol"  # the program, not the envs
