"""The errors a newcomer meets first say what was expected: exit 2, the code, the place, a
caret under the offending token, and a hint that is never empty."""
from __future__ import annotations

import pytest

from agentpol.cli import main
from agentpol.schema import RESOURCE_TYPES
from helpers import policy_dir

A = 'agent a {\n  owner = "o"\n'

CASES = [
    # (id, source, code, line, col, width, words the hint must contain)
    ("unknown-type-lists-types", 'resource bucket b { name = "x" }', "E013", 1, 10, 6,
     ["did you mean `s3_bucket`?", *RESOURCE_TYPES]),
    ("unknown-type-far-from-any", 'resource zzz b { name = "x" }', "E013", 1, 10, 3,
     list(RESOURCE_TYPES)),
    ("uses-typo", A + "  in staging { uses p } }", "E001", 3, 16, 4,
     ["did you mean `use`?", "`allow`", "`session`", "`}`"]),
    ("allow-typo", A + "  in staging { alow read on secret.s } }", "E001", 3, 16, 4,
     ["did you mean `allow`?", "`deny`", "`use`"]),
    ("keyword-glued-to-letters", A + "  in staging { allowed read on secret.s } }", "E001", 3,
     16, 7, ["did you mean `allow`?"]),
    ("slash-comment", "// the envs\n", "E002", 1, 1, 1, ["comments start with `#`"]),
    ("block-comment", "environment qa { } /* no */", "E002", 1, 20, 1,
     ["comments start with `#`"]),
    ("single-quotes", "resource secret s { name = 'x' }", "E002", 1, 28, 1, ['double quotes']),
    ("statement-outside-in-block", A + "  allow read on secret.s }", "E001", 3, 9, 4,
     ["statements go inside an agent's `in ENV { ... }` block"]),
    ("misspelt-statement-outside-in-block", A + "  alow read on secret.s }", "E001", 3, 8, 4,
     ["statements go inside an agent's `in ENV { ... }` block"]),
    ("statement-at-top-level", "allow read on secret.s", "E001", 1, 1, 5,
     ["statements go inside an agent's `in ENV { ... }` block"]),
    ("colon-for-equals", "environment qa { protected: true }", "E002", 1, 27, 1,
     ["`key = value`"]),
    ("semicolon", A + "  in staging { session 1h; } }", "E002", 3, 26, 1, ["no `;` is needed"]),
    ("session-without-unit", A + "  in staging { session 60 } }", "E001", 3, 24, 2,
     ["expected a duration (30s, 15m, 1h, 7d)"]),
    ("unknown-env-lists-envs", 'resource secret s { name = "{env}/s", env = qa }', "E012", 1,
     45, 2, ["declared environments: prod, staging"]),
    ("unknown-profile-none-declared", A + "  in staging { use readers } }", "E012", 3, 20, 7,
     ["no profiles are declared"]),
    ("expect-agent-without-blocks", 'agent a { owner = "o" }\ntest "t" { expect deny a@prod '
     'read log_group.audit }', "E012", 2, 26, 4, ["add `in prod { ... }` to agent `a`"]),
]


@pytest.mark.parametrize("source,code,line,col,width,hint", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_first_error(source, code, line, col, width, hint, capsys):
    with policy_dir(source) as d:
        assert main(["check", str(d)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    head = f"policies/main.agentpol:{line}:{col}: error[{code}]:"
    assert head in err, err
    lines = err.splitlines()
    at = lines.index(next(x for x in lines if x.startswith(head)))
    assert lines[at + 2].endswith(" " * (col - 1) + "^" * width), err
    assert lines[at + 3].startswith("       = hint: "), err
    for words in hint:
        assert words in lines[at + 3], err
    assert "a name" not in lines[at + 3] or code != "E001" or "did you mean" in lines[at + 3]


def test_no_follow_on_error_after_an_unknown_env(capsys):
    """A resource limited to an env that does not exist: the one error is the unknown env,
    not a second one at every reference saying it "exists in: no environment"."""
    source = 'resource secret s { name = "{env}/s", env = qa }\n' + A + \
        "  in staging { allow read on secret.s } }"
    with policy_dir(source) as d:
        assert main(["check", str(d)]) == 2
    err = capsys.readouterr().err
    assert err.count("error[") == 1 and "error[E012]" in err, err
    assert "no environment" not in err


def test_no_hint_is_ever_empty(capsys):
    source = 'resource secret s { name = "x", envs = [] }\n' + A + \
        "  in staging { allow read on secret.s } }"
    with policy_dir(source) as d:
        assert main(["check", str(d)]) == 2
    err = capsys.readouterr().err
    assert "error[E021]" in err
    assert all(line.strip() != "= hint:" and not line.rstrip().endswith(":")
               for line in err.splitlines() if "hint:" in line), err


def test_empty_directory_says_no_agentpol_files(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}: error[E005]: no .agentpol files in {tmp_path}" in err, err
    assert "agentpol init" in err


def test_missing_policy_directory_points_at_init(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    assert "policies: not a directory (none exists; `agentpol init policies` writes" in \
        capsys.readouterr().err


def test_explain_unknown_environment(capsys):
    with policy_dir(A + "  in staging { } }") as d:
        assert main(["explain", "a@qa", str(d)]) == 2
        assert "unknown environment 'qa'; declared: prod, staging" in capsys.readouterr().err
        assert main(["explain", "b@staging", str(d)]) == 2
        assert "unknown agent 'b'; declared: a" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("agentpol ") and out.split()[1][0].isdigit(), out
