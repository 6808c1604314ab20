"""Every input error a user can cause: exit 2, the exact code, line and column, a caret, no
traceback, nothing written. Each source is `policies/main.agentpol` beside the standard envs."""
from __future__ import annotations

from pathlib import Path

import pytest

from agentpol.cli import main
from helpers import policy_dir

A = 'agent a {\n  owner = "o"\n'  # lines 1-2 of an agent; its `in` block starts on line 3

CASES = [
    # (id, source, code, line, col)
    ("syntax-missing-brace", 'resource s3_bucket b { name = "x" ', "E001", 1, 35),
    ("syntax-stray-token", "environment dev { = }", "E001", 1, 19),
    ("syntax-bad-char", 'resource s3_bucket b { name = "x" } $', "E002", 1, 37),
    ("syntax-statement-outside-block", "allow read on s3_bucket.b", "E001", 1, 1),
    ("syntax-missing-on", A + "  in staging { allow read s3_bucket.b } }", "E001", 3, 27),
    ("syntax-budget-no-usd", A + "  in staging { budget total 5 per day } }", "E001", 3, 31),
    ("syntax-mode-unknown", A + "  in staging { mode loud } }", "E001", 3, 21),
    ("syntax-session-integer", A + "  in staging { session 60 } }", "E001", 3, 24),
    ("syntax-unterminated-string", 'resource s3_bucket b { name = "x }', "E002", 1, 31),
    ("bad-escape", 'resource s3_bucket b { name = "a\\qb" }', "E003", 1, 31),
    ("keyword-as-agent-name", 'agent allow { owner = "o" }', "E010", 1, 7),
    ("keyword-as-resource-name", 'resource secret deny { name = "x" }', "E010", 1, 17),
    ("keyword-as-env-name", "environment test { }", "E010", 1, 13),
    ("duplicate-resource", 'resource secret s { name = "a" }\nresource secret s { name = "b" }',
     "E011", 2, 17),
    ("duplicate-agent", 'agent a { owner = "o" }\nagent a { owner = "p" }', "E011", 2, 7),
    ("duplicate-env", "environment prod { }", "E011", 1, 13),
    ("unknown-profile", A + "  in staging { use readers } }", "E012", 3, 20),
    ("unknown-env-in-block", A + "  in stagng { } }", "E012", 3, 6),
    ("unknown-resource", A + "  in staging { allow read on secret.nope } }", "E012", 3, 37),
    ("unknown-ref-env", 'resource secret s { name = "{env}/s" }\n' + A
     + "  in staging { allow read on secret.s@qa } }", "E012", 4, 39),
    ("unknown-resource-type", 'resource s3bucket b { name = "x" }', "E013", 1, 10),
    ("unknown-type-in-ref", A + "  in staging { allow read on s3bucket.b } }", "E013", 3, 30),
    ("unknown-env-attribute", 'environment qa { aws_acount = "123456789012" }', "E014", 1, 18),
    ("unknown-resource-attribute", 'resource s3_bucket b { name = "x", prefx = "a/" }', "E014", 1, 36),
    ("unknown-agent-attribute", 'agent a { ownr = "o" }', "E014", 1, 11),
    ("duplicate-attribute", 'resource s3_bucket b { name = "x", name = "y" }', "E015", 1, 36),
    ("wrong-type-protected", "environment qa { protected = yes }", "E016", 1, 30),
    ("wrong-type-regions", 'environment qa { regions = "us-east-1" }', "E016", 1, 28),
    ("bad-account", 'environment qa { aws_account = "12345" }', "E017", 1, 32),
    ("bad-cidr", 'environment qa { cidrs = ["10.0.0.1/16"] }', "E017", 1, 27),
    ("bad-region", 'environment qa { regions = ["mars-1"] }', "E017", 1, 29),
    ("no-region", 'environment qa { aws_account = "444444444444", regions = [] }', "E017", 1, 58),
    ("bad-domain", 'environment qa { domains = ["bad domain"] }', "E017", 1, 29),
    ("vault-address-no-port", 'environment qa { vault_address = "vault.qa" }', "E017", 1, 34),
    ("vault-address-url", 'environment qa { vault_address = "https://vault.qa:8200" }', "E017",
     1, 34),
    ("bad-provider", 'resource api x { provider = acme, key_name = "k" }', "E017", 1, 29),
    ("budget-three-decimals", 'resource api o { provider = openai, key_name = "k-{env}" }\n' + A
     + "  in staging { budget api.o 1.005 usd per day } }", "E017", 4, 29),
    ("missing-bucket-name", 'resource s3_bucket b { prefix = "a/" }', "E018", 1, 20),
    ("missing-kms-key", "resource kms_key k { }", "E018", 1, 18),
    ("shared-without-account", 'resource secret s { name = "x", shared = true }', "E018", 1, 17),
    ("unknown-template-var", 'resource secret s { name = "{stage}/s" }', "E019", 1, 28),
    ("template-env-in-shared", 'resource s3_bucket b { name = "x-{env}", shared = true }', "E019", 1, 31),
    ("word-not-for-type", 'resource secret s { name = "{env}/s" }\n' + A
     + "  in staging { allow delete on secret.s } }", "E020", 4, 22),
    ("word-on-arn", A + '  in staging { allow read on "arn:aws:s3:::b/*" } }', "E020", 3, 22),
    ("ref-to-missing-env-instance", 'resource iam_role r { name = "r", env = prod }\n' + A
     + "  in staging { allow assume on iam_role.r } }", "E021", 4, 32),
    ("explicit-env-without-instance", 'resource iam_role r { name = "r", env = prod }\n' + A
     + "  in prod { allow assume on iam_role.r@staging } }", "E021", 4, 29),
    ("profile-ref-missing-in-env", 'resource iam_role r { name = "r", env = prod }\n'
     "profile p { allow assume on iam_role.r }\n" + A + "  in staging { use p } }", "E021", 2, 29),
    ("profile-cycle", "profile p { use q }\nprofile q { use p }", "E022", 1, 17),
    ("session-too-long", A + "  in staging { session 13h } }", "E023", 3, 24),
    ("session-too-short", A + "  in staging { session 10m } }", "E023", 3, 24),
    ("bad-budget-period", 'resource api o { provider = openai, key_name = "k-{env}" }\n' + A
     + "  in staging { budget api.o 5 usd per week } }", "E024", 4, 39),
    ("bad-rate-period", 'resource api o { provider = openai, key_name = "k-{env}" }\n' + A
     + "  in staging { rate api.o 5 per month } }", "E024", 4, 33),
    ("map-key-not-env", 'resource secret s { name = { staging = "a", qa = "b" } }', "E025", 1, 50),
    ("env-without-account", 'environment qa { }\nresource secret s { name = "{env}/s" }', "E026", 1, 13),
    ("egress-without-port", A + '  in staging { egress "hooks.slack.com" } }', "E027", 3, 23),
    ("egress-bad-cidr", A + '  in staging { egress "10.0.0.1/8:443" } }', "E027", 3, 23),
    ("egress-to-bucket", 'resource s3_bucket b { name = "x-{env}" }\n' + A
     + "  in staging { egress s3_bucket.b } }", "E028", 4, 23),
    ("budget-on-mcp", 'resource mcp_server m { url = "https://m.{env}.x.com" }\n' + A
     + "  in staging { budget mcp_server.m 5 usd per day } }", "E028", 4, 23),
    ("audit-log-not-log-group", 'resource secret s { name = "{env}/s" }\n'
     "environment qa { aws_account = \"123456789012\", audit_log = secret.s }", "E028", 2, 60),
    ("env-and-envs", 'resource secret s { name = "x", env = prod, envs = [prod] }', "E029", 1, 52),
    ("key-id-and-alias", 'resource kms_key k { key_id = "k", alias = "alias/k" }', "E029", 1, 44),
    ("conflicting-session", A + "  in staging { session 1h }\n  in staging { session 2h } }",
     "E029", 4, 16),
    ("conflicting-mode", A + "  in prod { mode shadow }\n  in prod { mode enforce } }", "E029", 4, 13),
    ("agent-named-like-mcp-dir", 'resource mcp_server tools { url = "https://t.{env}.x.com", '
     'upstream = ["api.x.com:443"] }\nagent mcp-tools { owner = "o" }', "E029", 2, 7),
    ("agent-wears-mcp-label", 'resource mcp_server tools { url = "https://t.{env}.x.com", '
     'upstream = ["api.x.com:443"] }\nagent a { owner = "o", service_account = "tools" }',
     "E029", 2, 7),
    ("shared-account", 'environment qa { aws_account = "222222222222" }', "E029", 1, 32),
    ("url-port-out-of-range", 'resource mcp_server m { url = "https://m.x.com:99999" }', "E017",
     1, 31),
    ("upstream-not-a-host", 'resource mcp_server m { url = "https://m.x.com", '
     'upstream = ["*.x.com:443"] }', "E017", 1, 62),
    ("budget-too-large", 'resource api o { provider = openai, key_name = "k-{env}" }\n' + A
     + "  in staging { budget api.o 100000000000000000 usd per day } }", "E017", 4, 29),
    ("rate-too-large", 'resource api o { provider = openai, key_name = "k-{env}" }\n' + A
     + "  in staging { rate api.o 9223372036854775808 per second } }", "E017", 4, 27),
    ("agents-differ-in-case", 'agent bot { owner = "o" }\nagent Bot { owner = "o" }', "E029", 2, 7),
    ("account-on-per-env-resource", 'resource secret s { name = "{env}/s", account = "444444444444" }',
     "E029", 1, 49),
    ("aws-grant-without-account", 'environment qa { }\nresource s3_bucket docs { name = "d", '
     'shared = true }\n' + A.replace("\n", "\n", 1) + "  in qa { allow read on s3_bucket.docs } }",
     "E026", 5, 11),
    ("expect-raw-unknown-template", A + '  in staging { } }\ntest "t" { expect deny a@staging '
     '"s3:GetObject" "arn:aws:s3:::b-{stage}/x" }', "E019", 4, 49),
    ("expect-unknown-agent", 'test "t" { expect deny ghost@prod read log_group.audit }', "E012", 1, 24),
    ("expect-agent-not-in-env", A + '  in staging { } }\ntest "t" { expect deny a@prod read '
     "log_group.audit }", "E012", 4, 26),
    ("expect-bad-word", A + '  in staging { } }\ntest "t" { expect deny a@staging delete '
     "log_group.audit }", "E020", 4, 34),
    ("egress-template-expands-to-no-host", A + '  in staging { egress "db_{env}:5432" } }',
     "E027", 3, 23),
    ("egress-unknown-template-var", A + '  in staging { egress "db.{zone}.x.com:5432" } }',
     "E019", 3, 23),
]


