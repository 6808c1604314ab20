"""CiliumNetworkPolicy: Cilium's published CRD schema (vendored `tests/schemas/ciliumnetworkpolicy_v2.json`).

The schema is the CRD's openAPIV3Schema converted to JSON Schema (datreeio/CRDs-catalog, as used
by kubeconform). It declares no `$schema`; it is checked with Draft 7, with format checking on and
the Kubernetes-specific formats the API server checks for CRDs added (`cidr`, `int32`, `int64`).
Every YAML document must be `cilium.io/v2` `CiliumNetworkPolicy` with a `metadata.name` (the API
server requires one; the schema does not say so).
"""

from __future__ import annotations

import functools
import ipaddress
import re

import jsonschema

from validators._common import Source, label_of, load_schema, load_yaml_documents, schema_problems

SCHEMA_FILE = "ciliumnetworkpolicy_v2.json"


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=jsonschema.Draft7Validator.FORMAT_CHECKER.checkers)

    @checker.checks("cidr", raises=ValueError)
    def _cidr(value):  # Go's net.ParseCIDR: host bits may be set
        if not isinstance(value, str):
            return True
        if "/" not in value:
            raise ValueError("a CIDR needs a /prefix")
        ipaddress.ip_network(value, strict=False)
        return True

    @checker.checks("int32")
    def _int32(value):
        return not isinstance(value, int) or -(2**31) <= value < 2**31

    @checker.checks("int64")
    def _int64(value):
        return not isinstance(value, int) or -(2**63) <= value < 2**63

    return checker


def _pattern(validator, pattern, instance, schema):
    """`pattern` with a fallback for Go/ECMA syntax Python's `re` lacks.

    The CRD uses `^\\PC*$` (no control characters) for `spec.log.value`; `re` has no `\\p`
    classes, so such patterns are checked with the third-party `regex` module, or reported.
    """
    if not validator.is_type(instance, "string"):
        return
    try:
        found = re.search(pattern, instance)
    except re.error:
        try:
            import regex
        except ImportError:
            yield jsonschema.ValidationError(f"pattern {pattern!r} needs the `regex` module to be checked (pip install regex)")
            return
        found = regex.search(pattern, instance)
    if not found:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": _pattern})


@functools.lru_cache(maxsize=1)
def _validator():
    schema = load_schema(SCHEMA_FILE)
    # check against the metaschema without its `regex` format check (see _pattern)
    jsonschema.Draft7Validator(jsonschema.Draft7Validator.META_SCHEMA).validate(schema)
    return _Validator(schema, format_checker=_format_checker())


def validate_cilium_policy(source: Source) -> list[str]:
    """Problems with a CiliumNetworkPolicy YAML file (path or text), empty when it is accepted."""
    label = label_of(source)
    docs, problems = load_yaml_documents(source)
    for n, doc in enumerate(docs):
        where = f"{label}[{n}]"
        if not isinstance(doc, dict):
            problems.append(f"{where}: not a Kubernetes object")
            continue
        if (doc.get("apiVersion"), doc.get("kind")) != ("cilium.io/v2", "CiliumNetworkPolicy"):
            problems.append(f"{where}: expected cilium.io/v2 CiliumNetworkPolicy, got {doc.get('apiVersion')} {doc.get('kind')}")
        if not (doc.get("metadata") or {}).get("name"):
            problems.append(f"{where}/metadata/name: apiserver: a name is required")
        problems.extend(schema_problems(_validator(), doc, prefix=where))
    return problems
