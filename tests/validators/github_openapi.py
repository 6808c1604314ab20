"""GitHub request bodies: GitHub's OpenAPI description, npm `@octokit/openapi`.

Reads `tests/node/node_modules/@octokit/openapi/generated/api.github.com.deref.json` (every
`$ref` already inlined), takes the `application/json` requestBody schema of an operation and
validates with jsonschema:

- `POST /app/installations/{installation_id}/access_tokens` (apps/create-installation-access-token):
  the installation token request (`tokens/E/A/github-token*.json`);
- `POST /repos/{owner}/{repo}/rulesets` (repos/create-repo-ruleset): a repository ruleset
  (`audit/E/github-rulesets.json`).

The OpenAPI 3.0 schema objects are turned into JSON Schema draft 4 (`nullable: true` becomes a
`null` alternative). With `strict=True` (the default) every object schema that lists its
`properties` is closed (`additionalProperties: false`): the description leaves them open, so a
misspelt `permissions` key or permission name would otherwise pass, and GitHub would then grant
the installation's full permission set or answer 422.
"""

from __future__ import annotations

import copy
import functools
import json

import jsonschema

from validators._common import NODE_DIR, Source, label_of, load_json, require_file, schema_problems

PACKAGE = "@octokit/openapi"
DESCRIPTION = NODE_DIR / "node_modules" / PACKAGE / "generated" / "api.github.com.deref.json"
INSTALL_STEP = "npm ci --prefix tests/node"

TOKEN_REQUEST = ("/app/installations/{installation_id}/access_tokens", "post")
REPO_RULESET = ("/repos/{owner}/{repo}/rulesets", "post")


def require_tool():
    return require_file(DESCRIPTION, INSTALL_STEP)


@functools.lru_cache(maxsize=1)
def _description() -> dict:
    return json.loads(require_tool().read_text(encoding="utf-8"))


def package_version() -> str:
    require_tool()
    return json.loads((NODE_DIR / "node_modules" / PACKAGE / "package.json").read_text())["version"]


def request_body_schema(path: str, method: str) -> dict:
    """The raw OpenAPI requestBody schema (application/json) of one operation."""
    op = _description()["paths"][path][method]
    return copy.deepcopy(op["requestBody"]["content"]["application/json"]["schema"])


def _to_json_schema(node, strict: bool):
    if isinstance(node, list):
        return [_to_json_schema(n, strict) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties"):
            out[key] = {k: _to_json_schema(v, strict) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = _to_json_schema(value, strict)
        else:
            out[key] = value
    if out.pop("nullable", False):
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = types + ["null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    if strict and "properties" in out and "additionalProperties" not in out and "allOf" not in out:
        out["additionalProperties"] = False
    return out


@functools.lru_cache(maxsize=None)
def _validator(path: str, method: str, strict: bool) -> jsonschema.Draft4Validator:
    schema = _to_json_schema(request_body_schema(path, method), strict)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def validate_request_body(source: Source, path: str, method: str, strict: bool = True) -> list[str]:
    """Problems with a request body for the operation `method path`, empty when accepted."""
    doc, problems = load_json(source)
    if problems:
        return problems
    return schema_problems(_validator(path, method, strict), doc, prefix=label_of(source))


def validate_github_token_request(source: Source, strict: bool = True) -> list[str]:
    """Problems with an installation access token request body, empty when it is accepted.

    Besides the schema: `repositories` holds bare names within the installation's owner, so a
    name with a `/` (owner/repo) is a problem.
    """
    doc, problems = load_json(source)
    if problems:
        return problems
    label = label_of(source)
    problems = schema_problems(_validator(*TOKEN_REQUEST, strict), doc, prefix=label)
    if isinstance(doc, dict) and isinstance(doc.get("repositories"), list):
        for i, name in enumerate(doc["repositories"]):
            if isinstance(name, str) and "/" in name:
                problems.append(
                    f"{label}/repositories/{i}: {name!r}: must be a repository name within the "
                    "installation's owner, not owner/name"
                )
    return problems


def validate_github_ruleset(source: Source, strict: bool = True) -> list[str]:
    """Problems with a repository ruleset body (or a JSON list of them), empty when accepted."""
    doc, problems = load_json(source)
    if problems:
        return problems
    label = label_of(source)
    validator = _validator(*REPO_RULESET, strict)
    if isinstance(doc, list):
        return [p for i, body in enumerate(doc) for p in schema_problems(validator, body, prefix=f"{label}[{i}]")]
    return schema_problems(validator, doc, prefix=label)


def installation_token_permissions() -> dict[str, tuple[str, ...]]:
    """Every permission an installation token request may name, with its allowed levels."""
    props = request_body_schema(*TOKEN_REQUEST)["properties"]["permissions"]["properties"]
    return {name: tuple(spec.get("enum", ())) for name, spec in sorted(props.items())}


def ruleset_rule_types() -> tuple[str, ...]:
    """The `type` of every rule a repository ruleset may contain."""
    variants = request_body_schema(*REPO_RULESET)["properties"]["rules"]["items"]["oneOf"]
    return tuple(sorted(t for v in variants for t in v["properties"]["type"]["enum"]))
