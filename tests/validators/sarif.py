"""SARIF 2.1.0: the OASIS schema (vendored `tests/schemas/sarif-2.1.0.json`, via SchemaStore).

Checked with the draft its `$schema` declares (draft-07) and that draft's format checker (which
checks `date-time`; `uri` only when an optional URI library such as rfc3987 is installed).
"""

from __future__ import annotations

from validators._common import Source, label_of, load_json, schema_problems, schema_validator

SCHEMA_FILE = "sarif-2.1.0.json"


def validate_sarif(source: Source) -> list[str]:
    """Problems with a SARIF log (path, text or dict), empty when it is accepted."""
    doc, problems = load_json(source)
    if problems:
        return problems
    problems = schema_problems(schema_validator(SCHEMA_FILE), doc, prefix=label_of(source))
    if not problems and doc.get("version") != "2.1.0":
        problems.append(f"{label_of(source)}/version: expected '2.1.0', got {doc.get('version')!r}")
    return problems
