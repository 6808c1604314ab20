"""Shared fixtures: load a policy directory into a model, and compare against golden files.

Golden files are regenerated with `python -m pytest --update-golden` (then review the diff).
"""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite golden files from the current output instead of comparing")


@pytest.fixture(scope="session")
def acme_model():
    """The project's own example organisation (policies/), spans relative to the repo root."""
    from agentpol.pipeline import load
    return load(ROOT / "policies", now="2026-01-01")


@pytest.fixture
def golden(request):
    """`golden(directory, files)`: the files must equal those under `directory` exactly."""
    update = request.config.getoption("--update-golden")

    def check(directory: Path, files: dict[str, str]) -> None:
        if update:
            for old in sorted(directory.rglob("*"), reverse=True) if directory.exists() else []:
                old.unlink() if old.is_file() else old.rmdir()
            for rel, text in files.items():
                (directory / rel).parent.mkdir(parents=True, exist_ok=True)
                (directory / rel).write_text(text, encoding="utf-8")
            return
        assert directory.is_dir(), f"no golden files at {directory}; run pytest --update-golden"
        have = {str(p.relative_to(directory)): p.read_text(encoding="utf-8")
                for p in directory.rglob("*") if p.is_file()}
        assert sorted(have) == sorted(files), "golden file set differs"
        for rel, text in files.items():
            assert text == have[rel], f"{rel} differs from golden (pytest --update-golden)"
    return check
