"""The proof's corpus (proof/README.md): every leaking program is caught with the right rule
and a witness that points into the program; every near miss raises no error."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import model_from

from agentpol.pipeline import check
from agentpol.model import Span

HERE = Path(__file__).parent / "proof"
LEAKS = sorted((HERE / "leaks").glob("*.agentpol"))
NEAR = sorted((HERE / "near").glob("*.agentpol"))


def header(path: Path) -> dict[str, str]:
    """`# key: value` lines at the top of a program."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#\s*(\w+):\s*(.*)$", line)
        if not m:
            break
        out[m[1]] = m[2].strip()
    return out


def run(path: Path):
    h = header(path)
    model = model_from(path.read_text(encoding="utf-8"), with_envs=h.get("envs") != "own")
    authz = [HERE / "authz" / h["authz"]] if "authz" in h else []
    return h, check(model, authz=authz)


def test_corpus_size():
    assert len(LEAKS) >= 30 and len(NEAR) >= 15
    rules = {header(p)["expect"] for p in LEAKS}
    assert {"cross-env-credential", "cross-env-access", "shared-credential", "shared-identity",
            "privilege-escalation", "wildcard-resource", "unbounded-spend", "missing-owner",
            "missing-audit", "unknown-action", "audit-tamper", "test-failed"} <= rules


@pytest.mark.parametrize("path", LEAKS, ids=lambda p: p.stem)
def test_leak_is_caught(path):
    h, report = run(path)
    hits = [f for f in report.findings if f.rule == h["expect"]]
    assert hits, f"{path.name}: no {h['expect']}; got {[f.rule for f in report.findings]}"
    f = hits[0]
    assert f.severity == "error"
    assert f.witness and all(hop.where for hop in f.witness)
    assert isinstance(f.location, Span) and f.location.file.endswith(".agentpol")
    if "reaches" in h:
        labels = " ".join(f"{hop.via} {hop.label}" for hop in f.witness)
        assert h["reaches"] in labels, f"{path.name}: witness {labels!r}"
    if h["expect"].startswith("cross-env"):
        assert f.location == f.witness[1].where  # the statement granting the first hop
        assert len(f.witness) >= 2


@pytest.mark.parametrize("path", NEAR, ids=lambda p: p.stem)
def test_near_miss_is_safe(path):
    _, report = run(path)
    assert [(f.rule, f.message) for f in report.errors] == []
