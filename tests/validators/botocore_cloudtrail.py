"""CloudTrail event selectors: botocore's own `cloudtrail` service model.

Loads the model through botocore's loader (`botocore.session.get_session().get_service_model(
"cloudtrail")`, the data boto3 sends requests with) and runs botocore's `ParamValidator` -- the
client-side check every boto3 call makes -- on a `PutEventSelectors` request. It reports unknown
and missing parameters, wrong types and values below a minimum length or count; botocore does not
check string patterns, enums or maximum lengths (the service does).

The emitted file holds `{"AdvancedEventSelectors": [...]}`; when it has no `TrailName`, one is
supplied (`trail_name`, default a placeholder) so that the required parameter is not reported.
Also checked, as the API documents: `EventSelectors` and `AdvancedEventSelectors` are exclusive.
"""

from __future__ import annotations

import functools

from validators._common import Source, ValidatorUnavailable, label_of, load_json

OPERATION = "PutEventSelectors"
PLACEHOLDER_TRAIL = "agentpol-validate"


def require_tool():
    try:
        import botocore.session
        import botocore.validate
    except ImportError as e:  # pragma: no cover - environment problem
        raise ValidatorUnavailable("botocore is not installed: pip install boto3") from e
    return botocore


@functools.lru_cache(maxsize=1)
def operation_model():
    botocore = require_tool()
    return botocore.session.get_session().get_service_model("cloudtrail").operation_model(OPERATION)


def botocore_version() -> str:
    return require_tool().__version__


def validate_put_event_selectors(source: Source, trail_name: str | None = None) -> list[str]:
    """Problems with a PutEventSelectors request (path, JSON text or dict), empty when accepted."""
    botocore = require_tool()
    doc, problems = load_json(source)
    if problems:
        return problems
    label = label_of(source)
    if not isinstance(doc, dict):
        return [f"{label}: expected a JSON object, got {type(doc).__name__}"]
    params = dict(doc)
    if "TrailName" not in params:
        params["TrailName"] = trail_name or PLACEHOLDER_TRAIL
    report = botocore.validate.ParamValidator().validate(params, operation_model().input_shape)
    if report.has_errors():
        problems += [f"{label}: {line}" for line in report.generate_report().splitlines() if line.strip()]
    if "EventSelectors" in params and "AdvancedEventSelectors" in params:
        problems.append(f"{label}: EventSelectors and AdvancedEventSelectors cannot be used together")
    if "EventSelectors" not in params and "AdvancedEventSelectors" not in params:
        problems.append(f"{label}: neither EventSelectors nor AdvancedEventSelectors is given")
    return problems
