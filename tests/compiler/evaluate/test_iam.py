"""The IAM evaluator against AWS's documented evaluation logic (IAM User Guide).

Each table row applies one documented rule to one request; the comment above each group names the
page of the IAM User Guide that states the rule.
"""

import pytest

from agentpol.evaluate.iam import Decision, Request, evaluate, matching_statements

ALLOW, IMPLICIT, EXPLICIT = Decision.ALLOW, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY

S3 = "arn:aws:s3:::"
OBJECT = S3 + "reports/2024/q1.csv"
BUCKET = S3 + "reports"
GET = "s3:GetObject"
HOME = S3 + "home/${aws:username}/*"
TEAM_HOME = S3 + "team/${aws:PrincipalTag/team, 'shared'}/*"
KEY = "arn:aws:kms:eu-west-1:111111111111:key/1234"
KEYS = "arn:aws:kms:eu-west-1:111111111111:key/*"
TEAM, ENV, TAGS = "aws:PrincipalTag/team", "aws:PrincipalTag/env", "aws:TagKeys"
OWN, OTHER, PROD = "111111111111", "222222222222", "999999999999"


def policy(*statements, version="2012-10-17"):
    return {"Version": version, "Statement": list(statements)}


def allow(action=GET, resource=OBJECT, **elements):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **elements}


def deny(action=GET, resource=OBJECT, **elements):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **elements}


def statement(effect, **elements):
    """A statement with NotAction/NotResource, which allow()/deny() do not spell."""
    return {"Effect": effect, **elements}


def req(action=GET, resource=OBJECT):
    return Request(action, resource)


def case(id, request, identity, expected, *, boundary=None, session=None):
    return pytest.param(request, identity, boundary, session, expected, id=id)


EVERYTHING = policy(allow("*", "*"))
ALIAS_GRANT = policy(
    allow(
        "kms:Decrypt",
        KEYS,
        Condition={"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/app"}},
    )
)
# "Data perimeter" pattern: deny resources outside the listed accounts with StringNotEquals on
# aws:ResourceAccount. "Condition operators": if the key is not present, a negated operator
# (StringNotLike, ArnNotLike, ...) is true, so the deny also blocks a request without the key.
PERIMETER = policy(
    allow("s3:*", "*"),
    deny("s3:*", "*", Condition={"StringNotEquals": {"aws:ResourceAccount": [OWN]}}),
)
# The AWS target explicitly denies every other env's account.
ENV_DENY = policy(
    allow("s3:*", "*"),
    deny("*", "*", Condition={"StringEquals": {"aws:ResourceAccount": [PROD]}}),
)
MFA_DENY = policy(
    allow(), deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})
)
TLS_DENY = policy(allow(), deny(Condition={"Bool": {"aws:SecureTransport": False}}))


def with_account(account):
    return Request(GET, OBJECT, {"aws:ResourceAccount": account})


def user(name, resource):
    return Request(GET, resource, {"aws:username": name})


def decrypt(aliases):
    return Request("kms:Decrypt", KEY, {"kms:ResourceAliases": aliases})


