"""The output tree is written by the compiler and by the processes it spawns (forked, or in
the compiler's own process where there is no fork), and swapped in whole: whatever goes wrong
(an error finding, an exception while emitting, here or in a spawned process, a file that
cannot be created), the previous output stays as it was and no temp dir is left beside it.
Every tree test runs three ways: forked, without a fork, and with the fork refused."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from agentpol import tree as module
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


@pytest.fixture(params=["forked", "in-process", "fork-refused"])
def fork(request, monkeypatch) -> bool:
    """Whether spawned work really runs in another process: forked; where there is no fork;
    where the system refuses one (a limit on processes or memory: the work runs here)."""
    monkeypatch.setattr(module, "_FORK", request.param != "in-process")
    if request.param == "fork-refused":
        def refused() -> int:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        monkeypatch.setattr(module.os, "fork", refused)
    return request.param == "forked"


def _earlier(out: Path) -> dict[str, bytes]:
    with Tree(out) as tree:
        tree.put({"manifest.json": "{}\n", "a/b.txt": "old\n"})
        tree.commit()
    return _tree(out)


def test_files_put_here_and_by_a_spawned_process_are_written_then_swapped_in(tmp_path, fork):
    out = tmp_path / "out"
    _earlier(out)
    with Tree(out) as tree:
        join = tree.spawn(lambda: tree.put({f"y/{i}.json": f"{i}\n" for i in range(30)})
                          or os.getpid())
        tree.put({"manifest.json": "{}\n"})
        tree.put({f"x/{i}/f.json": f"{i}\n" for i in range(50)})
        assert (join() != os.getpid()) is fork
        assert (out / "a" / "b.txt").is_file()  # nothing replaced before commit
        tree.commit()
    assert tree.count == 81
    assert _tree(out) == {"manifest.json": b"{}\n",
                          **{f"x/{i}/f.json": f"{i}\n".encode() for i in range(50)},
                          **{f"y/{i}.json": f"{i}\n".encode() for i in range(30)}}
    assert _litter(out) == []


def test_an_exception_before_commit_leaves_the_output_and_no_temp(tmp_path, fork):
    out = tmp_path / "out"
    before = _earlier(out)
    with pytest.raises(RuntimeError), Tree(out) as tree:
        tree.put({"manifest.json": "new\n"})
        raise RuntimeError("emit failed")
    assert _tree(out) == before
    assert _litter(out) == []


def _fails() -> None:
    raise KeyError("a target failed")


def test_a_spawned_processs_exception_is_raised_by_join(tmp_path, fork):
    out = tmp_path / "out"
    before = _earlier(out)
    with pytest.raises(KeyError, match="a target failed"), Tree(out) as tree:
        tree.put({"manifest.json": "new\n"})
        tree.spawn(_fails)()  # without fork, raised by spawn: the work runs there and then
    assert _tree(out) == before
    assert _litter(out) == []


def test_a_result_that_does_not_pickle_comes_back_as_its_words(tmp_path, fork):
    with Tree(tmp_path / "out") as tree:
        join = tree.spawn(lambda: (lambda: None) if fork else "here")
        if fork:
            with pytest.raises(RuntimeError, match="lambda"):
                join()
        else:
            assert join() == "here"


def test_an_abort_stops_a_spawned_process_before_removing_the_temp(tmp_path):
    out = tmp_path / "out"
    before = _earlier(out)
    with pytest.raises(RuntimeError), Tree(out) as tree:
        tree.spawn(lambda: [tree.put({f"slow/{i}": "x"}) or time.sleep(0.01)
                            for i in range(10_000)])
        time.sleep(0.2)
        raise RuntimeError("the proof failed")
    assert _tree(out) == before
    assert _litter(out) == []


@pytest.mark.parametrize("where", ["here", "spawned"])
def test_a_file_that_cannot_be_created_fails_the_commit_not_the_output(tmp_path, fork, where):
    out = tmp_path / "out"
    before = _earlier(out)
    with Tree(out) as tree:
        tree.put({"same": "a file\n"})
        if where == "here":
            tree.put({"same/below": "and a directory of the same name\n"})
        else:
            tree.spawn(lambda: tree.put({"same/below": "the same, put elsewhere\n"}))()
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


def test_two_trees_open_at_once_each_spawning_finish(tmp_path, fork):
    """A process spawned for one tree must not hold the other's results pipe open."""
    with Tree(tmp_path / "a") as a, Tree(tmp_path / "b") as b:
        join_a = a.spawn(lambda: a.put({"manifest.json": "a\n"}))
        join_b = b.spawn(lambda: b.put({"manifest.json": "b\n"}))
        join_a()
        join_b()
        a.commit()
        b.commit()
    assert _tree(tmp_path / "a") == {"manifest.json": b"a\n"}
    assert _tree(tmp_path / "b") == {"manifest.json": b"b\n"}


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


def test_a_replaced_output_is_removed_whole_however_its_removal_is_shared(tmp_path, fork):
    """The previous output is removed after the swap, its subtrees shared between this process
    and a forked one: nothing of it is left, and the new output is untouched."""
    out = tmp_path / "out"
    with Tree(out) as tree:
        tree.put({"manifest.json": "{}\n", "top.txt": "t\n",
                  **{f"{t}/{e}/{a}/f.json": "x\n" for t in ("aws", "network") for e in
                     ("dev", "prod", "staging") for a in range(3 + len(e))}})
        tree.commit()
    with Tree(out) as tree:
        tree.put({"manifest.json": "{}\n", "aws/dev/new/f.json": "new\n"})
        tree.commit()
    assert _tree(out) == {"manifest.json": b"{}\n", "aws/dev/new/f.json": b"new\n"}
    assert _litter(out) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["out"]
