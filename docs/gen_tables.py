"""Write the tables of docs/language.md from the code's own tables, so the reference can never
say something the compiler does not do.

    python docs/gen_tables.py          # rewrite every generated table in place
    python docs/gen_tables.py --check  # exit 1 (and name the tables) when the page is stale

Each table sits between `<!-- BEGIN GENERATED: NAME -->` and `<!-- END GENERATED: NAME -->`;
everything outside the markers is prose and is left alone. Run it after adding a resource type,
an attribute, an access word, an error code or a finding rule; tests/docs fails until you do.
"""
from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path
from typing import Callable

from agentpol import model, resolve, schema, values
from agentpol.catalogue import aws_access, cedar, github, vault
from agentpol.check.findings import RULES
from agentpol.errors import CODES

PAGE = Path(__file__).resolve().parent / "language.md"
REGION = re.compile(r"(<!-- BEGIN GENERATED: ([a-z-]+) -->\n)(.*?)(<!-- END GENERATED: \2 -->)",
                    re.S)

#: How a value kind of `schema` reads to a user.
KINDS = {"string": "string", "bool": "`true` or `false`", "duration": "duration",
         "strings": "list of strings", "names": "list of environment names",
         "env": "environment name", "ref": "reference `TYPE.NAME`", "name": "bare word"}


def table(head: tuple[str, ...], rows) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def code(items) -> str:
    return ", ".join(f"`{i}`" for i in items)


def _literal(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    return f"`{value}`"


def keywords() -> str:
    return code(sorted(model.KEYWORDS)) + "\n"


def attributes(attrs) -> list[tuple[str, str]]:
    return [(f"`{name}`", KINDS[kind]) for name, (kind, _) in attrs.items()]


def environment_attributes() -> str:
    defaults = {f.name: f.default for f in dataclasses.fields(model.Environment)}
    return table(("attribute", "value", "default"),
                 [(n, k, _literal(defaults[n.strip("`")]))
                  for n, k in attributes(schema.ENVIRONMENT)])


def resource_attributes() -> str:
    return table(("attribute", "value"), attributes(schema.COMMON))


def agent_attributes() -> str:
    return table(("attribute", "value"), attributes(schema.AGENT))


def _lives_in(rtype: str) -> str:
    if rtype in model.GLOBAL_AWS_TYPES:
        return "AWS, no account"
    if rtype in model.AWS_TYPES:
        return "AWS account"
    if rtype in cedar.ENTITY_TYPES:
        return "gateway (Cedar)"
    kinds = {t: k for k, t in schema.RAW_KIND_TYPE.items()}
    return {"github": "GitHub", "vault": "Vault"}[kinds[rtype]]


def _required(req) -> str:
    return " or ".join(f"`{r}`" for r in (req if isinstance(req, tuple) else (req,)))


def resource_types() -> str:
    rows = []
    for rtype, (own, required) in schema.RESOURCE_TYPES.items():
        identity = schema.IDENTITY.get(rtype, ("name",))
        rows.append((f"`{rtype}`", code(identity),
                     code(a for a in own if a not in identity) or "",
                     ", ".join(_required(r) for r in required),
                     code(model.ACCESS_WORDS[rtype]), _lives_in(rtype)))
    return table(("type", "identity attributes", "other attributes", "required",
                  "access words", "lives in"), rows)


def credential_types() -> str:
    return code(sorted(schema.CREDENTIAL_TYPES)) + "\n"


def _grants(rtype: str, word: str) -> str:
    if rtype in model.AWS_TYPES:
        return "IAM " + code(aws_access.actions_of(rtype, word))
    if rtype == "github_repo":
        name, level = github.WORDS[word]
        return f"token permission `{name}: {level}`"
    if rtype == "vault_path":
        return "Vault " + code(vault.WORDS[word])
    return f"Cedar action `{cedar.BASE_ACTION[rtype]}` at the gateway"


def access_words() -> str:
    return table(("type", "word", "grants"),
                 [(f"`{rtype}`", f"`{word}`", _grants(rtype, word))
                  for rtype, words in model.ACCESS_WORDS.items() for word in words])


def _duration(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"


def limits() -> str:
    hosts = ", ".join(f"`{p}` -> `{h}`" for p, h in schema.PROVIDER_HOSTS.items())
    return table(("what", "values"), [
        ("template variables", code("{" + v + "}" for v in values.TEMPLATE_VARS)),
        ("`api` providers", code(sorted(model.PROVIDERS))),
        ("default `host` of a provider", hosts),
        ("paid providers (need a `budget`)", code(sorted(model.PAID_PROVIDERS))),
        ("duration units", code(model.SECONDS)),
        ("`session` default, minimum, maximum",
         ", ".join(f"`{_duration(s)}`" for s in (model.SESSION_DEFAULT, model.SESSION_MIN,
                                                 model.SESSION_MAX))),
        ("`budget` periods", code(resolve.BUDGET_PERIODS)),
        ("`budget` amount", f"at most {resolve.MAX_USD:,} usd, two decimals"),
        ("`rate` periods", code(resolve.RATE_PERIODS)),
        ("`rate` count", f"1 to {resolve.MAX_RATE:,}"),
    ])


def error_codes() -> str:
    return table(("code", "meaning"), [(f"`{c}`", m) for c, m in sorted(CODES.items())])


def finding_rules() -> str:
    return table(("rule", "severity", "meaning"),
                 [(f"`{r}`", sev, meaning) for r, (sev, meaning) in sorted(RULES.items())])


GENERATORS: dict[str, Callable[[], str]] = {
    "keywords": keywords, "environment-attributes": environment_attributes,
    "resource-attributes": resource_attributes, "agent-attributes": agent_attributes,
    "resource-types": resource_types, "credential-types": credential_types,
    "access-words": access_words, "limits": limits, "error-codes": error_codes,
    "finding-rules": finding_rules,
}


def update(text: str) -> str:
    """`text` with every generated region rewritten; KeyError for a region nobody generates."""
    return REGION.sub(lambda m: m[1] + GENERATORS[m[2]]() + m[4], text)


def regions(text: str) -> dict[str, str]:
    """Generated region name -> its current content."""
    return {m[2]: m[3] for m in REGION.finditer(text)}


def main(argv: list[str]) -> int:
    text = PAGE.read_text(encoding="utf-8")
    fresh = update(text)
    if "--check" in argv:
        stale = [n for n, body in regions(text).items() if regions(fresh)[n] != body]
        for name in stale:
            print(f"{PAGE.name}: table `{name}` is stale; run python docs/gen_tables.py")
        return 1 if stale else 0
    if fresh != text:
        PAGE.write_text(fresh, encoding="utf-8")
        print(f"rewrote the generated tables of {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
