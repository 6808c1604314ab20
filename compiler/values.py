"""Literal values of the syntax tree as typed Python values, with their spans.

Shared by `resolve` (meaning) and `fmt` (layout), so both read the tree the same way.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lark import Token, Tree

from .errors import Diagnostic
from .model import SECONDS, Span

TEMPLATE = re.compile(r"\{([^{}]*)\}")
TEMPLATE_VARS = ("env", "account", "region")


@dataclass(frozen=True)
class Val:
    """kind: string int decimal duration bool ref bare list map; `value` by kind:
    str, int, Decimal, seconds (int), bool, (type, name, env|None), str, [Val], [(key, Val)]."""

    kind: str
    value: Any  # by kind: str, int, Decimal, bool, a ref's parts, a list or map of Val
    span: Span
    text: str = ""  # the literal as written (durations, decimals), for fmt


def span_of(path: str, node: Tree | Token) -> Span:
    if isinstance(node, Token):
        assert node.line is not None and node.column is not None, "the parser keeps positions"
        return Span(path, node.line, node.column, max(1, len(node)))
    m = node.meta
    width = m.end_column - m.column if m.end_line == m.line else 1
    return Span(path, m.line, m.column, max(1, width))


def string_of(path: str, tok: Tree | Token, diags: list[Diagnostic]) -> str:
    """Decode a string literal with JSON escapes; a bad escape is E003."""
    assert isinstance(tok, Token), "the grammar puts a STRING token here"
    try:
        return json.loads(tok).encode("utf-8").decode("utf-8")
    except UnicodeEncodeError:  # JSON reads a lone `\ud800`; no UTF-8 text can hold it
        diags.append(Diagnostic("E003", "invalid string literal: a \\u escape names half of a "
                                "surrogate pair", span_of(path, tok),
                                "write the character itself, or both halves: \\ud83d\\ude80"))
        return str(tok)[1:-1]
    except json.JSONDecodeError as exc:
        diags.append(Diagnostic("E003", f"invalid string literal: {exc.msg}", span_of(path, tok),
                                'strings use JSON escapes: \\" \\\\ \\n \\u0041'))
        return str(tok)[1:-1]


def duration_of(tok: Tree | Token) -> int:
    assert isinstance(tok, Token), "the grammar puts a DURATION token here"
    return int(tok[:-1]) * SECONDS[tok[-1]]


def value_of(path: str, node: Tree | Token, diags: list[Diagnostic]) -> Val:
    """Convert one `value` subtree."""
    assert isinstance(node, Tree), "a value is a subtree"
    sp = span_of(path, node)
    kind = node.data
    kids = node.children
    if kind == "string":
        return Val("string", string_of(path, kids[0], diags), sp, str(kids[0]))
    if kind == "integer":
        return Val("int", int(str(kids[0])), sp, str(kids[0]))
    if kind == "decimal":
        return Val("decimal", Decimal(str(kids[0])), sp, str(kids[0]))
    if kind == "duration":
        return Val("duration", duration_of(kids[0]), sp, str(kids[0]))
    if kind in ("true", "false"):
        return Val("bool", kind == "true", sp, kind)
    if kind == "ref":
        return Val("ref", ref_parts(kids), sp)
    if kind == "bare":
        return Val("bare", str(kids[0]), sp, str(kids[0]))
    if kind == "list":
        return Val("list", [value_of(path, k, diags) for k in kids], sp)
    if kind == "map":
        return Val("map", [(str(a.children[0]), value_of(path, a.children[1], diags))
                           for a in kids[0].children], sp)
    raise AssertionError(f"grammar and values.py disagree on {kind!r}")


def ref_parts(kids: list) -> tuple[str, str, str | None]:
    return (str(kids[0]), str(kids[1]), str(kids[2]) if len(kids) > 2 else None)


def describe(kind: str) -> str:
    return {"string": "a string", "int": "an integer", "decimal": "a decimal number",
            "duration": "a duration", "bool": "true or false", "ref": "a reference TYPE.NAME",
            "bare": "a name", "list": "a list", "map": "a per-environment map"}[kind]
