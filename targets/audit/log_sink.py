"""`audit/E/log-sink.json`: what keeps the env's `audit_log` whole: the deny statement every
agent role of E carries (the AWS target merges the same statement, from the same builder, into
each identity policy and permissions boundary) and the retention the operator sets on it.

Retention is a floor, set by the operator's identity (agents are denied PutRetentionPolicy):
a group that already keeps its events longer, or forever, keeps that setting, since lowering it
would delete the oldest record.
"""
from __future__ import annotations

from agentpol.catalogue.aws_audit import log_sink_deny
from agentpol.catalogue.aws_roles import partition_of, role_arn
from agentpol.model import Environment, Model

RETENTION_DAYS = 365  # a CloudWatch Logs retention value; a year of record, as PCI DSS 10.5.1 asks


def log_sink(model: Model, env: Environment) -> dict | None:
    if env.audit_log is None:
        return None
    group = model.instance(env.audit_log)
    account = group.account or env.aws_account or ""
    partition = partition_of(env.aws_runtime)
    agents = sorted(p.agent for p in model.principals_in(env.name) if model.has_role(p))
    return {
        "audit_log": group.key,
        "log_group": group.attr("name"),
        "roles": [role_arn(a, env.aws_account or "", partition) for a in agents],
        "statements": [log_sink_deny(group.placements(), account, partition)],
        "retention": {"logGroupName": group.attr("name"), "retentionInDays": RETENTION_DAYS},
    }
