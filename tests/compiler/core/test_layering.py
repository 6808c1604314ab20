"""The stages' one-way arrows, read off the source (an AST walk over every import, lazy ones
inside functions included): model imports nothing of the project; parse and resolve know
nothing of targets or the checker; targets import only the model, the catalogues and the
serialiser (which imports nothing of the project, nor do the collector's and the allocator's
policies); the checker imports neither the driver (`pipeline`, `artifacts`) nor any target;
only `__main__` imports the CLI."""
from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = {"agentpol": ROOT / "compiler", "agentpol.targets": ROOT / "targets"}


def _modules() -> dict[str, Path]:
    out = {}
    for package, directory in PACKAGES.items():
        for path in sorted(directory.rglob("*.py")):
            parts = list(path.relative_to(directory).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([package, *parts])] = path
    return out


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")
    base = base[:len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


@cache
def imports(module: str) -> frozenset[str]:
    """The project modules `module` imports directly (`from X import name` counts X.name when
    that is a module)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        out.update(n for n in names if n in MODULES)
    out.discard(module)
    return frozenset(out)


def reach(module: str) -> set[str]:
    seen, stack = set(), [module]
    while stack:
        for dep in imports(stack.pop()):
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return seen


def _in(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_walk_sees_the_tree():
    assert {"agentpol.model", "agentpol.check.graph", "agentpol.targets.aws"} <= set(MODULES)
    assert "agentpol.model" in imports("agentpol.lower")
    assert "agentpol.check.findings" in imports("agentpol.check.rules")  # relative


@pytest.mark.parametrize("leaf", ["agentpol.model", "agentpol.serialise", "agentpol.collector",
                                  "agentpol.allocator"])
def test_leaves_import_nothing_of_the_project(leaf):
    assert imports(leaf) == frozenset()


@pytest.mark.parametrize("stage", ["agentpol.parse", "agentpol.resolve"])
def test_front_end_knows_nothing_of_targets_or_checks(stage):
    assert not [m for m in reach(stage) if _in(m, "agentpol.targets", "agentpol.check",
                                                 "agentpol.lower", "agentpol.pipeline")]


@pytest.mark.parametrize("module", [m for m in MODULES if _in(m, "agentpol.targets")])
def test_targets_import_only_the_model_catalogues_and_serialiser(module):
    assert not [m for m in imports(module) if not _in(
        m, "agentpol.model", "agentpol.catalogue", "agentpol.serialise", "agentpol.targets")]


@pytest.mark.parametrize("module", [m for m in MODULES if _in(m, "agentpol.check")])
def test_the_checker_imports_no_driver_and_no_target(module):
    assert not [m for m in reach(module) if _in(m, "agentpol.pipeline", "agentpol.artifacts",
                                                  "agentpol.targets", "agentpol.cli")]


def test_only_main_imports_the_cli():
    assert [m for m in MODULES if "agentpol.cli" in imports(m)] == ["agentpol.__main__"]
