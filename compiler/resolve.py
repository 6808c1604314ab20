"""Stage 2: syntax trees -> `Program` (frozen, typed, every reference checked).

All problems are collected as diagnostics and raised together at the end. Statements stay as
written (profiles not inlined, per-env references not yet bound): that is `expand`'s job.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping, Sequence

from lark import Token, Tree

from . import schema
from .catalogue.kubernetes import dns_label
from .errors import Diagnostic, InputErrors, did_you_mean
from .model import (ACCESS_WORDS, KEYWORDS, SESSION_MAX, SESSION_MIN, Access, Agent,
                    ApprovalStmt, Block, BudgetStmt, Destination, EgressStmt, Environment, Expect,
                    ModeStmt, Profile, Program, RateStmt, Raw, Ref, Rule, SessionStmt, Span, Test,
                    Use)
from .parse import SourceFile
from .resources import instantiate
from .values import TEMPLATE, Val, describe, duration_of, span_of, string_of, value_of

BUDGET_PERIODS = ("hour", "day", "month")
#: Bounds that keep every limit a Cedar Long (64-bit) with room to add a call's cost.
MAX_USD, MAX_RATE = 1_000_000_000, 1_000_000_000
RATE_PERIODS = ("second", "minute", "hour", "day")


def resolve(files: Sequence[SourceFile]) -> Program:
    return _Resolver(files).run()


class _Resolver:
    def __init__(self, files: Sequence[SourceFile]):
        self.files = files
        self.diags: list[Diagnostic] = []
        self.decls: dict[str, dict[str, tuple[str, Tree]]] = {
            "environment": {}, "resource": {}, "profile": {}, "agent": {}}
        self.test_trees: list[tuple[str, Tree]] = []
        self.audit_refs: list[tuple[str, Val]] = []  # (env, audit_log value)
        self.resource_envs: dict[str, tuple[str, ...]] = {}  # "type.name" -> envs, ("*",) shared

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(code, message, span, hint))

    # --- names ---------------------------------------------------------------------------

    def run(self) -> Program:
        self._collect()
        envs = self._environments()
        resources, instances = instantiate(self.decls["resource"], envs, self)
        profiles = {n: self._profile(p, t) for n, (p, t) in sorted(self.decls["profile"].items())}
        self._profile_cycles(profiles)
        agents = {n: self._agent(p, t) for n, (p, t) in sorted(self.decls["agent"].items())}
        tests = tuple(self._test(p, t, agents) for p, t in self.test_trees)
        self._check_audit_logs()
        self._check_pod_names(agents, instances)
        program = Program(environments=envs, resources=resources, instances=instances,
                          profiles=profiles, agents=agents, tests=tests,
                          files=tuple(f.path for f in self.files))
        if self.diags:
            raise InputErrors(self.diags, program=program)  # expansion reports its errors too
        return program

    def _collect(self) -> None:
        for f in self.files:
            for decl in f.tree.children:
                if decl.data == "test":
                    self.test_trees.append((f.path, decl))
                    continue
                name_tok = _name_token(decl)
                name = (f"{decl.children[0]}.{name_tok}" if decl.data == "resource"
                        else str(name_tok))
                self.check_name(f.path, name_tok)
                table = self.decls[decl.data]
                if name in table:
                    first = span_of(table[name][0], _name_token(table[name][1]))
                    self.error("E011", f"duplicate {decl.data} `{name}`", span_of(f.path, name_tok),
                               f"first declared at {first}")
                    continue
                table[name] = (f.path, decl)

    def check_name(self, path: str, tok: Token) -> None:
        if str(tok) in KEYWORDS:
            self.error("E010", f"`{tok}` is a keyword and cannot be used as a name",
                       span_of(path, tok), "choose another name, e.g. `my-" + str(tok) + "`")

    def known(self, kind: str, name: str, span: Span) -> bool:
        """True when `name` is declared; otherwise an E012 with a did-you-mean."""
        names = self.decls[kind]
        if name in names:
            return True
        if kind == "resource":  # suggest among resources of the same type
            rtype, short = name.split(".", 1)
            candidates = [k.split(".", 1)[1] for k in names if k.startswith(rtype + ".")]
            what = f"{rtype} resources"
        else:
            candidates, what = sorted(names), f"{kind}s"
        hint = did_you_mean(short if kind == "resource" else name, candidates) or (
            f"declared {what}: {', '.join(candidates)}" if 0 < len(candidates) <= 12
            else None if candidates else f"no {what} are declared")
        self.error("E012", f"unknown {kind} `{name}`", span, hint)
        return False

    # --- attributes ----------------------------------------------------------------------

    def attrs(self, path: str, attrs_tree: Tree, allowed: Mapping, what: str) -> dict[str, Val]:
        """`key = value` pairs; unknown (E014) and duplicate (E015) keys are reported."""
        out: dict[str, Val] = {}
        for attr in attrs_tree.children:
            key_tok, val_tree = attr.children
            key = str(key_tok)
            if key not in allowed:
                self.error("E014", f"unknown attribute `{key}` for {what}", span_of(path, key_tok),
                           did_you_mean(key, allowed) or "allowed: " + ", ".join(sorted(allowed)))
                continue
            if key in out:
                self.error("E015", f"attribute `{key}` given twice", span_of(path, key_tok))
                continue
            out[key] = value_of(path, val_tree, self.diags)
        return out

    def typed(self, key: str, val: Val, kind: str, check) -> Any:
        """Check one value against its schema kind; returns the Python value or None."""
        want = {"string": ("string",), "bool": ("bool",), "duration": ("duration",),
                "strings": ("list",), "names": ("list",), "env": ("bare", "string"),
                "ref": ("ref",), "name": ("bare", "string")}[kind]
        if val.kind not in want:
            self.error("E016", f"`{key}` must be {describe(want[0])}, not {describe(val.kind)}",
                       val.span)
            return None
        if kind in ("strings", "names"):
            items = [self.typed(key, v, "string" if kind == "strings" else "env", check)
                     for v in val.value]
            return None if None in items else tuple(items)
        if check is not None and isinstance(val.value, str):
            problem = check(val.value)
            if problem:
                self.error("E017", f"invalid `{key}` {val.value!r}: {problem}", val.span)
                return None
        return val.value

    # --- environments --------------------------------------------------------------------

    def _environments(self) -> dict[str, Environment]:
        envs: dict[str, Environment] = {}
        accounts: dict[str | None, str] = {}
        for name, (path, tree) in sorted(self.decls["environment"].items()):
            a = self.attrs(path, tree.children[1], schema.ENVIRONMENT, f"environment `{name}`")
            v = {k: self.typed(k, val, *schema.ENVIRONMENT[k]) for k, val in a.items()}
            v = {k: x for k, x in v.items() if x is not None}
            if v.get("regions") == ():  # its resources live in the first one
                self.error("E017", "invalid `regions` []: an environment needs a region",
                           a["regions"].span, 'leave it out for the default ["us-east-1"]')
                del v["regions"]
            if "audit_log" in v:
                t, n, e = v["audit_log"]
                v["audit_log"] = f"{t}.{n}@{e or name}"
                self.audit_refs.append((name, a["audit_log"]))
            claimed = (Destination.parse(c, with_port=False)
                       for c in v.get("cidrs", ()) + v.get("domains", ()))
            envs[name] = Environment(name=name, span=span_of(path, tree.children[0]), **v,
                                     claims=tuple(c for c in claimed if isinstance(c, Destination)))
            owner = accounts.setdefault(v.get("aws_account"), name)
            if v.get("aws_account") and owner != name:
                self.error("E029", f"environments `{owner}` and `{name}` share aws_account "
                                   f"{v['aws_account']}", a["aws_account"].span,
                           "an environment owns its account: staging must share no "
                           "credentials with prod, and agent roles are named per account")
        return envs

    def _check_audit_logs(self) -> None:
        """`audit_log` must name a log_group that exists in that env."""
        for env, val in self.audit_refs:
            t, n, e = val.value
            if t != "log_group":
                self.error("E028", "`audit_log` must be a log_group", val.span)
            elif self.known("resource", f"{t}.{n}", val.span) and (
                    e is None or self.known("environment", e, val.span)):
                self.exists_in(Ref(t, n, e, val.span), e or env)

    def _check_pod_names(self, agents: Mapping[str, Agent], instances) -> None:
        """An mcp_server with `upstream` gets pods of its own (`app.kubernetes.io/name: NAME`,
        files under `network/E/mcp-NAME/`): an agent sharing that label would be held by the
        server's allowlist too, and an agent named `mcp-NAME` would share its directory."""
        servers = {i.name for i in instances.values() if i.type == "mcp_server"
                   and i.attr("upstream")}
        folded: dict[str, str] = {}
        for a in sorted(agents.values(), key=lambda a: a.span):  # the later one is reported
            twin = folded.setdefault(a.name.lower(), a.name)
            if twin != a.name:
                self.error("E029", f"agents `{twin}` and `{a.name}` differ only in case", a.span,
                           "IAM role names (agentpol-AGENT) ignore case: rename one")
            if a.service_account in servers:
                self.error("E029", f"agent `{a.name}` runs as `{a.service_account}`, the pod "
                                   f"label of mcp_server.{a.service_account}", a.span,
                           "give the agent its own service_account")
            if a.name.startswith("mcp-") and a.name[4:] in servers:
                self.error("E029", f"agent `{a.name}` would share the network directory of "
                                   f"mcp_server.{a.name[4:]}", a.span, "rename the agent")

    # --- statements ----------------------------------------------------------------------

    def statements(self, path: str, trees: Sequence[Tree]) -> tuple:
        out = []
        for t in trees:
            s = self.statement(path, t)
            if s is not None:
                out.append(s)
        return tuple(out)

    def statement(self, path: str, t: Tree):
        sp = span_of(path, t)
        kids = t.children
        if t.data == "use":
            self.known("profile", str(kids[0]), span_of(path, kids[0]))
            return Use(str(kids[0]), span_of(path, kids[0]))
        if t.data in ("allow", "deny", "approval"):
            accesses = self.accesses(path, kids[0])
            targets = self.targets(path, kids[1], accesses)
            if t.data == "approval":
                return ApprovalStmt(accesses, targets, sp)
            return Rule(str(t.data), accesses, targets, sp)
        if t.data == "egress":
            return EgressStmt(self.destinations(path, kids[0]), sp)
        if t.data == "budget":
            return self.budget(path, kids, sp)
        if t.data == "rate":
            return self.rate(path, kids, sp)
        if t.data == "session":
            seconds = duration_of(kids[0])
            if not SESSION_MIN <= seconds <= SESSION_MAX:
                self.error("E023", f"session {kids[0]} is out of range", span_of(path, kids[0]),
                           "a session lasts from 15m to 12h")
            return SessionStmt(seconds, sp)
        if t.data == "mode":
            return ModeStmt(str(kids[0]), sp)
        raise AssertionError(f"grammar and resolve disagree on {t.data!r}")

    def accesses(self, path: str, tree: Tree) -> tuple[Access, ...]:
        out = []
        for a in tree.children:
            tok = a.children[0]
            raw = a.data == "raw"
            value = string_of(path, tok, self.diags) if raw else str(tok)
            out.append(Access(value, raw, span_of(path, tok)))
        return tuple(out)

    def ref(self, path: str, tree: Tree) -> Ref | None:
        """A `TYPE.NAME[@ENV]` whose type, name and env exist (or None after an error)."""
        type_tok, name_tok, *env_tok = tree.children
        sp = span_of(path, tree)
        rtype, name = str(type_tok), str(name_tok)
        if rtype not in ACCESS_WORDS:
            self.error("E013", f"unknown resource type `{rtype}`", span_of(path, type_tok),
                       schema.unknown_type_hint(rtype))
            return None
        if not self.known("resource", f"{rtype}.{name}", span_of(path, name_tok)):
            return None
        env = str(env_tok[0]) if env_tok else None
        if env is not None:
            if not self.known("environment", env, span_of(path, env_tok[0])):
                return None
            self.exists_in(Ref(rtype, name, env, sp), env)
        return Ref(rtype, name, env, sp)

    def exists_in(self, ref: Ref, env: str) -> None:
        """E021 unless the referenced resource has an instance in `env` (or is shared)."""
        where = self.resource_envs.get(f"{ref.type}.{ref.name}")
        if where is None or where == ("*",) or env in where:
            return
        self.error("E021", f"{ref.type}.{ref.name} does not exist in `{env}`", ref.span,
                   f"it exists in: {', '.join(where)}" if where
                   else "its declaration places it in no environment")

    def targets(self, path: str, tree: Tree, accesses: Sequence[Access]) -> tuple[Ref | Raw, ...]:
        out: list[Ref | Raw] = []
        for t in tree.children:
            if t.data == "raw":
                raw = Raw(string_of(path, t.children[0], self.diags), span_of(path, t))
                self.words_for_raw(raw, accesses)
                out.append(raw)
                continue
            ref = self.ref(path, t)
            if ref is not None:
                self.words_for(ref.type, accesses)
                out.append(ref)
        return tuple(out)

    def words_for(self, rtype: str, accesses: Sequence[Access]) -> None:
        for a in accesses:
            if not a.raw and a.value not in ACCESS_WORDS[rtype]:
                self.error("E020", f"`{a.value}` is not an access word of {rtype}", a.span,
                           did_you_mean(a.value, ACCESS_WORDS[rtype])
                           or "valid: " + ", ".join(ACCESS_WORDS[rtype])
                           + ", or a quoted provider permission")

    def words_for_raw(self, raw: Raw, accesses: Sequence[Access]) -> None:
        kind = schema.raw_kind(raw.value)
        rtype = schema.RAW_KIND_TYPE.get(kind)
        if rtype:
            self.words_for(rtype, accesses)
            return
        for a in accesses:
            if not a.raw:
                self.error("E020", f"`{a.value}` needs a typed target; an ARN takes quoted IAM "
                                   "actions", a.span, 'e.g. allow "s3:GetObject" on "arn:..."')

    def destinations(self, path: str, tree: Tree) -> tuple[Ref | Raw, ...]:
        out: list[Ref | Raw] = []
        for t in tree.children:
            if t.data == "raw":
                raw = Raw(string_of(path, t.children[0], self.diags), span_of(path, t))
                parsed = Destination.parse(raw.value)
                if isinstance(parsed, str) and not TEMPLATE.search(raw.value):  # else: expand's
                    self.diags.append(schema.destination_error(raw.value, parsed, raw.span))
                    continue
                out.append(raw)
                continue
            ref = self.ref(path, t)
            if ref is None:
                continue
            if ref.type not in ("host", "api", "mcp_server"):
                self.error("E028", f"egress goes to a host, api or mcp_server, not {ref.type}",
                           ref.span, "AWS resources are reached through IAM, not egress rules")
                continue
            out.append(ref)
        return tuple(out)

    def budget(self, path: str, kids: list, sp: Span) -> BudgetStmt | None:
        target, amount, period = kids
        api = None
        if isinstance(target, Tree):
            api = self.ref(path, target)
            if api is not None and api.type != "api":
                self.error("E028", f"a budget caps an api or `total`, not {api.type}", api.span)
        value = Decimal(str(amount.children[0]))
        cents = value * 100
        if value > MAX_USD:
            self.error("E017", f"amount {value} is over {MAX_USD} usd", span_of(path, amount),
                       "a cap this high caps nothing; remove the budget instead")
            cents = Decimal(0)
        elif cents != cents.to_integral_value():
            self.error("E017", f"amount {value} has more than two decimals",
                       span_of(path, amount))
        self.period(path, period, BUDGET_PERIODS)
        return BudgetStmt(api, int(cents), str(period), sp)

    def rate(self, path: str, kids: list, sp: Span) -> RateStmt | None:
        target, count, period = kids
        ref = self.ref(path, target)
        if ref is not None and ref.type not in ("api", "mcp_server"):
            self.error("E028", f"a rate caps an api or mcp_server, not {ref.type}", ref.span)
        if not 0 < int(count) <= MAX_RATE:
            self.error("E017", f"a rate allows from 1 to {MAX_RATE} calls", span_of(path, count))
        self.period(path, period, RATE_PERIODS)
        return RateStmt(ref, int(count), str(period), sp) if ref else None

    def period(self, path: str, tok: Token, allowed: Sequence[str]) -> None:
        if str(tok) not in allowed:
            self.error("E024", f"unknown period `{tok}`", span_of(path, tok),
                       did_you_mean(str(tok), allowed) or "one of " + ", ".join(allowed))

    # --- profiles, agents, tests ---------------------------------------------------------

    def _profile(self, path: str, tree: Tree) -> Profile:
        name_tok, *stmts = tree.children
        return Profile(str(name_tok), span_of(path, name_tok), self.statements(path, stmts))

    def _profile_cycles(self, profiles: Mapping[str, Profile]) -> None:
        seen: set = set()
        for n in profiles:
            self._visit_profile(profiles, seen, n, ())

    def _visit_profile(self, profiles: Mapping[str, Profile], seen: set, name: str,
                       chain: tuple[str, ...]) -> None:
        for s in profiles[name].statements:
            if not isinstance(s, Use) or s.profile not in profiles:
                continue
            path = chain + (name,)
            if s.profile in path:
                cycle = " -> ".join(path[path.index(s.profile):] + (s.profile,))
                self.error("E022", f"profile cycle: {cycle}", s.span)
            elif (name, s.profile) not in seen:
                seen.add((name, s.profile))
                self._visit_profile(profiles, seen, s.profile, path)

    def _agent(self, path: str, tree: Tree) -> Agent:
        name_tok, *items = tree.children
        attr_trees = Tree("attrs", [i for i in items if i.data == "attr"])
        a = self.attrs(path, attr_trees, schema.AGENT, f"agent `{name_tok}`")
        v = {k: self.typed(k, val, *schema.AGENT[k]) for k, val in a.items()}
        blocks = []
        for b in (i for i in items if i.data == "in_block"):
            names_tree, *stmts = b.children
            envs = []
            for tok in names_tree.children:
                if self.known("environment", str(tok), span_of(path, tok)):
                    envs.append(str(tok))
            statements = self.statements(path, stmts)
            for env in envs:
                for s in statements:
                    self.check_refs_exist(s, env)
            blocks.append(Block(tuple(envs), statements, span_of(path, b)))
        return Agent(name=str(name_tok), span=span_of(path, name_tok), owner=v.get("owner"),
                     description=v.get("description"),
                     service_account=v.get("service_account") or dns_label(str(name_tok)),
                     blocks=tuple(blocks))

    def check_refs_exist(self, s, env: str) -> None:
        """E021 for a same-env reference to a resource with no instance in `env`."""
        refs: tuple[Ref | Raw, ...] = ()
        if isinstance(s, (Rule, ApprovalStmt)):
            refs = s.targets
        elif isinstance(s, EgressStmt):
            refs = s.dests
        elif isinstance(s, BudgetStmt) and s.api is not None:
            refs = (s.api,)
        elif isinstance(s, RateStmt):
            refs = (s.target,)
        for r in refs:
            if isinstance(r, Ref) and r.env is None:
                self.exists_in(r, env)

    def _test(self, path: str, tree: Tree, agents: Mapping[str, Agent]) -> Test:
        name_tok, *expects = tree.children
        out = []
        for e in expects:
            effect_tree, principal, access_tree, target = e.children
            agent_tok, env_tok = principal.children
            agent, env = str(agent_tok), str(env_tok)
            ok = self.known("agent", agent, span_of(path, agent_tok))
            ok = self.known("environment", env, span_of(path, env_tok)) and ok
            if ok and env not in agents[agent].envs:
                self.error("E012", f"agent `{agent}` has no `in {env}` block",
                           span_of(path, env_tok),
                           "it runs in: " + ", ".join(agents[agent].envs) if agents[agent].envs
                           else f"add `in {env} {{ ... }}` to agent `{agent}`")
            (access,) = self.accesses(path, Tree("access_list", [access_tree]))
            tgt = self.targets(path, Tree("target_list", [target]), [access])
            out.append(Expect(str(effect_tree.children[0]), agent, env, access,
                              tgt[0] if tgt else Raw("", span_of(path, target)),
                              span_of(path, e)))
            if tgt and isinstance(tgt[0], Ref) and tgt[0].env is None and ok:
                self.exists_in(tgt[0], env)
        return Test(string_of(path, name_tok, self.diags), span_of(path, name_tok), tuple(out))


def _name_token(decl: Tree) -> Token:
    tok = decl.children[1] if decl.data == "resource" else decl.children[0]
    assert isinstance(tok, Token), "a declaration's name is a NAME token"
    return tok
