"""Source edits of `suggest`: narrowed statements, statements moved into per-env blocks, new
blocks, comments and layout kept; and a period or a layer the input does not cover."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

from agentpol import pipeline
from agentpol.suggest import suggest
from agentpol.suggest.patch import Editor, Statement, rectangles

from .synthetic_week import START, generate

REPO = Path(__file__).resolve().parents[3]

SOURCE = """\
# the bot
agent bot {
  owner = "a@b.c"

  in dev, prod {
    allow read, write on dynamodb_table.t  # tickets
    allow send on sqs_queue.q
  }

  in prod { mode shadow }
}
"""


def _editor(text: str = SOURCE) -> Editor:
    return Editor(Path("p"), {"p/a.agentpol": text})


def test_narrow_a_statement_keeps_its_trailing_comment():
    ed = _editor()
    ed.rewrite("p/a.agentpol", 6, 5, [Statement(("read",), ("dynamodb_table.t",))])
    out = ed.render()["p/a.agentpol"]
    assert "    allow read on dynamodb_table.t  # tickets\n" in out
    assert out.startswith("# the bot\n")


def test_a_statement_left_empty_is_deleted():
    ed = _editor()
    ed.rewrite("p/a.agentpol", 7, 5, [])
    assert "sqs_queue.q" not in ed.render()["p/a.agentpol"]


def test_additions_go_to_a_new_block_when_the_own_block_is_one_line():
    ed = _editor()
    ed.add("p/a.agentpol", "bot", "prod", Statement(("write",), ("dynamodb_table.t",)))
    ed.add("p/a.agentpol", "bot", "prod", Statement(("read",), ("dynamodb_table.t",)))
    out = ed.render()["p/a.agentpol"]
    assert out.endswith("  in prod { mode shadow }\n\n  in prod {\n"
                        "    allow write, read on dynamodb_table.t\n  }\n}\n")


def test_additions_join_an_existing_multi_line_block():
    text = SOURCE.replace("  in prod { mode shadow }\n", "  in prod {\n    mode shadow\n  }\n")
    ed = _editor(text)
    ed.add("p/a.agentpol", "bot", "prod", Statement(('"sqs:GetQueueUrl"',), ("sqs_queue.q",)))
    out = ed.render()["p/a.agentpol"]
    assert '    mode shadow\n    allow "sqs:GetQueueUrl" on sqs_queue.q\n  }\n}\n' in out


def test_a_file_not_in_canonical_form_keeps_its_layout():
    text = SOURCE.replace('  owner = "a@b.c"', '  owner   =   "a@b.c"')
    ed = _editor(text)
    ed.rewrite("p/a.agentpol", 7, 5, [])
    assert 'owner   =   "a@b.c"' in ed.render()["p/a.agentpol"]


def test_rectangles_state_exactly_the_pairs():
    pairs = [("read", "t"), ("write", "t"), ("read", "u"), ("write", "u"), ("send", "q")]
    stmts = rectangles(pairs)
    assert [s.text() for s in stmts] == ["allow read, write on t, u", "allow send on q"]
    assert {(a, t) for s in stmts for a in s.accesses for t in s.targets} == set(pairs)


def test_without_cloudtrail_aws_grants_are_not_observed_and_the_period_filters(tmp_path):
    policies = tmp_path / "policies"
    shutil.copytree(REPO / "policies", policies)
    log, _ = generate(tmp_path / "logs")
    model = pipeline.load(policies, now="2026-03-09")
    since, until = START + dt.timedelta(days=1), START + dt.timedelta(days=3)
    found = suggest(model, policies, [log], [], since, until, dt.date(2026, 3, 9))
    first, last = found.period["gateway"]
    assert since <= first and last < until and found.period["aws"] == (None, None)
    assert all(u.layer == "gateway" for r in found.principals for u in r.unused)
    prod = next(r for r in found.principals if r.key == "support-bot@prod")
    assert dict(prod.not_observed)["prod support-bot write s3_bucket.exports@prod"] == (
        "no CloudTrail event of support-bot@prod in the period")
    assert found.skipped["outside the period"] > 0
    assert all(u.unused_for == until - since for r in found.principals for u in r.unused)


def test_a_trail_without_data_events_leaves_data_grants_not_observed(tmp_path):
    """Management events only (no data event selectors): an unused bucket or table grant is
    not observed, never proposed for removal; an unused secret read (a management event) is."""
    policies = tmp_path / "policies"
    shutil.copytree(REPO / "policies", policies)
    _, trail = generate(tmp_path / "logs")
    with gzip.open(trail, "rt", encoding="utf-8") as f:
        records = [r for r in json.load(f)["Records"] if r["eventCategory"] != "Data"]
    only = tmp_path / "management.json"
    only.write_text(json.dumps({"Records": records}), encoding="utf-8")
    model = pipeline.load(policies, now="2026-03-09")
    found = suggest(model, policies, [], [only], today=dt.date(2026, 3, 9))
    prod = next(r for r in found.principals if r.key == "support-bot@prod")
    assert "data event" in dict(prod.not_observed)["prod support-bot write s3_bucket.exports@prod"]
    unused = {u.grant for u in prod.unused}
    assert "prod support-bot write s3_bucket.exports@prod" not in unused
    assert "prod support-bot read secret.zendesk-token@prod" in unused
