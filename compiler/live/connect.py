"""Talking to AWS for `snapshot` and `drift`: which credentials (the usual chain, a `--profile`,
a read-only role assumed per account), patient clients, and errors a person can act on.

- Throttling (GetAccountAuthorizationDetails is throttled in large accounts) is retried with
  exponential backoff and jitter by botocore's `standard` retry mode, up to `MAX_ATTEMPTS`.
- Every call has a connect and a read timeout; one that runs out says which call hung.
- An endpoint that answers with something that is not AWS (a proxy's HTML login page, an empty
  404 from a wrong `AWS_ENDPOINT_URL`) is said to be that, not parsed into an empty answer.
Every failure is a `LiveError` (the CLI prints it and exits 2), never a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

MAX_ATTEMPTS = 10
SESSION_NAME = "agentpol-snapshot"


class LiveError(RuntimeError):
    """AWS could not be read: no credentials, access denied, a timeout, not AWS at all."""


@dataclass(frozen=True)
class Options:
    profile: str | None = None
    timeout: float = 60.0  # seconds, for connecting and for each answer
    attempts: int = MAX_ATTEMPTS  # of each call, throttled or timed out


@dataclass(frozen=True)
class Target:
    """One account to read: the session to read it with and how it was reached."""

    session: Any  # boto3.session.Session
    how: str  # "current credentials", "role arn:aws:iam::...:role/x"


def base_session(options: Options):
    import boto3
    from botocore.exceptions import BotoCoreError
    try:
        return boto3.session.Session(profile_name=options.profile)
    except BotoCoreError as exc:
        raise LiveError(f"AWS: {exc}") from None


def client(session, service: str, options: Options):
    """A client that retries throttling with backoff, times out, and refuses non-AWS answers."""
    from botocore.config import Config
    c = session.client(service, config=Config(
        retries={"total_max_attempts": options.attempts, "mode": "standard"},
        connect_timeout=options.timeout, read_timeout=options.timeout))
    c.meta.events.register("before-parse", _refuse_non_aws)
    return c


def targets(options: Options, role_arns: list[str], accounts: list[str]) -> list[Target]:
    """The accounts to read: each `--role-arn` assumed (a `{account}` in it is replaced by each
    `--account`), or the current credentials when no role is given."""
    base = base_session(options)
    arns = [a.replace("{account}", acct) if "{account}" in a else a
            for a in role_arns for acct in (accounts if "{account}" in a else [""])]
    templated = any("{account}" in a for a in role_arns)
    if bool(accounts) != templated:
        raise LiveError("--account and a --role-arn with `{account}` in it go together, such "
                        "as --role-arn 'arn:aws:iam::{account}:role/ReadOnly' --account "
                        "111111111111 --account 222222222222")
    if not arns:
        return [Target(base, "current credentials")]
    sts = client(base, "sts", options)
    out = []
    for arn in arns:
        creds = call(lambda: sts.assume_role(RoleArn=arn, RoleSessionName=SESSION_NAME),
                     f"sts AssumeRole {arn}", options)["Credentials"]
        import boto3
        out.append(Target(boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"], region_name=base.region_name),
            f"role {arn}"))
    return out


def call(fn: Callable[[], Any], what: str, options: Options) -> Any:
    """Run one AWS call named `what` (`iam GetRole agentpol-bot`); every failure a LiveError."""
    from botocore.exceptions import (BotoCoreError, ClientError, ConnectTimeoutError,
                                     ReadTimeoutError)
    try:
        return fn()
    except (ReadTimeoutError, ConnectTimeoutError) as exc:
        kind = "connecting" if isinstance(exc, ConnectTimeoutError) else "waiting for the answer"
        raise LiveError(f"AWS: {what} timed out after {options.timeout:g}s {kind} "
                        f"({exc.kwargs.get('endpoint_url', '')}); try again or raise --timeout"
                        ) from None
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise LiveError(f"AWS: {what}: {err.get('Code', '?')}: {err.get('Message', exc)}"
                        ) from None
    except BotoCoreError as exc:
        raise LiveError(f"AWS: {what}: {exc}") from None


def pages(paginator, what: str, options: Options, **kwargs) -> Iterator[dict]:
    """Every page of a paginated call, each fetch guarded like `call`."""
    it = iter(paginator.paginate(**kwargs))
    while True:
        page = call(lambda: next(it, None), what, options)
        if page is None:
            return
        yield page


def _refuse_non_aws(operation_model, response_dict, **_) -> None:
    """An AWS API answers in XML or JSON, and errors carry a body; a proxy's page does not."""
    headers = {k.lower(): v for k, v in response_dict.get("headers", {}).items()}
    status = response_dict.get("status_code", 0)
    body = response_dict.get("body") or b""
    what = (f"{operation_model.service_model.service_name} {operation_model.name}: the "
            f"endpoint answered HTTP {status}")
    if "html" in headers.get("content-type", "") or body.lstrip()[:1] == b"<" and (
            b"<html" in body[:512].lower() or b"<!doctype" in body[:512].lower()):
        raise LiveError(f"AWS: {what} with an HTML page, not an AWS answer (a proxy or captive "
                        "portal? check AWS_ENDPOINT_URL, HTTPS_PROXY and the network)")
    if status >= 300 and not body.strip():
        raise LiveError(f"AWS: {what} with an empty body, not an AWS answer (a wrong "
                        "AWS_ENDPOINT_URL or a proxy?)")
