"""Which network endpoints a provider grant needs: the hosts an agent must reach to use it.

An allowlist that opened only declared egress would cut agents off from the very providers
their grants are for. So the network target adds, per live grant:
- AWS (an access word or IAM action on an AWS instance or ARN): STS, where the agent gets its
  role's credentials, and each service the grant's actions belong to, in each region the grant
  reaches (botocore's endpoint table gives the host, partition and global services included).
  S3 in both addressing forms (`BUCKET.s3.R...` and `s3.R...`), ECR's API, registry and layer
  store, Bedrock's runtime for invocations. Standard endpoints only: FIPS and dual-stack hosts
  are not opened (nothing in a policy asks for them).
- GitHub (`github_repo`): the REST API and the git host, both HTTPS.
- Vault (`vault_path`): the env's `vault_address`; without it nothing is opened (the checker
  warns).
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
import re
from pathlib import Path
from typing import Any, Iterable

import orjson

HTTPS = 443
GITHUB_HOSTS = ("api.github.com", "github.com")

#: Actions that are permissions only (checked when another call is made), never a request.
NO_REQUEST = frozenset({"iam:PassRole"})

#: Bedrock actions served by the runtime endpoint rather than the control plane.
_BEDROCK_RUNTIME = re.compile(r"^bedrock:(InvokeModel|Converse|ApplyGuardrail|CountTokens)")

#: IAM service prefix -> endpoint prefix, where they differ.
_ENDPOINT_PREFIX = {"cloudwatch": "monitoring", "ses": "email", "ecr": "api.ecr"}


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    """botocore's endpoint table as botocore ships it, read on first use. Read here rather than
    through botocore's loader and resolver, whose imports (urllib3, http.client, ...) cost a
    tenth of a second of every compile; and never a customer copy in `~/.aws/models`, which
    botocore's loader would prefer: the output must not depend on the machine."""
    spec = importlib.util.find_spec("botocore")
    assert spec is not None and spec.origin is not None, "botocore is a dependency"
    data = Path(spec.origin).parent / "data"
    plain = data / "endpoints.json"
    raw = plain.read_bytes() if plain.is_file() else gzip.decompress(
        (data / "endpoints.json.gz").read_bytes())
    return orjson.loads(raw)


def _standard_hostname(table: dict[str, Any], prefix: str, region: str) -> str | None:
    """What `botocore.regions.EndpointResolver(table).construct_endpoint(prefix, region)` gives
    as `hostname` (no FIPS, no dual-stack): the first partition that serves the region, the
    service's partition endpoint for a global service, the endpoint's own hostname template
    else the service's defaults' else the partition's. Tests hold it to botocore's for every
    service and region of botocore's table, and on tables made to use every rule."""
    for partition in table["partitions"]:
        service = partition["services"].get(prefix, {"endpoints": {}})
        name = region
        if region not in service["endpoints"]:
            if not (region in partition["regions"] or "regionRegex" in partition
                    and re.match(partition["regionRegex"], region)):
                continue
            if service.get("partitionEndpoint") and not service.get("isRegionalized", True):
                name = service["partitionEndpoint"]
        endpoint = service["endpoints"].get(name, {})
        template = next(d["hostname"] for d in (endpoint, service.get("defaults", {}),
                                                partition.get("defaults", {}))
                        if "hostname" in d)
        return template.format(service=prefix, region=name,
                               dnsSuffix=endpoint.get("dnsSuffix", partition["dnsSuffix"]))
    return None


@functools.lru_cache(maxsize=None)
def aws_host(prefix: str, region: str) -> str:
    """The standard HTTPS host of an endpoint prefix in a region (`dynamodb.eu-west-1.amazonaws.com`,
    `iam.amazonaws.com` for a global service, `...amazonaws.com.cn` in China)."""
    found = _standard_hostname(_table(), prefix, region)
    if found:
        return found
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{prefix}.{region}.{suffix}"


def sts_hosts(regions: Iterable[str]) -> list[str]:
    """Regional STS in each region, and the global endpoint older SDKs still default to."""
    regions = list(regions)
    hosts = [aws_host("sts", r) for r in regions]
    if any(not r.startswith("cn-") for r in regions):
        hosts.append("sts.amazonaws.com")
    return hosts


def aws_hosts(actions: Iterable[str], resources: Iterable[str], regions: Iterable[str]) -> list[str]:
    """Hosts that serve `actions` on `resources` (IAM ARNs or `*`) from `regions`."""
    actions = [a for a in actions if a not in NO_REQUEST]
    resources = list(resources)
    out: list[str] = []
    for region in regions:
        for action in actions:
            service = action.split(":", 1)[0].lower()
            if service == "s3":
                out += _s3_hosts(resources, region)
            elif service == "ecr":
                out += _ecr_hosts(action, resources, region)
            elif service == "bedrock":
                out.append(aws_host("bedrock-runtime" if _BEDROCK_RUNTIME.match(action)
                                    else "bedrock", region))
            else:
                out.append(aws_host(_ENDPOINT_PREFIX.get(service, service), region))
    return list(dict.fromkeys(out))


def _s3_hosts(resources: list[str], region: str) -> list[str]:
    """Path form (`s3.R.amazonaws.com`) always; virtual-host form per bucket the resources name
    (`*.s3...` when a bucket name has a wildcard). A bucket whose name has a dot is reached in
    the path form only (its virtual host fails TLS), so it needs none."""
    path = aws_host("s3", region)
    hosts = [path]
    for arn in resources:
        bucket = arn.split(":::", 1)[1].split("/", 1)[0] if ":::" in arn else ""
        if arn == "*" or "*" in bucket or "?" in bucket:
            hosts.append(f"*.{path}")
        elif bucket and "." not in bucket:
            hosts.append(f"{bucket}.{path}")
    return hosts


def _ecr_hosts(action: str, resources: list[str], region: str) -> list[str]:
    """The API (`api.ecr.R...`), and for image actions each repository's registry
    (`ACCOUNT.dkr.ecr.R...`) and the S3 bucket ECR serves layers from."""
    api = aws_host("api.ecr", region)
    hosts = [api]
    suffix = api.split(".", 3)[3]  # amazonaws.com, amazonaws.com.cn
    for arn in resources:
        parts = arn.split(":")
        if len(parts) > 5 and parts[5].startswith("repository/") and parts[4].isdigit():
            hosts.append(f"{parts[4]}.dkr.ecr.{region}.{suffix}")
    if action == "ecr:GetDownloadUrlForLayer":
        hosts.append(f"prod-{region}-starport-layer-bucket.{aws_host('s3', region)}")
    return hosts
