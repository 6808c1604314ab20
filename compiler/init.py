"""`agentpol init [DIR]`: a small, commented starter organisation a newcomer can compile,
check and then edit (two environments, prod protected, one agent, one test).

The files are package data (`starter/`), so what `init` writes is exactly what the tests
compile and check. Nothing is ever overwritten: a directory that already holds policies is
refused, since the starter's names would collide with them.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from . import tree
from .parse import discover

NEXT_STEPS = (
    ("agentpol check {dir}", "prove staging cannot reach prod's credentials; run the tests"),
    ("agentpol explain assistant {dir}", "what the agent may do, and the line that grants it"),
    ("agentpol compile {dir} -o build", "write the IAM, Cedar, network and token artifacts"),
)


class Refused(Exception):
    """DIR is not a directory, or already holds policy files."""


def starter_files() -> dict[str, str]:
    """File name -> text of the starter organisation."""
    folder = resources.files(__package__).joinpath("starter")
    return {f.name: f.read_text(encoding="utf-8") for f in sorted(folder.iterdir(),
                                                                   key=lambda f: f.name)
            if f.name.endswith(".agentpol")}


def init(directory: Path) -> list[Path]:
    """Write the starter into `directory` (created if needed); returns the files written."""
    files = starter_files()
    if directory.exists() and not directory.is_dir():
        raise Refused(f"{directory}: not a directory")
    taken = discover(directory) if directory.is_dir() else []  # every starter file is one
    if taken:
        shown = ", ".join(str(p) for p in taken[:5])
        raise Refused(f"{directory} already holds policy files ({shown}); init writes only "
                      "into a new or empty directory")
    written = []
    for name, text in files.items():
        tree.write_file(directory / name, text)
        written.append(directory / name)
    return written


def next_steps(directory: Path) -> str:
    width = max(len(cmd.format(dir=directory)) for cmd, _ in NEXT_STEPS)
    return "\n".join(f"  {cmd.format(dir=directory).ljust(width)}  # {why}"
                     for cmd, why in NEXT_STEPS)
