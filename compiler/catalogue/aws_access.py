"""AWS access words: for each resource type, the smallest set of IAM actions per word and the
ARNs those actions need.

Pure data and pure functions over plain values (attributes already resolved, templates
expanded), so the AWS target, the checker and the evaluator all read the same table. Every
action and ARN here is tested against the IAM catalogue (tests/compiler/catalogue).

Choices that are not obvious (each the least that still does the job):
- s3 `write` is PutObject alone (multipart uploads are authorized as PutObject); `delete` is
  DeleteObject, not DeleteObjectVersion.
- dynamodb `write` is PutItem + UpdateItem; BatchWriteItem is left out because it also deletes
  (a `deny delete` could not hold), grant it raw if needed.
- sqs `receive` is ReceiveMessage + DeleteMessage: a consumer that cannot delete what it has
  handled receives it again forever. ChangeMessageVisibility is an option, not the job.
- lambda `read` is GetFunctionConfiguration, not GetFunction (which hands out the code).
- log_group group-level actions use `log-group:NAME:*` (CloudWatch Logs authorizes them on that
  form); stream-level ones use `log-group:NAME:log-stream:*`.
- ecr `push` includes BatchGetImage (clients read the manifest back); both words need
  GetAuthorizationToken, which only exists on `*`.
- kms `encrypt` is Encrypt + GenerateDataKey: envelope encryption (S3, the SDKs) uses the latter.
- secret and secure ssm_parameter: under a customer managed KMS key, reading also needs
  kms:Decrypt on that key. Neither type names its key, so nothing is added here; grant
  `decrypt on kms_key.X` alongside. AWS managed keys (aws/ssm, aws/secretsmanager) need nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from agentpol.model import Condition, IamStatement

_Fields = Mapping[str, str]
_Condition = Mapping[str, Mapping[str, list[str]]]


def _no_condition(fields: _Fields) -> None:
    return None


def _always(fields: _Fields) -> bool:
    return True


@dataclass(frozen=True)
class _Rule:
    """Some actions on some ARNs; ARNs are str.format templates over the instance's fields."""

    actions: tuple[str, ...]
    arns: tuple[str, ...]
    condition: Callable[[_Fields], _Condition | None] = _no_condition
    applies: Callable[[_Fields], bool] = _always


def _no_fields(fields: _Fields) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class _Type:
    identity: str  # template of the instance's canonical ARN
    words: Mapping[str, tuple[_Rule, ...]]  # in the order docs/language.md lists them
    derive: Callable[[_Fields], dict[str, str]] = _no_fields  # extra template fields


# -- derived fields and conditions ----------------------------------------------------------


def _s3_fields(fields: _Fields) -> dict[str, str]:
    """A prefix narrows the instance to its objects: `NAME/PREFIX*` is then its identity."""
    prefix = fields.get("prefix", "")
    return {"prefix": prefix, "scope": f"/{prefix}*" if prefix else ""}


def _prefix_condition(fields: _Fields) -> _Condition | None:
    prefix = fields["prefix"]
    return {"StringLike": {"s3:prefix": [f"{prefix}*"]}} if prefix else None


def _ssm_fields(fields: _Fields) -> dict[str, str]:
    """Parameter ARNs drop the name's leading `/`; a `/*` subtree's root is its path."""
    path = fields["name"].lstrip("/")
    return {"path": path, "root": path.removesuffix("/*")}


def _is_subtree(fields: _Fields) -> bool:
    return fields["path"].endswith("/*")


def _kms_fields(fields: _Fields) -> dict[str, str]:
    """A key is named by `key_id` (id or key ARN) or by `alias`; by design an alias is
    granted on every key of the account, narrowed by a kms:ResourceAliases condition."""
    key_id, alias = fields.get("key_id", ""), fields.get("alias", "")
    if bool(key_id) == bool(alias):
        raise ValueError("kms_key needs exactly one of key_id, alias")
    keys = "arn:{partition}:kms:{region}:{account}:key/".format_map(fields)
    if key_id:
        key_arn = key_id if key_id.startswith("arn:") else keys + key_id
        return {"alias": "", "key_arn": key_arn, "instance_arn": key_arn}
    alias = alias if alias.startswith("alias/") else f"alias/{alias}"
    alias_arn = "arn:{partition}:kms:{region}:{account}:".format_map(fields) + alias
    return {"alias": alias, "key_arn": keys + "*", "instance_arn": alias_arn}


def _alias_condition(fields: _Fields) -> _Condition | None:
    alias = fields["alias"]
    return {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [alias]}} if alias else None


# -- the table --------------------------------------------------------------------------------

