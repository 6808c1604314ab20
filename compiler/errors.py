"""Diagnostics: one type for input errors (what a user wrote that cannot be read or resolved)
and the checker's findings (well-formed but unsafe programs, `check.findings`).

Every stage collects diagnostics instead of raising on the first one, so a single run reports
all of them (exit 2); every `--format` of `check` renders both kinds.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

from .model import Span

if TYPE_CHECKING:
    from .model import Program

ERROR, WARNING = "error", "warning"

#: Where a diagnostic points: an `.agentpol` span, or `FILE:NAME` for a role read from an
#: `--aws-authz` file.
Location = Span | str

#: Every error code a user can meet, with a one-line meaning (docs/errors.md mirrors this).
CODES: Mapping[str, str] = {
    "E001": "syntax error: unexpected token",
    "E002": "syntax error: unexpected character",
    "E003": "invalid string literal",
    "E004": "file cannot be read as UTF-8 text",
    "E005": "no policy files found",
    "E010": "keyword used as a name",
    "E011": "duplicate declaration",
    "E012": "unknown name",
    "E013": "unknown resource type",
    "E014": "unknown attribute",
    "E015": "duplicate attribute",
    "E016": "value of the wrong type",
    "E017": "invalid value",
    "E018": "missing required attribute",
    "E019": "unknown template variable",
    "E020": "access word not valid for this resource type",
    "E021": "resource does not exist in that environment",
    "E022": "profile cycle",
    "E023": "session out of range",
    "E024": "invalid unit or period",
    "E025": "per-environment map names an unknown environment",
    "E026": "environment has AWS resources but no aws_account",
    "E027": "destination no network format can express",
    "E028": "statement does not apply to this kind of target",
    "E029": "conflicting attributes or statements",
    "E030": "lock file is malformed",
    "E040": "authz file is malformed",
    "E050": "file is not a gateway decision log or CloudTrail file",
}


@dataclass(frozen=True)
class Hop:
    """One labelled step of a finding's witness path: the node it reaches, the source of the
    step that reached it (for the first hop: where the principal is declared), and the
    permission used for that step."""

    node: str  # graph node id, so `graph` can highlight the path
    label: str
    where: Location
    via: str | None = None

    def __str__(self) -> str:
        step = f"--[{self.via}]--> " if self.via else ""
        return f"{step}{self.label}  ({self.where})"


@dataclass(frozen=True)
class Diagnostic:
    """An input error (`code` E0xx, always an error) or a finding (`code` a rule id of
    `check.findings.RULES`): where it points, a hint, and for a finding its witness path."""

    code: str
    message: str
    span: Location | None
    hint: str | None = None
    severity: str = ERROR
    witness: tuple[Hop, ...] = ()

    def __post_init__(self) -> None:
        if self.input_error and self.code not in CODES:  # listed, and documented in errors.md
            raise ValueError(f"undocumented error code {self.code}")

    @property
    def input_error(self) -> bool:
        return self.code[:1] == "E" and self.code[1:].isdigit()

    @property
    def rule(self) -> str:
        """A finding's rule id (its code)."""
        return self.code

    @property
    def location(self) -> Location | None:
        return self.span

    def sort_key(self) -> tuple:
        loc = self.span
        where = (loc.file, loc.line, loc.col) if isinstance(loc, Span) else (str(loc or ""), 0, 0)
        return (*where, self.code, self.message, tuple(str(h) for h in self.witness))


class InputErrors(Exception):
    """Raised at the end of a stage that collected one or more diagnostics. `sources` (file ->
    text) lets the driver render carets; `program` is what resolve built despite the errors,
    so expansion can report its own errors in the same run."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] = {},
                 program: Program | None = None):
        self.diagnostics = tuple(sorted(set(diagnostics), key=Diagnostic.sort_key))
        self.sources = dict(sources)
        self.program = program
        super().__init__(f"{len(self.diagnostics)} input error(s)")


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, in the form the CLI prints."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def render(diag: Diagnostic, sources: Mapping[str, str]) -> str:
    """`FILE:LINE:COL: error[CODE]: message`, the source line, a caret, and the hint."""
    s = diag.span
    assert isinstance(s, Span), "input errors point into a source file"
    where = f"{s.file}:{s.line}:{s.col}" if s.line else s.file  # line 0: a whole directory
    out = [f"{where}: error[{diag.code}]: {diag.message}"]
    # lines as the parser counts them: only "\n" ends one (not U+2028, form feed, ...)
    lines = [line.rstrip("\r") for line in sources.get(s.file, "").split("\n")]
    if 1 <= s.line <= len(lines):
        text = lines[s.line - 1].expandtabs(1)
        width = max(1, min(s.width, len(text) - s.col + 1))
        out.append(f"  {s.line:>4} | {text}")
        out.append(f"       | {' ' * (s.col - 1)}{'^' * width}")
    if diag.hint:
        out.append(f"       = hint: {diag.hint}")
    return "\n".join(out)
