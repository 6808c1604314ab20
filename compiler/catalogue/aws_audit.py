"""Denies that keep an agent from stopping, deleting, shortening or rewriting its env's record.

The AWS target merges these into every identity policy and permissions boundary; the audit
target writes the same statements to `log-sink.json`. Both build them here, so the record is
guarded by one list. Each action is in the IAM catalogue (tests/compiler/catalogue).

Record-shortening CloudWatch Logs actions on the audit log group, beyond the obvious deletes:
retention (shortens the record), KMS key association (a key the agent controls, then scheduled
for deletion, makes the record unreadable), data-protection policies and transformers (rewrite
events as they arrive), and subscription filters (stop or re-point the copy that leaves the
account). `logs:PutLogGroupDeletionProtection` is left out: deleting is denied anyway, and
parliament's catalogue does not know the action yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: Actions on the log group itself (resource type `log-group`).
LOG_GROUP_ACTIONS = (
    "logs:AssociateKmsKey",
    "logs:DeleteLogGroup",
    "logs:DeleteRetentionPolicy",
    "logs:DeleteSubscriptionFilter",
    "logs:DisassociateKmsKey",
    "logs:PutDataProtectionPolicy",
    "logs:PutRetentionPolicy",
    "logs:PutSubscriptionFilter",
    "logs:PutTransformer",
)
#: Actions on its streams (resource type `log-stream`).
LOG_STREAM_ACTIONS = ("logs:DeleteLogStream",)

#: CloudTrail actions that stop or narrow what a trail records.
TRAIL_ACTIONS = (
    "cloudtrail:DeleteTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:PutInsightSelectors",
    "cloudtrail:StopLogging",
    "cloudtrail:UpdateTrail",
)


def log_sink_deny(
    places: Sequence[tuple[str | None, Mapping[str, object]]], account: str,
    partition: str = "aws",
) -> dict:
    """Deny deleting, shortening or rewriting the audit log group and its streams, in each
    (region, attributes) place it exists (one per region of its env). The group is named both
    as `log-group:NAME` and `log-group:NAME:*` (CloudWatch Logs authorizes group actions on
    either form), streams as `NAME:log-stream:*`."""
    resources = []
    for region, attrs in places:
        group = f"arn:{partition}:logs:{region}:{account}:log-group:{attrs['name']}"
        resources += [group, f"{group}:*", f"{group}:log-stream:*"]
    return {
        "Sid": "DenyAuditLogTampering",
        "Effect": "Deny",
        "Action": sorted(LOG_GROUP_ACTIONS + LOG_STREAM_ACTIONS),
        "Resource": resources,
    }


def trail_deny(partition: str = "aws") -> dict:
    """Deny stopping or narrowing any CloudTrail trail. Every trail in every region and account
    is named by the trail ARN format rather than `*`, since these actions are scoped to trails."""
    return {
        "Sid": "DenyCloudTrailTampering",
        "Effect": "Deny",
        "Action": list(TRAIL_ACTIONS),
        "Resource": [f"arn:{partition}:cloudtrail:*:*:trail/*"],
    }
