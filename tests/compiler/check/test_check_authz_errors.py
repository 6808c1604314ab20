"""A malformed --aws-authz file is a usage error (exit 2) naming the problem, never a crash."""
from __future__ import annotations

import json

from agentpol.cli import main
from helpers import policy_dir


def test_a_non_string_action_in_an_authz_policy(tmp_path, capsys):
    authz = tmp_path / "authz.json"
    authz.write_text(json.dumps({"RoleDetailList": [{
        "RoleName": "legacy", "Arn": "arn:aws:iam::333333333333:role/legacy",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", 3],
                                                    "Resource": "*"}]}}]}]}))
    with policy_dir('agent a { owner = "o"\n in staging { } }') as d:
        assert main(["check", str(d), "--aws-authz", str(authz)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "expected a string or a list of strings" in err
