"""Input errors: what a user wrote that cannot be read or resolved.

Every stage collects diagnostics instead of raising on the first one, so a single run reports
all of them (exit 2). Findings about well-formed but unsafe programs live in `check`, not here.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Mapping

from .model import Span

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
    "E050": "file is not a gateway decision log or CloudTrail file",
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:  # every code is listed, and documented in docs/errors.md
            raise ValueError(f"undocumented error code {self.code}")

    def sort_key(self) -> tuple:
        return (self.span.file, self.span.line, self.span.col, self.code, self.message)


class InputErrors(Exception):
    """Raised at the end of a stage that collected one or more diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(sorted(set(diagnostics), key=Diagnostic.sort_key))
        super().__init__(f"{len(self.diagnostics)} input error(s)")


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, in the form the CLI prints."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def render(diag: Diagnostic, sources: Mapping[str, str]) -> str:
    """`FILE:LINE:COL: error[CODE]: message`, the source line, a caret, and the hint."""
    s = diag.span
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
