"""`agentpol compile`, `explain` and `fmt` end to end, through the real entry points."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from agentpol.cli import main
from agentpol.fmt import format_source
from agentpol.parse import parse_text
from agentpol.pipeline import load

ROOT = Path(__file__).resolve().parents[3]
CORPORA = [ROOT / "policies", ROOT / "tests" / "fixtures" / "language"]


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_compile_acme_twice_is_byte_identical(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["compile", "policies", "-o", str(tmp_path / "a")]) == 0
    assert main(["compile", "policies", "-o", str(tmp_path / "b")]) == 0
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert a == b
    assert {"manifest.json", "permissions.txt"} <= set(a)


def test_manifest_lists_every_file_with_its_hash(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    main(["compile", "policies", "-o", str(tmp_path)])
    entries = json.loads((tmp_path / "manifest.json").read_text())["files"]
    files = _tree(tmp_path)
    assert {e["path"] for e in entries} == set(files) - {"manifest.json"}
    import hashlib
    for e in entries:
        assert e["sha256"] == hashlib.sha256(files[e["path"]]).hexdigest()


def test_permissions_txt_is_sorted_with_identities_and_source_files(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    main(["compile", "policies", "-o", str(tmp_path)])
    lines = (tmp_path / "permissions.txt").read_text().splitlines()
    assert lines[1:4] == ["# env dev", "# env prod protected audit_log=log_group.agent-audit@prod",
                          "# env staging audit_log=log_group.agent-audit@staging"]
    live = lines[4:lines.index("")] if "" in lines else lines[4:]
    assert live == sorted(live)
    # prod has two regions: the identity is the ARN in each
    assert ("prod support-bot read secret.zendesk-token@prod arn:aws:secretsmanager:eu-west-1:"
            "222222222222:secret:prod/support/zendesk-token-??????,arn:aws:secretsmanager:"
            "us-east-1:222222222222:secret:prod/support/zendesk-token-??????  "
            "# policies/agents.agentpol credential") in live
    assert ("prod support-bot write dynamodb_table.tickets@prod arn:aws:dynamodb:eu-west-1:"
            "222222222222:table/tickets-prod,arn:aws:dynamodb:us-east-1:222222222222:table/"
            "tickets-prod  # policies/agents.agentpol") in live
    shadow = lines[lines.index("## shadow mode: evaluated and logged by the gateway, never executed"):]
    assert any(l.startswith("prod refund-agent receive sqs_queue.refunds@prod") for l in shadow)
    assert not any(l.startswith("prod refund-agent") for l in live if " session " not in l
                   and " budget " not in l and " rate " not in l and " approval " not in l)


def test_python_dash_m_and_console_script(tmp_path):
    for cmd in ([sys.executable, "-m", "agentpol"], [shutil.which("agentpol")]):
        r = subprocess.run(cmd + ["compile", "policies", "-o", str(tmp_path / "o")], cwd=ROOT,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        r = subprocess.run(cmd + ["compile", "nope"], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 2 and "Traceback" not in r.stderr


def test_the_console_script_ends_without_teardown_but_with_every_byte_written(capsys,
                                                                             monkeypatch):
    """`run` leaves through os._exit: what was printed must still all arrive."""
    monkeypatch.chdir(ROOT)
    assert main(["graph", "policies"]) == 0
    expected = capsys.readouterr().out
    r = subprocess.run([sys.executable, "-m", "agentpol", "graph", "policies"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == expected and len(expected) > 10_000


def test_usage_error_exit_2(capsys):
    try:
        main(["compile", "--bogus"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse should exit 2")


def test_explain_names_the_granting_statement(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["explain", "support-bot@prod"]) == 0
    out = capsys.readouterr().out
    assert "read dynamodb_table.tickets@prod" in out
    assert "policies/profiles.agentpol:2:3 via ticket-reader" in out
    assert main(["explain", "nobody"]) == 2


def test_fmt_is_idempotent_and_keeps_the_model(tmp_path, monkeypatch):
    for corpus in CORPORA:
        work = tmp_path / corpus.name
        shutil.copytree(corpus, work)
        before = load(work, now="2026-01-01")
        main(["fmt", str(work)])
        assert main(["fmt", str(work), "--check"]) == 0
        after = load(work, now="2026-01-01")
        strip = lambda m: {k: (p.mode, p.session, sorted(str(g.access) + str(g.target)
                                                         for g in p.grants))
                           for k, p in m.principals.items()}
        assert strip(before) == strip(after)
        for f in work.rglob("*.agentpol"):
            text = f.read_text()
            assert format_source(parse_text(str(f), text)) == text


def test_fmt_keeps_every_comment():
    src = ('# head\nenvironment e { # trailing\n  protected = true\n  # inside\n}\n'
           'agent a {\n  owner = "o"\n  in e {\n    # before stmt\n    session 1h # after\n  }\n}\n')
    out = format_source(parse_text("x.agentpol", src))
    for c in ("# head", "# trailing", "# inside", "# before stmt", "# after"):
        assert c in out
    assert format_source(parse_text("x.agentpol", out)) == out


def test_fmt_check_reports_unformatted(tmp_path, capsys):
    (tmp_path / "a.agentpol").write_text("environment   e{protected=true}")
    assert main(["fmt", str(tmp_path), "--check"]) == 1
    assert main(["fmt", str(tmp_path)]) == 0
    assert (tmp_path / "a.agentpol").read_text() == "environment e {\n  protected = true\n}\n"


def test_project_policies_are_canonically_formatted(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["fmt", "policies", "--check"]) == 0


def test_a_target_named_twice_is_compiled_once(tmp_path):
    """`--target aws,aws` is `--target aws` (a target is not a collision with itself), in
    whichever process it is emitted."""
    from agentpol.pipeline import target_names
    assert target_names(" aws, tokens ,aws,,network,network") == ["aws", "tokens", "network"]
    src = tmp_path / "policies"  # without its test blocks, so that aws is emitted aside
    shutil.copytree(ROOT / "policies", src, ignore=shutil.ignore_patterns("tests.agentpol"))
    assert not load(src).program.tests
    for names in ("aws,aws", "network,network"):
        once, twice = tmp_path / f"once-{names}", tmp_path / f"twice-{names}"
        assert main(["compile", str(src), "-o", str(once), "--target",
                     names.split(",")[0]]) == 0
        assert main(["compile", str(src), "-o", str(twice), "--target", names]) == 0
        assert _files(once) == _files(twice)


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_two_targets_writing_one_path_is_an_error_not_an_overwrite(acme_model):
    import pytest
    from agentpol import artifacts
    table = {"a": lambda m: {"x/prod/f.json": "1"}, "b": lambda m: {"x/prod/f.json": "2"}}
    with pytest.raises(artifacts.Collision, match="both the a and the b target"):
        artifacts.build(acme_model, table, ["a", "b"])


def test_manifest_names_the_target_that_wrote_each_file(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    main(["compile", "policies", "-o", str(tmp_path)])
    entries = {e["path"]: e for e in json.loads((tmp_path / "manifest.json").read_text())["files"]}
    assert entries["network/prod/mcp-jira/squid.conf"]["target"] == "audit"
    assert entries["network/prod/mcp-jira/squid.conf"]["agent"] is None
    assert entries["network/prod/support-bot/squid.conf"]["agent"] == "support-bot"
    assert entries["shadow/aws/prod/refund-agent/identity-policy.json"]["shadow"]


def test_output_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["compile", str(ROOT / "policies"), "-o", "from-elsewhere"]) == 0
    monkeypatch.chdir(ROOT / "policies")
    assert main(["compile", ".", "-o", str(tmp_path / "from-inside")]) == 0
    a, b = _tree(tmp_path / "from-elsewhere"), _tree(tmp_path / "from-inside")
    assert a == b
    assert not any(str(tmp_path).encode() in t or str(ROOT).encode() in t for t in a.values())


def test_compile_never_replaces_a_directory_it_did_not_write(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "policies", project / "policies")
    (project / "notes.txt").write_text("mine")
    monkeypatch.chdir(project)
    assert main(["compile", "policies", "-o", "."]) == 2
    assert main(["compile", "policies", "-o", "policies"]) == 2
    assert "refusing to replace it" in capsys.readouterr().err
    assert (project / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in (project / "policies").iterdir()) == sorted(
        p.name for p in (ROOT / "policies").iterdir())
    assert main(["compile", "policies", "-o", "notes.txt"]) == 2
    assert (project / "notes.txt").read_text() == "mine"
    assert main(["compile", "policies", "-o", "build"]) == 0   # a fresh dir, then its own
    assert main(["compile", "policies", "-o", "build"]) == 0   # earlier output: replaced
    assert (project / "build").stat().st_mode & 0o077 != 0     # not mkdtemp's 0700


def test_unwritable_output_is_an_error_not_a_traceback(capsys):
    assert main(["compile", str(ROOT / "policies"), "-o", "/proc/agentpol-nope"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "agentpol: error:" in err


def test_a_system_error_names_its_file_only_when_it_has_one(tmp_path, monkeypatch, capsys):
    from agentpol import pipeline
    for error, said in ((OSError("a process writing the output stopped without a word"),
                         "agentpol: error: a process writing the output stopped without a word"),
                        (PermissionError(13, "Permission denied", "/x/y"),
                         "agentpol: error: /x/y: Permission denied")):
        def fail(*args, error=error, **kwargs):
            raise error
        monkeypatch.setattr(pipeline, "emission", fail)
        assert main(["compile", str(ROOT / "policies"), "-o", str(tmp_path / "out")]) == 2
        assert capsys.readouterr().err.strip() == said


def test_fmt_on_a_missing_directory_fails(tmp_path, capsys):
    assert main(["fmt", str(tmp_path / "nope"), "--check"]) == 2


def test_graph_refuses_a_format_it_cannot_write(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["graph", "policies", "-o", str(tmp_path / "g.png")]) == 2
    assert not (tmp_path / "g.png").exists()


def test_a_byte_order_mark_is_not_a_syntax_error(tmp_path):
    (tmp_path / "a.agentpol").write_bytes("\ufeffenvironment e { protected = true }\n"
                                          .encode("utf-8"))
    assert load(tmp_path).environments["e"].protected


def test_text_that_is_not_utf8_is_e004_at_its_byte_for_every_command(tmp_path, capsys):
    d = tmp_path / "policies"
    d.mkdir()
    (d / "a.agentpol").write_bytes(b'agent a {\n  owner = "caf\xe9@x.com" }\n')
    for argv in (["check", str(d)], ["fmt", str(d)], ["fmt", "--check", str(d)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "a.agentpol:2:15: error[E004]: not UTF-8" in err, err
        assert "Traceback" not in err and "\n       |               ^\n" in err


def test_half_a_surrogate_pair_is_e003_and_fmt_keeps_the_file(tmp_path, capsys):
    """JSON reads `\\ud800`, but no UTF-8 file can hold it: an input error, never a traceback,
    and fmt (which used to truncate the file writing it) leaves the literal as written."""
    d = tmp_path / "policies"
    d.mkdir()
    (d / "a.agentpol").write_text('agent a {owner = "a@x.com", description = "x\\ud800"}\n')
    assert main(["check", str(d)]) == 2
    assert "a.agentpol:1:43: error[E003]: invalid string literal" in capsys.readouterr().err
    assert main(["fmt", str(d)]) == 0
    assert (d / "a.agentpol").read_text() == \
        'agent a {\n  owner       = "a@x.com"\n  description = "x\\ud800"\n}\n'


def test_caret_line_counts_only_newlines(tmp_path, capsys):
    """U+2028 or a form feed inside a string does not end a line for the parser, nor for the
    source line shown under an error."""
    d = tmp_path / "policies"
    d.mkdir()
    (d / "a.agentpol").write_text('agent a { description = "x\u2028y"\n  owner = "a@x.com"\n'
                                  '  in nowhere { } }\n', encoding="utf-8")
    assert main(["check", str(d)]) == 2
    err = capsys.readouterr().err
    assert "a.agentpol:3:6: error[E012]" in err
    assert "     3 |   in nowhere { } }\n       |      ^^^^^^^\n" in err


def test_manifest_text_is_the_standard_json_rendering(acme_model):
    from agentpol import artifacts
    from agentpol.pipeline import targets
    files = artifacts.build(acme_model, targets(), list(targets()))
    text = files["manifest.json"]
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    odd = {'we"ird\\path/é': "x"}
    text = artifacts.manifest(artifacts.digested(odd), {}, acme_model)
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    assert artifacts.manifest({}, {}, acme_model) == json.dumps({"files": []}, indent=2) + "\n"


def test_build_hands_every_file_to_the_sink_and_keeps_only_what_the_proof_reads(acme_model):
    from agentpol import artifacts, quota
    from agentpol.pipeline import proof_reads, targets
    full = artifacts.build(acme_model, targets(), list(targets()))
    sunk: dict[str, str] = {}
    kept = artifacts.build(acme_model, targets(), list(targets()), None, sunk.update, quota.reads)
    assert sunk == full
    own = {"manifest.json", "permissions.txt", "README.md"}
    assert set(kept) == {p for p in full if quota.reads(p)} | own
    assert all(kept[p] == full[p] for p in kept)
    assert proof_reads(acme_model)("network/dev/x/cilium.yaml") == bool(acme_model.program.tests)


def test_emitting_aside_in_a_spawned_process_writes_the_same_tree(acme_model, tmp_path):
    """Compile's emission, part of it in a forked process writing its own files: the same
    tree, byte for byte; neither process keeps a target's text (the proof of a program without
    `test` blocks reads none; quota was measured as each target was emitted)."""
    from dataclasses import replace
    from agentpol import artifacts, pipeline, quota, tree
    model = replace(acme_model, program=replace(acme_model.program, tests=()))  # else: no fork
    names = list(pipeline.targets())
    full = artifacts.build(model, pipeline.targets(), names)
    assert pipeline.ASIDE < set(names) and quota.READ_TARGETS & pipeline.ASIDE
    with tree.Tree(tmp_path / "out") as out:
        emission = pipeline.emission(model, names, None, out.put, out.spawn)
        assert emission.files == {}
        kept = emission.finish()
        out.commit()
    written = {str(p.relative_to(tmp_path / "out")): p.read_text(encoding="utf-8")
               for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert written == full
    assert out.count == len(full)
    assert set(kept) == {"manifest.json", "permissions.txt", "README.md"}


def _target(path: str) -> str:
    return path.split("/")[1 if path.startswith("shadow/") else 0]


QUOTAS = "".join(f'resource dynamodb_table t{i} {{ name = "table-{i:03}-{{env}}" }}\n'
                 for i in range(80)) + """