_BUCKET = "arn:{partition}:s3:::{name}"
_OBJECTS = _BUCKET + "/{prefix}*"
_TABLE = "arn:{partition}:dynamodb:{region}:{account}:table/{name}"
_QUEUE = "arn:{partition}:sqs:{region}:{account}:{name}"
_TOPIC = "arn:{partition}:sns:{region}:{account}:{name}"
_FUNCTION = "arn:{partition}:lambda:{region}:{account}:function:{name}"
_SECRET = "arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-??????"  # AWS suffix
_PARAMETERS = "arn:{partition}:ssm:{region}:{account}:parameter/"
_LOG_GROUP = "arn:{partition}:logs:{region}:{account}:log-group:{name}"
_LOG_STREAMS = _LOG_GROUP + ":log-stream:*"
_REPOSITORY = "arn:{partition}:ecr:{region}:{account}:repository/{name}"
_ROLE = "arn:{partition}:iam::{account}:role/{name}"
_MODEL = "arn:{partition}:bedrock:{region}::foundation-model/{model_id}"  # AWS's, no account

_ECR_LOGIN = _Rule(("ecr:GetAuthorizationToken",), ("*",))

_TYPES: dict[str, _Type] = {
    "s3_bucket": _Type(
        identity=_BUCKET + "{scope}",
        derive=_s3_fields,
        words={
            "list": (_Rule(("s3:ListBucket",), (_BUCKET,), condition=_prefix_condition),),
            "read": (_Rule(("s3:GetObject",), (_OBJECTS,)),),
            "write": (_Rule(("s3:PutObject",), (_OBJECTS,)),),
            "delete": (_Rule(("s3:DeleteObject",), (_OBJECTS,)),),
        },
    ),
    "dynamodb_table": _Type(
        identity=_TABLE,
        words={
            "read": (
                _Rule(("dynamodb:BatchGetItem", "dynamodb:GetItem"), (_TABLE,)),
                _Rule(("dynamodb:Query", "dynamodb:Scan"), (_TABLE, _TABLE + "/index/*")),
            ),
            "write": (_Rule(("dynamodb:PutItem", "dynamodb:UpdateItem"), (_TABLE,)),),
            "delete": (_Rule(("dynamodb:DeleteItem",), (_TABLE,)),),
        },
    ),
    "sqs_queue": _Type(
        identity=_QUEUE,
        words={
            "send": (_Rule(("sqs:SendMessage",), (_QUEUE,)),),
            "receive": (_Rule(("sqs:DeleteMessage", "sqs:ReceiveMessage"), (_QUEUE,)),),
            "read": (_Rule(("sqs:GetQueueAttributes",), (_QUEUE,)),),
        },
    ),
    "sns_topic": _Type(
        identity=_TOPIC,
        words={
            "publish": (_Rule(("sns:Publish",), (_TOPIC,)),),
            "read": (_Rule(("sns:GetTopicAttributes",), (_TOPIC,)),),
        },
    ),
    "lambda_function": _Type(
        identity=_FUNCTION,
        words={
            "invoke": (_Rule(("lambda:InvokeFunction",), (_FUNCTION,)),),
            "read": (_Rule(("lambda:GetFunctionConfiguration",), (_FUNCTION,)),),
        },
    ),
    "secret": _Type(
        identity=_SECRET,
        words={
            "read": (_Rule(("secretsmanager:GetSecretValue",), (_SECRET,)),),
            "write": (_Rule(("secretsmanager:PutSecretValue",), (_SECRET,)),),
        },
    ),
    "ssm_parameter": _Type(
        identity=_PARAMETERS + "{path}",
        derive=_ssm_fields,
        words={
            "read": (
                _Rule(("ssm:GetParameter", "ssm:GetParameters"), (_PARAMETERS + "{path}",)),
                # GetParametersByPath is authorized on the path asked for: the root or below it.
                _Rule(
                    ("ssm:GetParametersByPath",),
                    (_PARAMETERS + "{root}", _PARAMETERS + "{path}"),
                    applies=_is_subtree,
                ),
            ),
            "write": (_Rule(("ssm:PutParameter",), (_PARAMETERS + "{path}",)),),
        },
    ),
    "kms_key": _Type(
        identity="{instance_arn}",
        derive=_kms_fields,
        words={
            "encrypt": (
                _Rule(("kms:Encrypt", "kms:GenerateDataKey"), ("{key_arn}",), _alias_condition),
            ),
            "decrypt": (_Rule(("kms:Decrypt",), ("{key_arn}",), _alias_condition),),
        },
    ),
    "log_group": _Type(
        identity=_LOG_GROUP,
        words={
            "read": (
                _Rule(("logs:FilterLogEvents",), (_LOG_GROUP + ":*",)),
                _Rule(("logs:GetLogEvents",), (_LOG_STREAMS,)),
            ),
            "write": (_Rule(("logs:CreateLogStream", "logs:PutLogEvents"), (_LOG_STREAMS,)),),
        },
    ),
    "ecr_repository": _Type(
        identity=_REPOSITORY,
        words={
            "pull": (
                _ECR_LOGIN,
                _Rule(("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"), (_REPOSITORY,)),
            ),
            "push": (
                _ECR_LOGIN,
                _Rule(
                    (
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:CompleteLayerUpload",
                        "ecr:InitiateLayerUpload",
                        "ecr:PutImage",
                        "ecr:UploadLayerPart",
                    ),
                    (_REPOSITORY,),
                ),
            ),
        },
    ),
    "iam_role": _Type(
        identity=_ROLE,
        words={
            "assume": (_Rule(("sts:AssumeRole",), (_ROLE,)),),
            "pass": (_Rule(("iam:PassRole",), (_ROLE,)),),
        },
    ),
    "bedrock_model": _Type(
        identity=_MODEL,
        words={
            "invoke": (
                _Rule(("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"), (_MODEL,)),
            ),
        },
    ),
}

