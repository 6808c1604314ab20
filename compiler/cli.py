"""The `agentpol` command line: compile, check and review agent permissions.

Exit codes: 0 clean, 1 findings of severity error, 2 invalid input or usage. Input errors are
rendered in the caret format, all at once; a traceback never reaches the user.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from . import artifacts, collector, lock, pipeline, tree
from .errors import InputErrors, render

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


def run() -> NoReturn:
    """The console script (and `python -m agentpol`): `main` in a process that ends with it.
    Without the interpreter's teardown, which would free the compiled model object by object
    (most of a second at 1,000 agents) for nothing."""
    collector.tune()
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        status = args.run(args)
        sys.stdout.flush()  # a reader that closed the pipe shows here, where it is handled
        return status
    except InputErrors as errs:
        for d in errs.diagnostics:
            print(render(d, errs.sources), file=sys.stderr)
        n = len(errs.diagnostics)
        print(f"agentpol: {n} error{'s' if n != 1 else ''}; nothing written", file=sys.stderr)
        if args.command == "check" and args.format != "text":
            _emit_check_output(args, _input_errors(errs, args.format, args.dir))
        return EXIT_INPUT
    except (pipeline.UsageError, artifacts.Collision, tree.OutputError) as exc:
        print(f"agentpol: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # `agentpol explain ... | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return EXIT_OK
    except OSError as exc:  # an output path that cannot be written, a file that vanished
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"agentpol: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except RecursionError:  # e.g. a chain of hundreds of profiles, each using the next
        print("agentpol: error: the program nests too deeply to process", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="agentpol", description=__doc__.splitlines()[0])
    p.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    i = sub.add_parser("init", help="write a small commented starter organisation into DIR")
    i.add_argument("dir", nargs="?", default="policies", type=Path)
    i.set_defaults(run=_init)

    c = sub.add_parser("compile", help="emit least-privilege artifacts for every agent@env")
    c.add_argument("dir", nargs="?", default="policies", type=Path)
    c.add_argument("-o", "--output", default="build", type=Path, metavar="OUT")
    c.add_argument("--target", default=None, help="comma-separated targets (default: all)")
    c.add_argument("--env", default=None, help="emit only this environment")
    _review_args(c)
    c.set_defaults(run=_compile)

    ch = sub.add_parser("check", help="prove no env reaches another protected env's credentials")
    ch.add_argument("dir", nargs="?", default="policies", type=Path)
    _authz_args(ch)
    ch.add_argument("--format", default="text", choices=("text", "json", "sarif", "github"))
    ch.add_argument("--output", default=None, type=Path, metavar="FILE")
    ch.add_argument("--killed", action="append", default=[], type=Path, metavar="OUT",
                    help="output of `agentpol kill` in force: report what it leaves open")
    _review_args(ch)
    ch.add_argument("--base", default=None, metavar="REF",
                    help="git ref whose live grants adopted lock entries must match")
    ch.set_defaults(run=_check)

    g = sub.add_parser("graph", help="the reachability graph, findings' paths in red")
    g.add_argument("dir", nargs="?", default="policies", type=Path)
    g.add_argument("-o", "--output", default=None, type=Path, metavar="FILE.dot|FILE.svg")
    _authz_args(g)
    _review_args(g)
    g.set_defaults(run=_graph)

    e = sub.add_parser("explain", help="effective permissions of an agent, with their sources")
    e.add_argument("who", metavar="AGENT[@ENV]")
    e.add_argument("dir", nargs="?", default="policies", type=Path)
    _review_args(e)
    e.set_defaults(run=_explain)

    k = sub.add_parser("lock", help="record the grants reviewed today in DIR/agentpol.lock")
    k.add_argument("dir", nargs="?", default="policies", type=Path)
    _review_args(k)
    k.add_argument("--adopt", action="store_true",
                   help="record the grants live on --base (default HEAD) as already reviewed "
                        "(done by default for an env whose window is new)")
    k.add_argument("--base", default=None, metavar="REF")
    k.set_defaults(run=_lock)

    f = sub.add_parser("fmt", help="rewrite policy files in canonical form (comments kept)")
    f.add_argument("dir", nargs="?", default="policies", type=Path)
    f.add_argument("--check", action="store_true", help="exit 1 if a file would change")
    f.set_defaults(run=_fmt)

    a = sub.add_parser("authorize", help="replay one gateway request against compiled Cedar "
                                         "policies (exit 0 forwarded, 1 denied or shadow)")
    a.add_argument("out", type=Path, metavar="OUT", help="a compile output directory")
    a.add_argument("--principal", required=True, metavar="AGENT@ENV")
    a.add_argument("--action", required=True, metavar="A",
                   help="access word, API scope or MCP tool name (or a Cedar action uid)")
    a.add_argument("--resource", required=True, metavar="R",
                   help="TYPE.NAME[@ENV] of an api, mcp_server or host (or a Cedar uid)")
    a.add_argument("--context", default="{}", metavar="JSON",
                   help="request context, e.g. '{\"cost_cents\": 5, \"spend_cents_day\": 0}'")
    a.set_defaults(run=_authorize)

    df = sub.add_parser("diff", help="changes of effective permissions, ranked by risk")
    df.add_argument("old", metavar="OLD", help="policy dir, compiled dir, or git ref[:path]")
    df.add_argument("new", metavar="NEW", help="policy dir, compiled dir, or git ref[:path]")
    df.add_argument("--format", default="text", choices=("text", "markdown", "json"))
    df.add_argument("--exit-code", action="store_true", help="exit 1 when anything changed")
    _review_args(df)
    df.set_defaults(run=_diff)

    r = sub.add_parser("report", help="one self-contained HTML page: agents x envs, findings "
                                      "with witness paths, pending grants, budgets")
    r.add_argument("source", metavar="DIR", help="a compiled output directory or policy dir")
    r.add_argument("-o", "--output", default=Path("report.html"), type=Path, metavar="FILE")
    r.add_argument("--policies", default=None, metavar="DIR",
                   help="the policy directory of a compiled DIR, to show check's findings")
    _review_args(r)
    r.set_defaults(run=_report)

    from .live import commands as live
    live.snapshot_parser(sub).set_defaults(run=live.run_snapshot)
    d = live.drift_parser(sub)
    _authz_args(d)
    d.set_defaults(run=live.run_drift)

    kl = sub.add_parser("kill", help="the emergency stop of AGENT@ENV or a whole ENV, at every "
                                     "layer (files and a runbook)")
    kl.add_argument("who", metavar="AGENT@ENV|ENV")
    kl.add_argument("dir", nargs="?", default="policies", type=Path)
    kl.add_argument("-o", "--output", required=True, type=Path, metavar="OUT")
    kl.add_argument("--now", default=None, metavar="TIME",
                    help="revoke sessions issued before this UTC time (ISO 8601; default: now)")
    kl.set_defaults(run=_kill)

    sg = sub.add_parser("suggest", help="least privilege learned from the decision log and "
                                        "CloudTrail: unused grants, out-of-grant calls, a patch")
    sg.add_argument("dir", nargs="?", default="policies", type=Path)
    sg.add_argument("--log", action="append", default=[], type=Path, metavar="FILE",
                    help="gateway decision log, JSON lines, gzip accepted (repeatable)")
    sg.add_argument("--cloudtrail", action="append", default=[], type=Path, metavar="FILE",
                    help="CloudTrail file, {\"Records\": [...]} or JSON lines (repeatable)")
    sg.add_argument("--since", default=None, metavar="DATE", help="start of the period (UTC)")
    sg.add_argument("--until", default=None, metavar="DATE", help="end of the period (UTC)")
    sg.add_argument("--format", default="markdown", choices=("markdown", "json"))
    sg.add_argument("--write", action="store_true", help="apply the patch to the sources")
    _review_args(sg)
    sg.set_defaults(run=_suggest)
    return p


def _authz_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--aws-authz", action="append", default=[], type=Path, metavar="FILE",
                   help="`aws iam get-account-authorization-details` output (repeatable)")


def _review_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--now", default=None, metavar="DATE",
                   help="date for review windows (default: today, or SOURCE_DATE_EPOCH)")


class _Version(argparse.Action):
    """`--version`, looking the version up only when asked (the package metadata takes a
    noticeable part of every other command's start otherwise)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from importlib import metadata
        try:
            version = metadata.version("agentpol")
        except metadata.PackageNotFoundError:  # a source tree that was never installed
            version = "unknown"
        print(f"agentpol {version}")
        parser.exit()


def _init(args) -> int:
    from .init import Refused, init, next_steps
    try:
        written = init(args.dir)
    except Refused as exc:
        raise pipeline.UsageError(str(exc)) from None
    print(f"agentpol: wrote {len(written)} files to {args.dir}; next:\n{next_steps(args.dir)}")
    return EXIT_OK


def _compile(args) -> int:
    model = pipeline.load(args.dir, now=args.now)
    names = pipeline.target_names(args.target)
    if args.env is not None and args.env not in model.environments:
        raise pipeline.UsageError(f"unknown environment {args.env!r}")
    with tree.Tree(args.output) as out:  # kept only if the proof holds
        emission = pipeline.emission(model, names, args.env, out.put, out.spawn)
        everything = args.env is None and names == list(pipeline.targets())
        report = _lock_checked(pipeline.proved(model, emission) if everything
                               else _run_check(model, None, []), args, model)
        if report.findings:
            print(_render(report, "text", sys.stdout.isatty()), end="")
        if report.errors:
            print("agentpol: error findings; nothing written", file=sys.stderr)
            return EXIT_FINDINGS
        emission.finish()
        out.commit()
    print(f"agentpol: wrote {out.count} files to {args.output} "
          f"({len(model.principals)} principals, targets: {', '.join(names) or 'none'})")
    return EXIT_OK


def _render(report, fmt: str, color: bool, policy_dir: Path | None = None) -> str:
    from .report import render as render_report
    from .report.paths import RepoPaths
    paths = RepoPaths.of(policy_dir) if policy_dir is not None else None
    return render_report(report, fmt, color=color and "NO_COLOR" not in os.environ, paths=paths)


def _run_check(model, files, authz_files, killed=()):
    report = pipeline.check(model, files, authz_files, killed)  # bad authz: InputErrors
    for w in report.warnings:
        print(f"agentpol: warning: {w}", file=sys.stderr)
    return report


def _lock_checked(report, args, model):
    from .review import lock_history
    report, note = lock_history.checked(report, args.dir, model, pipeline.today(args.now),
                                        getattr(args, "base", None))
    if note:
        print(note, file=sys.stderr)
    return report


def _check(args) -> int:
    model = pipeline.load(args.dir, now=args.now)
    killed = [key for out in args.killed for key in _kill_record(out)["principals"]]
    report = _lock_checked(_run_check(model, None, args.aws_authz, killed), args, model)
    _emit_check_output(args, _render(report, args.format,
                                     args.output is None and sys.stdout.isatty(), args.dir))
    return EXIT_FINDINGS if report.errors else EXIT_OK


def _input_errors(errs: InputErrors, fmt: str, policy_dir: Path) -> str:
    from .report import render_input_errors
    from .report.paths import RepoPaths
    return render_input_errors(errs.diagnostics, fmt, RepoPaths.of(policy_dir))


def _emit_check_output(args, text: str) -> None:
    """`check`'s report to stdout, or to `--output FILE`."""
    if args.output is None:
        print(text, end="")
    else:
        tree.write_file(args.output, text)


def _graph(args) -> int:
    from .report import dot
    model = pipeline.load(args.dir, now=args.now)
    text = dot.render(_run_check(model, None, args.aws_authz))
    if args.output is None:
        print(text, end="")
        return EXIT_OK
    if args.output.suffix not in (".dot", ".gv", ".svg"):
        raise pipeline.UsageError(f"{args.output}: write .dot (or .gv) or .svg")
    if args.output.suffix == ".svg":
        try:
            text = dot.svg(text)
        except RuntimeError as exc:
            raise pipeline.UsageError(str(exc)) from None
    tree.write_file(args.output, text)
    print(f"agentpol: wrote {args.output}")
    return EXIT_OK


def _explain(args) -> int:
    model = pipeline.load(args.dir, now=args.now)
    agent, _, env = args.who.partition("@")
    for kind, name, known in (("agent", agent, model.program.agents),
                              ("environment", env, model.environments)):
        if name and name not in known:
            raise pipeline.UsageError(f"unknown {kind} {name!r}; declared: {', '.join(known)}")
    chosen = [p for p in model.principals.values()
              if p.agent == agent and (not env or p.env == env)]
    if not chosen:
        raise pipeline.UsageError(f"agent {agent!r} has no `in {env}` block")
    print("\n\n".join(pipeline.explain(p) for p in chosen))
    return EXIT_OK


def _lock(args) -> int:
    model = pipeline.load(args.dir, now=args.now)
    from .review import lock_history
    path = args.dir / lock.LOCK_NAME
    adopt = lock_history.adoptable(args.dir, model, args.base, args.adopt)
    text = lock.render(model, lock.read(path), pipeline.today(args.now), adopt)
    tree.write_file(path, text)
    print(f"agentpol: {path}: {len(lock.lines_to_lock(model))} reviewed grants")
    return EXIT_OK


def _fmt(args) -> int:
    from .fmt import format_directory
    if not args.dir.is_dir():
        raise pipeline.UsageError(f"{args.dir}: not a directory")
    changed = format_directory(args.dir, write=not args.check)
    for path in changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {path}")
    return EXIT_FINDINGS if args.check and changed else EXIT_OK


def _authorize(args) -> int:
    from .evaluate import cedar
    agent, _, env = args.principal.partition("@")
    if not agent or not env:
        raise pipeline.UsageError(f"--principal {args.principal!r}: expected AGENT@ENV")
    try:
        context = json.loads(args.context)
    except json.JSONDecodeError as exc:
        raise pipeline.UsageError(f"--context: not JSON ({exc})") from None
    if not isinstance(context, dict):
        raise pipeline.UsageError("--context: expected a JSON object")
    try:
        policies, entities, schema = cedar.read_compiled(args.out, env)
        resource = cedar.resource_uid_of(entities, args.resource, env)
    except (FileNotFoundError, ValueError) as exc:
        raise pipeline.UsageError(str(exc)) from None
    principal, action = cedar.request_uids(args.principal, args.action)
    result = cedar.authorize(policies, entities, schema, principal, action, resource, context)
    verdict = {"allow": "allow (forwarded)",
               "shadow": "shadow (allowed by shadow permits only: logged, not forwarded)",
               "deny": "deny"}[result.decision]
    print(f"decision: {verdict}")
    print(f"request: {principal} {action} {resource}")
    print("determining policies:" + ("" if result.policies else
                                     " none (no permit applies: denied by default)"))
    for d in result.policies:
        print(f"  [{d.mode}] {d.id}")
    print(f"shadow: {'yes' if result.shadow else 'no'}")
    for err in result.errors:
        print(f"error: {err}")
    return EXIT_OK if result.allowed else EXIT_FINDINGS


def _diff(args) -> int:
    from . import diff
    from .review import render, sides
    try:
        old, new = (sides.load(s, args.now) for s in (args.old, args.new))
    except ValueError as exc:
        raise pipeline.UsageError(str(exc)) from None
    found = diff.changes(old.permissions, new.permissions, old.files, new.files)
    print(render.render(found, args.format, new.report), end="")
    return EXIT_FINDINGS if args.exit_code and found else EXIT_OK


def _kill(args) -> int:
    from agentpol.targets import kill
    model = pipeline.load(args.dir)
    try:
        files = kill.emit(model, args.who, pipeline.instant(args.now))
    except ValueError as exc:
        raise pipeline.UsageError(str(exc)) from None
    files["manifest.json"] = artifacts.manifest(artifacts.digested(files),
                                                dict.fromkeys(files, "kill"), model)
    tree.write_tree(args.output, files)
    print(f"agentpol: wrote {len(files)} files to {args.output}; apply them in the order "
          f"{args.output / 'README.md'} gives")
    return EXIT_OK


def _kill_record(out: Path) -> dict:
    """The `kill.json` of a kill output: which principals it stopped."""
    record = _read_json(out / "kill.json")
    if not isinstance(record, dict) or not isinstance(record.get("principals"), list):
        raise pipeline.UsageError(f"{out / 'kill.json'}: not the record of an agentpol kill")
    return record


def _report(args) -> int:
    from .report import html
    from .review import sides
    try:
        side = sides.load(args.source, args.now)
        report = side.report or (sides.load(args.policies, args.now).report
                                 if args.policies else None)
    except ValueError as exc:
        raise pipeline.UsageError(str(exc)) from None
    tree.write_file(args.output, html.render(side.permissions, report))
    print(f"agentpol: wrote {args.output}")
    return EXIT_OK


def _suggest(args) -> int:
    from .suggest import cli as suggest_cli
    return suggest_cli.run(args, pipeline.load(args.dir, now=args.now), pipeline.today(args.now))


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise pipeline.UsageError(f"{path}: {exc}") from None
