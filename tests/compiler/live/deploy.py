"""Deploying compiled roles into a moto server the way `terraform apply` would, through boto3,
in any account (moto answers as the account of the role whose credentials call it)."""
from __future__ import annotations

import json
from pathlib import Path

import boto3

READER = "arn:aws:iam::{account}:role/agentpol-reader"


def session(account: str) -> boto3.session.Session:
    """Credentials of a role in `account` (moto keeps one IAM per account)."""
    creds = boto3.client("sts").assume_role(RoleArn=READER.format(account=account),
                                            RoleSessionName="tests")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                 aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"])


def reset(iam) -> None:
    """Empty an account's roles and customer policies."""
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=p["PolicyArn"])
        for p in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=p)
        iam.delete_role(RoleName=name)
    for p in iam.list_policies(Scope="Local")["Policies"]:
        for v in iam.list_policy_versions(PolicyArn=p["Arn"])["Versions"]:
            if not v["IsDefaultVersion"]:
                iam.delete_policy_version(PolicyArn=p["Arn"], VersionId=v["VersionId"])
        iam.delete_policy(PolicyArn=p["Arn"])


def apply(tf: Path, iam) -> None:
    """What `terraform apply` of main.tf.json does, through boto3 (no provider download)."""
    res = json.loads(tf.read_text())["resource"]
    unescape = lambda s: s.replace("$${", "${").replace("%%{", "%{")  # noqa: E731
    arns = {key: iam.create_policy(PolicyName=p["name"],
                                   PolicyDocument=unescape(p["policy"]))["Policy"]["Arn"]
            for key, p in res["aws_iam_policy"].items()}
    keys = {}
    for key, r in res["aws_iam_role"].items():
        iam.create_role(RoleName=r["name"],
                        AssumeRolePolicyDocument=unescape(r["assume_role_policy"]),
                        MaxSessionDuration=r["max_session_duration"],
                        PermissionsBoundary=arns["boundary"])
        keys[key] = r["name"]
    for a in res["aws_iam_role_policy_attachment"].values():
        role_key = a["role"].strip("${}").split(".")[1]
        policy_key = a["policy_arn"].strip("${}").split(".")[1]
        iam.attach_role_policy(RoleName=keys[role_key], PolicyArn=arns[policy_key])


def allow(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