AWS_TYPES: tuple[str, ...] = tuple(_TYPES)


# -- the functions ----------------------------------------------------------------------------


def _type(rtype: str) -> _Type:
    if rtype not in _TYPES:
        raise KeyError(f"{rtype!r} is not an AWS resource type")
    return _TYPES[rtype]


def _fields(
    rtype: str, attrs: Mapping[str, object], account: str, region: str, partition: str
) -> dict[str, str]:
    """The template fields of one instance: its string attributes, where it lives, and the
    type's derived fields."""
    derive = _type(rtype).derive
    fields = {key: value for key, value in attrs.items() if isinstance(value, str)}
    fields.update(partition=partition, region=region, account=account)
    try:
        fields.update(derive(fields))
    except KeyError as missing:
        raise _missing(rtype, missing) from None
    return fields


def _render(template: str, fields: _Fields, rtype: str) -> str:
    try:
        return template.format_map(fields)
    except KeyError as missing:
        raise _missing(rtype, missing) from None


def _missing(rtype: str, missing: KeyError) -> ValueError:
    return ValueError(f"{rtype} needs the attribute {missing}")


def valid_words(rtype: str) -> tuple[str, ...]:
    """The access words of an AWS resource type; KeyError for a type that is not AWS."""
    return tuple(_type(rtype).words)


def actions_of(rtype: str, word: str) -> tuple[str, ...]:
    """Every IAM action `allow WORD on RTYPE.x` may grant, sorted (some only to some
    instances, such as GetParametersByPath to an ssm subtree): the language reference's table."""
    return tuple(sorted({action for rule in _type(rtype).words[word] for action in rule.actions}))


def statements_for(
    rtype: str,
    word: str,
    attrs: Mapping[str, object],
    account: str,
    region: str,
    partition: str = "aws",
) -> tuple[IamStatement, ...]:
    """What `allow WORD on RTYPE.x` means in IAM for one instance: the smallest actions, each
    on the ARNs it needs. ValueError for a word the type lacks or a missing attribute."""
    words = _type(rtype).words
    if word not in words:
        raise ValueError(f"{rtype} has no access word {word!r} (it has: {', '.join(words)})")
    fields = _fields(rtype, attrs, account, region, partition)
    return tuple(
        IamStatement(
            actions=tuple(sorted(rule.actions)),
            resources=tuple(_render(arn, fields, rtype) for arn in rule.arns),
            condition=Condition.of(rule.condition(fields)),
        )
        for rule in words[word]
        if rule.applies(fields)
    )


def arn_for(
    rtype: str, attrs: Mapping[str, object], account: str, region: str, partition: str = "aws"
) -> str:
    """The ARN that names one instance (its identity), to compare instances and match raw ARNs.

    A bucket with a prefix is `arn:…:s3:::NAME/PREFIX*`, a kms alias is its alias ARN, a secret
    carries AWS's `-??????` suffix, an ssm subtree ends in `/*`: patterns where the instance is
    one."""
    fields = _fields(rtype, attrs, account, region, partition)
    return _render(_type(rtype).identity, fields, rtype)


def instance_arns(
    rtype: str, attrs: Mapping[str, object], account: str, region: str, partition: str = "aws"
) -> tuple[str, ...]:
    """Every ARN any word grants on the instance, plus its identity, sorted: a raw ARN pattern
    reaches the instance if it covers one of them (a bucket's objects, a table's indexes)."""
    arns = {arn_for(rtype, attrs, account, region, partition)}
    for word in valid_words(rtype):
        for grant in statements_for(rtype, word, attrs, account, region, partition):
            arns.update(grant.resources)
    arns.discard("*")
    return tuple(sorted(arns))
