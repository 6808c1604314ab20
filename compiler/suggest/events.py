"""A CloudTrail event as `suggest` reads it: who acted (agent@env), the IAM action, the ARNs.

The aws target names every agent's role `agentpol-AGENT` in its env's account and requires the
session tags `agentpol:agent` and `agentpol:env` (catalogue.aws_roles), so an event is an
agent's when its caller is an assumed-role session of such a role in an env's account; the
env is the one whose `aws_account` that is. Tags, where the event carries them, must agree
(they are what the runtime asked for): a disagreement is reported, never silently mapped.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from agentpol.catalogue.aws_roles import PREFIX, TAG_AGENT, TAG_ENV
from agentpol.model import Model

from .readers import parse_time

#: CloudTrail errorCodes that mean IAM (or a resource policy) refused the call.
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                    "Client.UnauthorizedOperation", "UnauthorizedAccess", "Forbidden"})

#: eventSource prefixes whose IAM service prefix differs from the host name.
_SERVICE = {"monitoring": "cloudwatch", "email": "ses", "bedrock-runtime": "bedrock",
            "elasticloadbalancing": "elasticloadbalancing", "runtime.sagemaker": "sagemaker"}


@dataclass(frozen=True)
class AwsCall:
    time: dt.datetime
    principal: str | None  # agent@env, None when the caller is no agent role
    caller: str  # the caller's ARN as recorded (for alerts)
    action: str  # `dynamodb:GetItem`
    arns: tuple[str, ...]  # the resources touched, as far as the event says
    account: str  # the account the caller's role lives in
    region: str
    error: str  # CloudTrail's errorCode, "" on success
    mismatch: str = ""  # session tags that disagree with the role

    @property
    def denied(self) -> bool:
        return self.error in DENIED


def accounts(model: Model) -> dict[str, str]:
    """aws_account -> env name."""
    return {e.aws_account: e.name for e in model.environments.values() if e.aws_account}


def read(record: dict, by_account: dict[str, str]) -> AwsCall:
    ident = record.get("userIdentity") or {}
    issuer = ((ident.get("sessionContext") or {}).get("sessionIssuer") or {})
    account = str(issuer.get("accountId") or ident.get("accountId") or
                  record.get("recipientAccountId") or "")
    role = str(issuer.get("userName") or "")
    principal, mismatch = None, ""
    if ident.get("type") == "AssumedRole" and role.startswith(PREFIX) and account in by_account:
        agent, env = role[len(PREFIX):], by_account[account]
        principal = f"{agent}@{env}"
        tags = _session_tags(record)
        said = (tags.get(TAG_AGENT, agent), tags.get(TAG_ENV, env))
        if said != (agent, env):
            mismatch = f"session tags say {said[0]}@{said[1]}"
    elif record.get("eventName") == "AssumeRole":  # the runtime entering an agent role
        tags = _session_tags(record)
        if TAG_AGENT in tags and TAG_ENV in tags:
            principal = f"{tags[TAG_AGENT]}@{tags[TAG_ENV]}"
    service = record["eventSource"].split(".amazonaws.com")[0]
    service = _SERVICE.get(service, service)
    return AwsCall(parse_time(record["eventTime"]), principal,
                   str(issuer.get("arn") or ident.get("arn") or ""),
                   f"{service}:{record['eventName']}", _arns(record, service, account),
                   account, str(record.get("awsRegion") or ""),
                   str(record.get("errorCode") or ""), mismatch)


def _session_tags(record: dict) -> dict[str, str]:
    """Tags an AssumeRole asked for (requestParameters.tags), or the principal tags some
    events carry in sessionContext."""
    out = {}
    params = record.get("requestParameters") or {}
    ctx = ((record.get("userIdentity") or {}).get("sessionContext") or {})
    for source in (params.get("tags") if isinstance(params, dict) else None,
                   ctx.get("sessionTags") if isinstance(ctx, dict) else None):
        if isinstance(source, list):
            out.update({str(t.get("key")): str(t.get("value")) for t in source
                        if isinstance(t, dict)})
        elif isinstance(source, dict):
            out.update({str(k): str(v) for k, v in source.items()})
    return out


def _arns(record: dict, service: str, account: str) -> tuple[str, ...]:
    """The ARNs of `resources` (data events and many management events name them), else what
    the request parameters of the common services name."""
    found = [str(r.get("ARN") or r.get("arn")) for r in record.get("resources") or ()
             if isinstance(r, dict) and (r.get("ARN") or r.get("arn"))]
    if found:
        return tuple(found)
    p = record.get("requestParameters")
    if not isinstance(p, dict):
        return ()
    region = str(record.get("awsRegion") or "us-east-1")
    head = f"arn:aws:{service}:{region}:{account}:"
    if service == "dynamodb" and isinstance(p.get("tableName"), str):
        return (f"{head}table/{p['tableName']}",)
    if service == "s3" and isinstance(p.get("bucketName"), str):
        key = p.get("key")
        return (f"arn:aws:s3:::{p['bucketName']}" + (f"/{key}" if isinstance(key, str) else ""),)
    if service == "sqs" and isinstance(p.get("queueUrl"), str):
        return (f"{head}{p['queueUrl'].rstrip('/').rsplit('/', 1)[-1]}",)
    if service == "secretsmanager" and isinstance(p.get("secretId"), str):
        sid = p["secretId"]
        return (sid if sid.startswith("arn:") else f"{head}secret:{sid}-AbCdEf",)
    if service == "ssm" and isinstance(p.get("name"), str):
        return (f"{head}parameter/{p['name'].lstrip('/')}",)
    if service == "logs" and isinstance(p.get("logGroupName"), str):
        return (f"{head}log-group:{p['logGroupName']}:*",)
    if service == "sns" and isinstance(p.get("topicArn"), str):
        return (p["topicArn"],)
    if service == "lambda" and isinstance(p.get("functionName"), str):
        name = p["functionName"]
        return (name if name.startswith("arn:") else f"{head}function:{name}",)
    return ()


def arn_account(arn: str) -> str:
    """The account field of an ARN ("" for S3 buckets and other account-less ARNs)."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) > 4 else ""
