"""Edits of `.agentpol` sources: narrow or drop a statement, add statements to an `in ENV` block.

Edits work on lines located through the syntax tree, so everything else in a file (comments,
blank lines, order) stays as the author wrote it. A file that was in canonical form
(`agentpol fmt`) is formatted again after the edit; others keep their own layout. A statement
that loses only some of its envs moves, for the envs that keep it, into the agent's `in ENV`
block of each (created at the end of the agent when there is none).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lark import Tree

from agentpol.fmt import format_source
from agentpol.model import Access, Raw, Ref
from agentpol.parse import parse_text

INDENT = "  "


@dataclass(frozen=True)
class Statement:
    """`allow ACCESS, ... on TARGET, ...` as text pieces (as written in the source)."""

    accesses: tuple[str, ...]
    targets: tuple[str, ...]

    def text(self) -> str:
        return f"allow {', '.join(self.accesses)} on {', '.join(self.targets)}"


def access_text(a: Access) -> str:
    return json.dumps(a.value) if a.raw else a.value


def target_text(t: Ref | Raw) -> str:
    return json.dumps(t.value) if isinstance(t, Raw) else str(t)


def rectangles(pairs: list[tuple[str, str]]) -> list[Statement]:
    """Fewest `allow A.. on T..` statements that state exactly these (access, target) pairs:
    targets with the same accesses share one statement, in first-seen order."""
    by_target: dict[str, list[str]] = {}
    for access, target in pairs:
        by_target.setdefault(target, [])
        if access not in by_target[target]:
            by_target[target].append(access)
    groups: dict[tuple[str, ...], list[str]] = {}
    for target, accesses in by_target.items():
        groups.setdefault(tuple(accesses), []).append(target)
    return [Statement(accesses, tuple(targets)) for accesses, targets in groups.items()]


@dataclass
class FilePatch:
    """Line edits of one file, applied together (bottom up, so line numbers hold)."""

    replace: dict[int, tuple[int, list[str]]] = field(default_factory=dict)  # first -> (last, new)
    insert: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))  # before line

    def apply(self, text: str) -> str:
        lines = text.split("\n")
        points = sorted(set(self.replace) | set(self.insert), reverse=True)
        for line in points:
            if line in self.replace:
                last, new = self.replace[line]
                lines[line - 1:last] = new
            if line in self.insert:
                lines[line - 1:line - 1] = self.insert[line]
        return "\n".join(lines)


class Editor:
    """Collects edits across files, then renders every changed file's new text."""

    def __init__(self, directory: Path, files: dict[str, str]):
        self.directory = directory
        self.texts = files  # span file name ("policies/agents.agentpol") -> text
        self.trees = {name: parse_text(name, text) for name, text in files.items()}
        self.patches: dict[str, FilePatch] = defaultdict(FilePatch)
        self._adds: dict[tuple[str, str, str], list[Statement]] = defaultdict(list)

    def rewrite(self, file: str, line: int, col: int, statements: list[Statement]) -> None:
        """Replace the statement at file:line:col with these (none: delete it)."""
        node = self._statement_at(file, line, col)
        first, last = node.meta.line, node.meta.end_line
        source = self.texts[file].split("\n")
        indent = source[first - 1][:len(source[first - 1]) - len(source[first - 1].lstrip())]
        tail = _trailing_comment(self.trees[file], first, last)
        new = [indent + s.text() for s in statements]
        if new and tail:
            new[0] += "  " + tail
        self.patches[file].replace[first] = (last, new)

    def add(self, file: str, agent: str, env: str, statement: Statement) -> None:
        """Add a statement to agent's `in ENV` block (env alone), in the agent's file."""
        self._adds[(file, agent, env)].append(statement)

    def render(self) -> dict[str, str]:
        for (file, agent, env), stmts in self._adds.items():
            pairs = [(a, t) for s in stmts for t in s.targets for a in s.accesses]
            self._place(file, agent, env, rectangles(pairs))
        out = {}
        for file, patch in self.patches.items():
            before = self.texts[file]
            after = patch.apply(before)
            src = self.trees[file]
            if format_source(src) == before:  # canonical before: keep it canonical
                after = format_source(parse_text(file, after))
            else:
                parse_text(file, after)  # the edit must leave a file that parses
            if after != before:
                out[file] = after
        return out

    # -- locating --------------------------------------------------------------------------

    def _agent(self, file: str, agent: str) -> Tree:
        for decl in self.trees[file].tree.children:
            if isinstance(decl, Tree) and decl.data == "agent" and str(decl.children[0]) == agent:
                return decl
        raise LookupError(f"agent {agent} is not declared in {file}")

    def _statement_at(self, file: str, line: int, col: int) -> Tree:
        for node in self.trees[file].tree.iter_subtrees():
            if node.data in ("allow", "deny") and node.meta.line == line \
                    and node.meta.column == col:
                return node
        raise LookupError(f"no statement at {file}:{line}:{col}")

    def _place(self, file: str, agent: str, env: str, stmts: list[Statement]) -> None:
        decl = self._agent(file, agent)
        blocks = [c for c in decl.children if isinstance(c, Tree) and c.data == "in_block"]
        own = next((b for b in blocks if [str(n) for n in b.children[0].children] == [env]
                    and b.meta.end_line > b.meta.line), None)  # not a one-line block
        source = self.texts[file].split("\n")
        if own is not None:
            body = [c for c in own.children[1:] if isinstance(c, Tree)]
            indent = (_indent(source[body[0].meta.line - 1]) if body else
                      _indent(source[own.meta.line - 1]) + INDENT)
            self.patches[file].insert[own.meta.end_line] += [indent + s.text() for s in stmts]
            return
        outer = _indent(source[decl.meta.line - 1]) + INDENT
        self.patches[file].insert[decl.meta.end_line] += (
            [""] + [f"{outer}in {env} {{"] + [outer + INDENT + s.text() for s in stmts]
            + [f"{outer}}}"])


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _trailing_comment(src, first: int, last: int) -> str:
    return " ".join(c.text for c in src.comments if first <= c.line <= last)
