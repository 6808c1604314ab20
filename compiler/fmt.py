"""`agentpol fmt`: canonical layout of `.agentpol` files, comments preserved.

Works on the syntax tree (not the model) so nothing of the author's structure is lost: every
declaration, attribute and statement is printed in a fixed style; comments stay before (or at
the end of) the line they were attached to; one blank line survives where the author left any.
"""
from __future__ import annotations

import json
from pathlib import Path

from lark import Token, Tree

from .errors import InputErrors
from .parse import Comment, SourceFile, discover, parse_text, read_source

INDENT = "  "
ONE_LINE_MAX = 100


def format_directory(directory: Path, write: bool) -> list[str]:
    """Format every file; returns the paths that changed (or would). Syntax errors -> exit 2."""
    changed, errors, results = [], [], {}
    for path in discover(directory):
        text, diag = read_source(path, str(path))
        try:
            if diag is not None:
                raise InputErrors([diag])
            results[path] = (text, format_source(parse_text(str(path), text)))
        except InputErrors as errs:
            errors.append(InputErrors(errs.diagnostics, {str(path): text}))
    if errors:
        raise InputErrors((d for e in errors for d in e.diagnostics),
                          {k: v for e in errors for k, v in e.sources.items()})
    for path, (before, after) in results.items():
        if before != after:
            changed.append(str(path))
            if write:
                path.write_text(after, encoding="utf-8")
    return changed


def format_source(src: SourceFile) -> str:
    return _Printer(src.comments, src.text.split("\n")).file(src.tree)  # lines as lark counts


