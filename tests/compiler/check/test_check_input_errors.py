"""Input errors and findings are one Diagnostic: `check` renders an input error in every
`--format` (a SARIF result, a `::error` annotation, a JSON entry) and exits 2, so a typo in CI
shows up in code scanning as well as in the log."""
from __future__ import annotations

import json

from helpers import policy_dir
from validators.sarif import validate_sarif

from agentpol.check.findings import finding
from agentpol.cli import main
from agentpol.errors import Diagnostic, Hop
from agentpol.model import Span

TYPO = 'agent bot {\n  owner = "o"\n  in staging { allow raed on s3_bucket.nope }\n}\n'


def test_sarif_holds_the_input_errors(tmp_path, capsys):
    out = tmp_path / "check.sarif"
    with policy_dir(TYPO) as d:
        assert main(["check", str(d), "--format", "sarif", "--output", str(out)]) == 2
    assert "error[E012]" in capsys.readouterr().err  # the caret form still goes to stderr
    assert validate_sarif(out) == []
    run = json.loads(out.read_text())["runs"][0]
    results = run["results"]
    assert results and {r["ruleId"] for r in results} <= {r["id"] for r in run["tool"]["driver"]["rules"]}
    first = results[0]
    assert first["level"] == "error" and first["ruleId"].startswith("E")
    region = first["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 3


def test_github_annotations_hold_the_input_errors(capsys):
    with policy_dir(TYPO) as d:
        assert main(["check", str(d), "--format", "github"]) == 2
    out = capsys.readouterr().out
    assert "::error file=policies/main.agentpol,line=3," in out
    assert "title=E0" in out
    assert out.rstrip().endswith("nothing checked")


def test_json_holds_the_input_errors(capsys):
    with policy_dir(TYPO) as d:
        assert main(["check", str(d), "--format", "json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["errors"] == len(doc["findings"]) >= 1
    assert all(f["rule"].startswith("E") and f["location"]["line"] == 3
               for f in doc["findings"])


def test_text_format_keeps_the_caret_form_only(capsys):
    with policy_dir(TYPO) as d:
        assert main(["check", str(d)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "^" in captured.err


def test_one_type_for_both_kinds():
    span = Span("policies/a.agentpol", 3, 1)
    error = Diagnostic("E012", "unknown name", span, "did you mean `read`?")
    found = finding("missing-owner", "agent bot has no owner", span,
                    (Hop("p:bot@staging", "bot@staging", span),))
    assert type(error) is type(found)
    assert error.input_error and not found.input_error
    assert sorted([found, error], key=Diagnostic.sort_key) == [error, found]
