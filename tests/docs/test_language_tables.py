"""The generated tables of docs/language.md equal the code's own tables: the page is never
stale (`python docs/gen_tables.py` rewrites it), and read back, each table says exactly what
the compiler's table says."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agentpol import model, schema
from agentpol.check.findings import RULES
from agentpol.errors import CODES

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "docs" / "gen_tables.py"


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_tables", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def page(gen) -> dict[str, str]:
    return gen.regions(gen.PAGE.read_text(encoding="utf-8"))


def rows(region: str) -> list[list[str]]:
    """A markdown table's body rows, cells stripped of backticks."""
    lines = [line for line in region.splitlines() if line.startswith("|")][2:]
    return [[c.strip().strip("`") for c in line.strip("|").split(" | ")] for line in lines]


def test_page_is_not_stale(gen):
    text = gen.PAGE.read_text(encoding="utf-8")
    assert gen.update(text) == text, "docs/language.md is stale: run python docs/gen_tables.py"


def test_every_generator_has_its_region(gen, page):
    assert set(page) == set(gen.GENERATORS)


def test_check_mode_names_a_stale_table(gen, tmp_path, monkeypatch):
    stale = gen.PAGE.read_text(encoding="utf-8").replace("| `E001` |", "| `E000` |")
    monkeypatch.setattr(gen, "PAGE", tmp_path / "language.md")
    gen.PAGE.write_text(stale, encoding="utf-8")
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0 and gen.main(["--check"]) == 0
    assert "| `E001` |" in gen.PAGE.read_text(encoding="utf-8")


def test_script_runs_as_documented():
    run = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                         text=True, cwd=REPO)
    assert run.returncode == 0, run.stdout + run.stderr


def test_tables_read_back_equal_the_code(page):
    assert re.findall(r"`([^`]+)`", page["keywords"]) == sorted(model.KEYWORDS)
    assert {r[0]: r[1] for r in rows(page["error-codes"])} == dict(CODES)
    assert {r[0]: (r[1], r[2]) for r in rows(page["finding-rules"])} == dict(RULES)
    assert [r[0] for r in rows(page["environment-attributes"])] == list(schema.ENVIRONMENT)
    assert [r[0] for r in rows(page["agent-attributes"])] == list(schema.AGENT)
    assert [r[0] for r in rows(page["resource-attributes"])] == list(schema.COMMON)
    assert re.findall(r"`([^`]+)`", page["credential-types"]) == sorted(schema.CREDENTIAL_TYPES)
    types = rows(page["resource-types"])
    assert [r[0] for r in types] == list(schema.RESOURCE_TYPES)
    for r in types:
        assert r[1].split("`, `") == list(schema.IDENTITY.get(r[0], ("name",)))
        assert r[4].split("`, `") == list(model.ACCESS_WORDS[r[0]])
    words = [(r[0], r[1]) for r in rows(page["access-words"])]
    assert words == [(t, w) for t, ws in model.ACCESS_WORDS.items() for w in ws]
