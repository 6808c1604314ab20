"""Review before permissions go live: the lock and `review_window`."""
from __future__ import annotations

import shutil
from pathlib import Path

from agentpol.cli import main
from agentpol.pipeline import load

LANG = Path(__file__).resolve().parents[2] / "fixtures" / "language"


def test_grants_stay_pending_until_the_window_has_passed(tmp_path):
    d = tmp_path / "p"
    shutil.copytree(LANG, d)
    assert all(g.pending for g in load(d, now="2026-01-01").principals["support-bot@prod"].grants)
    assert main(["lock", str(d), "--now", "2026-01-01"]) == 0
    lock_text = (d / "agentpol.lock").read_text()
    assert ("2026-01-01  prod support-bot read secret.zendesk-token@prod arn:aws:secretsmanager:"
            "eu-west-1:222222222222:secret:prod/support/zendesk-token-??????,arn:aws:"
            "secretsmanager:us-east-1:222222222222:secret:prod/support/zendesk-token-??????\n"
            ) in lock_text  # one ARN per region of prod
    same_day = load(d, now="2026-01-01").principals["support-bot@prod"]
    assert all(g.pending for g in same_day.grants)          # younger than 24h
    next_day = load(d, now="2026-01-02").principals["support-bot@prod"]
    assert not any(g.pending for g in next_day.grants)      # reviewed a day ago: live


def test_relocking_keeps_first_approval_dates_and_adds_new_grants(tmp_path):
    d = tmp_path / "p"
    shutil.copytree(LANG, d)
    main(["lock", str(d), "--now", "2026-01-01"])
    agents = (d / "agents.agentpol").read_text().replace(
        "allow read on log_group.app@staging", "allow read on log_group.app@staging\n"
        "    allow write on log_group.app")
    (d / "agents.agentpol").write_text(agents)
    main(["lock", str(d), "--now", "2026-02-01"])
    text = (d / "agentpol.lock").read_text()
    assert "2026-01-01  prod support-bot read secret.zendesk-token@prod arn:" in text
    assert "2026-02-01  prod support-bot write log_group.app@prod arn:" in text
    p = load(d, now="2026-02-01").principals["support-bot@prod"]
    pending = {str(g.access) + " " + str(g.target) for g in p.grants if g.pending}
    assert pending == {"write log_group.app@prod"}


def test_malformed_lock_is_an_input_error(tmp_path, capsys):
    d = tmp_path / "p"
    shutil.copytree(LANG, d)
    (d / "agentpol.lock").write_text("yesterday  prod a read x\n")
    assert main(["compile", str(d), "-o", str(tmp_path / "o")]) == 2
    assert "agentpol.lock:1:1: error[E030]" in capsys.readouterr().err


def test_malformed_lock_line_is_shown_under_the_policy_dir_name(tmp_path, capsys):
    """Like every other input error: the path inside the policy directory, the line, a caret."""
    d = tmp_path / "p"
    shutil.copytree(LANG, d)
    (d / "agentpol.lock").write_text("# ok\n2026-01-01 prod a read x\n")
    assert main(["check", str(d)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("p/agentpol.lock:2:1: error[E030]"), err
    assert "     2 | 2026-01-01 prod a read x\n       | ^^^^^" in err
