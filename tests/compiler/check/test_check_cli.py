"""`agentpol check`, `compile` and `graph` as a user runs them: exit codes, formats, files."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import policy_dir
from validators.sarif import validate_sarif

from agentpol.cli import main

ROOT = Path(__file__).resolve().parents[3]
LEAK = (Path(__file__).parent / "proof" / "leaks" / "assume-chain-three-roles.agentpol")
AUTHZ = Path(__file__).parent / "proof" / "authz" / "staging-333333333333.json"


@pytest.fixture
def acme(tmp_path):
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    return tmp_path / "policies"


def test_acme_is_clean(acme, capsys):
    """No error; the one warning is true: acme asks for an approval on an SQS send, which no
    gateway sees (IAM cannot wait for a human)."""
    assert main(["check", str(acme)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"agentpol: 0 errors, 1 warning; \d+ \(principal, action, resource\) "
                     r"triples examined; 0 roles it could not look into \(known only by name: "
                     r"no --aws-authz file for its account\)\n$", out)
    assert "warning[unenforced-approval]: support-bot@prod: approval required for send on " \
           "sqs_queue.refunds@prod" in out


def test_acme_compiles(acme, tmp_path):
    assert main(["compile", str(acme), "-o", str(tmp_path / "build")]) == 0
    assert (tmp_path / "build" / "permissions.txt").is_file()


def test_leak_exits_1_and_compile_writes_nothing(tmp_path, capsys):
    source = ('resource secret db { name = "{env}/db" }\n'
              'agent bot {\n  owner = "t@acme.com"\n'
              '  in staging { allow read on secret.db@prod }\n}\n')
    with policy_dir(source) as d:
        assert main(["check", str(d)]) == 1
        out = capsys.readouterr().out
        assert "error[cross-env-credential]" in out and "policies/main.agentpol:4:16" in out
        assert main(["compile", str(d), "-o", str(tmp_path / "build")]) == 1
        assert not (tmp_path / "build").exists()
        assert "cross-env-credential" in capsys.readouterr().out


def test_input_error_exits_2(capsys):
    with policy_dir("agent bot { owner = }") as d:
        assert main(["check", str(d)]) == 2


def test_bad_authz_file_exits_2(acme, tmp_path, capsys):
    bad = tmp_path / "authz.json"
    bad.write_text('{"hello": 1}')
    assert main(["check", str(acme), "--aws-authz", str(bad)]) == 2
    assert "get-account-authorization-details" in capsys.readouterr().err


def test_authz_chain_found_only_with_the_file(capsys):
    with policy_dir(LEAK.read_text()) as d:
        assert main(["check", str(d)]) == 0
        assert "1 role it could not look into" in capsys.readouterr().out
        assert main(["check", str(d), "--aws-authz", str(AUTHZ)]) == 1
        out = capsys.readouterr().out
        assert "role/legacy-c" in out and "staging-333333333333.json:legacy-b" in out


def test_sarif_validates(tmp_path):
    with policy_dir(LEAK.read_text()) as d:
        out = tmp_path / "out" / "check.sarif"
        assert main(["check", str(d), "--aws-authz", str(AUTHZ), "--format", "sarif",
                     "--output", str(out)]) == 1
    assert validate_sarif(out) == []
    log = json.loads(out.read_text())
    results = log["runs"][0]["results"]
    assert results and all(r["partialFingerprints"] for r in results)
    first = next(r for r in results if r["ruleId"] == "cross-env-credential")
    region = first["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "policies/main.agentpol"
    assert region["region"]["startLine"] == 7
    assert len(first["codeFlows"][0]["threadFlows"][0]["locations"]) == 5


def test_sarif_uri_of_a_file_name_with_spaces_is_a_uri_reference(tmp_path, capsys):
    """SARIF's artifactLocation.uri is a URI reference: a space or `é` in a path is escaped."""
    with policy_dir("") as d:
        (d / "main.agentpol").unlink()
        (d / "my team").mkdir()
        (d / "my team" / "équipe.agentpol").write_text(
            'resource secret s { name = "{env}/s" }\n'
            'agent a { owner = "o@x.com"\n in staging { allow read on secret.s@prod } }\n')
        assert main(["check", str(d), "--format", "sarif"]) == 1
    result = json.loads(capsys.readouterr().out)["runs"][0]["results"][0]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "policies/my%20team/%C3%A9quipe.agentpol"


def test_sarif_of_clean_acme_validates(acme, tmp_path):
    out = tmp_path / "acme.sarif"
    assert main(["check", str(acme), "--format", "sarif", "--output", str(out)]) == 0
    assert validate_sarif(out) == []


def test_json_and_github_formats(capsys):
    with policy_dir(LEAK.read_text()) as d:
        main(["check", str(d), "--aws-authz", str(AUTHZ), "--format", "json"])
        doc = json.loads(capsys.readouterr().out)
        f = next(f for f in doc["findings"] if f["rule"] == "cross-env-credential")
        assert len(f["witness"]) == 5
        assert doc["summary"]["errors"] >= 1 and doc["summary"]["triples_examined"] >= 1
        main(["check", str(d), "--aws-authz", str(AUTHZ), "--format", "github"])
        line = next(line for line in capsys.readouterr().out.splitlines()
                    if line.startswith("::error"))
        assert re.match(r"::error file=policies/main\.agentpol,line=7,col=16,"
                        r"title=cross-env-credential::chain-bot@staging can reach", line)


def test_graph_dot_and_svg(tmp_path):
    with policy_dir(LEAK.read_text()) as d:
        dot = tmp_path / "g.dot"
        assert main(["graph", str(d), "--aws-authz", str(AUTHZ), "-o", str(dot)]) == 0
        text = dot.read_text()
        assert text.startswith("digraph agentpol {")
        assert re.search(r'"p:chain-bot@staging" -> "role:arn:aws:iam::333333333333:role/'
                         r'legacy-a" \[label="\\"sts:AssumeRole\\"" color=red', text)
        svg = tmp_path / "g.svg"
        assert main(["graph", str(d), "--aws-authz", str(AUTHZ), "-o", str(svg)]) == 0
        assert "<svg" in svg.read_text()