@pytest.mark.parametrize("source,code,line,col", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_input_error(source, code, line, col, capsys, tmp_path):
    out = tmp_path / "out"
    with policy_dir(source) as d:
        rc = main(["compile", str(d), "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err
    assert f"policies/main.agentpol:{line}:{col}: error[{code}]:" in err, err
    assert "^" in err
    assert not out.exists()


def test_enough_cases():
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)


def test_all_errors_reported_at_once(capsys):
    source = ('resource s3bucket b { name = "x" }\n'
              'resource secret s { nme = "y" }\n'
              'agent a { owner = "o"\n in stagng { } }\n')
    with policy_dir(source) as d:
        rc = main(["compile", str(d), "-o", "/nonexistent/never"])
    err = capsys.readouterr().err
    assert rc == 2
    for where in (":1:10: error[E013]", ":2:21: error[E014]", ":2:17: error[E018]",
                  ":4:5: error[E012]"):
        assert where in err, err
    assert "4 errors" in err


def test_expansion_errors_reported_with_resolve_errors(capsys):
    """Errors found while binding statements (raw templates, conflicting sessions) come in the
    same run as an unknown name elsewhere, not only once that one is fixed."""
    source = (A + '  in staging { allow read on secret.nope\n'
              '    allow "s3:GetObject" on "arn:aws:s3:::{bucket}/*"\n'
              '    session 1h }\n  in staging { session 2h } }\n')
    with policy_dir(source) as d:
        rc = main(["check", str(d)])
    err = capsys.readouterr().err
    assert rc == 2
    for where in (":3:37: error[E012]", ":4:29: error[E019]", ":6:16: error[E029]"):
        assert where in err, err


def test_self_use_names_the_cycle_once(capsys):
    with policy_dir("profile p { use p }") as d:
        assert main(["check", str(d)]) == 2
    assert "profile cycle: p -> p\n" in capsys.readouterr().err


def test_punctuation_is_named_once(capsys):
    with policy_dir("environment qa { review_window = 5x }") as d:
        assert main(["check", str(d)]) == 2
    assert ":1:37: error[E001]: unexpected `}`\n" in capsys.readouterr().err


def test_hint_did_you_mean(capsys):
    source = 'resource secret token { name = "{env}/t" }\n' + A + \
        "  in staging { allow read on secret.tokn } }"
    with policy_dir(source) as d:
        main(["compile", str(d), "-o", "/nonexistent/never"])
    assert "did you mean `token`?" in capsys.readouterr().err


def test_caret_under_token(capsys):
    with policy_dir('resource s3bucket b { name = "x" }') as d:
        main(["compile", str(d), "-o", "/nonexistent/never"])
    lines = capsys.readouterr().err.splitlines()
    src = next(i for i, l in enumerate(lines) if "| resource s3bucket" in l)
    caret = lines[src + 1]
    start = lines[src].index("s3bucket")
    assert caret.index("^") == start and caret.count("^") == len("s3bucket")


def test_failed_compile_leaves_output_untouched(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old")
    with policy_dir("agent a { in nowhere { } }") as d:
        assert main(["compile", str(d), "-o", str(out)]) == 2
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_not_a_directory_is_usage_error(tmp_path, capsys):
    assert main(["compile", str(tmp_path / "missing")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_empty_directory(tmp_path, capsys):
    assert main(["compile", str(tmp_path), "-o", str(tmp_path / "o")]) == 2
    assert "error[E005]" in capsys.readouterr().err


def test_every_error_code_is_documented():
    from agentpol.errors import CODES
    docs = (Path(__file__).resolve().parents[3] / "docs" / "errors.md").read_text()
    assert [c for c in CODES if f"| {c} |" not in docs] == []
