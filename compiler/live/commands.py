"""The `snapshot` and `drift` commands: their arguments and what they run. Every AWS or file
problem is a usage error (exit 2); drift found is exit 1."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agentpol import pipeline
from agentpol.check import authz

from . import connect, drift, drift_report, snapshot


def add_aws_args(p: argparse.ArgumentParser) -> None:
    """How to reach AWS: credentials, accounts, patience."""
    p.add_argument("--profile", default=None, help="an AWS CLI profile (default: the usual "
                                                   "credential chain)")
    p.add_argument("--role-arn", action="append", default=[], metavar="ARN",
                   help="a read-only role to assume (repeatable); `{account}` in it is "
                        "replaced by each --account")
    p.add_argument("--account", action="append", default=[], metavar="ID",
                   help="an account to read through --role-arn's `{account}` (repeatable)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="connect and read timeout of each AWS call (default 60)")


def _targets(args) -> tuple[connect.Options, list[connect.Target]]:
    options = connect.Options(args.profile, args.timeout)
    return options, connect.targets(options, args.role_arn, args.account)


def run_snapshot(args) -> int:
    try:
        options, targets = _targets(args)
        written = snapshot.run(args.output, options, targets)
    except connect.LiveError as exc:
        raise pipeline.UsageError(str(exc)) from None
    for path in written:
        print(f"agentpol: wrote {path}")
    return 0


def run_drift(args) -> int:
    live = args.aws or args.role_arn or args.account or args.profile
    if bool(live) == bool(args.aws_authz):
        raise pipeline.UsageError("drift: give --aws (or --profile/--role-arn) or "
                                  "--aws-authz FILE, one of them")
    try:
        desired = {d.account: d for d in drift.compiled(args.out)}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise pipeline.UsageError(f"{args.out}: cannot read the compiled aws target: {exc}"
                                  ) from None
    if not desired:
        raise pipeline.UsageError(f"{args.out}: no aws/*/main.tf.json (compile with aws first)")
    if live:
        try:
            options, targets = _targets(args)
            accounts = [authz.parse(snapshot.dumps(snapshot.collect(t, options)), t.how)
                        for t in targets]
        except connect.LiveError as exc:
            raise pipeline.UsageError(str(exc)) from None
    else:
        accounts = list(authz.load(args.aws_authz))  # malformed: input errors, exit 2
    found, notes, compared = [], [], []
    for account in accounts:
        want = desired.get(account.account)
        if want is None:
            print(f"agentpol: warning: {account.path}: account {account.account} belongs to "
                  "no compiled environment; not compared", file=sys.stderr)
            continue
        more, why = drift.compare(want, account)
        found += more
        notes += why
        compared.append(account.account)
    print(drift_report.render(found, notes, compared, args.format), end="")
    return 1 if found else 0


def drift_parser(sub) -> argparse.ArgumentParser:
    d = sub.add_parser("drift", help="compare deployed roles with the compiled ones "
                                     "(exit 1 on drift)")
    d.add_argument("out", type=Path, metavar="OUT", help="a compile output directory")
    d.add_argument("--aws", action="store_true", help="read the account live through boto3")
    d.add_argument("--format", default="text", choices=("text", "json", "markdown"))
    add_aws_args(d)
    return d


def snapshot_parser(sub) -> argparse.ArgumentParser:
    s = sub.add_parser("snapshot", help="collect what exists in AWS (boto3) for --aws-authz")
    s.add_argument("provider", choices=("aws",))
    s.add_argument("-o", "--output", required=True, type=Path, metavar="FILE|DIR",
                   help="the file (one account) or directory (ACCOUNT.json per account)")
    add_aws_args(s)
    return s
