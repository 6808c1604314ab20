"""The README's set-up is what CI runs: a virtualenv first, then the two commands, verbatim in
`.ci/run`."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_readme_setup_is_what_ci_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme[readme.index("## Set up"):readme.index("## A tour")]
    venv, *commands = re.findall(r"```sh\n(.*?)\n```", setup, re.S)
    assert venv == "python3 -m venv .venv && . .venv/bin/activate"
    assert len(commands) == 2
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").replace(" -q", "")
    for command in commands:
        assert command in ci, command


def test_nothing_points_outside_the_repository():
    """The docs are complete on their own: no page, comment or test refers to a document that
    is not in the repository (the contract texts the project was first written from)."""
    outside = re.compile("|".join(["LANGUAGE" + r"\.md", "DESIGN" + r"(\.md|'s)",
                                   r"\.\./" + "shared"]))
    roots = ["README.md", "docs", "compiler", "targets", "tests", "editors", "policies",
             "benchmarks", ".ci", "pyproject.toml"]
    files = [f for r in roots for f in ([REPO / r] if (REPO / r).is_file()
                                        else (REPO / r).rglob("*"))
             if f.is_file() and "node_modules" not in f.parts and f.suffix not in (".pyc",)]
    offenders = [f"{f.relative_to(REPO)}:{n}" for f in files
                 for n, line in enumerate(f.read_text(encoding="utf-8", errors="replace")
                                          .splitlines(), 1) if outside.search(line)]
    assert not offenders, offenders
