"""Claude Code settings: the published settings schema (vendored `tests/schemas/claude-code-settings.json`).

SchemaStore's `claude-code-settings.json`, checked with the draft its `$schema` declares (draft-07)
and that draft's format checker.
"""

from __future__ import annotations

import functools

import jsonschema

from validators._common import Source, label_of, load_json, load_schema, schema_problems

SCHEMA_FILE = "claude-code-settings.json"


@functools.lru_cache(maxsize=1)
def _validator():
    schema = load_schema(SCHEMA_FILE)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validate_claude_settings(source: Source) -> list[str]:
    """Problems with a Claude Code settings JSON file (path, text or dict), empty when accepted."""
    doc, problems = load_json(source)
    if problems:
        return problems
    return schema_problems(_validator(), doc, prefix=label_of(source))
