"""The AWS access-word tables, checked against the IAM catalogue and pinned where it matters."""

import pytest

from agentpol.catalogue import iam
from agentpol.catalogue.aws_access import (
    AWS_TYPES,
    arn_for,
    instance_arns,
    statements_for,
    valid_words,
)
from agentpol.model import Condition, IamStatement

ACCOUNT, REGION = "222222222222", "eu-west-1"

# docs/language.md's table, for its AWS types.
LANGUAGE_WORDS = {
    "s3_bucket": ("list", "read", "write", "delete"),
    "dynamodb_table": ("read", "write", "delete"),
    "sqs_queue": ("send", "receive", "read"),
    "sns_topic": ("publish", "read"),
    "lambda_function": ("invoke", "read"),
    "secret": ("read", "write"),
    "ssm_parameter": ("read", "write"),
    "kms_key": ("encrypt", "decrypt"),
    "log_group": ("read", "write"),
    "ecr_repository": ("pull", "push"),
    "iam_role": ("assume", "pass"),
    "bedrock_model": ("invoke",),
}

# Every shape of instance each type can take.
INSTANCES = {
    "s3_bucket": [{"name": "acme-reports"}, {"name": "acme-reports", "prefix": "support/"}],
    "dynamodb_table": [{"name": "tickets"}],
    "sqs_queue": [{"name": "jobs"}],
    "sns_topic": [{"name": "alerts"}],
    "lambda_function": [{"name": "resize"}],
    "secret": [{"name": "prod/db-password"}],
    "ssm_parameter": [
        {"name": "/acme/prod/db-url", "secure": True},
        {"name": "/acme/prod/flags/*", "secure": False},
    ],
    "kms_key": [{"key_id": "1234abcd-12ab-34cd-56ef-1234567890ab"}, {"alias": "app"}],
    "log_group": [{"name": "/aws/lambda/resize"}],
    "ecr_repository": [{"name": "team/agent"}],
    "iam_role": [{"name": "deployer"}],
    "bedrock_model": [{"model_id": "anthropic.claude-3-5-sonnet-20240620-v1:0"}],
}

CASES = [
    pytest.param(rtype, word, attrs, id=f"{rtype}-{word}-{'-'.join(attrs)}")
    for rtype, shapes in INSTANCES.items()
    for attrs in shapes
    for word in valid_words(rtype)
]


def test_tables_cover_exactly_the_language_types_and_words():
    assert set(AWS_TYPES) == set(LANGUAGE_WORDS) == set(INSTANCES)
    assert {rtype: valid_words(rtype) for rtype in AWS_TYPES} == LANGUAGE_WORDS


@pytest.mark.parametrize(("rtype", "word", "attrs"), CASES)
@pytest.mark.parametrize("partition", ["aws", "aws-cn"])
def test_every_grant_fits_the_iam_catalogue(rtype, word, attrs, partition):
    grants = statements_for(rtype, word, attrs, ACCOUNT, REGION, partition)
    assert grants
    for grant in grants:
        assert grant.actions and grant.resources
        assert list(grant.actions) == sorted(grant.actions)
        for action in grant.actions:
            assert iam.canonical_action(action) == action, action
            scoped = iam.supports_resource_scoping(action)
            for arn in grant.resources:
                if scoped:
                    assert arn != "*", f"{action} is scoped but granted on *"
                    assert arn.startswith(f"arn:{partition}:")
                    assert iam.arn_matches_action(action, arn), (action, arn)
                else:
                    assert arn == "*", f"{action} has no resource types, yet got {arn}"
            for _, key, _ in grant.condition.clauses if grant.condition else ():
                assert iam.condition_key_exists(action, key), (action, key)


@pytest.mark.parametrize(("rtype", "word", "attrs"), CASES)
def test_grants_are_deterministic_and_hashable(rtype, word, attrs):
    first = statements_for(rtype, word, attrs, ACCOUNT, REGION)
    assert first == statements_for(rtype, word, dict(attrs), ACCOUNT, REGION)
    assert len(set(first)) == len(first)


# -- golden expectations ---------------------------------------------------------------------


