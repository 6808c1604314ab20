"""`agentpol snapshot aws`: the account's roles, users, groups and policies through boto3, in
the shape of `aws iam get-account-authorization-details` (what `--aws-authz` reads)."""
from __future__ import annotations

import datetime as dt
import json

LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def collect(session=None) -> dict:
    """Every page of GetAccountAuthorizationDetails, merged. Credentials, region and endpoint
    come from the usual boto3 sources (AWS_PROFILE, AWS_ENDPOINT_URL, ...)."""
    import boto3  # only the live commands need it loaded

    iam = (session or boto3.session.Session()).client("iam")
    merged: dict = {key: [] for key in LISTS}
    for page in iam.get_paginator("get_account_authorization_details").paginate():
        for key in LISTS:
            merged[key].extend(page.get(key, []))
    return merged


def caller_account(session=None) -> str:
    """The account the current credentials act in."""
    import boto3

    sts = (session or boto3.session.Session()).client("sts")
    return sts.get_caller_identity()["Account"]


def dumps(details: dict) -> str:
    """Deterministic JSON; dates as ISO 8601 strings, as the AWS CLI prints them."""
    def default(value):
        if isinstance(value, (dt.datetime, dt.date)):
            return value.isoformat()
        raise TypeError(f"cannot serialise {type(value).__name__}")
    return json.dumps(details, indent=2, sort_keys=True, default=default) + "\n"
