"""Claude Code settings: the published settings schema (vendored `tests/schemas/claude-code-settings.json`).

SchemaStore's `claude-code-settings.json`, checked with the draft its `$schema` declares (draft-07)
and that draft's format checker.
"""

from __future__ import annotations

from validators._common import Source, label_of, load_json, schema_problems, schema_validator

SCHEMA_FILE = "claude-code-settings.json"


def validate_claude_settings(source: Source) -> list[str]:
    """Problems with a Claude Code settings JSON file (path, text or dict), empty when accepted."""
    doc, problems = load_json(source)
    if problems:
        return problems
    return schema_problems(schema_validator(SCHEMA_FILE), doc, prefix=label_of(source))
