"""Stage 1: read `*.agentpol` files into lark syntax trees, keeping positions and comments."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import fastparse
from .errors import Diagnostic, InputErrors, did_you_mean
from .model import Span

#: Human names for grammar terminals, for "expected ..." messages.
_TERMINALS = {
    "NAME": "a name", "STRING": "a string", "INT": "an integer", "DECIMAL": "a decimal",
    "DURATION": "a duration (30s, 15m, 1h, 7d)", "LBRACE": "`{`", "RBRACE": "`}`",
    "LSQB": "`[`", "RSQB": "`]`", "COMMA": "`,`", "EQUAL": "`=`", "DOT": "`.`", "AT": "`@`",
    "TOTAL": "`total`", "SHADOW": "`shadow`", "ENFORCE": "`enforce`", "$END": "end of file",
}


@dataclass(frozen=True)
class Comment:
    line: int
    col: int
    text: str


@dataclass(frozen=True)
class SourceFile:
    path: str  # as given to the CLI, used in every message
    text: str
    tree: Tree
    comments: tuple[Comment, ...]


class _WholeWords:
    """Lexes a word as a whole in every parser state: without this, where only keywords may
    come the contextual lexer reads `uses p` as `use` + `s` and `allowed` as `allow` + `ed`,
    and the error lands on the wrong token. A keyword is still a keyword where one is
    expected, and a NAME where a name is."""

    always_accept = ("NAME",)

    def process(self, stream):
        return stream


@cache
def _parser() -> Lark:
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=False, postlex=_WholeWords())


def discover(directory: Path) -> list[Path]:
    """Every `*.agentpol` below `directory`, in sorted path order (docs/language.md)."""
    return sorted(p for p in directory.rglob("*.agentpol") if p.is_file())


def parse_text(path: str, text: str) -> SourceFile:
    """Parse one file's text; raises InputErrors with the first syntax error of that file.
    The fast path reads valid text; lark reads the rest, and reports every error."""
    tree = fastparse.parse(text)
    if tree is None:
        tree = lark_parse(path, text)
    return SourceFile(path, text, tree, _comments(text))


def lark_parse(path: str, text: str) -> Tree:
    """lark's tree for `text`, or InputErrors with its first syntax error."""
    try:
        return _parser().parse(text)
    except UnexpectedInput as exc:
        raise InputErrors([_syntax_diagnostic(path, text, exc)]) from None


#: Strings first, so a `#` inside a string is not taken for a comment (same regex as the grammar).
_COMMENT_SCAN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def _comments(text: str) -> tuple[Comment, ...]:
    """Comments with their positions, for `fmt` (the parser itself ignores them)."""
    found = []
    for m in _COMMENT_SCAN.finditer(text):
        if m.group().startswith("#"):
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            found.append(Comment(line, col, m.group().rstrip()))
    return tuple(found)


def _syntax_diagnostic(path: str, text: str, exc: UnexpectedInput) -> Diagnostic:
    line, col = max(exc.line, 1), max(exc.column, 1)
    if isinstance(exc, UnexpectedCharacters):
        at = exc.pos_in_stream or 0
        return Diagnostic("E002", f"unexpected character {exc.char!r}", Span(path, line, col),
                          _CHARACTER_HINTS.get(text[at:at + 2]) or _CHARACTER_HINTS.get(exc.char))
    accepted = _accepted(exc)
    expected = sorted({_TERMINALS.get(t, f"`{t.lower()}`") for t in accepted
                       if not t.startswith("__")})
    hint = "expected " + ", ".join(expected) if expected else None
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken)
                                          and exc.token.type == "$END"):
        lines = text.rstrip("\n").split("\n")  # point just past the last character
        return Diagnostic("E001", "unexpected end of file",
                          Span(path, len(lines), len(lines[-1]) + 1), hint)
    assert isinstance(exc, UnexpectedToken), "lark raises characters, tokens or EOF"
    tok: Token = exc.token
    words = [t.lower() for t in accepted if t.isalpha() and t not in _TERMINALS]
    close = did_you_mean(str(tok), words) if tok.type == "NAME" else None
    if close and hint:
        hint = f"{close} ({hint})"
    before = re.search(r"([A-Za-z_][A-Za-z0-9_-]*)\s*$", text[:tok.start_pos])
    if (str(tok) in _STATEMENTS and ("IN" in accepted or "RESOURCE" in accepted)) or (
            before and accepted == {"EQUAL"} and did_you_mean(before[1], _STATEMENTS)):
        hint = "statements go inside an agent's `in ENV { ... }` block, or a profile"
    return Diagnostic("E001", f"unexpected {_describe(tok)}", Span(path, line, col, len(tok)), hint)


def _accepted(exc: UnexpectedInput) -> set[str]:
    """The terminals the parser would have taken. An error the lexer raises lists every
    terminal its state knows, NAME included (see `_WholeWords`); the parser knows better."""
    parser = getattr(exc, "interactive_parser", None)
    if parser is not None:
        return set(parser.accepts())
    return set(exc.expected or ()) if isinstance(exc, (UnexpectedToken, UnexpectedEOF)) else set()


_STATEMENTS = frozenset("use allow deny egress budget rate session mode approval".split())

#: What a newcomer most likely meant by a character the language does not have.
_CHARACTER_HINTS = {
    "//": "comments start with `#` and run to the end of the line",
    "/*": "comments start with `#` and run to the end of the line",
    "'": 'strings are written in double quotes: "..."',
    ":": '`:` only appears in strings: attributes are `key = value`, and raw permissions '
         'are quoted ("s3:GetObject")',
    ";": "no `;` is needed: a statement ends where the next one starts",
}


def _describe(tok: Token) -> str:
    if tok.type == "NAME" or tok.type.isupper() and tok.type not in _TERMINALS:
        return f"`{tok}`"
    what = re.sub(r"^an? ", "", _TERMINALS.get(tok.type, tok.type.lower()))
    return what if what == f"`{tok}`" else f"{what} `{tok}`"  # not "`}` `}`"


def display_path(directory: Path, p: Path) -> str:
    """How a file is named in messages and artifacts: the policy directory's own name, then the
    path inside it (`policies/agents.agentpol`), whatever the working directory or where the
    checkout lives, so two machines compile the same bytes."""
    return f"{directory.resolve().name}/{p.relative_to(directory).as_posix()}"


def read_source(p: Path, shown: str) -> tuple[str, Diagnostic | None]:
    """A file's text, or E004 at its first byte that is not UTF-8 (with the text decoded
    leniently, so the message can show that line)."""
    data = p.read_bytes()
    try:
        return data.decode("utf-8-sig"), None  # a BOM some editors write is not text
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[start:exc.start].decode("utf-8-sig", errors="replace")) + 1
        span = Span(shown, data.count(b"\n", 0, exc.start) + 1, col)
        return (data.decode("utf-8-sig", errors="replace"),
                Diagnostic("E004", f"not UTF-8: {exc.reason}", span))


def parse_directory(directory: Path) -> tuple[list[SourceFile], dict[str, str]]:
    """Parse every file; collect one syntax error per file; return (files, sources by path).

    Sources are returned even on error so the caller can render carets.
    """
    files: list[SourceFile] = []
    sources: dict[str, str] = {}
    diags: list[Diagnostic] = []
    for p in discover(directory):
        shown = display_path(directory, p)
        text, diag = read_source(p, shown)
        sources[shown] = text
        if diag is not None:
            diags.append(diag)
            continue
        try:
            files.append(parse_text(shown, text))
        except InputErrors as errs:
            diags.extend(errs.diagnostics)
    if diags:
        raise InputErrors(diags, sources)
    return files, sources
