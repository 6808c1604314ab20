"""Print how long each pipeline stage takes on a generated organisation of a given size.

    python benchmarks/compile_speed.py [--agents 50] [--envs 4] [--resources 60]

Speed goals live here, not in tests: run it before and after a change and compare the figures.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from agentpol import artifacts
from agentpol.check import check
from agentpol.expand import expand
from agentpol.parse import parse_directory
from agentpol.pipeline import targets
from agentpol.resolve import resolve

TYPES = [("dynamodb_table", "read"), ("secret", "read"), ("s3_bucket", "write"),
         ("sqs_queue", "send"), ("log_group", "write"), ("vault_path", "read")]


def organisation(envs: int, agents: int, resources: int) -> dict[str, str]:
    """A synthetic but realistic program: protected last env, every agent in every env."""
    env_src = []
    for i in range(envs):
        protected = "true" if i == envs - 1 else "false"
        env_src.append(f'environment e{i} {{ aws_account = "{100000000000 + i}", '
                       f'cidrs = ["10.{i}.0.0/16"], domains = ["*.e{i}.corp.internal"], '
                       f'k8s_namespace = "agents-e{i}", protected = {protected}, '
                       f'audit_log = log_group.audit }}')
    res_src = ['resource log_group audit { name = "/corp/{env}/audit" }']
    for r in range(resources):
        rtype, _ = TYPES[r % len(TYPES)]
        attr = "path" if rtype == "vault_path" else "name"
        res_src.append(f'resource {rtype} r{r} {{ {attr} = "corp-{{env}}/r{r}" }}')
    res_src.append('resource api llm { provider = openai, key_name = "llm-{env}" }')
    agent_src = []
    for a in range(agents):
        grants = "\n".join(f"    allow {TYPES[r % len(TYPES)][1]} on "
                           f"{TYPES[r % len(TYPES)][0]}.r{r}"
                           for r in range(a % resources, a % resources + 8) if r < resources)
        agent_src.append(f'agent a{a} {{\n  owner = "team{a}@corp.com"\n  in '
                         + ", ".join(f"e{i}" for i in range(envs))
                         + f' {{\n{grants}\n    allow call on api.llm\n    egress api.llm\n'
                           f'    budget api.llm 10 usd per day\n  }}\n}}')
    return {"envs.agentpol": "\n".join(env_src), "resources.agentpol": "\n".join(res_src),
            "agents.agentpol": "\n\n".join(agent_src)}


def timed(label: str, fn):
    start = time.perf_counter()
    value = fn()
    print(f"  {label:<10} {time.perf_counter() - start:8.3f} s")
    return value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=50)
    ap.add_argument("--envs", type=int, default=4)
    ap.add_argument("--resources", type=int, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        for name, text in organisation(args.envs, args.agents, args.resources).items():
            Path(d, name).write_text(text, encoding="utf-8")
        os.chdir(d)
        print(f"{args.agents} agents x {args.envs} envs, {args.resources} resources")
        files, _ = timed("parse", lambda: parse_directory(Path(".")))
        program = timed("resolve", lambda: resolve(files))
        model = timed("expand", lambda: expand(program))
        grants = sum(len(p.grants) for p in model.principals.values())
        out = timed("emit", lambda: artifacts.build(model, targets(), list(targets())))
        report = timed("check", lambda: check(model, out))
        print(f"  {len(model.principals)} principals, {grants} grants, {len(out)} files, "
              f"{len(report.findings)} findings")


if __name__ == "__main__":
    main()
