"""Print how fast `suggest` reads a gateway decision log, and that its memory stays flat.

    python benchmarks/suggest_stream.py [--lines 1000000]

Writes LINES decision lines for acme's principals (a week, in time order, some refused and
some outside every grant) to a temp file, then reads it through the same reader and observer
`agentpol suggest` uses, in a fresh process per size (a tenth of LINES, then LINES), and prints
lines per second and the process's peak resident memory for each. The floor is `json.loads`
of every line alone, read the same way: the ratio says what the analysis costs on top of
parsing. Memory that does not grow between the two sizes is the point.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICIES = Path(__file__).resolve().parents[1] / "policies"
CALLS = [("support-bot", "call", "api.openai", 12), ("support-bot", "search_issues",
         "mcp_server.jira", 0), ("support-bot", "get_issue", "mcp_server.jira", 0),
         ("refund-agent", "refunds:write", "api.stripe", 30),
         ("code-agent", "call", "api.anthropic", 8), ("code-agent", "get_issue",
                                                       "mcp_server.jira", 0)]
ENVS = {"support-bot": ("dev", "staging", "prod"), "refund-agent": ("staging", "prod"),
        "code-agent": ("dev", "staging")}


def write_log(path: Path, lines: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    start, step = 1772409600, 7 * 86400 / lines  # 2026-03-02, one week
    with path.open("w", encoding="utf-8") as f:
        for i in range(lines):
            agent, action, api, cost = rng.choice(CALLS)
            env = rng.choice(ENVS[agent])
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + int(i * step)))
            denied = rng.random() < 0.02
            f.write(json.dumps({
                "action": action, "agent": agent, "context": {
                    "cost_cents": cost, "spend_cents_day": rng.randrange(0, 3000),
                    "calls_hour": rng.randrange(0, 50)},
                "decision": "denied" if denied else "forwarded", "env": env, "errors": [],
                "policy_ids": [f"{agent}@{env} allow {action} on {api}@{env}"],
                "principal": f"{agent}@{env}", "request_id": f"r{i}",
                "resource": f"{api}@{env}", "shadow": False, "time": when}) + "\n")


def measure(path: str, mode: str) -> None:
    """Child process: read the log, print `lines seconds peak_kib` as JSON."""
    from agentpol import pipeline
    from agentpol.suggest import readers
    from agentpol.suggest.observe import Observer
    model = pipeline.load(POLICIES)
    began = time.perf_counter()
    n = 0
    if mode == "floor":
        with open(path, encoding="utf-8") as f:
            for line in f:
                json.loads(line)
                n += 1
    else:
        observer = Observer(model, None, None)
        damage = readers.Damage(path)
        for _, d in readers.decisions(Path(path), damage):
            observer.decision(d)
            n += 1
        observer.finish()
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"lines": n, "seconds": seconds, "peak_kib": peak}))


def run(path: Path, mode: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(path), mode],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--child", nargs=2, metavar=("PATH", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        measure(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for lines in (args.lines // 10, args.lines):
            path = Path(tmp) / f"decisions-{lines}.jsonl"
            write_log(path, lines)
            size = path.stat().st_size / 2**20
            got, floor = run(path, "suggest"), run(path, "floor")
            rate = got["lines"] / got["seconds"]
            print(f"{lines:>9,} lines ({size:,.0f} MiB): suggest {rate:,.0f} lines/s "
                  f"({got['seconds']:.2f} s), peak RSS {got['peak_kib'] / 1024:,.1f} MiB; "
                  f"json.loads alone {floor['lines'] / floor['seconds']:,.0f} lines/s "
                  f"(suggest takes {got['seconds'] / floor['seconds']:.1f}x)")
            path.unlink()


if __name__ == "__main__":
    main()
