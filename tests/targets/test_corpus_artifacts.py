"""Every program of the test corpora compiles through every target into files their consumers
accept: Cedar (cedarpy, strict), Kubernetes NetworkPolicy (kubernetes-validate), the Cilium CRD
schema, `squid -k parse`, GitHub's token-request schema, and the IAM catalogue for every
policy statement.

The check corpus holds the oddest programs the project has (leaks, near misses, tampering), so
this is where an emitter meets inputs its own goldens never showed it."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agentpol import artifacts
from agentpol.catalogue import iam
from agentpol.targets import TARGETS
from helpers import model_from
from validators.cedar import validate_cedar_env
from validators.cilium import validate_cilium_policy
from validators.github_openapi import validate_github_token_request
from validators.kubernetes import validate_networkpolicy
from validators.squid import validate_squid_fragment

CHECK = Path(__file__).resolve().parents[1] / "compiler" / "check"
PROGRAMS = sorted([*CHECK.glob("proof/*/*.agentpol"), *CHECK.glob("audit_tamper/*.agentpol")])


def _files(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    own = re.search(r"^#\s*envs:\s*own", text, re.M) is not None
    return artifacts.build(model_from(text, with_envs=not own), TARGETS, list(TARGETS))


def _iam_problems(doc: dict) -> list[str]:
    out = []
    statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    for st in statements:
        actions = [st["Action"]] if isinstance(st.get("Action"), str) else st.get("Action", [])
        for a in actions:
            if a != "*" and not iam.expand_action(a):
                out.append(f"unknown action {a}")
            for r in st.get("Resource", []) if st["Effect"] == "Allow" else []:
                if "*" not in a and not iam.arn_matches_action(a, r):
                    out.append(f"{a} on {r}")
    return out


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_emitted_file_is_accepted(path):
    files = _files(path)
    problems = []
    for env in sorted({p.split("/")[1] for p in files if p.startswith("cedar/")}):
        problems += validate_cedar_env(files, env)
    for name, text in files.items():
        live = name.removeprefix("shadow/")
        if live.endswith("networkpolicy.yaml"):
            problems += validate_networkpolicy(text)
        elif live.endswith("cilium.yaml"):
            problems += validate_cilium_policy(text)
        elif live.endswith("squid.conf"):
            problems += validate_squid_fragment(text)
        elif re.search(r"/github-token(-\d+)?\.json$", live):
            problems += validate_github_token_request(json.loads(text)["request"]["body"])
        elif live.startswith("aws/") and re.search(r"(identity-policy(-\d+)?|"
                                                   r"permissions-boundary)\.json$", live):
            problems += [f"{name}: {p}" for p in _iam_problems(json.loads(text))]
    assert problems == []


def test_the_corpus_is_all_there():
    assert len(PROGRAMS) >= 90
