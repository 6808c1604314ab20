"""A synthetic week of gateway decisions and CloudTrail events for the acme policies.

Seeded, so every run writes the same files. What it plants (and `EXPECTED` lists) is what
`agentpol suggest` must find: unused grants, calls outside every grant, a cross-env attempt at
both layers, a denied call, a tool nobody is granted, and a budget peak.

    python tests/compiler/suggest/synthetic_week.py OUTDIR

writes OUTDIR/decisions.jsonl.gz and OUTDIR/cloudtrail.json.gz.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import random
import sys
from pathlib import Path

START = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)  # a Monday
DAYS = 7
ACCOUNTS = {"dev": "111111111111", "staging": "333333333333", "prod": "222222222222"}
PEAK_DAY = 2  # support-bot@prod spends 3950 of its 4000 cents on openai that day
PEAK_CENTS = 3950
DATA = {"s3", "dynamodb", "sqs", "sns", "lambda"}  # services CloudTrail logs as data events
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"

EXPECTED = {
    "unused_proposed": {
        "prod support-bot write s3_bucket.exports@prod",
        'staging refund-agent "charges:read" api.stripe@staging',
        'prod refund-agent "charges:read" api.stripe@prod',
    },
    # unused, but an `expect allow` holds it: check rejects the removal
    "unused_kept": {"prod support-bot read secret.zendesk-token@prod"},
    # unused, from a profile: reported, not patched
    "unused_profile": {
        'dev support-bot "search_issues" mcp_server.jira@dev',
        'dev support-bot "get_issue" mcp_server.jira@dev',
    },
    "additions": {
        ("code-agent@dev", 'allow "get_issue" on mcp_server.jira'),
        ("support-bot@staging", "allow read on s3_bucket.exports"),
    },
    "alerts": {
        ("support-bot@staging", "cross-env", "gateway", "api.openai@prod"),
        ("support-bot@staging", "cross-env", "aws",
         "arn:aws:secretsmanager:us-east-1:222222222222:secret:prod/support/zendesk-token-AbCdEf"),
        ("support-bot@prod", "denied", "aws",
         "arn:aws:dynamodb:us-east-1:222222222222:table/tickets-prod"),
        ("support-bot@prod", "never-granted", "gateway", "mcp_server.jira@prod"),
    },
    "budget_peak": ("support-bot@prod", "api.openai@prod", PEAK_CENTS,
                    START + dt.timedelta(days=PEAK_DAY)),
}


def _t(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class Week:
    def __init__(self, seed: int = 23):
        self.rng = random.Random(seed)
        self.decisions: list[dict] = []
        self.events: list[dict] = []
        self.spend: dict[tuple, int] = {}

    def when(self, day: int) -> dt.datetime:
        return START + dt.timedelta(days=day, seconds=self.rng.randrange(8 * 3600, 20 * 3600))

    # -- the gateway -------------------------------------------------------------------------

    def decision(self, when, principal, action, resource, decision="forwarded", ids=(),
                 cost=0, spend_key=None):
        agent, env = principal.split("@")
        context = {"cost_cents": cost} if cost else {}
        if spend_key:
            day = (principal, resource, when.date())
            context[spend_key] = self.spend.get(day, 0)
            if decision != "denied":
                self.spend[day] = self.spend.get(day, 0) + cost
        self.decisions.append({
            "action": action, "agent": agent, "context": context, "decision": decision,
            "env": env, "errors": [], "policy_ids": list(ids), "principal": principal,
            "request_id": f"r{len(self.decisions)}", "resource": resource,
            "shadow": decision == "shadow", "time": _t(when)})

    def gateway(self):
        for day in range(DAYS):
            for env in ("dev", "staging", "prod"):
                who = f"support-bot@{env}"
                for _ in range(20):
                    self.decision(self.when(day), who, "call", f"api.openai@{env}",
                                  ids=[f"{who} allow call on api.openai@{env}"],
                                  cost=self.rng.randrange(5, 40), spend_key="spend_cents_day")
                if env != "dev":
                    for tool in ("search_issues", "get_issue"):
                        self.decision(self.when(day), who, tool, f"mcp_server.jira@{env}",
                                      ids=[f"{who} allow {tool} on mcp_server.jira@{env}"])
            for env in ("staging", "prod"):
                who = f"refund-agent@{env}"
                self.decision(self.when(day), who, "refunds:write", f"api.stripe@{env}",
                              "shadow" if env == "prod" else "forwarded",
                              [f"{who} allow refunds:write on api.stripe@{env}"],
                              cost=30, spend_key="spend_cents_day")
            for env in ("dev", "staging"):
                who = f"code-agent@{env}"
                self.decision(self.when(day), who, "call", f"api.anthropic@{env}",
                              ids=[f"{who} allow call on api.anthropic@{env}"], cost=12,
                              spend_key="spend_cents_day")
            # code-agent@dev reads jira issues it was never granted: a proposed grant
            self.decision(self.when(day), "code-agent@dev", "get_issue", "mcp_server.jira@dev",
                          "denied")
        # the budget peak: support-bot@prod brings its day to PEAK_CENTS, then is refused
        who, api = "support-bot@prod", "api.openai@prod"
        peak_day = (START + dt.timedelta(days=PEAK_DAY)).date()
        noon = START + dt.timedelta(days=PEAK_DAY, hours=21)
        self.decision(noon, who, "call", api, ids=[f"{who} allow call on {api}"],
                      cost=PEAK_CENTS - self.spend.get((who, api, peak_day), 0),
                      spend_key="spend_cents_day")
        for i in range(3):
            self.decision(noon + dt.timedelta(minutes=i + 1), who, "call", api, "denied",
                          [f"{who} budget {api} 4000 cents per day"], cost=80,
                          spend_key="spend_cents_day")
        # a cross-env attempt at the gateway, and a tool nobody is granted
        for i in range(4):
            self.decision(START + dt.timedelta(days=4, hours=10, seconds=i), "support-bot@staging",
                          "call", "api.openai@prod", "denied", ["staging env boundary"])
        for i in range(3):
            self.decision(START + dt.timedelta(days=5, hours=11, minutes=i), "support-bot@prod",
                          "delete_project", "mcp_server.jira@prod", "denied")

    # -- CloudTrail --------------------------------------------------------------------------

    def event(self, when, agent, env, source, name, arns=(), params=None, error=None):
        account = ACCOUNTS[env]
        role = f"arn:aws:iam::{account}:role/agentpol-{agent}"
        record = {
            "eventVersion": "1.09", "eventTime": _t(when), "eventSource": source,
            "eventName": name, "awsRegion": "us-east-1", "recipientAccountId": account,
            "userIdentity": {
                "type": "AssumedRole", "accountId": account,
                "arn": f"arn:aws:sts::{account}:assumed-role/agentpol-{agent}/s1",
                "sessionContext": {"sessionIssuer": {
                    "type": "Role", "accountId": account, "arn": role,
                    "userName": f"agentpol-{agent}"}}},
            "requestParameters": params or {},
            "resources": [{"ARN": a, "accountId": account} for a in arns],
            "eventID": f"e{len(self.events)}",
            "eventCategory": "Data" if source.split(".")[0] in DATA else "Management",
            "managementEvent": source.split(".")[0] not in DATA,
        }
        if error:
            record["errorCode"] = error
        self.events.append(record)

    def cloudtrail(self):
        for day in range(DAYS):
            for env in ("staging", "prod"):
                acct = ACCOUNTS[env]
                table = f"arn:aws:dynamodb:us-east-1:{acct}:table/tickets-{env}"
                e = lambda *a, **k: self.event(self.when(day), "support-bot", env, *a, **k)
                e("dynamodb.amazonaws.com", "GetItem", [table])
                e("dynamodb.amazonaws.com", "PutItem", [table])
                e("s3.amazonaws.com", "GetObject", ["arn:aws:s3:::acme-public-docs/faq.md"])
                e("sqs.amazonaws.com", "SendMessage",
                  params={"queueUrl": f"https://sqs.us-east-1.amazonaws.com/{acct}/"
                                      f"refund-requests-{env}"})
                e("logs.amazonaws.com", "PutLogEvents",
                  [f"arn:aws:logs:us-east-1:{acct}:log-group:/acme/{env}/agent-audit:"
                   "log-stream:support-bot"])
                e("bedrock.amazonaws.com", "InvokeModel",
                  ["arn:aws:bedrock:us-east-1::foundation-model/"
                   "anthropic.claude-sonnet-4-5-20250929-v1:0"])
                if env == "staging":
                    e("s3.amazonaws.com", "PutObject",
                      ["arn:aws:s3:::acme-exports-staging/support/out.csv"])
                    e("secretsmanager.amazonaws.com", "GetSecretValue",
                      params={"secretId": "staging/support/zendesk-token"})
                    # outside every grant, in its own env: reads back its exports
                    e("s3.amazonaws.com", "GetObject",
                      ["arn:aws:s3:::acme-exports-staging/support/out.csv"], error="AccessDenied")
            r = self.when(day)
            q = "arn:aws:sqs:us-east-1:333333333333:refund-requests-staging"
            self.event(r, "refund-agent", "staging", "sqs.amazonaws.com", "ReceiveMessage", [q])
            self.event(r, "refund-agent", "staging", "sqs.amazonaws.com", "DeleteMessage", [q])
            for env in ("dev", "staging"):
                acct = ACCOUNTS[env]
                self.event(self.when(day), "code-agent", env, "ssm.amazonaws.com", "GetParameter",
                           params={"name": f"/acme/{env}/flags/rollout"})
                self.event(self.when(day), "code-agent", env, "kms.amazonaws.com", "Decrypt",
                           [f"arn:aws:kms:us-east-1:{acct}:key/{KEY_ID}"])
        # refused by `deny delete on dynamodb_table.tickets` in prod
        for i in range(2):
            self.event(START + dt.timedelta(days=3, hours=9, minutes=i), "support-bot", "prod",
                       "dynamodb.amazonaws.com", "DeleteItem",
                       ["arn:aws:dynamodb:us-east-1:222222222222:table/tickets-prod"],
                       error="AccessDeniedException")
        # a cross-env attempt: staging reaching for prod's zendesk token
        for i in range(12):
            self.event(START + dt.timedelta(days=4, hours=10, seconds=5 * i), "support-bot",
                       "staging", "secretsmanager.amazonaws.com", "GetSecretValue",
                       ["arn:aws:secretsmanager:us-east-1:222222222222:secret:"
                        "prod/support/zendesk-token-AbCdEf"], error="AccessDenied")


def generate(out: Path, seed: int = 23) -> tuple[Path, Path]:
    """Write `decisions.jsonl.gz` (JSON lines, time order) and `cloudtrail.json.gz` (as S3
    delivers it: one `{"Records": [...]}` document); returns their paths."""
    week = Week(seed)
    week.gateway()
    week.cloudtrail()
    out.mkdir(parents=True, exist_ok=True)
    log, trail = out / "decisions.jsonl.gz", out / "cloudtrail.json.gz"
    rows = sorted(week.decisions, key=lambda d: d["time"])
    with gzip.open(log, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(d, sort_keys=True) + "\n" for d in rows)
    with gzip.open(trail, "wt", encoding="utf-8") as f:
        json.dump({"Records": sorted(week.events, key=lambda e: e["eventTime"])}, f, indent=1)
    return log, trail


if __name__ == "__main__":
    for path in generate(Path(sys.argv[1] if len(sys.argv) > 1 else "synthetic-week")):
        print(path)