def test_s3_read_with_prefix_is_getobject_under_the_prefix():
    assert statements_for(
        "s3_bucket", "read", {"name": "acme", "prefix": "support/"}, ACCOUNT, REGION
    ) == (IamStatement(("s3:GetObject",), ("arn:aws:s3:::acme/support/*",)),)


def test_s3_read_without_prefix_is_every_object():
    assert statements_for("s3_bucket", "read", {"name": "acme"}, ACCOUNT, REGION) == (
        IamStatement(("s3:GetObject",), ("arn:aws:s3:::acme/*",)),
    )


def test_s3_list_with_prefix_is_conditioned_on_the_prefix():
    (grant,) = statements_for(
        "s3_bucket", "list", {"name": "acme", "prefix": "support/"}, ACCOUNT, REGION
    )
    assert grant == IamStatement(
        ("s3:ListBucket",),
        ("arn:aws:s3:::acme",),
        Condition.of({"StringLike": {"s3:prefix": ["support/*"]}}),
    )


def test_s3_list_without_prefix_has_no_condition():
    (grant,) = statements_for("s3_bucket", "list", {"name": "acme"}, ACCOUNT, REGION)
    assert grant.condition is None


def test_secret_read_carries_the_random_suffix():
    assert statements_for("secret", "read", {"name": "prod/db"}, ACCOUNT, REGION) == (
        IamStatement(
            ("secretsmanager:GetSecretValue",),
            ("arn:aws:secretsmanager:eu-west-1:222222222222:secret:prod/db-??????",),
        ),
    )


def test_kms_alias_decrypt_is_any_key_with_that_alias():
    assert statements_for("kms_key", "decrypt", {"alias": "alias/app"}, ACCOUNT, REGION) == (
        IamStatement(
            ("kms:Decrypt",),
            ("arn:aws:kms:eu-west-1:222222222222:key/*",),
            Condition.of({"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/app"]}}),
        ),
    )


def test_kms_alias_without_prefix_is_normalised():
    (grant,) = statements_for("kms_key", "decrypt", {"alias": "app"}, ACCOUNT, REGION)
    assert grant.condition.block() == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/app"]}}


def test_kms_key_id_decrypt_is_that_key_only():
    (grant,) = statements_for("kms_key", "encrypt", {"key_id": "k-1"}, ACCOUNT, REGION)
    assert grant == IamStatement(
        ("kms:Encrypt", "kms:GenerateDataKey"), ("arn:aws:kms:eu-west-1:222222222222:key/k-1",)
    )


def test_kms_key_id_may_be_a_full_arn():
    key = "arn:aws:kms:us-east-1:333333333333:key/k-2"
    (grant,) = statements_for("kms_key", "decrypt", {"key_id": key}, ACCOUNT, REGION)
    assert grant.resources == (key,)


@pytest.mark.parametrize("attrs", [{}, {"key_id": "k", "alias": "a"}])
def test_kms_key_needs_exactly_one_of_key_id_and_alias(attrs):
    with pytest.raises(ValueError, match="exactly one"):
        statements_for("kms_key", "decrypt", attrs, ACCOUNT, REGION)


def test_bedrock_invoke_is_on_the_foundation_model_without_account():
    model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert statements_for("bedrock_model", "invoke", {"model_id": model}, ACCOUNT, REGION) == (
        IamStatement(
            ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"),
            (f"arn:aws:bedrock:eu-west-1::foundation-model/{model}",),
        ),
    )


def test_ssm_subtree_read_adds_get_by_path_on_the_root():
    base = "arn:aws:ssm:eu-west-1:222222222222:parameter/acme/x/flags"
    assert statements_for(
        "ssm_parameter", "read", {"name": "/acme/x/flags/*"}, ACCOUNT, REGION
    ) == (
        IamStatement(("ssm:GetParameter", "ssm:GetParameters"), (f"{base}/*",)),
        IamStatement(("ssm:GetParametersByPath",), (base, f"{base}/*")),
    )


def test_ssm_single_parameter_read_has_no_get_by_path():
    (grant,) = statements_for("ssm_parameter", "read", {"name": "/acme/x/url"}, ACCOUNT, REGION)
    assert grant.resources == ("arn:aws:ssm:eu-west-1:222222222222:parameter/acme/x/url",)


