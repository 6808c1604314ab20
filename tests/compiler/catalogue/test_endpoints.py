"""The endpoints a grant needs (catalogue.endpoints): hosts from botocore's endpoint table, S3 in
both addressing forms, ECR's three hosts, Bedrock's runtime, global and China partitions, and
permission-only actions that open nothing."""
from __future__ import annotations

from agentpol.catalogue.endpoints import aws_host, aws_hosts, sts_hosts


def test_regional_and_global_services():
    assert aws_host("dynamodb", "eu-west-1") == "dynamodb.eu-west-1.amazonaws.com"
    assert aws_host("iam", "eu-west-1") == "iam.amazonaws.com"
    assert aws_host("kms", "cn-north-1") == "kms.cn-north-1.amazonaws.com.cn"


def test_sts_regional_and_global():
    assert sts_hosts(["us-east-1", "eu-west-1"]) == [
        "sts.us-east-1.amazonaws.com", "sts.eu-west-1.amazonaws.com", "sts.amazonaws.com"]
    assert sts_hosts(["cn-north-1"]) == ["sts.cn-north-1.amazonaws.com.cn"]


def test_s3_virtual_host_and_path_forms():
    hosts = aws_hosts(["s3:GetObject"], ["arn:aws:s3:::reports/x/*"], ["eu-west-1"])
    assert hosts == ["s3.eu-west-1.amazonaws.com", "reports.s3.eu-west-1.amazonaws.com"]
    # a wildcard bucket name needs every virtual host; a dotted one only the path form
    assert aws_hosts(["s3:GetObject"], ["arn:aws:s3:::acme-*/*"], ["us-east-1"]) == [
        "s3.us-east-1.amazonaws.com", "*.s3.us-east-1.amazonaws.com"]
    assert aws_hosts(["s3:GetObject"], ["arn:aws:s3:::a.b/*"], ["us-east-1"]) == [
        "s3.us-east-1.amazonaws.com"]


def test_ecr_api_registry_and_layers():
    repo = "arn:aws:ecr:us-east-1:111111111111:repository/web"
    assert aws_hosts(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], [repo],
                     ["us-east-1"]) == [
        "api.ecr.us-east-1.amazonaws.com", "111111111111.dkr.ecr.us-east-1.amazonaws.com",
        "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com"]
    assert aws_hosts(["ecr:GetAuthorizationToken"], ["*"], ["us-east-1"]) == [
        "api.ecr.us-east-1.amazonaws.com"]


def test_bedrock_runtime_for_invocations_only():
    model = "arn:aws:bedrock:us-east-1::foundation-model/m"
    assert aws_hosts(["bedrock:InvokeModel"], [model], ["us-east-1"]) == [
        "bedrock-runtime.us-east-1.amazonaws.com"]
    assert aws_hosts(["bedrock:GetFoundationModel"], [model], ["us-east-1"]) == [
        "bedrock.us-east-1.amazonaws.com"]


def test_permission_only_actions_open_nothing():
    assert aws_hosts(["iam:PassRole"], ["arn:aws:iam::1:role/r"], ["us-east-1"]) == []
    assert aws_hosts(["cloudwatch:PutMetricData"], ["*"], ["us-east-1"]) == [
        "monitoring.us-east-1.amazonaws.com"]