agent bot { owner = "t@acme.com"
  in staging { allow read, write, delete on """ + ", ".join(
    f"dynamodb_table.t{i}" for i in range(80)) + """ } }
agent wide { owner = "t@acme.com"
  in staging { allow "*:Describe*" on "*" } }
agent later { owner = "t@acme.com"
  in staging { mode shadow
    allow "*:Describe*" on "*" } }
"""


def test_compile_measures_quota_where_each_file_was_emitted(tmp_path):
    """The forked process measures quota on its own files and sends back only findings: the
    report is the one the proof gives over every file at once (AWS's and STS's limits, a
    shadow preview's too), in the same order."""
    from agentpol import pipeline, tree
    from helpers import model_from
    model = model_from(QUOTAS)
    whole = pipeline.check(model)
    quotas = {(f.rule, f.message) for f in whole.findings if f.rule == "quota"}
    assert len(quotas) >= 3 and any("session" in m for _, m in quotas)
    with tree.Tree(tmp_path / "out") as out:
        emission = pipeline.emission(model, list(pipeline.targets()), None, out.put, out.spawn)
        assert not any(_target(p) in pipeline.ASIDE for p in emission.files)
        report = pipeline.proved(model, emission)
        emission.finish()
    assert report.findings == whole.findings


def test_a_path_written_here_and_by_the_spawned_process_is_a_collision(acme_model, tmp_path):
    import pytest
    from agentpol import artifacts, tree
    table = {"a": lambda m: {"x/prod/f.json": "1"}, "b": lambda m: {"x/prod/f.json": "2"}}
    with tree.Tree(tmp_path / "out") as out:
        emission = artifacts.Emission(acme_model, table, ["a", "b"], None, None, None,
                                      out.spawn, ["b"])
        with pytest.raises(artifacts.Collision, match="both the a and the b target"):
            emission.finish()
