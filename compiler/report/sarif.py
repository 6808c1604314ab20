"""SARIF 2.1.0 for code scanning: stable ruleIds (the rule table's ids) with help text and a
`security-severity`, results located in the `.agentpol` sources by paths relative to the
repository root (`uriBaseId` %SRCROOT%), the witness path as a code flow, and
partialFingerprints that survive lines moving (rule, file and message; never a line number).
"""
from __future__ import annotations

import hashlib
import json
from importlib import metadata
from urllib.parse import quote

from agentpol.check import Report
from agentpol.check.findings import RULES, Finding
from agentpol.errors import CODES, ERROR, Hop, Location

from .paths import RepoPaths
from .rule_help import HELP

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning"}


def _version() -> str:
    try:
        return metadata.version("agentpol")
    except metadata.PackageNotFoundError:
        return "0"


def _physical(loc: Location | None, paths: RepoPaths) -> dict | None:
    w = paths.where(loc)
    if w is None:
        return None
    file, line, col = w
    return {"artifactLocation": {"uri": quote(file),  # a URI reference: spaces etc. encoded
                                 "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(line, 1), "startColumn": max(col, 1)}}


def _rule(rule_id: str) -> dict:
    if rule_id in RULES:
        severity, text = RULES[rule_id]
        score, help_text = HELP[rule_id]
        properties: dict = {"security-severity": score, "tags": ["security"],
                            "precision": "high"}
    else:  # an input error's code
        severity, text = ERROR, CODES[rule_id]
        help_text = f"{text}: the policy cannot be read or resolved (docs/errors.md)"
        properties = {"tags": ["input-error"], "precision": "very-high"}
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.split("-")),
        "shortDescription": {"text": text},
        "fullDescription": {"text": help_text},
        "help": {"text": help_text, "markdown": f"**{rule_id}**: {help_text}"},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": properties,
    }


def _step(hop: Hop, paths: RepoPaths) -> dict:
    text = f"{hop.via} -> {hop.label}" if hop.via else hop.label
    step = {"location": {"message": {"text": text}}}
    physical = _physical(hop.where, paths)
    if physical:
        step["location"]["physicalLocation"] = physical
    return step


def _result(f: Finding, index: dict[str, int], paths: RepoPaths) -> dict:
    w = paths.where(f.location)
    fingerprint = hashlib.sha256(f"{f.rule}|{w[0] if w else ''}|{f.message}".encode()).hexdigest()
    result = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": _LEVEL[f.severity],
        "message": {"text": f.message + (f"\nhint: {f.hint}" if f.hint else "")},
        "partialFingerprints": {"agentpolFinding/v1": fingerprint},
    }
    physical = _physical(f.location, paths)
    if physical:
        result["locations"] = [{"physicalLocation": physical}]
    if f.witness:
        result["codeFlows"] = [{"threadFlows": [{"locations": [_step(h, paths) for h in f.witness]}]}]
    return result


def render(report: Report, color: bool = False, paths: RepoPaths = RepoPaths()) -> str:
    ids = list(RULES) + sorted({f.code for f in report.findings if f.input_error})
    index = {rule: i for i, rule in enumerate(ids)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "agentpol",
                "version": _version(),
                "rules": [_rule(r) for r in ids],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index, paths) for f in report.findings],
            "properties": {"triplesExamined": report.triples,
                           "rolesKnownOnlyByName": report.opaque_roles},
        }],
    }
    return json.dumps(log, indent=2, sort_keys=True) + "\n"
