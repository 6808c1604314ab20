"""The fast parser builds lark's very tree, or declines and lets lark parse.

Two ways to one verdict: every tree the fast path builds must equal lark's, data, children,
every token's type and positions and every node's meta; where it declines, `parse_text` must
give exactly lark's tree or lark's error.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from lark import Token, Tree

from agentpol import fastparse
from agentpol.errors import InputErrors
from agentpol.parse import lark_parse, parse_text

ROOT = Path(__file__).resolve().parents[3]
_TOKEN_FIELDS = ("type", "value", "start_pos", "line", "column", "end_line", "end_column",
                 "end_pos")


def assert_same(fast: Tree | Token, lark: Tree | Token, where: str = "") -> None:
    """`==` on trees compares data and children as strings; this also compares what the
    resolver and fmt read: token types, every position, and each node's meta."""
    assert type(fast) is type(lark), where
    if isinstance(lark, Token):
        assert isinstance(fast, Token)
        got = [getattr(fast, f) for f in _TOKEN_FIELDS]
        assert got == [getattr(lark, f) for f in _TOKEN_FIELDS], where
        return
    assert isinstance(fast, Tree)
    where = f"{where}/{lark.data}"
    assert type(fast.data) is type(lark.data) and fast.data == lark.data, where
    if isinstance(lark.data, Token):
        assert fast.data.type == lark.data.type, where
    assert vars(fast.meta) == vars(lark.meta), where
    assert len(fast.children) == len(lark.children), where
    for i, (f, g) in enumerate(zip(fast.children, lark.children)):
        assert_same(f, g, f"{where}[{i}]")


def lark_result(text: str) -> Tree | list:
    try:
        return lark_parse("f.agentpol", text)
    except InputErrors as errs:
        return errs.diagnostics


def assert_agree(text: str) -> Tree | None:
    """The fast path's tree equals lark's, or it declined and parse_text gives lark's result;
    returns the fast tree (None: declined)."""
    fast = fastparse.parse(text)
    expected = lark_result(text)
    if fast is not None:
        assert isinstance(expected, Tree), f"lark rejects what the fast path read: {expected}"
        assert fast == expected
        assert_same(fast, expected)
        return fast
    try:
        got: Tree | list = parse_text("f.agentpol", text).tree
    except InputErrors as errs:
        got = errs.diagnostics
    assert got == expected
    if isinstance(expected, Tree):
        assert isinstance(got, Tree)
        assert_same(got, expected)
    return None


# --- every program the repository holds ------------------------------------------------------

