"""Paths as GitHub resolves them: relative to the repository root, wherever the policy dir sits.

Findings name `.agentpol` files by the policy directory's own name (`policies/agents.agentpol`)
and authz files as given on the command line; code scanning and workflow annotations attach a
result only when its path is relative to the root of the checkout. Outside git the working
directory stands in for the root.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from agentpol.check.findings import Location
from agentpol.model import Span

from .common import where


@dataclass(frozen=True)
class RepoPaths:
    sources: str = ""  # from the root to the policy dir's parent: "infra/" for infra/policies
    cwd: str = ""  # from the root to the working directory, for paths given on the command line

    @staticmethod
    def of(policy_dir: Path) -> RepoPaths:
        root = toplevel(policy_dir) or Path.cwd().resolve()
        return RepoPaths(_prefix(policy_dir.resolve().parent, root), _prefix(Path.cwd(), root))

    def where(self, loc: Location | None) -> tuple[str, int, int] | None:
        w = where(loc)
        if w is None:
            return None
        file, line, col = w
        if isinstance(loc, Span):
            return self.sources + file, line, col
        if os.path.isabs(file):
            return file, line, col
        return os.path.normpath(self.cwd + file).replace(os.sep, "/"), line, col


def _prefix(path: Path, root: Path) -> str:
    try:
        rel = path.resolve().relative_to(root).as_posix()
    except ValueError:  # outside the repository: leave the path as it is
        return ""
    return "" if rel == "." else rel + "/"


def toplevel(directory: Path) -> Path | None:
    """The root of the git checkout holding `directory`, or None outside git."""
    try:
        done = subprocess.run(["git", "-C", str(directory), "rev-parse", "--show-toplevel"],
                              capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return Path(done.stdout.strip()).resolve()
