"""Every network file is accepted by the software that consumes it (tests/validators/):
kubernetes-validate --strict, Cilium's CRD schema, `squid -k parse`, sandbox-runtime's own
config schema and the Claude Code settings schema, for acme and for the fixture program."""
from __future__ import annotations

from pathlib import Path

import pytest

from agentpol.targets.network import emit
from helpers import model_from
from network_fixture import SOURCE
from validators.cilium import validate_cilium_policy
from validators.claude_settings import validate_claude_settings
from validators.kubernetes import validate_networkpolicy
from validators.sandbox_runtime import validate_sandbox_runtime
from validators.squid import validate_squid_fragment

#: The `//` note is how a JSON file says what it cannot express; sandbox-runtime drops unknown
#: keys when it loads its settings (the validator reports that, as it would a typo).
NOTE = "unknown key '//' (srt ignores it)"

VALIDATORS = {
    "networkpolicy.yaml": validate_networkpolicy,
    "cilium.yaml": validate_cilium_policy,
    "squid.conf": validate_squid_fragment,
    "sandbox-runtime.json": lambda path: [p for p in validate_sandbox_runtime(path)
                                          if not p.endswith(NOTE)],
    "claude-settings.json": validate_claude_settings,
}


@pytest.fixture(scope="module", params=["acme", "fixture"])
def written(request, acme_model, tmp_path_factory) -> Path:
    model = acme_model if request.param == "acme" else model_from(SOURCE)
    out = tmp_path_factory.mktemp(request.param)
    for rel, text in emit(model).items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")
    return out


@pytest.mark.parametrize("fmt", sorted(VALIDATORS))
def test_accepted_by_consumer(written, fmt):
    paths = sorted(written.rglob(fmt))
    assert paths
    problems = [p for path in paths for p in VALIDATORS[fmt](path)]
    assert problems == []


def test_sandbox_note_is_the_only_key_srt_ignores(written):
    for path in sorted(written.rglob("sandbox-runtime.json")):
        assert [p for p in validate_sandbox_runtime(path) if NOTE in p] == \
            [f"{path}///: {NOTE}"]
