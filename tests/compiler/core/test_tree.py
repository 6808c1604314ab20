"""The output tree is written by a forked writer process (or in the compiler's own process
where there is no fork) and swapped in whole: whatever goes wrong (an error finding, an
exception while emitting, a file the writer cannot create), the previous output stays as it
was and no temp dir is left beside it. Every test runs both ways."""
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


@pytest.fixture(params=[True, False], ids=["forked-writer", "in-process"])
def background(request) -> bool:
    return request.param


def _earlier(out: Path) -> dict[str, bytes]:
    with Tree(out) as tree:
        tree.put({"manifest.json": "{}\n", "a/b.txt": "old\n"})
        tree.commit()
    return _tree(out)


def test_files_put_in_batches_are_all_written_then_swapped_in(tmp_path, background):
    out = tmp_path / "out"
    _earlier(out)
    with Tree(out, background) as tree:
        tree.put({"manifest.json": "{}\n"})
        tree.put({f"x/{i}/f.json": f"{i}\n" for i in range(50)})
        assert (out / "a" / "b.txt").is_file()  # nothing replaced before commit
        tree.commit()
    assert _tree(out) == {"manifest.json": b"{}\n",
                          **{f"x/{i}/f.json": f"{i}\n".encode() for i in range(50)}}
    assert _litter(out) == []


def test_an_exception_before_commit_leaves_the_output_and_no_temp(tmp_path, background):
    out = tmp_path / "out"
    before = _earlier(out)
    with pytest.raises(RuntimeError), Tree(out, background) as tree:
        tree.put({"manifest.json": "new\n"})
        raise RuntimeError("emit failed")
    assert _tree(out) == before
    assert _litter(out) == []


def test_a_file_the_writer_cannot_create_fails_the_commit_not_the_output(tmp_path, background):
    out = tmp_path / "out"
    before = _earlier(out)
    with Tree(out, background) as tree:
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


def test_two_trees_open_at_once_each_finish(tmp_path, background):
    """A second writer must not hold the first one's pipe open (it would never see its end)."""
    with Tree(tmp_path / "a", background) as a, Tree(tmp_path / "b", background) as b:
        a.put({"manifest.json": "a\n"})
        b.put({"manifest.json": "b\n"})
        a.commit()
        b.commit()
    assert _tree(tmp_path / "a") == {"manifest.json": b"a\n"}
    assert _tree(tmp_path / "b") == {"manifest.json": b"b\n"}


def test_a_large_tree_arrives_whole(tmp_path, background, monkeypatch):
    from agentpol import tree as module
    monkeypatch.setattr(module, "CHUNK", 10_000)  # many messages per put
    files = {f"d{i % 97}/f{i}.json": f"{i}" * (i % 5000) for i in range(3000)}
    files["manifest.json"] = "{}\n"
    with Tree(tmp_path / "out", background) as tree:
        for i in range(0, 3000, 700):
            tree.put(dict(list(files.items())[i:i + 700]))
        tree.commit()
    assert _tree(tmp_path / "out") == {k: v.encode() for k, v in files.items()}


def test_compile_says_how_many_files_it_wrote_also_when_it_keeps_few(tmp_path, monkeypatch,
                                                                      capsys):
    """Without `test` blocks compile keeps only the texts the proof reads; the count it prints
    is still every file written."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "policies", project / "policies")
    (project / "policies" / "tests.agentpol").unlink()
    monkeypatch.chdir(project)
    assert main(["compile", "policies", "-o", "out"]) == 0
    written = len(_tree(project / "out"))
    assert f"wrote {written} files to out" in capsys.readouterr().out
