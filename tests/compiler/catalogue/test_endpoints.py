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


def test_hostnames_are_botocores_for_every_service_and_region_of_its_table():
    """The table is read without botocore's resolver (its imports cost every compile a tenth
    of a second): for every service of every partition, in every region any partition names,
    in regions only a partition's pattern matches, and for a service no partition lists, the
    same standard hostname as `EndpointResolver.construct_endpoint`, or none where it has none."""
    from botocore.loaders import Loader
    from botocore.regions import EndpointResolver

    from agentpol.catalogue import endpoints
    resolver = EndpointResolver(Loader().load_data("endpoints"))
    partitions = endpoints._table()["partitions"]
    services = sorted({s for p in partitions for s in p["services"]} | {"no-such-service"})
    regions = sorted({r for p in partitions for r in p["regions"]}
                     | {"eu-future-9", "cn-future-9", "us-gov-future-9", "xx-nowhere-1"}
                     | {e for p in partitions for s in p["services"].values()
                        for e in s["endpoints"]})
    compared = 0
    for service in services:
        for region in regions:
            found = resolver.construct_endpoint(service, region)
            want = found.get("hostname") if found else None
            assert endpoints._standard_hostname(endpoints._table(), service, region) == want, (
                service, region)
            compared += 1
    assert compared > 50_000 and len(partitions) >= 3


def _partition(name: str, suffix: str, regions: list[str], regex: str, services: dict) -> dict:
    return {"partition": name, "dnsSuffix": suffix, "regionRegex": regex,
            "regions": {r: {} for r in regions}, "services": services,
            "defaults": {"hostname": "{service}.{region}.{dnsSuffix}", "protocols": ["https"]}}


#: Rules botocore's own table does not use today: a service's default hostname template, an
#: endpoint's own dnsSuffix, a global service whose partition endpoint is a template, an
#: endpoint listed for a region no partition names, and a service in two partitions.
MADE = {"partitions": [
    _partition("aws", "amazonaws.com", ["us-east-1", "eu-west-1"], r"^(us|eu)\-\w+\-\d+$", {
        "svc": {"defaults": {"hostname": "{service}.x.{region}.{dnsSuffix}"},
                "endpoints": {"us-east-1": {}, "eu-west-1": {"dnsSuffix": "example.net"},
                              "odd-region-7": {"hostname": "odd.{dnsSuffix}"}}},
        "glob": {"partitionEndpoint": "aws-global", "isRegionalized": False,
                 "endpoints": {"aws-global": {"hostname": "{service}.{region}.g.{dnsSuffix}"}}},
        "regional": {"partitionEndpoint": "aws-global",
                     "endpoints": {"aws-global": {"hostname": "r.{dnsSuffix}"}}},
        "both": {"endpoints": {"cn-north-1": {"hostname": "both-in-aws.{dnsSuffix}"}}}}),
    _partition("aws-cn", "amazonaws.com.cn", ["cn-north-1"], r"^cn\-\w+\-\d+$", {
        "both": {"endpoints": {"cn-north-1": {}}},
        "svc": {"endpoints": {}, "defaults": {"hostname": "cn-{service}.{region}.{dnsSuffix}"}}}),
]}


def test_hostnames_are_botocores_on_a_table_made_to_use_every_rule():
    import copy

    from botocore.regions import EndpointResolver

    from agentpol.catalogue import endpoints
    services = ["svc", "glob", "regional", "both", "none"]
    regions = ["us-east-1", "eu-west-1", "eu-south-9", "cn-north-1", "cn-west-9",
               "odd-region-7", "aws-global", "zz-top-1"]
    hosts = set()
    for service in services:
        for region in regions:
            found = EndpointResolver(copy.deepcopy(MADE)).construct_endpoint(service, region)
            want = found.get("hostname") if found else None
            assert endpoints._standard_hostname(MADE, service, region) == want, (service, region)
            hosts.add(want)
    assert {"svc.x.eu-west-1.example.net", "glob.aws-global.g.amazonaws.com", "odd.amazonaws.com",
            "regional.eu-south-9.amazonaws.com", "both-in-aws.amazonaws.com",
            "cn-svc.cn-west-9.amazonaws.com.cn", None} <= hosts
