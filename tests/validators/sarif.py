"""SARIF 2.1.0: the OASIS schema (vendored `tests/schemas/sarif-2.1.0.json`, via SchemaStore).

Checked with the draft its `$schema` declares (draft-07) and that draft's format checker (which
checks `date-time`; `uri` only when an optional URI library such as rfc3987 is installed).
"""

from __future__ import annotations

import functools

import jsonschema

from validators._common import Source, label_of, load_json, load_schema, schema_problems

SCHEMA_FILE = "sarif-2.1.0.json"


@functools.lru_cache(maxsize=1)
def _validator():
    schema = load_schema(SCHEMA_FILE)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validate_sarif(source: Source) -> list[str]:
    """Problems with a SARIF log (path, text or dict), empty when it is accepted."""
    doc, problems = load_json(source)
    if problems:
        return problems
    problems = schema_problems(_validator(), doc, prefix=label_of(source))
    if not problems and doc.get("version") != "2.1.0":
        problems.append(f"{label_of(source)}/version: expected '2.1.0', got {doc.get('version')!r}")
    return problems
