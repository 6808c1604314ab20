"""`agentpol snapshot aws`: an account's roles, users, groups and policies through boto3, in
the shape of `aws iam get-account-authorization-details` (what `--aws-authz` reads), plus what
that answer lacks:

- `Account`: the account id (from STS), so an account with no roles still says whose it is;
- the AWS managed policies attached to something (or used as a boundary), each with its
  document, rather than all ~1,500 of them (GetPolicy + GetPolicyVersion);
- `MaxSessionDuration` of every `agentpol-` role (GetRole: the authorization details do not
  carry it, and drift compares it).

Several accounts in one run (a read-only role assumed in each) give one file per account,
named by account id.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Callable

from agentpol import tree
from agentpol.catalogue.aws_roles import PREFIX

from .connect import LiveError, Options, Target, call, client, pages

LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
_FILTER = ["User", "Role", "Group", "LocalManagedPolicy"]


def collect(target: Target, options: Options,
            progress: Callable[[str], None] = lambda _: None) -> dict:
    """Every page of GetAccountAuthorizationDetails, merged, with the additions above."""
    account = call(lambda: client(target.session, "sts", options).get_caller_identity(),
                   "sts GetCallerIdentity", options)["Account"]
    iam = client(target.session, "iam", options)
    merged: dict = {"Account": account, **{key: [] for key in LISTS}}
    paginator = iam.get_paginator("get_account_authorization_details")
    for n, page in enumerate(pages(paginator, "iam GetAccountAuthorizationDetails", options,
                                   Filter=_FILTER), 1):
        for key in LISTS:
            merged[key].extend(page.get(key, []))
        progress(f"{account}: page {n}, {len(merged['RoleDetailList'])} roles")
    have = {p["Arn"] for p in merged["Policies"]}
    for arn in sorted(_used_policies(merged) - have):
        progress(f"{account}: policy {arn}")
        merged["Policies"].append(_managed(iam, arn, options))
    for role in merged["RoleDetailList"]:
        if role["RoleName"].startswith(PREFIX):
            progress(f"{account}: role {role['RoleName']}")
            got = call(lambda: iam.get_role(RoleName=role["RoleName"]),
                       f"iam GetRole {role['RoleName']}", options)["Role"]
            role["MaxSessionDuration"] = got.get("MaxSessionDuration")
    return merged


def _used_policies(details: dict) -> set[str]:
    """Every managed policy ARN attached to an entity or used as a permissions boundary."""
    out = set()
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        for entity in details[key]:
            out |= {a["PolicyArn"] for a in entity.get("AttachedManagedPolicies", [])}
            if entity.get("PermissionsBoundary"):
                out.add(entity["PermissionsBoundary"]["PermissionsBoundaryArn"])
    return out


def _managed(iam, arn: str, options: Options) -> dict:
    """One managed policy in the authorization-details shape, with its version in use."""
    policy = call(lambda: iam.get_policy(PolicyArn=arn), f"iam GetPolicy {arn}", options)["Policy"]
    version = call(lambda: iam.get_policy_version(PolicyArn=arn,
                                                  VersionId=policy["DefaultVersionId"]),
                   f"iam GetPolicyVersion {arn}", options)["PolicyVersion"]
    keep = ("PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "AttachmentCount",
            "IsAttachable", "CreateDate", "UpdateDate")
    return {**{k: policy[k] for k in keep if k in policy}, "PolicyVersionList": [
        {"Document": version["Document"], "VersionId": version["VersionId"],
         "IsDefaultVersion": True, "CreateDate": version.get("CreateDate")}]}


def dumps(details: dict) -> str:
    """Deterministic JSON; dates as ISO 8601 strings, as the AWS CLI prints them."""
    def default(value):
        if isinstance(value, (dt.datetime, dt.date)):
            return value.isoformat()
        raise TypeError(f"cannot serialise {type(value).__name__}")
    return json.dumps(details, indent=2, sort_keys=True, default=default) + "\n"


def run(output: Path, options: Options, targets: list[Target]) -> list[Path]:
    """Snapshot every target; one file per account (`OUTPUT/ACCOUNT.json` when there are
    several or OUTPUT is a directory, else OUTPUT itself). Progress on a TTY only."""
    tty = sys.stderr.isatty()

    def progress(message: str) -> None:
        if tty:
            print(f"\ragentpol snapshot: {message}\033[K", end="", file=sys.stderr, flush=True)

    as_dir = len(targets) > 1 or output.is_dir()
    read: dict[str, dict] = {}
    for t in targets:
        details = collect(t, options, progress)
        if details["Account"] in read:
            raise LiveError(f"account {details['Account']} is read twice ({t.how})")
        read[details["Account"]] = details
    if tty and targets:
        print("\r\033[K", end="", file=sys.stderr)
    written = []
    for account, details in read.items():  # nothing is written unless every account was read
        path = output / f"{account}.json" if as_dir else output
        tree.write_file(path, dumps(details))
        written.append(path)
    return written
