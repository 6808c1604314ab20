"""`expect` against the compiled files of every provider: each holds as written, and each
flipped (allow <-> deny) fails at its own line."""
from __future__ import annotations

import pytest

from helpers import model_from

from agentpol.pipeline import check

PROGRAM = '''
resource vault_path app   { path = "secret/data/{env}/app/*" }
resource github_repo web  { repo = "acme/web", shared = true }
resource mcp_server jira  { url = "https://jira.{env}.acme.internal/mcp" }
resource host pay         { address = "pay.{env}.acme.internal:443" }
resource api slack        { provider = slack, key_name = "bot-{env}" }
resource s3_bucket data   { name = "acme-data-{env}", prefix = "in/" }
resource kms_key key      { alias = "alias/{env}-key" }
agent bot {
  owner = "t@acme.com"
  in staging, prod {
    allow read on vault_path.app
    allow write on github_repo.web
    allow "search" on mcp_server.jira
    allow call on api.slack
    allow list, read on s3_bucket.data
    allow decrypt on kms_key.key
    egress host.pay
  }
  in prod { mode shadow }
}
test "every provider" {
%s
}
'''

EXPECTS = [
    ("allow", "bot@staging read vault_path.app"),
    ("deny", "bot@staging write vault_path.app"),
    ("deny", "bot@staging read vault_path.app@prod"),
    ("allow", "bot@staging write github_repo.web"),
    ("deny", 'bot@staging "administration:write" github_repo.web'),
    ("allow", 'bot@staging "search" mcp_server.jira'),
    ("deny", 'bot@staging "delete_issue" mcp_server.jira'),
    ("allow", "bot@staging call api.slack"),
    ("allow", 'bot@staging "chat:write" api.slack'),  # sent as `call`: no agent names it
    ("deny", "bot@staging call api.slack@prod"),
    ("allow", "bot@staging connect host.pay"),
    ("deny", "bot@staging connect host.pay@prod"),
    ("allow", "bot@staging list s3_bucket.data"),
    ("allow", "bot@staging read s3_bucket.data"),
    ("deny", "bot@staging write s3_bucket.data"),
    ("allow", "bot@staging decrypt kms_key.key"),
    ("deny", 'bot@staging "s3:GetObject" "arn:aws:s3:::acme-data-{env}/out/x"'),
    ("deny", "bot@prod read vault_path.app"),  # shadow mode: nothing is live
    ("deny", "bot@prod read s3_bucket.data"),
    ("deny", "bot@prod call api.slack"),
]


def _program(expects) -> str:
    return PROGRAM % "\n".join(f"  expect {effect} {rest}" for effect, rest in expects)


def _failed(expects):
    return [f for f in check(model_from(_program(expects))).findings if f.rule == "test-failed"]


def test_every_expect_holds():
    assert [f.message for f in _failed(EXPECTS)] == []


@pytest.mark.parametrize("index", range(len(EXPECTS)), ids=lambda i: EXPECTS[i][1])
def test_flipped_expect_fails_at_its_line(index):
    flipped = list(EXPECTS)
    effect, rest = flipped[index]
    flipped[index] = ("deny" if effect == "allow" else "allow", rest)
    failed = _failed(flipped)
    assert len(failed) == 1
    line = _program(flipped).splitlines().index(f"  expect {flipped[index][0]} {rest}") + 1
    assert (failed[0].location.file, failed[0].location.line) == ("policies/main.agentpol", line)
    assert failed[0].witness[-1].where != ""