class _Printer:
    def __init__(self, comments: tuple[Comment, ...], lines: list[str]):
        self.pending = list(comments)
        self.lines = lines
        self.out: list[str] = []
        self.last_line = 0  # source line of the last thing printed

    def gap(self, after: int, before: int) -> bool:
        """Did the author leave a blank line between source lines `after` and `before`?"""
        return any(not self.lines[i - 1].strip() for i in range(after + 1, before)
                   if 0 < i <= len(self.lines))

    # --- comments and lines ------------------------------------------------------------------

    def leading(self, before_line: int, depth: int) -> None:
        """Comments that stand on lines before `before_line` go out as their own lines."""
        while self.pending and self.pending[0].line < before_line:
            c = self.pending.pop(0)
            if self.last_line and self.gap(self.last_line, c.line):
                self.blank()
            self.out.append(INDENT * depth + c.text)
            self.last_line = c.line
        if self.last_line and before_line < 10**9 and self.gap(self.last_line, before_line):
            self.blank()

    def line(self, text: str, depth: int, first: int, last: int) -> None:
        """One output line for a node spanning source lines first..last, with any comments
        that sat at the end of those lines appended."""
        self.leading(first, depth)
        trailing = []
        while self.pending and self.pending[0].line <= last:
            trailing.append(self.pending.pop(0).text)
        self.out.append(INDENT * depth + text + ("  " + " ".join(trailing) if trailing else ""))
        self.last_line = last

    def blank(self) -> None:
        if self.out and self.out[-1] != "":
            self.out.append("")

    # --- declarations ---------------------------------------------------------------------

    def file(self, tree: Tree) -> str:
        prev_last, prev_multi = None, False
        for decl in tree.children:
            one_line = self.one_line_decl(decl)
            if prev_last is not None and (prev_multi or one_line is None):
                self.blank()
            if one_line is not None:
                self.line(one_line, 0, _first(decl), _last(decl))
            else:
                self.block_decl(decl)
            prev_last, prev_multi = _last(decl), one_line is None
        self.leading(10**9, 0)
        while self.out and self.out[-1] == "":
            self.out.pop()
        return "\n".join(self.out) + "\n" if self.out else ""

    def one_line_decl(self, decl: Tree) -> str | None:
        """Short resources stay on one line when they were written on one line."""
        if decl.data != "resource" or _first(decl) != _last(decl):
            return None
        t, n, attrs = decl.children
        body = ", ".join(self.attr(a) for a in attrs.children)
        text = f"resource {t} {n} {{ {body} }}" if body else f"resource {t} {n} {{}}"
        return text if len(text) <= ONE_LINE_MAX else None

    def block_decl(self, decl: Tree) -> None:
        kids = decl.children
        if decl.data == "environment":
            self.open_block(f"environment {kids[0]}", decl, 0)
            self.attrs(kids[1].children, 1)
        elif decl.data == "resource":
            self.open_block(f"resource {kids[0]} {kids[1]}", decl, 0)
            self.attrs(kids[2].children, 1)
        elif decl.data == "profile":
            self.open_block(f"profile {kids[0]}", decl, 0)
            self.children(kids[1:], 1, self.statement)
        elif decl.data == "agent":
            self.open_block(f"agent {kids[0]}", decl, 0)
            self.agent_items(kids[1:])
        elif decl.data == "test":
            self.open_block(f"test {_string(kids[0])}", decl, 0)
            self.children(kids[1:], 1, self.expect)
        self.close_block(decl, 0)

    def open_block(self, head: str, node: Tree, depth: int) -> None:
        self.line(head + " {", depth, _first(node), _first(node))

    def close_block(self, node: Tree, depth: int) -> None:
        self.leading(_last(node), depth + 1)
        self.line("}", depth, _last(node), _last(node))

    def children(self, nodes, depth: int, render) -> None:
        for n in nodes:
            self.line(render(n), depth, _first(n), _last(n))

    def attrs(self, attrs, depth: int) -> None:
        width = max((len(a.children[0]) for a in attrs), default=0)
        for a in attrs:
            text = self.attr(a, width)
            key, val = a.children
            if len(INDENT * depth + text) <= ONE_LINE_MAX or getattr(val, "data", "") != "map":
                self.line(text, depth, _first(a), _last(a))
                continue
            self.line(f"{str(key).ljust(width)} = {{", depth, _first(a), _first(a))
            self.attrs(val.children[0].children, depth + 1)
            self.close_block(val, depth)

    def agent_items(self, items) -> None:
        attrs = [i for i in items if i.data == "attr"]
        self.attrs(attrs, 1)
        for block in (i for i in items if i.data == "in_block"):
            self.blank()
            names, *stmts = block.children
            self.open_block("in " + ", ".join(names.children), block, 1)
            self.children(stmts, 2, self.statement)
            self.close_block(block, 1)

    # --- attributes, values, statements -----------------------------------------------------

    def attr(self, a: Tree, width: int = 0) -> str:
        key, val = a.children
        return f"{str(key).ljust(width)} = {self.value(val)}"

    def value(self, v) -> str:
        if isinstance(v, Token):
            return str(v)
        kind = v.data
        if kind == "string":
            return _string(v.children[0])
        if kind in ("integer", "decimal", "duration", "bare"):
            return str(v.children[0])
        if kind in ("true", "false"):
            return kind
        if kind == "ref":
            return _ref(v)
        if kind == "list":
            return "[" + ", ".join(self.value(x) for x in v.children) + "]"
        if kind == "map":
            return "{ " + ", ".join(self.attr(a) for a in v.children[0].children) + " }"
        raise AssertionError(f"fmt does not know value {kind!r}")

    def statement(self, s: Tree) -> str:
        k = s.children
        if s.data == "use":
            return f"use {k[0]}"
        if s.data in ("allow", "deny"):
            return f"{s.data} {_list(k[0])} on {_list(k[1])}"
        if s.data == "approval":
            return f"approval required for {_list(k[0])} on {_list(k[1])}"
        if s.data == "egress":
            return f"egress {_list(k[0])}"
        if s.data == "budget":
            what = _ref(k[0]) if isinstance(k[0], Tree) else str(k[0])
            return f"budget {what} {k[1].children[0]} usd per {k[2]}"
        if s.data == "rate":
            return f"rate {_ref(k[0])} {k[1]} per {k[2]}"
        if s.data in ("session", "mode"):
            return f"{s.data} {k[0]}"
        raise AssertionError(f"fmt does not know statement {s.data!r}")

    def expect(self, e: Tree) -> str:
        effect, principal, access, target = e.children
        who = "@".join(str(part) for part in principal.children)
        return f"expect {effect.children[0]} {who} {_item(access)} {_item(target)}"


def _string(tok: Tree | Token) -> str:
    """Re-encode a string literal canonically (same value, JSON escapes, UTF-8 kept); one that
    is not valid (a bad escape, half a surrogate pair: E003 when compiled) stays as written."""
    assert isinstance(tok, Token), "the grammar puts a STRING token here"
    try:
        return json.dumps(json.loads(tok), ensure_ascii=False).encode("utf-8").decode("utf-8")
    except (json.JSONDecodeError, UnicodeEncodeError):
        return str(tok)


def _ref(t: Tree) -> str:
    t_, n, *e = t.children
    return f"{t_}.{n}" + (f"@{e[0]}" if e else "")


def _item(t: Tree) -> str:
    if t.data == "ref":
        return _ref(t)
    tok = t.children[0]
    assert isinstance(tok, Token), "an item is a ref or one token"
    return _string(tok) if tok.type == "STRING" else str(tok)


def _list(t: Tree) -> str:
    return ", ".join(_item(x) for x in t.children)


def _first(node) -> int:
    line = node.line if isinstance(node, Token) else node.meta.line
    assert line is not None, "the parser keeps positions"
    return line


def _last(node) -> int:
    line = node.end_line if isinstance(node, Token) else node.meta.end_line
    assert line is not None, "the parser keeps positions"
    return line
