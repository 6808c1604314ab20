"""The audit denies: real actions, each reaching the resources it names, and what they cover."""

from agentpol.catalogue import iam
from agentpol.catalogue.aws_audit import log_sink_deny, trail_deny
from agentpol.evaluate.iam import Decision, Request, evaluate

GROUP = "arn:aws:logs:eu-west-1:222222222222:log-group:/acme/prod/audit"


def _policy(statement):
    return {"Version": "2012-10-17", "Statement": [statement]}


def _fits(statement):
    for action in statement["Action"]:
        assert iam.canonical_action(action) == action
        assert any(iam.arn_matches_action(action, arn) for arn in statement["Resource"]), action
    for arn in statement["Resource"]:
        assert any(iam.arn_matches_action(a, arn) for a in statement["Action"]), arn


def test_log_sink_deny_names_the_group_and_its_streams():
    statement = log_sink_deny([("eu-west-1", {"name": "/acme/prod/audit"})], "222222222222")
    assert statement["Effect"] == "Deny"
    assert statement["Resource"] == [GROUP, GROUP + ":*", GROUP + ":log-stream:*"]
    assert {"logs:DeleteLogGroup", "logs:DeleteLogStream", "logs:PutRetentionPolicy",
            "logs:DeleteRetentionPolicy"} <= set(statement["Action"])
    _fits(statement)


def test_log_sink_deny_takes_the_partition():
    statement = log_sink_deny([("cn-north-1", {"name": "x"})], "222222222222", "aws-cn")
    assert all(arn.startswith("arn:aws-cn:logs:cn-north-1:") for arn in statement["Resource"])


def test_log_sink_deny_stops_tampering_and_not_writing():
    policy = _policy(log_sink_deny([("eu-west-1", {"name": "/acme/prod/audit"})], "222222222222"))
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    for action, arn in [("logs:DeleteLogGroup", GROUP + ":*"),
                        ("logs:PutRetentionPolicy", GROUP),
                        ("logs:DeleteLogStream", GROUP + ":log-stream:agent-1")]:
        assert evaluate(Request(action, arn), [admin, policy]) is Decision.EXPLICIT_DENY, action
    write = Request("logs:PutLogEvents", GROUP + ":log-stream:agent-1")
    assert evaluate(write, [admin, policy]) is Decision.ALLOW


def test_trail_deny_covers_every_trail_without_star():
    statement = trail_deny()
    assert statement["Resource"] == ["arn:aws:cloudtrail:*:*:trail/*"]
    assert {"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
            "cloudtrail:PutEventSelectors"} <= set(statement["Action"])
    _fits(statement)
    stop = Request("cloudtrail:StopLogging", "arn:aws:cloudtrail:us-east-1:222222222222:trail/org")
    assert evaluate(stop, [_policy(statement)]) is Decision.EXPLICIT_DENY
