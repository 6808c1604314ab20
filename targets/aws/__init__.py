"""The `aws` target: a least-privilege IAM role per agent per environment.

For every agent@env with a grant IAM enforces, `aws/ENV/AGENT/` holds `trust-policy.json`,
`identity-policy.json` (then `identity-policy-2.json`, ... when it does not fit in one managed
policy) and `permissions-boundary.json` (the env's, the same for each of its agents); and
`aws/ENV/main.tf.json` creates them all. See docs/targets/aws.md.

A principal in shadow mode (or whose AWS grants all await review) still gets its role, with no
Allow statement: Terraform can create it now, and it goes live by a change of policy, not of
infrastructure. Its would-be files are under `shadow/` (compile adds them).
"""

from __future__ import annotations

from agentpol.catalogue.aws_roles import partition_of
from agentpol.model import Environment, IamStatement, Model

from . import boundary, guards, policy, terraform, trust
from .grants import NO_SCOPE_SID, principal_scopes
from .quota import QuotaProblem, quota_problems, quota_reads

__all__ = ["emit", "quota_problems", "quota_reads", "QuotaProblem"]


def _identity(allows, unscoped: list[str], denies, guard_statements: list[dict]) -> list[dict]:
    """A role's statements in reading order: its grants, what exists only on `*`, its denies,
    the guards."""
    statements = [scope.statement(sid, "Allow") for sid, scope, _ in allows]
    if unscoped:
        statements.append(IamStatement(tuple(unscoped), ("*",)).statement(NO_SCOPE_SID, "Allow"))
    statements += [scope.statement(sid, "Deny") for sid, scope, _ in denies]
    return statements + guard_statements


def _emit_env(model: Model, env: Environment) -> dict[str, str]:
    principals = [p for p in model.principals_in(env.name) if model.has_role(p)]
    if not principals or not env.aws_account:
        return {}
    partition = partition_of(env.aws_runtime)
    scoped = {p.agent: principal_scopes(model, p) for p in principals}
    every_allow = [entry for allows, _, _ in scoped.values() for entry in allows]
    ceiling = policy.document(boundary.boundary_statements(
        (scope for _, scope, _ in every_allow),
        (action for _, unscoped, _ in scoped.values() for action in unscoped),
        guards.guards(model, env, guards.exemptions(model, env, every_allow), partition),
    ))
    files, roles = {}, []
    ceiling_text = policy.render(ceiling)
    for p in principals:
        allows, unscoped, denies = scoped[p.agent]
        own_guards = guards.guards(model, env, guards.exemptions(model, env, allows), partition)
        parts = policy.split(_identity(allows, unscoped, denies, own_guards))
        trust_doc = trust.trust_policy(env, p.agent, partition)
        base = f"aws/{env.name}/{p.agent}/"
        files[base + "trust-policy.json"] = policy.render(trust_doc)
        files[base + "permissions-boundary.json"] = ceiling_text
        for index, doc in enumerate(parts, 1):
            name = "identity-policy.json" if index == 1 else f"identity-policy-{index}.json"
            files[base + name] = policy.render(doc)
        roles.append(terraform.Role(p.agent, p.session, trust_doc, tuple(parts)))
    files[f"aws/{env.name}/main.tf.json"] = terraform.main_tf(env, roles, ceiling)
    return files


def emit(model: Model) -> dict[str, str]:
    files: dict[str, str] = {}
    for env in model.environments.values():
        files.update(_emit_env(model, env))
    return dict(sorted(files.items()))
