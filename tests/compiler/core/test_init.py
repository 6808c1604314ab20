"""`agentpol init`: a starter organisation that compiles and checks clean, is already in
canonical layout, and never overwrites anything."""
from __future__ import annotations

import os
import sys

from agentpol.cli import main
from agentpol.init import starter_files


def test_init_then_check_and_compile_exit_0(tmp_path, capsys):
    d = tmp_path / "x"
    assert main(["init", str(d)]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in d.iterdir()) == sorted(starter_files())
    steps = [line.split("#")[0].strip() for line in out.splitlines()[1:]]
    assert steps == [f"agentpol check {d}", f"agentpol explain assistant {d}",
                     f"agentpol compile {d} -o build"]
    assert main(["check", str(d)]) == 0
    assert "clean" in capsys.readouterr().out
    assert main(["fmt", "--check", str(d)]) == 0
    assert main(["compile", str(d), "-o", str(tmp_path / "build")]) == 0
    assert main(["explain", "assistant", str(d)]) == 0


def test_starter_is_small_and_commented():
    files = starter_files()
    text = "\n".join(files.values())
    assert text.count("\nenvironment ") == 2 and "protected   = true" in text
    assert text.count("\nagent ") == 1 and text.count("\ntest ") == 1
    assert all(t.startswith("# ") for t in files.values())


def test_init_refuses_a_directory_with_policies(tmp_path, capsys):
    (tmp_path / "mine.agentpol").write_text("environment qa { }\n")
    assert main(["init", str(tmp_path)]) == 2
    assert "already holds policy files" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.agentpol"]


def test_init_twice_refuses_and_keeps_edits(tmp_path, capsys):
    assert main(["init", str(tmp_path)]) == 0
    (tmp_path / "agents.agentpol").write_text("# mine\n")
    assert main(["init", str(tmp_path)]) == 2
    assert (tmp_path / "agents.agentpol").read_text() == "# mine\n"


def test_init_refuses_a_file(tmp_path, capsys):
    f = tmp_path / "f"
    f.write_text("x")
    assert main(["init", str(f)]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_output_cut_short_by_a_pipe_is_not_an_error(tmp_path, monkeypatch, capsys):
    """`agentpol explain ... | head -1`: the reader closing the pipe is not the user's error."""
    assert main(["init", str(tmp_path / "p")]) == 0
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    with os.fdopen(write, "w") as closed:
        monkeypatch.setattr(sys, "stdout", closed)
        assert main(["explain", "assistant", str(tmp_path / "p")]) == 0
    assert capsys.readouterr().err == ""
