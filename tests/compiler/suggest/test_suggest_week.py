"""`agentpol suggest` on a synthetic week of acme's logs: the report names every planted fact,
the patch compiles and passes check, and shrinks the emitted IAM and Cedar exactly as expected."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from agentpol import artifacts, pipeline
from agentpol.cli import main
from agentpol.pipeline import check
from agentpol.suggest import suggest
from agentpol.suggest.render import SCHEMA_VERSION

from .synthetic_week import EXPECTED, generate

REPO = Path(__file__).resolve().parents[3]
TODAY = dt.date(2026, 3, 9)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    root = tmp_path_factory.mktemp("week")
    policies = root / "policies"
    shutil.copytree(REPO / "policies", policies)
    log, trail = generate(root / "logs")
    model = pipeline.load(policies, now=TODAY.isoformat())
    found = suggest(model, policies, [log], [trail], today=TODAY)
    return policies, log, trail, found


def _by_key(found):
    return {r.key: r for r in found.principals}


def test_unused_grants_are_named_and_only_the_safe_ones_proposed(week):
    *_, found = week
    unused = {u.grant: u for r in found.principals for u in r.unused}
    proposed = {g for g, u in unused.items() if u.proposed}
    assert proposed == EXPECTED["unused_proposed"]
    for grant in EXPECTED["unused_kept"]:
        assert not unused[grant].proposed and "test-failed" in unused[grant].note
    for grant in EXPECTED["unused_profile"]:
        assert not unused[grant].proposed and "profile ticket-reader" in unused[grant].note
    assert all(u.unused_for > dt.timedelta(days=6) for u in unused.values())


def test_layers_not_in_the_input_are_not_observed_never_unused(week):
    *_, found = week
    dev = _by_key(found)["support-bot@dev"]  # no CloudTrail event of support-bot@dev
    not_observed = dict(dev.not_observed)
    assert "dev support-bot write s3_bucket.exports@dev" in not_observed
    assert not any(u.layer == "aws" for u in dev.unused)
    code = dict(_by_key(found)["code-agent@staging"].not_observed)
    assert code["staging code-agent read github_repo.infra"].startswith("github:")


def test_out_of_grant_calls_in_the_own_env_become_proposed_grants(week):
    *_, found = week
    added = {(a.principal, a.statement.text()) for r in found.principals for a in r.additions
             if a.accepted}
    assert added == EXPECTED["additions"]


def test_alerts_name_cross_env_attempts_denied_calls_and_unknown_tools(week):
    *_, found = week
    alerts = {(r.key, a.kind, a.layer, a.resource) for r in found.principals for a in r.alerts}
    assert EXPECTED["alerts"] <= alerts
    assert {a[1] for a in alerts} <= {"cross-env", "denied", "never-granted"}


def test_a_cross_env_attempt_is_never_a_proposed_grant(week):
    *_, found = week
    staging = _by_key(found)["support-bot@staging"]
    assert all("prod" not in a.statement.text() and "222222222222" not in a.statement.text()
               for a in staging.additions)
    patched = "".join(found.patch.values())
    assert "@prod" not in patched and "222222222222" not in patched


def test_budget_peak_and_headroom(week):
    *_, found = week
    who, api, cents, day = EXPECTED["budget_peak"]
    limit = next(x for x in _by_key(found)[who].limits
                 if x["kind"] == "budget" and x["what"] == api)
    assert (limit["peak"], limit["headroom"], limit["window"]) == (cents, 4000 - cents, day)
    assert limit["refused"] == 3
    assert _by_key(found)[who].refused_within == {"budget reached": 3}


def _compiled(policies: Path) -> tuple[dict[str, str], object]:
    model = pipeline.load(policies, now=TODAY.isoformat())
    return artifacts.build(model, pipeline.targets(), list(pipeline.targets())), model


def _iam_pairs(text: str) -> set[tuple[str, str]]:
    return {(a, r) for s in json.loads(text)["Statement"] if s["Effect"] == "Allow"
            for a in s["Action"] for r in s["Resource"]}


def _permits(text: str) -> set[str]:
    """The permits' ids, without the source location some ids carry (lines move)."""
    return {re.sub(r" at [^ ]+:\d+\"\)$", '")', line) for line in text.splitlines()
            if line.startswith("@id(") and " allow " in line}


@pytest.fixture(scope="module")
def patched(week, tmp_path_factory):
    policies, _, _, found = week
    after = tmp_path_factory.mktemp("after") / "policies"
    shutil.copytree(policies, after)
    for name, text in found.patch.items():
        (after / name.split("/", 1)[1]).write_text(text, encoding="utf-8")
    return after


