"""Seeded generators for the benchmarks: an organisation of agents, and the IAM roles and users
an account already holds (`aws iam get-account-authorization-details` output).

The same seed gives the same files, so figures from two runs (or two machines) are comparable.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

#: (resource type, access word) pairs the generated agents are granted.
TYPES = [("dynamodb_table", "read"), ("secret", "read"), ("s3_bucket", "write"),
         ("sqs_queue", "send"), ("log_group", "write"), ("vault_path", "read")]


def organisation(envs: int = 3, agents: int = 1000, resources: int = 60,
                 seed: int = 17) -> dict[str, str]:
    """A program: `envs` envs (the last protected), `resources` resources declared once with
    `{env}` names, and `agents` agents in every env, each granted 8 resources, a shared profile
    (an LLM api with a budget), and some a raw ARN pattern with a wildcard."""
    rng = random.Random(seed)
    env_src = []
    for i in range(envs):
        protected = "true" if i == envs - 1 else "false"
        env_src.append(f'environment e{i} {{ aws_account = "{100000000000 + i}", '
                       f'cidrs = ["10.{i}.0.0/16"], domains = ["*.e{i}.corp.internal"], '
                       f'k8s_namespace = "agents-e{i}", protected = {protected}, '
                       f'vault_address = "vault.e{i}.corp.internal:8200", '
                       f'audit_log = log_group.audit }}')
    res_src = ['resource log_group audit { name = "/corp/{env}/audit" }',
               'resource api llm { provider = openai, key_name = "llm-{env}" }']
    for r in range(resources):
        rtype, _ = TYPES[r % len(TYPES)]
        attr = "path" if rtype == "vault_path" else "name"
        res_src.append(f'resource {rtype} r{r} {{ {attr} = "corp-{{env}}/r{r}" }}')
    profiles = ('profile llm-user {\n  allow call on api.llm\n  egress api.llm\n'
                '  budget api.llm 10 usd per day\n}')
    agent_src = []
    for a in range(agents):
        first = rng.randrange(resources)
        grants = [f"    allow {TYPES[r % len(TYPES)][1]} on {TYPES[r % len(TYPES)][0]}.r{r}"
                  for r in sorted({(first + k) % resources for k in range(8)})]
        if rng.random() < 0.2:  # a raw pattern over the env's own exports
            grants.append('    allow "s3:GetObject" on "arn:aws:s3:::corp-{env}-exports-*/*"')
        agent_src.append(f'agent a{a} {{\n  owner = "team{a % 50}@corp.com"\n  in '
                         + ", ".join(f"e{i}" for i in range(envs))
                         + " {\n    use llm-user\n" + "\n".join(grants) + "\n  }\n}")
    return {"envs.agentpol": "\n".join(env_src), "resources.agentpol": "\n".join(res_src),
            "profiles.agentpol": profiles, "agents.agentpol": "\n\n".join(agent_src)}


# --- authz files ---------------------------------------------------------------------------

_SERVICES = ["ssm", "lambda", "ec2", "ecs-tasks", "glue", "sagemaker", "codebuild",
             "cloudformation", "config", "states"]
_ACTIONS = ["iam:PassRole", "sts:AssumeRole", "s3:GetObject", "s3:PutObject", "s3:ListBucket",
            "secretsmanager:GetSecretValue", "ssm:GetParameter", "kms:Decrypt",
            "dynamodb:GetItem", "dynamodb:Query", "lambda:InvokeFunction", "lambda:CreateFunction",
            "iam:CreateAccessKey", "iam:CreatePolicyVersion", "ec2:RunInstances",
            "ec2:Describe*", "logs:PutLogEvents", "sqs:SendMessage", "iam:Get*", "iam:List*"]
#: AWS managed policies, shared by every account: (name, statements).
_AWS_MANAGED = [
    ("AdministratorAccess", [{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    ("PowerUserAccess", [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*",
                                                           "account:*"], "Resource": "*"}]),
    ("IAMFullAccess", [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]),
    ("ReadOnlyAccess", [{"Effect": "Allow", "Action": [f"{s}:{v}*" for s in
                                                       ("s3", "ec2", "iam", "lambda", "ssm")
                                                       for v in ("Get", "List", "Describe")],
                         "Resource": "*"}]),
    ("AmazonSSMManagedInstanceCore", [{"Effect": "Allow", "Action": [
        "ssm:DescribeAssociation", "ssm:GetDocument", "ssm:UpdateInstanceInformation",
        "ec2messages:GetMessages", "ssmmessages:CreateControlChannel"], "Resource": "*"}]),
    ("AWSLambdaBasicExecutionRole", [{"Effect": "Allow", "Action": [
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]),
    ("AmazonS3ReadOnlyAccess", [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
                                "Resource": "*"}]),
    ("SecretsManagerReadWrite", [{"Effect": "Allow", "Action": "secretsmanager:*",
                                  "Resource": "*"}]),
]


_DATE = "2024-01-01 00:00:00+00:00"


def _id(prefix: str, arn: str) -> str:
    """An IAM unique id (`AROA...`, `AIDA...`): what the API returns, derived from the ARN."""
    return prefix + format(abs(hash_text(arn)), "X")[:17].rjust(17, "0")


def hash_text(text: str) -> int:
    """A hash that does not change between runs (str.hash does, per process)."""
    import hashlib
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _policy(arn: str, name: str, statements: list[dict]) -> dict:
    return {"PolicyName": name, "PolicyId": _id("ANPA", arn), "Arn": arn, "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True, "CreateDate": _DATE, "UpdateDate": _DATE,
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True,
                                   "CreateDate": _DATE, "Document": {
                                       "Version": "2012-10-17", "Statement": statements}}]}


def _statement(rng: random.Random, account: str) -> dict:
    actions = rng.sample(_ACTIONS, rng.randint(1, 4))
    pick = rng.random()
    if pick < 0.4:
        resource: object = "*"
    elif pick < 0.6:
        resource = f"arn:aws:iam::{account}:role/team-{rng.randrange(20)}-*"
    elif pick < 0.8:
        resource = [f"arn:aws:s3:::corp-data-{rng.randrange(50)}/*",
                    f"arn:aws:s3:::corp-data-{rng.randrange(50)}"]
    else:
        resource = f"arn:aws:secretsmanager:*:{account}:secret:app-{rng.randrange(30)}-*"
    return {"Effect": "Allow" if rng.random() < 0.9 else "Deny", "Action": actions,
            "Resource": resource}


def account_details(account: str, roles: int, users: int, seed: int = 17) -> dict:
    """One account's authorization details: `roles` roles (service roles, roles assumed from
    SSO or from another role of the account, a few trusting another account) and `users`
    users in groups, sharing AWS and customer managed policies, some with inline policies."""
    rng = random.Random(f"{seed}:{account}")
    managed = [_policy(f"arn:aws:iam::aws:policy/{n}", n, s) for n, s in _AWS_MANAGED]
    customer = [_policy(f"arn:aws:iam::{account}:policy/team-policy-{i}", f"team-policy-{i}",
                        [_statement(rng, account) for _ in range(rng.randint(1, 3))])
                for i in range(max(roles // 20, 4))]
    pool = managed + customer

    def attached(n: int) -> list[dict]:
        return [{"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]}
                for p in rng.sample(pool, n)]

    def inline() -> list[dict]:
        if rng.random() >= 0.25:
            return []
        return [{"PolicyName": "inline", "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [_statement(rng, account) for _ in range(rng.randint(1, 2))]}}]

    role_list = []
    for i in range(roles):
        name = f"team-{i % 20}-role-{i:05}"
        pick = rng.random()
        if pick < 0.45:
            principal: dict = {"Service": f"{rng.choice(_SERVICES)}.amazonaws.com"}
        elif pick < 0.75:
            principal = {"AWS": f"arn:aws:sts::{account}:assumed-role/"
                                "AWSReservedSSO_Admin_0123456789abcdef/someone"}
        elif pick < 0.95 and role_list:  # a trust chain: assumed from an earlier role
            principal = {"AWS": rng.choice(role_list)["Arn"]}
        else:
            principal = {"AWS": f"arn:aws:iam::{rng.choice([account, '999999999999'])}:root"}
        arn = f"arn:aws:iam::{account}:role/{name}"
        role_list.append({
            "Path": "/", "RoleName": name, "RoleId": _id("AROA", arn), "Arn": arn,
            "CreateDate": _DATE, "InstanceProfileList": [], "Tags": [],
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": inline(), "AttachedManagedPolicies": attached(rng.randint(0, 2))})
    groups = [{"Path": "/", "GroupName": f"group-{g}", "CreateDate": _DATE,
               "GroupId": _id("AGPA", f"arn:aws:iam::{account}:group/group-{g}"),
               "Arn": f"arn:aws:iam::{account}:group/group-{g}",
               "GroupPolicyList": [], "AttachedManagedPolicies": attached(1)} for g in range(5)]
    user_list = [{"Path": "/", "UserName": f"user-{i:05}", "CreateDate": _DATE, "Tags": [],
                  "UserId": _id("AIDA", f"arn:aws:iam::{account}:user/user-{i:05}"),
                  "Arn": f"arn:aws:iam::{account}:user/user-{i:05}",
                  "GroupList": [f"group-{rng.randrange(5)}"], "UserPolicyList": inline(),
                  "AttachedManagedPolicies": attached(rng.randint(0, 1))} for i in range(users)]
    return {"RoleDetailList": role_list, "UserDetailList": user_list, "GroupDetailList": groups,
            "Policies": pool}


def write_authz(directory: Path, accounts: list[str], roles: int, seed: int = 17) -> list[Path]:
    """`roles` roles and 44/78 as many users (the proportions of a real account's example),
    spread evenly over `accounts`, one file per account."""
    users = round(roles * 44 / 78)
    paths = []
    for n, account in enumerate(accounts):
        share = lambda total: total // len(accounts) + (n < total % len(accounts))  # noqa: E731
        path = directory / f"authz-{account}.json"
        path.write_text(json.dumps(account_details(account, share(roles), share(users), seed)),
                        encoding="utf-8")
        paths.append(path)
    return paths
