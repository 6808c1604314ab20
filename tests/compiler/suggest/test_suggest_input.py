"""What `suggest` reads: decision lines and CloudTrail events in every delivered shape, damaged
lines counted by number, files that are no log an input error (exit 2, never a traceback)."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import random
from pathlib import Path

import pytest

from agentpol import pipeline
from agentpol.cli import main
from agentpol.suggest import events, readers
from agentpol.suggest.events import AwsCall

REPO = Path(__file__).resolve().parents[3]
CASES = json.loads((Path(__file__).parent / "cases" / "principals.json").read_text())["cases"]
LINE = {"time": "2026-03-02T10:00:00Z", "agent": "support-bot", "env": "prod",
        "principal": "support-bot@prod", "action": "call", "resource": "api.openai@prod",
        "decision": "forwarded", "policy_ids": [], "shadow": False, "context": {"cost_cents": 3},
        "errors": [], "request_id": "r1"}
EVENT = {"eventTime": "2026-03-02T10:00:00Z", "eventSource": "dynamodb.amazonaws.com",
         "eventName": "GetItem", "awsRegion": "us-east-1",
         "userIdentity": {"type": "AssumedRole", "sessionContext": {"sessionIssuer": {
             "accountId": "222222222222", "userName": "agentpol-support-bot"}}},
         "resources": [{"ARN": "arn:aws:dynamodb:us-east-1:222222222222:table/tickets-prod"}]}


def _write(path: Path, text: str, gz: bool = False) -> Path:
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_decision_lines_stream_and_damaged_lines_are_counted_by_number(tmp_path, gz):
    good = json.dumps(LINE)
    bad = [good, "{broken", good, "[1]", json.dumps({**LINE, "decision": "maybe"}),
           json.dumps({k: v for k, v in LINE.items() if k != "time"}),
           json.dumps({**LINE, "time": "yesterday"}), "", good]
    damage = readers.Damage("x")
    got = list(readers.decisions(_write(tmp_path / "d.jsonl", "\n".join(bad) + "\n", gz), damage))
    assert [n for n, _ in got] == [1, 3, 9]
    assert damage.count == 5 and [n for n, _ in damage.first] == [2, 4, 5, 6, 7]
    assert got[0][1].time == dt.datetime(2026, 3, 2, 10, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("shape", ["document", "pretty", "lines", "records-per-line"])
@pytest.mark.parametrize("gz", [False, True])
def test_cloudtrail_in_every_delivered_shape(tmp_path, shape, gz):
    two = [EVENT, {**EVENT, "eventName": "PutItem"}]
    text = {"document": json.dumps({"Records": two}),
            "pretty": json.dumps({"Records": two}, indent=2),
            "lines": "\n".join(json.dumps(e) for e in two),
            "records-per-line": "\n".join(json.dumps({"Records": [e]}) for e in two)}[shape]
    damage = readers.Damage("x")
    got = list(readers.cloudtrail(_write(tmp_path / "ct.json", text, gz), damage))
    assert [e["eventName"] for _, e in got] == ["GetItem", "PutItem"] and not damage.count


def test_a_record_without_event_fields_is_damage_not_an_error(tmp_path):
    text = json.dumps({"Records": [EVENT, {"eventName": "x"}, 7]})
    damage = readers.Damage("x")
    assert len(list(readers.cloudtrail(_write(tmp_path / "ct.json", text), damage))) == 1
    assert damage.count == 2


def test_a_truncated_gzip_keeps_what_was_read(tmp_path):
    whole = tmp_path / "whole.gz"
    _write(whole, "".join(json.dumps({**LINE, "request_id": str(i)}) + "\n"
                          for i in range(2000)), gz=True)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(whole.read_bytes()[:1500])
    damage = readers.Damage("x")
    got = list(readers.decisions(cut, damage))
    assert 0 < len(got) < 2000 and damage.count == 1
    assert "truncated" in damage.first[0][1]


@pytest.mark.parametrize("flag,content", [
    ("--log", "agent a {\n}\n" * 30),
    ("--log", None),  # a binary file
    ("--cloudtrail", '{"Records": ['),
    ("--cloudtrail", "resource s3_bucket b { name = \"b\" }\n" * 30),
    ("--log", (json.dumps(EVENT) + "\n") * 30),  # CloudTrail given as the decision log
    ("--cloudtrail", (json.dumps(LINE) + "\n") * 3),  # and the other way round
])
def test_a_file_that_is_no_log_is_an_input_error(tmp_path, capsys, flag, content):
    path = tmp_path / "input.txt"
    if content is None:
        path.write_bytes(bytes(range(256)) * 20)
    else:
        path.write_text(content, encoding="utf-8")
    policies = tmp_path / "policies"
    policies.mkdir()
    for p in (REPO / "policies").glob("*.agentpol"):
        (policies / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    before = {p.name: p.read_text(encoding="utf-8") for p in policies.iterdir()}
    assert main(["suggest", str(policies), flag, str(path), "--write"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1:1: error[E050]" in err and "Traceback" not in err
    assert {p.name: p.read_text(encoding="utf-8") for p in policies.iterdir()} == before


def test_usage_errors_exit_2(capsys):
    policies = str(REPO / "policies")
    assert main(["suggest", policies]) == 2
    assert main(["suggest", policies, "--log", "/nonexistent/log"]) == 2
    assert main(["suggest", policies, "--log", "x", "--since", "March"]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.fixture(scope="module")
def acme():
    return events.accounts(pipeline.load(REPO / "policies"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_events_map_to_principals_by_role_name_account_and_tags(acme, case):
    record = {**EVENT, "userIdentity": case["identity"],
              "eventName": case.get("event", "GetItem"),
              "eventSource": case.get("source", "dynamodb.amazonaws.com"),
              "requestParameters": case.get("params", {})}
    call = events.read(record, acme)
    assert call.principal == case["principal"]
    assert call.mismatch == case.get("mismatch", "")


@pytest.mark.parametrize("params,service,arn", [
    ({"tableName": "t"}, "dynamodb", "arn:aws:dynamodb:us-east-1:222222222222:table/t"),
    ({"bucketName": "b", "key": "k/x"}, "s3", "arn:aws:s3:::b/k/x"),
    ({"queueUrl": "https://sqs.us-east-1.amazonaws.com/222222222222/q"}, "sqs",
     "arn:aws:sqs:us-east-1:222222222222:q"),
    ({"name": "/acme/prod/flags/a"}, "ssm",
     "arn:aws:ssm:us-east-1:222222222222:parameter/acme/prod/flags/a"),
    ({"secretId": "prod/db"}, "secretsmanager",
     "arn:aws:secretsmanager:us-east-1:222222222222:secret:prod/db-AbCdEf"),
])
def test_resources_from_request_parameters_when_the_event_lists_none(acme, params, service, arn):
    record = {**EVENT, "eventSource": f"{service}.amazonaws.com", "resources": [],
              "requestParameters": params}
    call: AwsCall = events.read(record, acme)
    assert call.arns == (arn,) and call.action.startswith(f"{service}:")


ATTEMPTS = json.loads((Path(__file__).parent / "cases" / "attempts.json").read_text())["cases"]


@pytest.fixture(scope="module")
def acme_model():
    return pipeline.load(REPO / "policies")


@pytest.mark.parametrize("case", ATTEMPTS, ids=[f"{c['principal']} {c['action']} {c['resource']}"
                                                for c in ATTEMPTS])
def test_calls_outside_every_grant_become_alerts_or_may_be_proposed(acme_model, case):
    from agentpol.suggest import match, propose
    from agentpol.suggest.observe import Attempt
    p = acme_model.principals[case["principal"]]
    if case["layer"] == "gateway":
        verdict = match.gateway(p, case["action"], case["resource"])
    else:
        arns = (case["resource"],) if case["resource"] else ()
        verdict = match.AwsIndex(acme_model).verdict(p, case["action"], arns)
    assert not verdict.grants or verdict.deny  # outside every grant, as the corpus says
    a = Attempt(case["layer"], case["action"], case["resource"], verdict.deny)
    a.use.add(dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc))
    alert = propose._alert(acme_model, p, a)
    assert (alert.kind if alert else None) == case["expect"]


ODD_VALUES = [None, True, 0, -1, 10**40, 1.5, float("nan"), "", "x", "@", [], [1, "a"], {},
              {"a": [None]}, "2026-13-45T99:99:99Z", "2026-03-02T10:00:00"]


def _mutations(base: dict, seed: int, count: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        record = json.loads(json.dumps(base))
        for _ in range(rng.randrange(1, 4)):
            node, key = record, rng.choice(list(record))
            while isinstance(node[key], dict) and node[key] and rng.random() < 0.6:
                node, key = node[key], rng.choice(list(node[key]))
            node[key] = rng.choice(ODD_VALUES)
        out.append(record)
    return out


def test_odd_field_values_are_damage_never_a_crash(tmp_path, acme_model):
    """Every field of a decision line and of a CloudTrail event replaced by values of every
    JSON type: each record is read or counted as malformed; nothing raises."""
    from agentpol.suggest.observe import Observer
    observer = Observer(acme_model, None, None)
    lines = [json.dumps(LINE)] + [json.dumps(r) for r in _mutations(LINE, 1, 400)]
    damage = readers.Damage("d")
    read = 0
    for _, d in readers.decisions(_write(tmp_path / "d.jsonl", "\n".join(lines)), damage):
        observer.decision(d)
        read += 1
    assert read + damage.count == len(lines) and read >= 1
    events_ = [EVENT] + _mutations(EVENT, 2, 400)
    damage = readers.Damage("c")
    for n, record in readers.cloudtrail(_write(tmp_path / "c.json",
                                               json.dumps({"Records": events_})), damage):
        try:
            observer.cloudtrail(record)
        except (ValueError, TypeError, AttributeError):  # what suggest() counts as damage
            damage.add(n, "unreadable event")
    observer.finish()