def test_dynamodb_read_covers_queries_on_indexes():
    table = "arn:aws:dynamodb:eu-west-1:222222222222:table/tickets"
    assert statements_for("dynamodb_table", "read", {"name": "tickets"}, ACCOUNT, REGION) == (
        IamStatement(("dynamodb:BatchGetItem", "dynamodb:GetItem"), (table,)),
        IamStatement(("dynamodb:Query", "dynamodb:Scan"), (table, f"{table}/index/*")),
    )


def test_log_group_write_is_on_its_streams():
    assert statements_for("log_group", "write", {"name": "app"}, ACCOUNT, REGION) == (
        IamStatement(
            ("logs:CreateLogStream", "logs:PutLogEvents"),
            ("arn:aws:logs:eu-west-1:222222222222:log-group:app:log-stream:*",),
        ),
    )


def test_ecr_pull_needs_the_unscoped_login():
    grants = statements_for("ecr_repository", "pull", {"name": "agent"}, ACCOUNT, REGION)
    assert IamStatement(("ecr:GetAuthorizationToken",), ("*",)) in grants


def test_iam_role_assume_is_on_the_role_in_the_account():
    assert statements_for("iam_role", "assume", {"name": "deployer"}, ACCOUNT, REGION) == (
        IamStatement(("sts:AssumeRole",), ("arn:aws:iam::222222222222:role/deployer",)),
    )


def test_sqs_receive_can_delete_what_it_handled():
    (grant,) = statements_for("sqs_queue", "receive", {"name": "jobs"}, ACCOUNT, REGION)
    assert grant.actions == ("sqs:DeleteMessage", "sqs:ReceiveMessage")


# -- identities and errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rtype", "attrs", "arn"),
    [
        ("s3_bucket", {"name": "acme"}, "arn:aws:s3:::acme"),
        ("s3_bucket", {"name": "acme", "prefix": "prod/"}, "arn:aws:s3:::acme/prod/*"),
        ("kms_key", {"alias": "app"}, "arn:aws:kms:eu-west-1:222222222222:alias/app"),
        ("kms_key", {"key_id": "k-1"}, "arn:aws:kms:eu-west-1:222222222222:key/k-1"),
        ("iam_role", {"name": "deployer"}, "arn:aws:iam::222222222222:role/deployer"),
        ("bedrock_model", {"model_id": "m"}, "arn:aws:bedrock:eu-west-1::foundation-model/m"),
        ("sqs_queue", {"name": "jobs"}, "arn:aws:sqs:eu-west-1:222222222222:jobs"),
    ],
)
def test_arn_for_names_the_instance(rtype, attrs, arn):
    assert arn_for(rtype, attrs, ACCOUNT, REGION) == arn


def test_prefixes_make_distinct_instances_of_one_bucket():
    staging = arn_for("s3_bucket", {"name": "acme", "prefix": "staging/"}, ACCOUNT, REGION)
    prod = arn_for("s3_bucket", {"name": "acme", "prefix": "prod/"}, ACCOUNT, REGION)
    assert staging != prod


def test_instance_arns_include_objects_and_indexes():
    assert instance_arns("s3_bucket", {"name": "acme"}, ACCOUNT, REGION) == (
        "arn:aws:s3:::acme",
        "arn:aws:s3:::acme/*",
    )
    table = "arn:aws:dynamodb:eu-west-1:222222222222:table/t"
    assert instance_arns("dynamodb_table", {"name": "t"}, ACCOUNT, REGION) == (
        table,
        f"{table}/index/*",
    )


def test_an_unknown_word_lists_the_valid_ones():
    with pytest.raises(ValueError, match="list, read, write, delete"):
        statements_for("s3_bucket", "publish", {"name": "acme"}, ACCOUNT, REGION)


def test_a_missing_identity_attribute_is_named():
    with pytest.raises(ValueError, match="'name'"):
        statements_for("secret", "read", {}, ACCOUNT, REGION)


def test_a_non_aws_type_is_not_in_the_table():
    with pytest.raises(KeyError):
        valid_words("github_repo")