def _repo_sources() -> dict[str, str]:
    files = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8-sig")
             for p in sorted(ROOT.rglob("*.agentpol")) if "node_modules" not in p.parts}
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        fenced = re.findall(r"```agentpol\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
        files.update({f"{doc.relative_to(ROOT)}#{i}": src for i, src in enumerate(fenced)})
    return files


def _organisations() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return {f"organisation{shape}/{name}": src
            for shape in [(1, 1, 1, 0), (3, 40, 12, 17), (4, 120, 60, 5)]
            for name, src in generate.organisation(*shape).items()}


REPO = _repo_sources()
ORGANISATIONS = _organisations()


@pytest.mark.parametrize("name", sorted(REPO))
def test_every_repository_program_agrees(name):
    assert_agree(REPO[name])


@pytest.mark.parametrize("name", sorted(ORGANISATIONS))
def test_generated_organisations_take_the_fast_path(name):
    assert assert_agree(ORGANISATIONS[name]) is not None


def test_the_repository_policies_take_the_fast_path():
    valid = [n for n in REPO if n.startswith("policies/")]
    assert valid and all(fastparse.parse(REPO[n]) is not None for n in valid)


# --- generated programs, valid and mutated ---------------------------------------------------

_KEYWORDS = sorted(fastparse._KEYWORDS)
_NAMES = ["a", "dev", "s3_bucket", "read", "x-1", "_y", "usd2", "intx", "inn", "uses", "allowed",
          "h30", "e0"]
_STRINGS = ['"s"', '""', r'"a\"b"', r'"\\"', r'"\n\u00e9"', '"# not a comment"', '"{env}-x"',
            r'"\q"']
_NUMBERS = ["15m", "1.5", "15", "0", "007", "30s", "7d", "10.25"]
_SPLIT_NUMBERS = ["1h30", "2h-x", "1.5s", "9ms", "5s_"]  # lexed as a number and a name
_BLANKS = [" ", "\n", "  # a comment\n", "\t", "\r\n", "\f", " #\n\n  "]


@st.composite
def programs(draw, names: list[str], numbers: list[str]) -> list[str]:
    """A program of the grammar as a list of tokens, its names and numbers drawn from those
    given."""
    name = lambda: draw(st.sampled_from(names))  # noqa: E731
    string = lambda: draw(st.sampled_from(_STRINGS))  # noqa: E731
    number = lambda: draw(st.sampled_from(numbers))  # noqa: E731
    many = lambda: range(draw(st.integers(0, 3)))  # noqa: E731

    def ref() -> list[str]:
        at = ["@", name()] if draw(st.booleans()) else []
        return [name(), ".", name(), *at]

    def value(depth: int) -> list[str]:
        kind = draw(st.integers(0, 8 if depth < 2 else 6))
        if kind == 7:
            items = [value(depth + 1) for _ in many()]
            out = ["["] + [t for item in items for t in [*item, ","]]
            if items and draw(st.booleans()):
                out.pop()
            return out + ["]"]
        if kind == 8:
            return ["{", *attrs(depth + 1), "}"]
        return [[string()], [number()], [draw(st.sampled_from(["true", "false"]))], ref(),
                [name()], [number()], [string()]][kind]

    def attrs(depth: int = 0) -> list[str]:
        return [t for _ in many() for t in [name(), "=", *value(depth),
                                            *([","] if draw(st.booleans()) else [])]]

    def listed(item) -> list[str]:
        out = item()
        for _ in many():
            out += [",", *item()]
        return out

    def access() -> list[str]:
        return [string()] if draw(st.booleans()) else [name()]

    def target() -> list[str]:
        return [string()] if draw(st.booleans()) else ref()

    def stmt() -> list[str]:
        kind = draw(st.integers(0, 8))
        grant = [*listed(access), "on", *listed(target)]
        amount = draw(st.sampled_from(["10", "2.5"]))
        return [
            ["use", name()], ["allow", *grant], ["deny", *grant], ["egress", *listed(target)],
            ["budget", *(["total"] if draw(st.booleans()) else ref()), amount, "usd", "per",
             name()],
            ["rate", *ref(), "60", "per", name()], ["session", "15m"],
            ["mode", draw(st.sampled_from(["shadow", "enforce"]))],
            ["approval", "required", "for", *grant]][kind]

    def block() -> list[str]:
        return ["{", *[t for _ in many() for t in stmt()], "}"]

    def decl() -> list[str]:
        kind = draw(st.integers(0, 4))
        if kind == 0:
            return ["environment", name(), "{", *attrs(), "}"]
        if kind == 1:
            return ["resource", name(), name(), "{", *attrs(), "}"]
        if kind == 2:
            return ["profile", name(), *block()]
        if kind == 3:
            items: list[str] = []
            for _ in many():
                if draw(st.booleans()):
                    items += ["in", *listed(lambda: [name()]), *block()]
                else:
                    items += [name(), "=", *value(0), *([","] if draw(st.booleans()) else [])]
            return ["agent", name(), "{", *items, "}"]
        expects = [["expect", draw(st.sampled_from(["allow", "deny"])), name(), "@", name(),
                    *access(), *target()] for _ in many()]
        return ["test", string(), "{", *[t for e in expects for t in e], "}"]

    return [t for _ in range(draw(st.integers(0, 4))) for t in decl()]


def _join(draw, tokens: list[str], blanks: list[str]) -> str:
    return "".join(draw(st.sampled_from(blanks)) + t for t in tokens) + draw(
        st.sampled_from(blanks))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_valid_programs_take_the_fast_path(data):
    text = _join(data.draw, data.draw(programs(_NAMES, _NUMBERS)), _BLANKS)
    assert assert_agree(text) is not None, text


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_programs_agree(data):
    """Keywords for names, a token deleted, duplicated, swapped or inserted, blanks removed:
    the fast path builds lark's tree, or lark's result stands."""
    # `in` and `on` often: after a value or an access lark's merged LALR states read them as
    # keywords where the grammar could take a name.
    names = _NAMES + _KEYWORDS + ["in", "on"] * 4
    tokens = data.draw(programs(names, _NUMBERS + _SPLIT_NUMBERS))
    odd = _KEYWORDS + _NUMBERS + _SPLIT_NUMBERS + _STRINGS + list("{}[],=.@") + [":", "-", "'", '"open', "é", "\\"]
    for _ in range(data.draw(st.sampled_from([0, 0, 1, 2, 3]))):
        at = data.draw(st.integers(0, len(tokens)))
        op = data.draw(st.sampled_from(["delete", "duplicate", "insert", "swap"]))
        if op == "insert" or not tokens:
            tokens.insert(at, data.draw(st.sampled_from(odd)))
        elif op == "delete":
            del tokens[min(at, len(tokens) - 1)]
        elif op == "duplicate":
            at = min(at, len(tokens) - 1)
            tokens.insert(at, tokens[at])
        else:
            at = min(at, len(tokens) - 2)
            if at >= 0:
                tokens[at], tokens[at + 1] = tokens[at + 1], tokens[at]
    assert_agree(_join(data.draw, tokens, _BLANKS + ["", ""]))


@pytest.mark.parametrize("text", [
    "", "  # only a comment", "environment e { }", "environment e { in = 1 }",
    "environment e { a = 1 in = 2 }", "environment e { a = 1, in = 2 }",
    "environment e { a = x.y allow = 1 }", "environment e { a = 1h30 = 2 }",
    "agent a { in = 1 }", "agent a { x = 1, in e { } }", "agent agent { in in { use use } }",
    "profile p { rate a.b 1.5 per x }", "profile p { session 15 }", "profile p { budget a.b 5s usd per d }",
    "test \"t\" { expect allow a@e read on.x }", "test \"t\" { expect allow a@e on on.x }",
    "profile p { allow on on on.on }", "environment e { a = \"x\\\ny\" }",
    "resource r n { a = [x.y@z, true, 1.5, 15m, 15, \"s\", { b = [] },] }",
    "environment e { a = 1 }\r\n\fagent b { }", "environment é { }",
    "profile p { uses p }", "agent a { allowed = 1 }", "profile p { use uses allow allowed on x.y }",
])
def test_edge_cases_agree(text):
    assert_agree(text)


def test_nesting_deeper_than_the_stack_is_lark_s():
    text = "environment e { a = " + "[" * 3000 + "]" * 3000 + " }"
    assert fastparse.parse(text) is None
