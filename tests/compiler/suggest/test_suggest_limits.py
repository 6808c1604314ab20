"""Budget and rate peaks computed while streaming equal a brute-force count over all lines;
grants whose review window passed are named."""
from __future__ import annotations

import datetime as dt
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from agentpol import pipeline
from agentpol.suggest import suggest
from agentpol.suggest.observe import WINDOWS_KEPT, Peak

from .synthetic_week import START, generate

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("seed", range(40))
def test_streaming_peak_equals_brute_force(seed):
    """In-order input (as a gateway writes it), with gaps and bursts: same peak, same window."""
    rng = random.Random(seed)
    seconds = rng.choice([1, 60, 3600, 86400])
    stamp, rows = 1772409600.0, []
    for _ in range(rng.randrange(1, 400)):
        gap = seconds * rng.randrange(1, 3 * WINDOWS_KEPT)
        stamp += rng.choice([0, 0.5, seconds / 3, seconds, gap])
        rows.append((stamp, rng.randrange(0, 50)))
    peak = Peak(seconds)
    for when, amount in rows:
        peak.add(when, amount)
    totals = Counter()
    for when, amount in rows:
        totals[int(when) // seconds] += amount
    best = max(totals.values())
    assert peak.best == best
    if best:
        assert totals[peak.best_window] == best
        assert peak.best_window == min(w for w, v in totals.items() if v == best)
    assert len(peak.windows) <= WINDOWS_KEPT + 1


def test_gateway_counters_are_the_floor_of_a_window():
    peak = Peak(86400)
    peak.add(1772409600.0, 10, seen_total=3000)  # lines before this log began
    peak.add(1772409660.0, 10, seen_total=3010)
    assert peak.best == 3010


def test_grants_whose_review_window_passed_are_named(tmp_path):
    policies = tmp_path / "policies"
    shutil.copytree(REPO / "policies", policies)
    envs = policies / "environments.agentpol"
    envs.write_text(envs.read_text().replace("# review_window = 24h", "review_window = 24h"))
    (policies / "agentpol.lock").write_text(
        "2026-03-04  prod support-bot call api.openai@prod\n"
        "2026-03-09  prod support-bot read dynamodb_table.tickets@prod\n")
    log, _ = generate(tmp_path / "logs")
    today = dt.date(2026, 3, 9)
    model = pipeline.load(policies, now=today.isoformat())
    found = suggest(model, policies, [log], [], START, START + dt.timedelta(days=7), today)
    review = {x["grant"]: x for r in found.principals if r.key == "support-bot@prod"
              for x in r.review}
    passed = review["prod support-bot call api.openai@prod"]
    assert passed["live_from"] == dt.date(2026, 3, 5) and "passed" in passed["state"]
    assert review["prod support-bot read dynamodb_table.tickets@prod"]["state"] == (
        "in review (shadow)")
    assert "not in the lock" in review["prod support-bot write dynamodb_table.tickets@prod"][
        "state"]
    assert not any(r.review for r in found.principals if not r.key.endswith("@prod"))


@pytest.mark.parametrize("ids,errors,reason", [
    (["support-bot@prod budget api.openai@prod 4000 cents per day"], [], "budget reached"),
    (["support-bot@prod rate api.openai@prod 600 per hour"], [], "rate reached"),
    (["support-bot@prod approval send on sqs_queue.refunds@prod"], [], "approval missing"),
    (["kill switch all"], [], "kill switch"),
    (["kill env prod"], [], "kill switch"),
    (["kill support-bot@prod"], [], "kill switch"),
    ([], ["type error"], "evaluation error"),
    # near misses: a word inside a name is no verb
    (["budget-bot@prod allow call on api.openai@prod"], [],
     "refused within a grant (no determining permit in effect)"),
    (["prod env boundary"], [], "refused within a grant (no determining permit in effect)"),
])
def test_why_a_call_within_a_grant_was_refused(ids, errors, reason):
    from agentpol.suggest.observe import _reason
    from agentpol.suggest.readers import Decision
    when = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)
    assert _reason(Decision(when, "a@prod", "call", "api.x@prod", "denied", ids, {},
                            errors)) == reason
