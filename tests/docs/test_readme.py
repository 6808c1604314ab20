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


def test_docs_stay_inside_the_repository():
    """The docs are complete on their own: no page points at a file outside the repository."""
    for page in [REPO / "README.md", *(REPO / "docs").rglob("*.md")]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"LANGUAGE\.md|DESIGN\.md|\.\./shared", text), page
