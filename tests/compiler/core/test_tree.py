"""The output tree is written in the background and swapped in whole: whatever goes wrong (an
error finding, an exception while emitting, a file the writer cannot create), the previous
output stays as it was and no temp dir is left beside it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentpol.cli import main
from agentpol.tree import Tree

ROOT = Path(__file__).resolve().parents[3]
LEAK = '''resource iam_role deploy { name = "deploy-agents", env = prod }
agent bot {
  owner = "team@acme.com"
  in staging { allow "sts:AssumeRole" on "arn:aws:iam::*:role/deploy-*" }
}
'''


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _litter(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _earlier(out: Path) -> dict[str, bytes]:
    with Tree(out) as tree:
        tree.put({"manifest.json": "{}\n", "a/b.txt": "old\n"})
        tree.commit()
    return _tree(out)


def test_files_put_in_batches_are_all_written_then_swapped_in(tmp_path):
    out = tmp_path / "out"
    _earlier(out)
    with Tree(out) as tree:
        tree.put({"manifest.json": "{}\n"})
        tree.put({f"x/{i}/f.json": f"{i}\n" for i in range(50)})
        assert (out / "a" / "b.txt").is_file()  # nothing replaced before commit
        tree.commit()
    assert _tree(out) == {"manifest.json": b"{}\n",
                          **{f"x/{i}/f.json": f"{i}\n".encode() for i in range(50)}}
    assert _litter(out) == []


def test_an_exception_before_commit_leaves_the_output_and_no_temp(tmp_path):
    out = tmp_path / "out"
    before = _earlier(out)
    with pytest.raises(RuntimeError), Tree(out) as tree:
        tree.put({"manifest.json": "new\n"})
        raise RuntimeError("emit failed")
    assert _tree(out) == before
    assert _litter(out) == []


def test_a_file_the_writer_cannot_create_fails_the_commit_not_the_output(tmp_path):
    out = tmp_path / "out"
    before = _earlier(out)
    with Tree(out) as tree:
        tree.put({"same": "a file\n"})
        tree.put({"same/below": "and a directory of the same name\n"})
        with pytest.raises(OSError):
            tree.commit()
    assert _tree(out) == before
    assert _litter(out) == []


def test_compile_with_an_error_finding_keeps_the_previous_output(tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "policies", project / "policies")
    monkeypatch.chdir(project)
    assert main(["compile", "policies", "-o", "out"]) == 0
    before = _tree(project / "out")
    (project / "policies" / "leak.agentpol").write_text(LEAK)
    assert main(["compile", "policies", "-o", "out"]) == 1
    assert _tree(project / "out") == before
    assert _litter(project / "out") == []


def test_put_waits_for_the_writer_past_the_backlog(tmp_path, monkeypatch):
    from agentpol import tree as module
    monkeypatch.setattr(module, "BACKLOG", 10)
    out = tmp_path / "out"
    with Tree(out) as tree:
        for i in range(20):
            tree.put({f"f{i}.txt": "0123456789" * 3})  # each batch alone is past the backlog
            assert tree._backlog <= 30
        tree.put({"manifest.json": "{}\n"})
        tree.commit()
    assert len(_tree(out)) == 21
