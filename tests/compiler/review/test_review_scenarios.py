"""The review workflow, tried as a reviewer would: real git repositories in a temp dir, one per
scenario of the issue (resource widening, fmt, lock tampering, adopting a window, the PR comment
on a big change)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from agentpol.cli import main

ROOT = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


class Repo:
    """A git repository holding acme's policies under `infra/policies` (a subdirectory)."""

    def __init__(self, root: Path):
        self.root = root
        self.policies = root / "infra" / "policies"
        shutil.copytree(ROOT / "policies", self.policies)
        (self.policies / "tests.agentpol").unlink()  # acme's tests pin today's grants
        self.git("init", "-q", "-b", "main")
        self.commit("base", "2026-01-01T12:00:00Z")

    def git(self, *args: str, date: str | None = None) -> str:
        env = {**ENV, **({"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {})}
        return subprocess.run(["git", *args], cwd=self.root, check=True, capture_output=True,
                              text=True, env=env).stdout

    def commit(self, message: str, date: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-qm", message, "--allow-empty", date=date)

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.policies / name
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))


@pytest.fixture
def repo(tmp_path, monkeypatch):
    r = Repo(tmp_path / "repo")
    monkeypatch.chdir(r.root)
    return r


def _run(capsys, *args) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_resource_widening_shows_in_diff_and_permissions_txt(repo, capsys):
    assert _run(capsys, "compile", "infra/policies", "-o", "old-out")[0] == 0
    repo.edit("resources.agentpol", 'prefix = "support/"', 'prefix = ""')
    repo.edit("resources.agentpol", 'name = "tickets-{env}"', 'name = "tickets-all"')
    repo.commit("widen", "2026-01-02T12:00:00Z")
    assert _run(capsys, "compile", "infra/policies", "-o", "new-out")[0] == 0
    old = (repo.root / "old-out" / "permissions.txt").read_text()
    new = (repo.root / "new-out" / "permissions.txt").read_text()
    assert old != new
    assert "arn:aws:s3:::acme-exports-prod/support/*" in old
    assert "write s3_bucket.exports@prod arn:aws:s3:::acme-exports-prod  #" in new
    assert "table/tickets-all" in new
    rc, out, _ = _run(capsys, "diff", "HEAD~1:infra/policies", "HEAD:infra/policies",
                      "--format", "json", "--exit-code")
    assert rc == 1
    changes = json.loads(out)["changes"]
    widened = [c for c in changes if c["line"].startswith("prod support-bot write s3_bucket."
                                                          "exports@prod")]
    assert widened and widened[0]["risk"] == "new access in a protected env"
    assert "identity was arn:aws:s3:::acme-exports-prod/support/*" in widened[0]["detail"]
    assert any(c["risk"] == "changed artifact" and c["line"].endswith("identity-policy.json")
               for c in changes)
    _, compiled, _ = _run(capsys, "diff", "old-out", "new-out")
    assert "acme-exports-prod (identity was" in compiled and "no change" not in compiled


def test_fmt_and_moving_statements_change_no_deployed_byte(repo, capsys):
    assert _run(capsys, "compile", "infra/policies", "-o", "before")[0] == 0
    repo.edit("agents.agentpol", "    allow write on dynamodb_table.tickets\n"
              "    allow read on secret.zendesk-token\n",
              "\n\n    allow read on secret.zendesk-token\n\n"
              "    allow write on dynamodb_table.tickets\n")
    repo.edit("agents.agentpol", "agent support-bot {", "\n\n\nagent support-bot {")
    assert _run(capsys, "fmt", "infra/policies")[0] == 0
    repo.commit("refactor", "2026-01-02T12:00:00Z")
    assert _run(capsys, "compile", "infra/policies", "-o", "after")[0] == 0
    before, after = repo.root / "before", repo.root / "after"
    changed = [p.relative_to(before).as_posix() for p in before.rglob("*") if p.is_file()
               and p.read_bytes() != (after / p.relative_to(before)).read_bytes()]
    assert changed == []  # not a Sid, @id, permissions.txt line or manifest entry
    rc, out, _ = _run(capsys, "diff", "HEAD~1:infra/policies", "HEAD:infra/policies",
                      "--exit-code")
    assert rc == 0 and "no change" in out


def _windowed(repo: Repo, capsys) -> None:
    """Turn on prod's review window, adopting what is live, committed on 2026-01-10."""
    repo.edit("environments.agentpol", "  # review_window = 24h", "  review_window = 24h")
    assert _run(capsys, "lock", "infra/policies", "--adopt", "--now", "2026-01-10")[0] == 0
    repo.commit("review window", "2026-01-10T12:00:00Z")


def _grant_line(capsys, who: str, what: str) -> str:
    _, out, _ = _run(capsys, "compile", "infra/policies", "-o", "probe", "--now", "2026-01-20")
    text = Path("probe/permissions.txt").read_text()
    return next(line.split("  #")[0] for line in text.splitlines()
                if line.startswith(who) and what in line)


def test_adopting_a_window_keeps_prod_live(repo, capsys):
    _windowed(repo, capsys)
    lock = (repo.policies / "agentpol.lock").read_text()
    assert "adopted     prod support-bot read secret.zendesk-token@prod arn:" in lock
    _, out, _ = _run(capsys, "explain", "support-bot@prod", "infra/policies", "--now",
                     "2026-01-10")
    assert "pending review" not in out
    rc, out, _ = _run(capsys, "check", "infra/policies", "--now", "2026-01-10")
    assert rc == 0 and "lock-tamper" not in out
    # a shadow principal's grants were not live: adopting does not make them live
    assert "adopted     prod refund-agent" not in lock


def test_introducing_a_window_with_plain_lock_adopts_what_is_live(repo, capsys):
    repo.edit("environments.agentpol", "  # review_window = 24h", "  review_window = 24h")
    assert _run(capsys, "lock", "infra/policies", "--now", "2026-01-10")[0] == 0
    lock = (repo.policies / "agentpol.lock").read_text()
    assert "adopted     prod support-bot read secret.zendesk-token@prod arn:" in lock
    assert "2026-01-10  prod refund-agent" in lock  # shadow on the base: waits for review
    repo.commit("review window", "2026-01-10T12:00:00Z")
    # once the env has entries, a new grant is dated, never adopted
    repo.edit("agents.agentpol", "    deny delete on dynamodb_table.tickets\n",
              "    deny delete on dynamodb_table.tickets\n    allow read on log_group.app\n")
    assert _run(capsys, "lock", "infra/policies", "--now", "2026-01-11")[0] == 0
    assert "2026-01-11  prod support-bot read log_group.app@prod" in \
        (repo.policies / "agentpol.lock").read_text()
    _, out, _ = _run(capsys, "explain", "support-bot@prod", "infra/policies", "--now",
                     "2026-01-11")
    assert [line for line in out.splitlines() if "pending review" in line] == [
        line for line in out.splitlines() if "log_group.app" in line]


def test_backdated_entry_is_lock_tamper(repo, capsys):
    _windowed(repo, capsys)
    repo.edit("agents.agentpol", "    deny delete on dynamodb_table.tickets\n",
              "    deny delete on dynamodb_table.tickets\n    allow read on log_group.app\n")
    line = _grant_line(capsys, "prod support-bot read log_group.app", "")
    with (repo.policies / "agentpol.lock").open("a") as f:
        f.write(f"2026-01-01  {line}\n")  # backdated: would be live at once
    repo.commit("new grant, pre-dated", "2026-01-15T12:00:00Z")
    rc, out, _ = _run(capsys, "check", "infra/policies", "--now", "2026-01-15",
                      "--format", "json")
    assert rc == 1
    tamper = [f for f in json.loads(out)["findings"] if f["rule"] == "lock-tamper"]
    assert len(tamper) == 1 and "before the commit that added it" in tamper[0]["message"]
    assert tamper[0]["location"]["file"] == "policies/agentpol.lock"
    # the honest entry, dated the day of its commit, passes
    text = (repo.policies / "agentpol.lock").read_text().replace("2026-01-01  ", "2026-01-15  ")
    (repo.policies / "agentpol.lock").write_text(text)
    repo.commit("honest date", "2026-01-15T13:00:00Z")
    assert _run(capsys, "check", "infra/policies", "--now", "2026-01-15")[0] == 0


def test_moving_the_policy_dir_keeps_the_lock_history(repo, capsys):
    _windowed(repo, capsys)
    repo.git("mv", "infra/policies", "policies")
    repo.commit("move", "2026-02-01T12:00:00Z")
    rc, out, _ = _run(capsys, "check", "policies", "--now", "2026-02-01")
    assert rc == 0 and "lock-tamper" not in out, out


def test_pre_approved_and_future_entries_are_lock_tamper(repo, capsys):
    _windowed(repo, capsys)
    line = _grant_line(capsys, "prod support-bot read secret.zendesk-token", "")
    with (repo.policies / "agentpol.lock").open("a") as f:
        f.write("2026-01-12  prod support-bot read log_group.app@prod "
                "arn:aws:logs:us-east-1:222222222222:log-group:/acme/prod/app\n")
        f.write("2027-01-01  prod support-bot read secret.zendesk-token@prod x\n")
    repo.commit("pre-approve", "2026-01-12T12:00:00Z")
    rc, out, _ = _run(capsys, "check", "infra/policies", "--now", "2026-01-12",
                      "--format", "json")
    assert rc == 1
    messages = [f["message"] for f in json.loads(out)["findings"] if f["rule"] == "lock-tamper"]
    assert len(messages) == 2 and all("does not exist" in m for m in messages)
    with (repo.policies / "agentpol.lock").open("a") as f:
        f.write(f"2027-01-01  {line}\n")
    rc, out, _ = _run(capsys, "check", "infra/policies", "--now", "2026-01-12",
                      "--format", "json")
    assert any("in the future" in f["message"] for f in json.loads(out)["findings"])


def test_adopting_a_grant_that_was_never_live_is_lock_tamper(repo, capsys):
    repo.edit("environments.agentpol", "  # review_window = 24h", "  review_window = 24h")
    repo.edit("agents.agentpol", "    deny delete on dynamodb_table.tickets\n",
              "    deny delete on dynamodb_table.tickets\n    allow read on log_group.app\n")
    assert _run(capsys, "lock", "infra/policies", "--now", "2026-01-10")[0] == 0
    lock = repo.policies / "agentpol.lock"
    lock.write_text("\n".join(line.replace("2026-01-10 ", "adopted    ")
                              for line in lock.read_text().splitlines()) + "\n")
    repo.commit("adopt everything", "2026-01-10T12:00:00Z")
    rc, out, _ = _run(capsys, "check", "infra/policies", "--now", "2026-01-10",
                      "--format", "json")
    messages = [f["message"] for f in json.loads(out)["findings"] if f["rule"] == "lock-tamper"]
    assert rc == 1 and any("log_group.app@prod" in m for m in messages)
    assert not any("zendesk" in m for m in messages)  # live before: rightly adopted


def test_outside_git_the_lock_cannot_be_verified(tmp_path, capsys):
    d = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", d)
    (d / "tests.agentpol").unlink()
    (d / "environments.agentpol").write_text((d / "environments.agentpol").read_text()
                                             .replace("# review_window", "review_window"))
    assert _run(capsys, "lock", d, "--now", "2026-01-10")[0] == 0
    rc, _, err = _run(capsys, "check", d, "--now", "2026-01-11")
    assert rc == 0 and "could not be verified (not a git checkout)" in err


def test_comment_verdict_first_and_under_the_limit_on_2000_changes(repo, capsys):
    resources = "".join(f'resource s3_bucket b{i} {{ name = "acme-b{i}-{{env}}" }}\n'
                        for i in range(700))
    grants = "".join(f"    allow read on s3_bucket.b{i}\n" for i in range(700))
    (repo.policies / "many.agentpol").write_text(resources)
    repo.edit("agents.agentpol", "    session 1h\n", grants + "    session 1h\n")
    repo.edit("agents.agentpol", "    allow read on github_repo.infra\n",  # a cross-env leak
              "    allow read on github_repo.infra\n    allow read on secret.zendesk-token@prod\n")
    repo.commit("big", "2026-01-02T12:00:00Z")
    _, out, _ = _run(capsys, "diff", "HEAD~1:infra/policies", "HEAD:infra/policies",
                     "--format", "json")
    assert len(json.loads(out)["changes"]) >= 2000
    _, comment, _ = _run(capsys, "diff", "HEAD~1:infra/policies", "HEAD:infra/policies",
                         "--format", "markdown")
    assert len(comment) < 65_536
    lines = comment.splitlines()
    assert lines[0] == "<!-- agentpol-diff -->"
    assert lines[1].startswith("**agentpol check: FAILED with")
    assert "#### new access in a protected env (" in comment  # never folded
    assert "more new access in a protected env changes" in comment or \
        comment.count("+ prod support-bot read s3_bucket.b") == 700


def test_grants_past_their_window_but_compiled_pending_are_listed(repo, capsys):
    """The deployed build was compiled while a grant was pending; once its window has passed,
    diffing that build against the sources lists it as going live."""
    _windowed(repo, capsys)
    repo.edit("agents.agentpol", "    deny delete on dynamodb_table.tickets\n",
              "    deny delete on dynamodb_table.tickets\n    allow read on log_group.app\n")
    assert _run(capsys, "lock", "infra/policies", "--now", "2026-01-11")[0] == 0
    repo.commit("new grant", "2026-01-11T12:00:00Z")
    assert _run(capsys, "compile", "infra/policies", "-o", "build", "--now", "2026-01-11")[0] == 0
    assert "pending review" in (repo.root / "build" / "permissions.txt").read_text()
    _, out, _ = _run(capsys, "diff", "build", "infra/policies", "--now", "2026-01-13",
                     "--format", "json")
    live = [c for c in json.loads(out)["changes"] if c["risk"] == "goes live"]
    assert [c["line"].split(" arn:")[0] for c in live] == [
        "prod support-bot read log_group.app@prod"]
    assert live[0]["detail"] == "was pending"
