"""The lowering: each grant's IAM statements are computed once, and every consumer (the aws
target, the STS session policy, the proof, `expect`) reads those same statements."""
from __future__ import annotations

import json

from helpers import model_from

from agentpol.pipeline import check
from agentpol.model import IamStatement, site
from agentpol.targets import TARGETS

SOURCE = '''
resource s3_bucket docs { name = "acme-docs-{env}" }
agent bot {
  owner = "team@acme.com"
  in staging {
    allow read on s3_bucket.docs
    allow "secretsmanager:GetSecretValue" on "arn:aws:secretsmanager:us-east-1:333333333333:*"
    deny "s3:DeleteObject" on s3_bucket.docs
  }
}
test "bot" {
  expect allow bot@staging read s3_bucket.docs
  expect allow bot@staging "secretsmanager:GetSecretValue" "arn:aws:secretsmanager:us-east-1:333333333333:*"
}
'''


def _model():
    return model_from(SOURCE)


def _allowed(doc: dict) -> set[tuple[str, str]]:
    return {(a, r) for s in doc["Statement"] if s["Effect"] == "Allow"
            for a in s["Action"] for r in s["Resource"]}


def test_every_grant_and_expect_is_lowered_once():
    model = _model()
    bot = model.principals["bot@staging"]
    for g in bot.grants + bot.denies:
        assert all(isinstance(s, IamStatement) for s in model.iam_of(g))
    for e in model.program.tests[0].expects:
        assert any(key[:3] == (e.env, e.access.value, e.access.raw) for key in model.iam)
    assert site(bot.env, bot.grants[0].access, bot.grants[0].target) in model.iam


def test_the_same_grant_written_twice_is_lowered_once():
    """The lowering is keyed by what a grant means, not where it is written."""
    model = model_from('''resource s3_bucket b { name = "b-{env}" }
agent x { owner = "a@b.c"
 in staging { allow read on s3_bucket.b } }
agent y { owner = "a@b.c"
 in staging { allow read on s3_bucket.b } }
''')
    x, y = model.principals["x@staging"].grants[0], model.principals["y@staging"].grants[0]
    assert x.access.span != y.access.span and x.target.span != y.target.span
    assert site(x.env, x.access, x.target) == site(y.env, y.access, y.target)
    assert model.iam_of(x) is model.iam_of(y)


def test_identity_policy_session_policy_and_proof_read_the_same_statements():
    model = _model()
    bot = model.principals["bot@staging"]
    lowered = {(a, r) for g in bot.live_grants() for s in model.iam_of(g)
               for a in s.actions for r in s.resources}
    aws = TARGETS["aws"](model)
    tokens = TARGETS["tokens"](model)
    identity = json.loads(aws["aws/staging/bot/identity-policy.json"])
    session = json.loads(tokens["tokens/staging/bot/sts-session-policy.json"])["session_policy"]
    assert _allowed(identity) == lowered
    assert _allowed(session) == lowered
    report = check(model)
    assert {(a, r) for who, a, r in report.graph.triples if who == "bot@staging"} >= lowered


def test_a_raw_pattern_no_arn_format_fits_is_emitted_as_written():
    """`...:333333333333:*` fits no Secrets Manager format (a wildcard where the format has
    `secret:`); it still names secrets, so the action is kept on the pattern as written."""
    model = _model()
    identity = json.loads(TARGETS["aws"](model)["aws/staging/bot/identity-policy.json"])
    assert ("secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:333333333333:*") in _allowed(identity)
    assert not [f for f in check(model).findings if f.rule == "test-failed"]


def test_previews_of_pending_grants_keep_their_lowering():
    """The IAM meaning of a grant does not depend on review or shadow mode."""
    from dataclasses import replace
    model = _model()
    bot = model.principals["bot@staging"]
    pending = replace(bot.grants[0], pending=True)
    assert model.iam_of(pending) == model.iam_of(bot.grants[0])
