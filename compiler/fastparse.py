"""A fast path for parsing valid `*.agentpol` text into the very tree lark builds.

lark spends most of a large file's parse in its generic machinery (contextual lexer, LALR
driver, position propagation), about 1 s for a 1,000-agent organisation. This module reads
the grammar of `grammar.lark` by hand: one regex for the tokens, one method per rule, and the
same `Tree`s, `Token`s and `meta` that lark's `propagate_positions` gives. It only knows valid
text: on anything it does not recognise it returns None and lark parses the file, so lark stays
the grammar's authority and the only reporter of syntax errors. A differential test holds the
two to the same trees, positions included (tests/compiler/core/test_fastparse.py).

lark lexes a keyword as a keyword only where its parser state expects one, else as a NAME
(see `parse._WholeWords`). Where a name may come after a token whose LALR state merges the
lookaheads of several contexts (after a value, an access, a target), which words lark takes
for keywords depends on those merged sets; there a keyword in a name's place is declined.
Where the state expects no keyword but a name, a keyword is read as the NAME lark reads.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from lark import Token, Tree
from lark.tree import Meta

from agentpol import collector

_new_str = str.__new__

#: Blanks and comments, then one token (empty only at the end of the text): a word, a mark, a
#: string, a number or any other character (which the fast path declines). The languages are
#: the grammar's terminals'; a number is its DURATION, else DECIMAL, else INT, as their
#: priorities rank them. Written so that no input makes the regex backtrack far.
_TOKEN = re.compile(r"""([ \t\f\r\n]*(?:\#[^\n]*[ \t\f\r\n]*)*)(
      [A-Za-z_][A-Za-z0-9_-]* | [{}\[\],=.@] | "[^"\\\n]*(?:\\.[^"\\\n]*)*"
    | \d+(?:[smhd](?![A-Za-z0-9_-])|\.\d+)? | . | \Z)""", re.VERBOSE)

#: What a token is, by its first character (W: a word, D: a number, Q: a string, or a lone
#: `"` that opens none).
_BY_FIRST = {"": "END", '"': "Q", **dict.fromkeys("{}[],=.@", ""),
             **dict.fromkeys("0123456789", "D"),
             **dict.fromkeys("_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "W")}

#: Every word the grammar spells as a keyword (string literals and TOTAL, SHADOW, ENFORCE).
_KEYWORDS = frozenset(
    "environment resource profile agent test in true false use allow deny egress budget rate "
    "session mode approval required for on usd per expect total shadow enforce".split())


def _rule(name: str) -> Token:
    """Tree data as lark names a rule: a RULE token (an alias is a plain str), without the
    position in grammar.lark that lark's carries and nothing reads."""
    return Token("RULE", name)


_START, _ENVIRONMENT, _RESOURCE, _PROFILE, _AGENT, _TEST, _IN_BLOCK, _ATTRS, _ATTR, _REF, \
    _USE, _ALLOW, _DENY, _EGRESS, _BUDGET, _RATE, _SESSION, _MODE, _APPROVAL, _ACCESS_LIST, \
    _TARGET_LIST, _NAME_LIST, _EXPECT, _EFFECT, _PRINCIPAL = map(_rule, (
        "start environment resource profile agent test in_block attrs attr ref use allow deny "
        "egress budget rate session mode approval access_list target_list name_list expect "
        "effect principal").split())

#: Token types of the numbers and strings a value may be, and the alias each makes.
_LITERALS = {"STRING": "string", "DECIMAL": "decimal", "INT": "integer", "DURATION": "duration"}


#: The statements of a block, each parsed by the method of its keyword's name (looked up per
#: statement: a table of bound methods would make every parser a cycle, freed late).
_STATEMENTS = frozenset({"use", "allow", "deny", "egress", "budget", "rate", "session", "mode",
                         "approval"})


class _Decline(Exception):
    """The text is not one the fast path knows to be valid: lark decides."""


def parse(text: str) -> Tree | None:
    """lark's tree for `text`, or None where lark must parse it (an error, or a form this
    module declines).

    The collector is paused meanwhile (`collector.paused`): the tree holds no cycles, so a
    collection while it grows frees none of it (at the default thresholds, a sixth of
    `parse_text`'s time on 1,000 agents). Values nested deeper than Python's stack allows are
    lark's too: its LALR parser keeps its own stack."""
    with collector.paused():
        try:
            return _Parser(text).start()
        except (_Decline, RecursionError):
            return None


class _Parser:
    """Recursive descent over the whole file's tokens, one method per grammar rule. Every
    method returns its tree with the span of the tokens it consumed, as lark's
    `propagate_positions` does (the filtered keywords and brackets included)."""

    def __init__(self, text: str) -> None:
        kinds: list[str] = []  # a keyword's own word, NAME, a punctuation mark or a terminal
        values: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        lines: list[int] = []  # a token has no newline: it ends on the line it starts on
        columns: list[int] = []
        end_columns: list[int] = []
        line, line_start, pos = 1, 0, 0
        for blank, value in _TOKEN.findall(text):
            if blank:
                newlines = blank.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + blank.rfind("\n") + 1
                pos += len(blank)
            kind = _BY_FIRST.get(value[:1], "OTHER")
            if kind == "W":
                kind = value if value in _KEYWORDS else "NAME"
            elif kind == "D":
                kind = ("DURATION" if value[-1] in "smhd" else "DECIMAL" if "." in value
                        else "INT")
            elif kind == "":
                kind = value
            elif kind == "Q" and len(value) > 1:
                kind = "STRING"
            elif kind != "END":  # not a character of the language, or a string left open
                raise _Decline
            kinds.append(kind)
            values.append(value)
            starts.append(pos)
            lines.append(line)
            columns.append(pos - line_start + 1)
            pos += len(value)
            ends.append(pos)
            end_columns.append(pos - line_start + 1)
        self.kinds, self.values, self.lines = kinds, values, lines
        self.starts, self.columns, self.ends, self.end_columns = starts, columns, ends, end_columns
        self.i = 0

    # --- tokens and spans ------------------------------------------------------------------

    def token(self, type_: str) -> Token:
        """The current token as lark's lexer makes it, and step past it."""
        i = self.i
        self.i = i + 1
        value = self.values[i]
        tok = _new_str(Token, value)  # Token() costs four times as much, through two calls
        tok.type, tok.value, tok.start_pos, tok.line, tok.column = (
            type_, value, self.starts[i], self.lines[i], self.columns[i])
        tok.end_line, tok.end_column, tok.end_pos = self.lines[i], self.end_columns[i], self.ends[i]
        return tok

    def expect(self, kind: str) -> None:
        """Step past a keyword or punctuation mark the tree does not keep."""
        if self.kinds[self.i] != kind:
            raise _Decline
        self.i += 1

    def take(self, kind: str) -> bool:
        """Step past an optional keyword or mark, saying whether it was there."""
        if self.kinds[self.i] == kind:
            self.i += 1
            return True
        return False

    def name(self) -> Token:
        """A NAME where lark's state expects no keyword, so any word is a NAME."""
        kind = self.kinds[self.i]
        if kind != "NAME" and kind not in _KEYWORDS:
            raise _Decline
        return self.token("NAME")

    def plain_name(self) -> Token:
        """A NAME where lark may take a keyword for a keyword: keywords are declined."""
        if self.kinds[self.i] != "NAME":
            raise _Decline
        return self.token("NAME")

    def terminal(self, kind: str) -> Token:
        """A STRING, INT or DURATION the tree keeps, where only that terminal may come."""
        if self.kinds[self.i] != kind:
            raise _Decline
        return self.token(kind)

    def tree(self, data: str, children: list, first: int) -> Tree:
        """`data` over tokens `first` to the last one consumed (none: an empty meta), with
        the attributes lark's `PropagatePositions` sets."""
        last = self.i - 1
        meta: Any = Meta()  # lark sets `container_*` attributes that Meta does not declare
        if last >= first:
            meta.line = meta.container_line = self.lines[first]
            meta.column = meta.container_column = self.columns[first]
            meta.start_pos = meta.container_start_pos = self.starts[first]
            meta.empty = False
            meta.end_line = meta.container_end_line = self.lines[last]
            meta.end_column = meta.container_end_column = self.end_columns[last]
            meta.end_pos = meta.container_end_pos = self.ends[last]
        return Tree(data, children, meta)

    # --- declarations ----------------------------------------------------------------------

    def start(self) -> Tree:
        decls = []
        kinds = self.kinds
        while (kind := kinds[self.i]) != "END":
            first = self.i
            self.i += 1
            if kind == "environment":
                tree = self.tree(_ENVIRONMENT, [self.name(), self.braced_attrs()], first)
            elif kind == "resource":
                tree = self.tree(_RESOURCE, [self.name(), self.name(), self.braced_attrs()], first)
            elif kind == "profile":
                tree = self.tree(_PROFILE, [self.name(), *self.block()], first)
            elif kind == "agent":
                tree = self.agent(first)
            elif kind == "test":
                tree = self.test(first)
            else:
                raise _Decline
            decls.append(tree)
        return self.tree(_START, decls, 0)

    def braced_attrs(self) -> Tree:
        self.expect("{")
        attrs = self.attrs()
        self.expect("}")
        return attrs

    def agent(self, first: int) -> Tree:
        children: list[Tree | Token] = [self.name()]
        self.expect("{")
        while (kind := self.kinds[self.i]) != "}":
            if kind == "in":
                at = self.i
                self.i += 1
                name_list = self.name_list()
                children.append(self.tree(_IN_BLOCK, [name_list, *self.block()], at))
            else:
                attr = self.attr()
                if self.take(","):  # lark's inlined `?agent_item` stretches the container
                    comma = self.i - 1
                    meta: Any = attr.meta
                    meta.container_end_line = self.lines[comma]
                    meta.container_end_column = self.end_columns[comma]
                    meta.container_end_pos = self.ends[comma]
                children.append(attr)
        self.i += 1
        return self.tree(_AGENT, children, first)

    def test(self, first: int) -> Tree:
        children: list[Tree | Token] = [self.terminal("STRING")]
        self.expect("{")
        while self.take("expect"):
            children.append(self.expectation(self.i - 1))
        self.expect("}")
        return self.tree(_TEST, children, first)

    def expectation(self, first: int) -> Tree:
        at = self.i
        kind = self.kinds[at]
        if kind not in ("allow", "deny"):
            raise _Decline
        effect = self.tree(_EFFECT, [self.token(kind.upper())], at)
        at = self.i
        principal_name = self.name()
        self.expect("@")
        principal = self.tree(_PRINCIPAL, [principal_name, self.name()], at)
        access = self.access()
        if self.kinds[self.i] == "STRING":
            target = self.raw()
        else:  # after an access lark's merged state takes `on` (and more) for keywords
            at = self.i
            target = self.ref(self.plain_name(), at)
        return self.tree(_EXPECT, [effect, principal, access, target], first)

    # --- attributes and values -------------------------------------------------------------

    def attrs(self) -> Tree:
        first = self.i
        children = []
        while self.kinds[self.i] == "NAME":
            children.append(self.attr())
            self.take(",")
        return self.tree(_ATTRS, children, first)

    def attr(self) -> Tree:
        first = self.i
        key = self.plain_name()
        self.expect("=")
        return self.tree(_ATTR, [key, self.value()], first)

    def value(self) -> Tree:
        first = self.i
        kind = self.kinds[first]
        if kind in _LITERALS:
            return self.tree(_LITERALS[kind], [self.token(kind)], first)
        self.i += 1
        if kind == "true" or kind == "false":
            return self.tree(kind, [], first)
        if kind == "[":
            items = []
            while self.kinds[self.i] != "]":
                items.append(self.value())
                if not self.take(","):
                    break
            self.expect("]")
            return self.tree("list", items, first)
        if kind == "{":
            attrs = self.attrs()
            self.expect("}")
            return self.tree("map", [attrs], first)
        self.i = first
        name = self.name()
        if self.kinds[self.i] == ".":
            return self.ref(name, first)
        return self.tree("bare", [name], first)

    def ref(self, name: Token, first: int) -> Tree:
        """`NAME "." NAME ("@" NAME)?`, its first NAME already read."""
        self.expect(".")
        children = [name, self.name()]
        if self.take("@"):
            children.append(self.name())
        return self.tree(_REF, children, first)

    # --- statements ------------------------------------------------------------------------

    def block(self) -> list[Tree]:
        """`"{" stmt* "}"`: the statements."""
        self.expect("{")
        stmts = []
        while (kind := self.kinds[self.i]) != "}":
            if kind not in _STATEMENTS:
                raise _Decline
            first = self.i
            self.i += 1
            stmts.append(getattr(self, kind)(first))
        self.i += 1
        return stmts

    def use(self, first: int) -> Tree:
        return self.tree(_USE, [self.name()], first)

    def allow(self, first: int) -> Tree:
        return self.tree(_ALLOW, self.grant(), first)

    def deny(self, first: int) -> Tree:
        return self.tree(_DENY, self.grant(), first)

    def approval(self, first: int) -> Tree:
        self.expect("required")
        self.expect("for")
        return self.tree(_APPROVAL, self.grant(), first)

    def grant(self) -> list[Tree]:
        """`access_list "on" target_list`."""
        access_list = self.separated(_ACCESS_LIST, self.access)
        self.expect("on")
        return [access_list, self.target_list()]

    def egress(self, first: int) -> Tree:
        return self.tree(_EGRESS, [self.target_list()], first)

    def budget(self, first: int) -> Tree:
        if self.kinds[self.i] == "total":
            subject: Tree | Token = self.token("TOTAL")
        else:
            at = self.i
            subject = self.ref(self.name(), at)
        at = self.i
        kind = self.kinds[at]
        if kind != "INT" and kind != "DECIMAL":
            raise _Decline
        amount = self.tree(_LITERALS[kind], [self.token(kind)], at)
        self.expect("usd")
        self.expect("per")
        return self.tree(_BUDGET, [subject, amount, self.name()], first)

    def rate(self, first: int) -> Tree:
        at = self.i
        subject = self.ref(self.name(), at)
        count = self.terminal("INT")
        self.expect("per")
        return self.tree(_RATE, [subject, count, self.name()], first)

    def session(self, first: int) -> Tree:
        return self.tree(_SESSION, [self.terminal("DURATION")], first)

    def mode(self, first: int) -> Tree:
        kind = self.kinds[self.i]
        if kind != "shadow" and kind != "enforce":
            raise _Decline
        return self.tree(_MODE, [self.token(kind.upper())], first)

    def access(self) -> Tree:
        first = self.i
        if self.kinds[first] == "STRING":
            return self.raw()
        return self.tree("word", [self.name()], first)

    def raw(self) -> Tree:
        first = self.i
        return self.tree("raw", [self.token("STRING")], first)

    def target_list(self) -> Tree:
        return self.separated(_TARGET_LIST, self.target)

    def target(self) -> Tree:
        if self.kinds[self.i] == "STRING":
            return self.raw()
        first = self.i
        return self.ref(self.name(), first)

    def name_list(self) -> Tree:
        return self.separated(_NAME_LIST, self.name)

    def separated(self, data: str, item: Callable[[], Any]) -> Tree:
        """`item ("," item)*` as one `data` node."""
        first = self.i
        items = [item()]
        while self.take(","):
            items.append(item())
        return self.tree(data, items, first)
