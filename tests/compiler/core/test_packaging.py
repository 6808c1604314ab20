"""Packaging: `compiler/` installs as `agentpol` and `targets/` as `agentpol.targets`, which
`find:` cannot express, so every package is listed in pyproject.toml by hand; this test keeps
that list complete (a package left out would be missing from the wheel, while an editable
install hides it). CI also builds the wheel and compiles policies/ from it (.ci/run)."""
from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11+")
ROOT = Path(__file__).resolve().parents[3]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _directory(package: str) -> Path:
    base = "agentpol.targets" if package.startswith("agentpol.targets") else "agentpol"
    rest = package[len(base) + 1:].split(".") if package != base else []
    return ROOT / CONFIG["package-dir"][base] / Path(*rest)


def _packages_on_disk() -> set[str]:
    out = set()
    for name, directory in CONFIG["package-dir"].items():
        for path in (ROOT / directory).rglob("*.py"):
            if "__pycache__" not in path.parts:
                out.add(".".join([name, *path.parent.relative_to(ROOT / directory).parts]))
    return out


def test_the_mapping_is_the_layout():
    assert CONFIG["package-dir"] == {"agentpol": "compiler", "agentpol.targets": "targets"}


def test_every_package_directory_is_listed():
    assert _packages_on_disk() == set(CONFIG["packages"])


def test_every_listed_package_has_an_init():
    for package in CONFIG["packages"]:
        assert (_directory(package) / "__init__.py").is_file(), package


def test_the_grammar_and_type_marker_ship():
    data = CONFIG["package-data"]["agentpol"]
    assert "*.lark" in data and "py.typed" in data
    assert (ROOT / "compiler" / "py.typed").is_file()
