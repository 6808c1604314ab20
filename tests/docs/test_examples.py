"""Every fenced `agentpol` block of README.md and docs/ compiles, so the tour and the reference
stay true; and the reference has an example of every declaration, attribute, statement and
access word.

A fence's info string may say, after `agentpol`:
- `name=N`: other blocks of the same page may build on this one (`prelude=N`);
- `prelude=N[,M]`: compile this block together with those named blocks;
- `error=CODE`: the block must be rejected with this input error (exit 2);
- `finding=RULE`: the block must compile but `check` must report this rule (exit 1).
Otherwise `agentpol compile` must exit 0: no input error and no error finding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentpol import schema
from agentpol.cli import main
from agentpol.model import ACCESS_WORDS
from agentpol.parse import parse_text

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```agentpol([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Example:
    page: Path
    line: int
    info: dict
    text: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def examples(page: Path) -> list[Example]:
    text = page.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        info = dict(kv.split("=", 1) for kv in m[1].split())
        found.append(Example(page, text.count("\n", 0, m.start()) + 1, info, m[2]))
    return found


ALL = [e for page in PAGES for e in examples(page)]


def _preludes(example: Example) -> list[Example]:
    named = {e.info["name"]: e for e in ALL if e.page == example.page and "name" in e.info}
    wanted = [n for n in example.info.get("prelude", "").split(",") if n]
    missing = [n for n in wanted if n not in named]
    assert not missing, f"{example}: no block named {missing} on this page"
    return [named[n] for n in wanted]


@pytest.mark.parametrize("example", ALL, ids=str)
def test_example_compiles(example, tmp_path, capsys):
    policies = tmp_path / "policies"
    policies.mkdir()
    for i, prelude in enumerate(_preludes(example)):
        (policies / f"{i:02}-{prelude.info['name']}.agentpol").write_text(prelude.text)
    (policies / "example.agentpol").write_text(example.text)
    rc = main(["compile", str(policies), "-o", str(tmp_path / "out")])
    out = capsys.readouterr()
    said = out.out + out.err
    if "error" in example.info:
        assert rc == 2 and f"error[{example.info['error']}]" in said, f"{example}\n{said}"
    elif "finding" in example.info:
        assert rc == 1 and f"[{example.info['finding']}]" in said, f"{example}\n{said}"
    else:
        assert rc == 0, f"{example} does not compile cleanly:\n{said}"


def test_readme_tour_is_there_and_stands_alone():
    tour = examples(REPO / "README.md")
    assert tour and not any("prelude" in e.info or "error" in e.info for e in tour)


def _reference_trees():
    for e in examples(REPO / "docs" / "language.md"):
        if "error" not in e.info:
            yield parse_text("example.agentpol", e.text).tree


def test_reference_has_an_example_of_everything():
    decls, stmts, attrs, words = set(), set(), {}, set()
    for tree in _reference_trees():
        for t in tree.iter_subtrees():
            decls.add(t.data)
            if t.data in ("use", "allow", "deny", "egress", "budget", "rate", "session", "mode",
                          "approval"):
                stmts.add(t.data)
            if t.data in ("environment", "resource", "agent"):
                what = str(t.children[0]) if t.data == "resource" else t.data
                keys = [str(a.children[0]) for a in t.find_data("attr")
                        if a in t.children or a in getattr(t.children[-1], "children", [])]
                attrs.setdefault(what, set()).update(keys)
            if t.data in ("allow", "deny", "approval", "expect"):
                kinds = [a for a in t.iter_subtrees() if a.data == "word"]
                types = [str(r.children[0]) for r in t.iter_subtrees() if r.data == "ref"]
                words |= {(rtype, str(w.children[0])) for w in kinds for rtype in types}
    assert {"environment", "resource", "profile", "agent", "test", "expect", "in_block"} <= decls
    assert stmts == {"use", "allow", "deny", "egress", "budget", "rate", "session", "mode",
                     "approval"}
    assert set(schema.ENVIRONMENT) <= attrs["environment"], \
        set(schema.ENVIRONMENT) - attrs["environment"]
    assert set(schema.AGENT) <= attrs["agent"]
    used_common = set().union(*(attrs.get(t, set()) for t in schema.RESOURCE_TYPES))
    assert set(schema.COMMON) <= used_common, set(schema.COMMON) - used_common
    for rtype, (own, _) in schema.RESOURCE_TYPES.items():
        assert set(own) <= attrs.get(rtype, set()), (rtype, set(own) - attrs.get(rtype, set()))
    missing = {(t, w) for t, ws in ACCESS_WORDS.items() for w in ws} - words
    assert not missing, f"access words without an example: {sorted(missing)}"