CASES = [
    # "Policy evaluation logic" / "Determining whether a request is allowed or denied within an
    # account": deny by default; an explicit deny in any policy overrides every allow.
    case("allow", req(), [policy(allow())], ALLOW),
    case("no-statement", req(), [policy()], IMPLICIT),
    case("no-identity-policy", req(), [], IMPLICIT),
    case("other-action-only", req(), [policy(allow("s3:PutObject"))], IMPLICIT),
    case("other-resource-only", req(), [policy(allow(resource=BUCKET))], IMPLICIT),
    case("deny-beats-allow", req(), [policy(allow(), deny())], EXPLICIT),
    case("deny-in-other-policy", req(), [policy(allow()), policy(deny())], EXPLICIT),
    case("deny-alone", req(), [policy(deny())], EXPLICIT),
    case("allows-union", req(), [policy(allow("s3:PutObject")), policy(allow())], ALLOW),
    case("deny-other-action", req(), [policy(allow(), deny("s3:PutObject"))], ALLOW),
    case("statement-object", req(), [{"Version": "2012-10-17", "Statement": allow()}], ALLOW),
    # "Permissions boundaries for IAM entities": effective permissions are the intersection of
    # identity policies and boundary; a boundary grants nothing on its own; a deny in it wins.
    case("boundary-allows", req(), [policy(allow())], ALLOW,
         boundary=policy(allow("s3:Get*", "*"))),
    case("boundary-does-not-grant", req(), [policy(allow())], IMPLICIT,
         boundary=policy(allow("s3:List*", "*"))),
    case("boundary-alone-grants-nothing", req(), [policy(allow("s3:PutObject"))], IMPLICIT,
         boundary=EVERYTHING),
    case("deny-in-boundary", req(), [policy(allow())], EXPLICIT,
         boundary=policy(allow("*", "*"), deny())),
    case("deny-in-boundary-no-allow", req(), [policy()], EXPLICIT, boundary=policy(deny())),
    case("empty-boundary", req(), [policy(allow())], IMPLICIT, boundary=policy()),
    # "Session policies": the session's permissions are the intersection of the identity
    # policies and the session policy; a session policy grants nothing on its own.
    case("session-allows", req(), [policy(allow("s3:*", "*"))], ALLOW, session=policy(allow())),
    case("session-narrows", req(), [policy(allow("s3:*", "*"))], IMPLICIT,
         session=policy(allow("s3:ListBucket"))),
    case("session-alone-grants-nothing", req(), [policy()], IMPLICIT, session=EVERYTHING),
    case("deny-in-session", req(), [policy(allow())], EXPLICIT,
         session=policy(allow(), deny())),
    case("all-three-allow", req(), [policy(allow())], ALLOW,
         boundary=EVERYTHING, session=EVERYTHING),
    case("session-allows-boundary-not", req(), [policy(allow())], IMPLICIT,
         boundary=policy(), session=EVERYTHING),
    # "IAM JSON policy elements: Action": case-insensitive (service prefix too), `*` and `?`
    # wildcards, the whole action must match.
    case("action-case", req("s3:getobject"), [policy(allow())], ALLOW),
    case("action-prefix-case", req("S3:GetObject"), [policy(allow("s3:getOBJECT"))], ALLOW),
    case("action-wildcard", req(), [policy(allow("s3:Get*"))], ALLOW),
    case("action-wildcard-miss", req("s3:PutObject"), [policy(allow("s3:Get*"))], IMPLICIT),
    case("action-star", req(), [policy(allow("*"))], ALLOW),
    case("action-other-service", req("ec2:RunInstances"), [policy(allow("s3:*"))], IMPLICIT),
    case("action-star-inside", req("s3:PutObject"), [policy(allow("s3:*Object"))], ALLOW),
    case("action-star-inside-miss", req("s3:ListBucket"), [policy(allow("s3:*Object"))],
         IMPLICIT),
    case("action-question-mark", req(), [policy(allow("s3:GetObjec?"))], ALLOW),
    case("action-question-needs-char", req(), [policy(allow("s3:Get?Object"))], IMPLICIT),
    case("action-whole-name", req(), [policy(allow("s3:Get"))], IMPLICIT),
    case("action-dot-literal", req(), [policy(allow("s3:Get.bject"))], IMPLICIT),
    case("action-bracket-literal", req(), [policy(allow("s3:Get[O]bject"))], IMPLICIT),
    case("action-list", req(), [policy(allow(["s3:PutObject", "s3:GetObject"]))], ALLOW),
    # "IAM JSON policy elements: NotAction": every action except those listed, in an Allow or
    # a Deny statement.
    case("notaction-allow-other", req(),
         [policy(statement("Allow", NotAction="iam:*", Resource="*"))], ALLOW),
    case("notaction-allow-listed", req("iam:CreateUser", "*"),
         [policy(statement("Allow", NotAction="iam:*", Resource="*"))], IMPLICIT),
    case("notaction-case", req("iam:PassRole", "*"),
         [policy(statement("Allow", NotAction="IAM:*", Resource="*"))], IMPLICIT),
    case("notaction-deny-other", req("ec2:RunInstances", "*"),
         [policy(allow("*", "*"), statement("Deny", NotAction="s3:*", Resource="*"))], EXPLICIT),
    case("notaction-deny-listed", req(),
         [policy(allow("*", "*"), statement("Deny", NotAction="s3:*", Resource="*"))], ALLOW),
    # "IAM JSON policy elements: Resource": case-sensitive ARNs; `*` matches any characters,
    # `/` and `:` included; `?` exactly one.
    case("resource-exact", req(), [policy(allow(resource=OBJECT))], ALLOW),
    case("resource-case", req(resource=S3 + "Reports/2024/q1.csv"), [policy(allow())], IMPLICIT),
    case("resource-star-spans-slash", req(), [policy(allow(resource=S3 + "reports/*"))], ALLOW),
    case("resource-objects-not-bucket", req(resource=BUCKET),
         [policy(allow(resource=S3 + "reports/*"))], IMPLICIT),
    case("resource-star", req(), [policy(allow(resource="*"))], ALLOW),
    case("resource-question", req(resource=S3 + "logs-a"),
         [policy(allow(resource=S3 + "logs-?"))], ALLOW),
    case("resource-question-one-char", req(resource=S3 + "logs-ab"),
         [policy(allow(resource=S3 + "logs-?"))], IMPLICIT),
    case("resource-star-middle", req(resource=S3 + "logs-eu-prod/x"),
         [policy(allow(resource=S3 + "logs-*-prod/*"))], ALLOW),
    case("resource-star-middle-miss", req(resource=S3 + "logs-eu-dev/x"),
         [policy(allow(resource=S3 + "logs-*-prod/*"))], IMPLICIT),
    case("resource-star-spans-colon",
         req("logs:PutLogEvents", f"arn:aws:logs:eu-west-1:{OWN}:log-group:app:log-stream:s1"),
         [policy(allow("logs:*", f"arn:aws:logs:*:{OWN}:log-group:app*"))], ALLOW),
    case("resource-other-account",
         req("dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{OTHER}:table/t"),
         [policy(allow("dynamodb:*", f"arn:aws:dynamodb:*:{OWN}:table/*"))], IMPLICIT),
    case("resource-bracket-literal", req(resource=S3 + "b/[a]"),
         [policy(allow(resource=S3 + "b/[a]"))], ALLOW),
    case("resource-bracket-no-class", req(resource=S3 + "b/a"),
         [policy(allow(resource=S3 + "b/[a]"))], IMPLICIT),
    case("resource-star-request", req("s3:ListAllMyBuckets", "*"),
         [policy(allow("s3:ListAllMyBuckets", BUCKET))], IMPLICIT),
    # "IAM JSON policy elements: NotResource": every resource except those listed.
    case("notresource-allow-other", req(resource=S3 + "other/x"),
         [policy(statement("Allow", Action="s3:*", NotResource=S3 + "reports/*"))], ALLOW),
    case("notresource-allow-listed", req(),
         [policy(statement("Allow", Action="s3:*", NotResource=S3 + "reports/*"))], IMPLICIT),
    case("notresource-deny-other", req(resource=S3 + "other/x"),
         [policy(allow("*", "*"),
                 statement("Deny", Action="s3:*", NotResource=[S3 + "reports/*"]))], EXPLICIT),
    case("notresource-deny-listed", req(),
         [policy(allow("*", "*"),
                 statement("Deny", Action="s3:*", NotResource=[S3 + "reports/*"]))], ALLOW),
    # "IAM policy elements: Variables and tags": `${key}` takes the request's value; `${*}`,
    # `${?}`, `${$}` are the literal characters; `${key, 'default'}` falls back; variables
    # need Version 2012-10-17; a multivalued key cannot be one; "Policy variables with no
    # value": the value is null, nothing equals or is like it.
    case("var-username", user("alice", S3 + "home/alice/n"), [policy(allow(resource=HOME))],
         ALLOW),
    case("var-other-user", user("alice", S3 + "home/bob/n"), [policy(allow(resource=HOME))],
         IMPLICIT),
    case("var-key-case", Request(GET, S3 + "home/alice/n", {"AWS:UserName": "alice"}),
         [policy(allow(resource=HOME))], ALLOW),
    case("var-missing", req(resource=S3 + "home/alice/n"), [policy(allow(resource=HOME))],
         IMPLICIT),
    case("var-missing-notresource", req(resource=S3 + "home/alice/n"),
         [policy(statement("Allow", Action="s3:*", NotResource=HOME))], ALLOW),
    case("var-value-literal", user("a*", S3 + "home/abc/x"), [policy(allow(resource=HOME))],
         IMPLICIT),
    case("var-escaped-star", req(resource=S3 + "b/*"),
         [policy(allow(resource=S3 + "b/${*}"))], ALLOW),
    case("var-escaped-star-literal", req(resource=S3 + "b/x"),
         [policy(allow(resource=S3 + "b/${*}"))], IMPLICIT),
    case("var-escaped-question", req(resource=S3 + "b/x"),
         [policy(allow(resource=S3 + "b/${?}"))], IMPLICIT),
    case("var-escaped-dollar", req(resource=S3 + "b/$x"),
         [policy(allow(resource=S3 + "b/${$}x"))], ALLOW),
    case("var-default", req(resource=S3 + "team/shared/x"),
         [policy(allow(resource=TEAM_HOME))], ALLOW),
    case("var-default-unused", Request(GET, S3 + "team/shared/x", {TEAM: "data"}),
         [policy(allow(resource=TEAM_HOME))], IMPLICIT),
    case("var-old-version-literal", user("alice", S3 + "home/alice/x"),
         [policy(allow(resource=HOME), version="2008-10-17")], IMPLICIT),
    case("var-multivalued", Request(GET, S3 + "home/a/x", {TAGS: ["a", "b"]}),
         [policy(allow(resource=S3 + "home/${aws:TagKeys}/*"))], IMPLICIT),
    # "AWS KMS condition keys" / docs/targets/aws.md: a key named by alias is granted on key/* with
    # ForAnyValue:StringEquals on the multivalued kms:ResourceAliases.
    case("kms-alias", decrypt(["alias/app", "alias/x"]), [ALIAS_GRANT], ALLOW),
    case("kms-other-alias", decrypt(["alias/x"]), [ALIAS_GRANT], IMPLICIT),
    case("kms-key-without-alias", Request("kms:Decrypt", KEY), [ALIAS_GRANT], IMPLICIT),
    # Data perimeter (above) and the target's deny of other envs' accounts.
    case("perimeter-own", with_account(OWN), [PERIMETER], ALLOW),
    case("perimeter-other", with_account(OTHER), [PERIMETER], EXPLICIT),
    case("perimeter-key-absent", req(), [PERIMETER], EXPLICIT),
    case("env-deny-hit", with_account(PROD), [ENV_DENY], EXPLICIT),
    case("env-deny-miss", with_account(OWN), [ENV_DENY], ALLOW),
    case("env-deny-key-absent", req(), [ENV_DENY], ALLOW),
    # "Condition operators" > "...IfExists": the documented MFA deny. BoolIfExists is true when
    # the key is absent (long-term keys send no aws:MultiFactorAuthPresent), so the deny applies.
    case("mfa-absent", req(), [MFA_DENY], EXPLICIT),
    case("mfa-present", Request(GET, OBJECT, {"aws:MultiFactorAuthPresent": "true"}),
         [MFA_DENY], ALLOW),
    # "Condition operators" > Bool: the documented aws:SecureTransport deny; Bool on an absent
    # key is false, so without the key the deny does not apply.
    case("tls-false", Request(GET, OBJECT, {"aws:SecureTransport": "false"}), [TLS_DENY],
         EXPLICIT),
    case("tls-absent", req(), [TLS_DENY], ALLOW),
]