def test_the_patch_compiles_and_passes_check(patched):
    files, model = _compiled(patched)
    assert not check(model, files).errors


def test_removing_the_unused_grants_shrinks_iam_and_cedar_as_expected(week, patched):
    before, _ = _compiled(week[0])
    after, _ = _compiled(patched)
    prod = "aws/prod/support-bot/identity-policy.json"
    assert _iam_pairs(before[prod]) - _iam_pairs(after[prod]) == {
        ("s3:PutObject", "arn:aws:s3:::acme-exports-prod/support/*")}
    assert _iam_pairs(after[prod]) <= _iam_pairs(before[prod])
    staging = "aws/staging/support-bot/identity-policy.json"  # kept there, and read added
    assert _iam_pairs(after[staging]) - _iam_pairs(before[staging]) == {
        ("s3:GetObject", "arn:aws:s3:::acme-exports-staging/support/*")}
    assert ("s3:PutObject", "arn:aws:s3:::acme-exports-staging/support/*") in _iam_pairs(
        after[staging])
    for env in ("staging", "prod"):
        gone = _permits(before[f"cedar/{env}/policies.cedar"]) - _permits(
            after[f"cedar/{env}/policies.cedar"])
        assert len(gone) == 1 and 'charges:read on api.stripe' in gone.pop()
    dev = "cedar/dev/policies.cedar"
    new = _permits(after[dev]) - _permits(before[dev])
    assert len(new) == 1 and 'code-agent@dev allow get_issue on mcp_server.jira@dev' in new.pop()


def test_write_applies_the_patch_with_comments_and_layout_kept(week, tmp_path, capsys):
    policies, log, trail, found = week
    target = tmp_path / "policies"
    shutil.copytree(policies, target)
    code = main(["suggest", str(target), "--log", str(log), "--cloudtrail", str(trail),
                 "--now", TODAY.isoformat(), "--write", "--format", "json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["schema_version"] == SCHEMA_VERSION
    for name, text in found.patch.items():
        assert (target / name.split("/", 1)[1]).read_text(encoding="utf-8") == text
    untouched = (policies / "environments.agentpol").read_text(encoding="utf-8")
    assert (target / "environments.agentpol").read_text(encoding="utf-8") == untouched
    agents = (target / "agents.agentpol").read_text(encoding="utf-8")
    assert 'description = "Drafts answers to customer tickets' in agents
    assert main(["fmt", str(target), "--check"]) == 0


def test_markdown_names_alerts_first_and_carries_the_diff(week, capsys):
    policies, log, trail, _ = week
    assert main(["suggest", str(policies), "--log", str(log), "--cloudtrail", str(trail),
                 "--now", TODAY.isoformat()]) == 0
    text = capsys.readouterr().out
    assert text.startswith("## agentpol suggest")
    alerts = text.index("### Alerts")
    assert alerts < text.index("### code-agent@dev")
    assert text.index("**cross-env** support-bot@staging: call on api.openai@prod") < text.index(
        "**denied** support-bot@prod")
    assert "-    allow write on s3_bucket.exports" in text
    assert "peak 3950 of 4000 cents per day" in text


def test_markdown_fits_a_pull_request(week, monkeypatch):
    """Over the limit, "not observed" lines become counts, then principals are left out."""
    from agentpol.suggest import render
    *_, found = week
    whole = render.as_markdown(found)
    monkeypatch.setattr(render, "MARKDOWN_LIMIT", len(whole) - 1)
    brief = render.as_markdown(found)
    assert len(brief) < len(whole) and "grant(s) (listed in the JSON)" in brief
    monkeypatch.setattr(render, "MARKDOWN_LIMIT", len(brief) // 2 + 800)
    cut = render.as_markdown(found)
    assert len(cut) <= render.MARKDOWN_LIMIT and "principals left out" in cut
    assert "### Alerts" in cut


def test_retries_and_error_bursts(week):
    *_, found = week
    staging = _by_key(found)["support-bot@staging"]
    burst_minute = dt.datetime(2026, 3, 6, 10, tzinfo=dt.timezone.utc)
    assert staging.bursts == [(burst_minute, 12)]  # the cross-env secret read, 12 in a minute
    assert staging.errors == 12 + 7  # and the daily refused read of its exports
    assert staging.retries == 11 + 3  # each refused again within 5 minutes (aws, gateway)
