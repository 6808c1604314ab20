"""Every risk class of `agentpol diff`, with near misses, from a corpus of permissions.txt pairs
(`cases/diff_risks.yaml`); and the env header's guards."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agentpol.diff import changes

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "diff_risks.yaml").read_text())
HEAD = "# agentpol permissions\n# env dev\n# env prod protected{extra}\n"


def _text(body: str, extra: str = "") -> str:
    return HEAD.format(extra=extra) + (body + "\n" if body else "")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_risk_class(case):
    found = changes(_text(case["old"]), _text(case["new"]))
    if not case["expect"]:
        assert found == []
        return
    risk, sign, *detail = case["expect"]
    assert [(c.risk, c.sign) for c in found] == [(risk, sign)]
    assert all(d in found[0].detail for d in detail)
    assert not {c.risk for c in found} & set(case.get("absent", ()))


@pytest.mark.parametrize("old,new,gone", [
    (" review_window=86400s audit_log=l@prod", " audit_log=l@prod", "removed review_window"),
    (" review_window=86400s audit_log=l@prod", " review_window=86400s", "removed audit_log"),
    (" review_window=86400s", " review_window=3600s", "shorter review_window, was 86400s"),
])
def test_env_guards_removed_or_shortened_are_weakened(old, new, gone):
    found = changes(_text("", old), _text("", new))
    assert [(c.risk, c.detail) for c in found] == [("weakened guard", gone)]


def test_a_longer_window_is_no_risk():
    assert changes(_text("", " review_window=3600s"), _text("", " review_window=86400s")) == []