@pytest.mark.parametrize(("request_", "identity", "boundary", "session", "expected"), CASES)
def test_evaluate(request_, identity, boundary, session, expected):
    assert evaluate(request_, identity, boundary, session) is expected


def row(id, condition, context, holds):
    return pytest.param(condition, context, holds, id=id)


T = "aws:CurrentTime"
NOW = {T: "2024-06-01T12:00:00Z"}
NOON_EPOCH = "1717243200"  # 2024-06-01T12:00:00Z
IP = "aws:SourceIp"
ARN = "aws:SourceArn"
TOPIC = f"arn:aws:sns:eu-west-1:{OWN}:topic-a"
LOGS = f"arn:aws:logs:eu-west-1:{OWN}:log-group:"

# One condition block, a request context, and whether the block holds. The test checks it both
# ways: in an Allow (ALLOW or IMPLICIT_DENY) and in a Deny next to an allow-all (EXPLICIT_DENY or
# ALLOW), since AWS evaluates a condition the same whatever the statement's effect.
CONDITIONS = [
    # "Condition operators" > String condition operators.
    row("stringequals", {"StringEquals": {TEAM: "data"}}, {TEAM: "data"}, True),
    row("stringequals-case", {"StringEquals": {TEAM: "data"}}, {TEAM: "Data"}, False),
    row("stringequals-absent", {"StringEquals": {TEAM: "data"}}, {}, False),
    row("stringequals-star-literal", {"StringEquals": {TEAM: "d*"}}, {TEAM: "data"}, False),
    row("stringnotequals", {"StringNotEquals": {TEAM: "data"}}, {TEAM: "web"}, True),
    row("stringnotequals-equal", {"StringNotEquals": {TEAM: "data"}}, {TEAM: "data"}, False),
    row("stringnotequals-absent", {"StringNotEquals": {TEAM: "data"}}, {}, True),
    row("ignorecase", {"StringEqualsIgnoreCase": {TEAM: "DATA"}}, {TEAM: "data"}, True),
    row("ignorecase-absent", {"StringEqualsIgnoreCase": {TEAM: "DATA"}}, {}, False),
    row("notignorecase-equal", {"StringNotEqualsIgnoreCase": {TEAM: "DATA"}}, {TEAM: "data"},
        False),
    row("notignorecase", {"StringNotEqualsIgnoreCase": {TEAM: "DATA"}}, {TEAM: "web"}, True),
    row("stringlike", {"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/al/"}, True),
    row("stringlike-miss", {"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "pub/"}, False),
    row("stringlike-question", {"StringLike": {"s3:prefix": "v?"}}, {"s3:prefix": "v1"}, True),
    row("stringlike-case", {"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "Home/x"}, False),
    row("stringnotlike", {"StringNotLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/x"},
        False),
    row("stringnotlike-miss", {"StringNotLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "pub/"},
        True),
    row("stringnotlike-absent", {"StringNotLike": {"s3:prefix": "home/*"}}, {}, True),
    row("stringequals-variable", {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}},
        {"aws:ResourceTag/owner": "alice", "aws:username": "alice"}, True),
    row("stringequals-variable-miss",
        {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}},
        {"aws:ResourceTag/owner": "alice", "aws:username": "bob"}, False),
    # "Conditions with multiple context keys or values": values ORed, keys ANDed, operators
    # ANDed, a negated operator's values NORed; keys are case-insensitive, values are not.
    row("values-ored", {"StringEquals": {TEAM: ["web", "data"]}}, {TEAM: "data"}, True),
    row("keys-anded", {"StringEquals": {TEAM: "data", ENV: "prod"}},
        {TEAM: "data", ENV: "dev"}, False),
    row("keys-anded-all", {"StringEquals": {TEAM: "data", ENV: "prod"}},
        {TEAM: "data", ENV: "prod"}, True),
    row("operators-anded",
        {"StringEquals": {TEAM: "data"}, "Bool": {"aws:SecureTransport": "true"}},
        {TEAM: "data", "aws:SecureTransport": "false"}, False),
    row("negated-nored", {"StringNotEquals": {TEAM: ["web", "data"]}}, {TEAM: "data"}, False),
    row("negated-nored-none", {"StringNotEquals": {TEAM: ["web", "data"]}}, {TEAM: "ops"}, True),
    row("key-case", {"StringEquals": {"AWS:PrincipalTag/Team": "data"}},
        {"aws:principaltag/team": "data"}, True),
    # "Condition operators" > Numeric condition operators.
    row("lessthan", {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"}, True),
    row("lessthan-equal", {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"},
        False),
    row("lessthanequals", {"NumericLessThanEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "10"},
        True),
    row("greaterthan", {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"aws:MultiFactorAuthAge": "3601"}, True),
    row("greaterthan-miss", {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"aws:MultiFactorAuthAge": "30"}, False),
    row("greaterthanequals", {"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": "3600"}},
        {"aws:MultiFactorAuthAge": "3600"}, True),
    row("numericequals", {"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.0"}, True),
    row("numericequals-text", {"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "ten"},
        False),
    row("numericequals-absent", {"NumericEquals": {"s3:max-keys": "10"}}, {}, False),
    row("numericnotequals", {"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"},
        True),
    row("numericnotequals-equal", {"NumericNotEquals": {"s3:max-keys": "10"}},
        {"s3:max-keys": "10"}, False),
    row("numericnotequals-absent", {"NumericNotEquals": {"s3:max-keys": "10"}}, {}, True),
    # "Condition operators" > Date condition operators (ISO 8601 or epoch seconds).
    row("dategreaterthan", {"DateGreaterThan": {T: "2024-01-01T00:00:00Z"}}, NOW, True),
    row("datelessthan", {"DateLessThan": {T: "2024-01-01T00:00:00Z"}}, NOW, False),
    row("datelessthanequals", {"DateLessThanEquals": {T: "2024-06-01T12:00:00Z"}}, NOW, True),
    row("dategreaterthanequals", {"DateGreaterThanEquals": {T: "2024-06-01T12:00:00Z"}}, NOW,
        True),
    row("date-only", {"DateGreaterThan": {T: "2024-06-01"}}, NOW, True),
    row("dateequals-epoch", {"DateEquals": {T: NOON_EPOCH}}, NOW, True),
    row("datenotequals", {"DateNotEquals": {T: NOON_EPOCH}}, NOW, False),
    row("date-epoch-request", {"DateLessThan": {"aws:EpochTime": "2024-06-01T12:00:01Z"}},
        {"aws:EpochTime": NOON_EPOCH}, True),
    row("date-absent", {"DateGreaterThan": {T: "2024-01-01T00:00:00Z"}}, {}, False),
    # "Condition operators" > Boolean condition operators.
    row("bool", {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, True),
    row("bool-json", {"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "false"},
        False),
    row("bool-any-case", {"Bool": {"aws:SecureTransport": "True"}},
        {"aws:SecureTransport": "true"}, True),
    row("bool-absent", {"Bool": {"aws:SecureTransport": "true"}}, {}, False),
    # "Condition operators" > Binary condition operators.
    row("binaryequals", {"BinaryEquals": {"key": "QmluYXJ5"}}, {"key": "QmluYXJ5"}, True),
    # "Condition operators" > IP address condition operators.
    row("ipaddress", {"IpAddress": {IP: "203.0.113.0/24"}}, {IP: "203.0.113.7"}, True),
    row("ipaddress-miss", {"IpAddress": {IP: "203.0.113.0/24"}}, {IP: "198.51.100.1"}, False),
    row("ipaddress-v6", {"IpAddress": {IP: "2001:db8::/32"}}, {IP: "2001:db8::1"}, True),
    row("notipaddress", {"NotIpAddress": {IP: "203.0.113.0/24"}}, {IP: "198.51.100.1"}, True),
    row("notipaddress-absent", {"NotIpAddress": {IP: "203.0.113.0/24"}}, {}, True),
    # "Condition operators" > ARN condition operators: each of the six colon-separated parts
    # is matched separately; ArnEquals and ArnLike behave the same.
    row("arnlike", {"ArnLike": {ARN: f"arn:aws:sns:*:{OWN}:topic-*"}}, {ARN: TOPIC}, True),
    row("arnlike-account", {"ArnLike": {ARN: f"arn:aws:sns:*:{OTHER}:topic-*"}}, {ARN: TOPIC},
        False),
    row("arnlike-star-stays-in-part", {"ArnLike": {ARN: "arn:aws:iam::*:role/agent"}},
        {ARN: "arn:aws:iam::1:2:role/agent"}, False),
    row("arnlike-last-part-spans-colon", {"ArnLike": {ARN: LOGS + "*"}},
        {ARN: LOGS + "app:log-stream:s"}, True),
    row("arnequals", {"ArnEquals": {ARN: TOPIC}}, {ARN: TOPIC}, True),
    row("arnequals-wildcard", {"ArnEquals": {ARN: f"arn:aws:sns:*:{OWN}:topic-a"}},
        {ARN: TOPIC}, True),
    row("arnnotequals", {"ArnNotEquals": {ARN: TOPIC}}, {ARN: TOPIC[:-1] + "b"}, True),
    row("arnnotlike", {"ArnNotLike": {ARN: f"arn:aws:sns:*:{OWN}:*"}}, {ARN: TOPIC}, False),
    row("arnnotlike-absent", {"ArnNotLike": {ARN: f"arn:aws:sns:*:{OWN}:*"}}, {}, True),
    row("arnlike-absent", {"ArnLike": {ARN: f"arn:aws:sns:*:{OWN}:*"}}, {}, False),
    # "Condition operators" > "...IfExists": an absent key makes the condition true; a present
    # key is compared as usual.
    row("ifexists-absent", {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}, {}, True),
    row("ifexists-present-miss", {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
        {"ec2:InstanceType": "m5.large"}, False),
    row("ifexists-present-match", {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
        {"ec2:InstanceType": "t3.micro"}, True),
    row("negated-ifexists-absent", {"StringNotEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
        {}, True),
    row("numeric-ifexists-absent", {"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {}, True),
    row("arn-ifexists-absent", {"ArnLikeIfExists": {ARN: "arn:aws:sns:*:*:*"}}, {}, True),
    # "Condition operators" > "Condition operator to check existence of condition keys" (Null).
    row("null-true-absent", {"Null": {"aws:TokenIssueTime": "true"}}, {}, True),
    row("null-true-present", {"Null": {"aws:TokenIssueTime": "true"}},
        {"aws:TokenIssueTime": "2024-06-01T00:00:00Z"}, False),
    row("null-false-present", {"Null": {"aws:TokenIssueTime": False}},
        {"aws:TokenIssueTime": "2024-06-01T00:00:00Z"}, True),
    row("null-false-absent", {"Null": {"aws:TokenIssueTime": "false"}}, {}, False),
    # "Single-valued vs. multivalued context keys" > set operators: ForAllValues holds when
    # every request value matches (and when the key is absent or empty); ForAnyValue when at
    # least one does (never when the key is absent).
    row("forall-subset", {"ForAllValues:StringEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["env"]}, True),
    row("forall-extra-value", {"ForAllValues:StringEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["env", "cost"]}, False),
    row("forall-absent", {"ForAllValues:StringEquals": {TAGS: ["env", "team"]}}, {}, True),
    row("forall-empty", {"ForAllValues:StringEquals": {TAGS: ["env", "team"]}}, {TAGS: []},
        True),
    row("forall-stringlike", {"ForAllValues:StringLike": {TAGS: "Created*"}},
        {TAGS: ["CreatedBy", "CreatedAt"]}, True),
    row("forall-null-guard",
        {"ForAllValues:StringEquals": {TAGS: ["env"]}, "Null": {TAGS: "false"}}, {}, False),
    row("forall-negated", {"ForAllValues:StringNotEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["cost", "owner"]}, True),
    row("forall-negated-one-listed", {"ForAllValues:StringNotEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["cost", "env"]}, False),
    row("forany", {"ForAnyValue:StringEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["cost", "env"]}, True),
    row("forany-miss", {"ForAnyValue:StringEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["cost", "owner"]}, False),
    row("forany-absent", {"ForAnyValue:StringEquals": {TAGS: ["env"]}}, {}, False),
    row("forany-empty", {"ForAnyValue:StringEquals": {TAGS: ["env"]}}, {TAGS: []}, False),
    row("forany-ifexists-absent", {"ForAnyValue:StringEqualsIfExists": {TAGS: ["env"]}}, {},
        True),
    row("forany-negated", {"ForAnyValue:StringNotEquals": {TAGS: ["env"]}},
        {TAGS: ["env", "cost"]}, True),
    row("forany-negated-all-listed", {"ForAnyValue:StringNotEquals": {TAGS: ["env"]}},
        {TAGS: ["env"]}, False),
    row("forany-negated-absent", {"ForAnyValue:StringNotEquals": {TAGS: ["env"]}}, {}, False),
    row("forany-stringlike", {"ForAnyValue:StringLike": {TAGS: "key1*"}},
        {TAGS: ["key1-x", "other"]}, True),
    row("forany-single-valued-key",
        {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ["o-aaaa", "o-bbbb"]}},
        {"aws:PrincipalOrgID": "o-bbbb"}, True),
]


@pytest.mark.parametrize(("condition", "context", "holds"), CONDITIONS)
def test_condition(condition, context, holds):
    request = Request(GET, OBJECT, context)
    granted = policy(allow(Condition=condition))
    assert evaluate(request, [granted]) is (ALLOW if holds else IMPLICIT)
    guarded = policy(allow(), deny(Condition=condition))
    assert evaluate(request, [guarded]) is (EXPLICIT if holds else ALLOW)


@pytest.mark.parametrize(
    ("statement_", "message"),
    [
        (allow(Principal={"AWS": "*"}), "do not belong"),
        ({"Effect": "Allow", "Resource": "*"}, "exactly one of Action"),
        ({"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}, "one of Action"),
        ({"Effect": "Allow", "Action": "*"}, "exactly one of Resource"),
        ({"Effect": "allow", "Action": "*", "Resource": "*"}, "Effect"),
        (allow(Condition={"Bool": "true"}), "Condition must map"),
        (allow(Condition={"StringEqualz": {"k": "v"}}), "unknown condition operator"),
        (allow(Condition={"ForSomeValues:StringEquals": {"k": "v"}}), "set qualifier"),
        (allow(Condition={"NullIfExists": {"k": "true"}}), "Null takes neither"),
        (allow(Condition={"Null": {"k": "yes"}}), "true or false"),
        (allow(Condition={"NumericLessThan": {"k": "ten"}}), "not valid"),
        (allow(Condition={"StringEquals": {"k": "${}"}}), "malformed policy variable"),
        (allow(Condition={"StringEquals": {"k": "v"}}), "needs ForAnyValue or ForAllValues"),
    ],
)
def test_invalid_input_is_an_error(statement_, message):
    # AWS rejects these policies, or documents no behaviour for them: refuse rather than guess.
    with pytest.raises(ValueError, match=message):
        evaluate(Request(GET, OBJECT, {"k": ["a", "b"]}), [policy(statement_)])


def test_decision_allowed():
    assert [decision.allowed for decision in Decision] == [True, False, False]


def test_matching_statements_names_every_applicable_statement():
    document = policy(
        {**allow(), "Sid": "Read"},
        deny("s3:PutObject"),
        deny(resource=S3 + "reports/*"),
    )
    assert matching_statements(req(), document) == ["Read", "Statement[2]"]


def test_empty_context_list_is_absent():
    request = Request(GET, OBJECT, {TAGS: []})
    assert evaluate(request, [policy(allow(Condition={"Null": {TAGS: "true"}}))]) is ALLOW
