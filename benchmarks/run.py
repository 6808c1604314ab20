"""The speed goals, measured: compile + check of generated organisations, and `check` of the
repository's policies against generated accounts of K roles, side by side with cloudsplaining.

    python benchmarks/run.py            # N = 100, 1,000, 5,000 agents; K = 780 ... 10,000 roles
    python benchmarks/run.py --quick    # N = 100, K = 780, once: under a minute
    python benchmarks/run.py --peer     # also `cloudsplaining scan` on the same authz files

Every measurement runs in a child process, so its peak memory is its own. Times are medians of
`--repeat` runs: wall clock, and CPU (user + system), which a machine shared with other work
disturbs less. Ratios against the peer are taken in the same run. Nothing here is asserted:
docs/performance.md records the figures and what they are compared with.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
POLICIES = HERE.parent / "policies"
#: The accounts of the repository's dev and staging envs: the generated roles live there.
ACCOUNTS = ["111111111111", "333333333333"]


Run = tuple[float, float, int, str, int]  # wall s, CPU s, peak RSS MiB, stdout, summed PSS MiB


def _child(argv: list[str], ok: tuple[int, ...] = (0, 1), sample: bool = False) -> Run:
    """Run a command: (wall seconds, CPU seconds, peak memory in MiB, stdout, and with `sample`
    the peak of its processes' summed proportional set size, read every 50 ms: compile's two
    processes share pages, so their own peaks overstate what they take together). `ok`: the
    exit codes that are not a failure (agentpol's 1 says it found something)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True)
        both = _sampled_pss(proc) if sample else 0
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(argv[:4])} ... failed ({proc.returncode}):\n"
                             f"{err.read()[-2000:]}")
        # Linux reports ru_maxrss in KiB
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, out.read(), both


def _sampled_pss(proc: subprocess.Popen) -> int:
    """The peak, in MiB, of the summed Pss of `proc` and its descendants until it exits (left
    a zombie for `wait4` to read its usage)."""
    peak = 0
    while os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        total = 0
        for pid in _tree(proc.pid):
            try:
                with open(f"/proc/{pid}/smaps_rollup") as f:
                    total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            except (OSError, StopIteration):
                pass  # gone meanwhile
        peak = max(peak, total)
        time.sleep(0.05)
    return peak // 1024


def _tree(pid: int) -> list[int]:
    out = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    out += _tree(int(child))
    except OSError:
        pass
    return out


def _median(runs: list[Run]) -> tuple[float, float, int, int]:
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
            max(r[2] for r in runs), max(r[4] for r in runs))


# --- compile + check of a generated organisation ----------------------------------------


def compile_once(agents: int, envs: int, resources: int, seed: int, out_dir: str | None) -> None:
    """In the child: what `agentpol compile` does, stage by stage (`emit` is this process's
    targets, network, cedar and audit, while a forked one emits and writes `pipeline.ASIDE`'s; `check`
    is the proof, run meanwhile; `finish` waits for the forked one and writes the README and
    manifest; `write` is the swap; CPU is both processes', peak memory each one's own),
    then the floor: the same bytes written raw into a fresh directory of the same file
    system (peak memory is taken before it). One JSON line on stdout."""
    import resource

    def usage() -> float:  # the compiler's CPU and its forked emitter's
        return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, (
            resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))

    stages: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory(dir=out_dir) as o:
        src = _write_organisation(Path(d), envs, agents, resources, seed)
        cpu0 = usage()
        t = start = time.perf_counter()

        def lap(label: str) -> None:
            nonlocal t
            now = time.perf_counter()
            stages[label] = now - t
            t = now

        from agentpol import collector, pipeline, tree
        from agentpol.expand import expand
        from agentpol.lower import lower
        from agentpol.parse import parse_directory
        from agentpol.resolve import resolve
        lap("import")
        collector.tune()  # as the console script does
        with collector.paused():  # as `pipeline.load` does
            files, _ = parse_directory(src)
            lap("parse")
            program = resolve(files)
            lap("resolve")
            model = expand(program)
            lap("expand")
            model = lower(model)
            lap("lower")
        names = list(pipeline.targets())
        with tree.Tree(Path(o, "out")) as out:
            emission = pipeline.emission(model, names, None, out.put, out.spawn)
            lap("emit")
            report = pipeline.proved(model, emission)
            lap("check")
            emission.finish()
            lap("finish")
            out.commit()
            lap("write")
        total, cpu = time.perf_counter() - start, usage() - cpu0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        forked = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        written = {str(f.relative_to(o, "out")): f.read_text(encoding="utf-8")
                   for f in Path(o, "out").rglob("*") if f.is_file()}
        floor = _raw_write(Path(o, "raw"), written)
    print(json.dumps({"stages": stages, "total": total, "cpu": cpu, "floor": floor,
                      "principals": len(model.principals), "files": len(written),
                      "errors": sorted({f.rule for f in report.errors}),
                      "peak_mib": peak, "forked_mib": forked}))


def _write_organisation(directory: Path, envs: int, agents: int, resources: int,
                        seed: int) -> Path:
    """The generated organisation's files under DIRECTORY/policies, which is returned."""
    from generate import organisation
    src = directory / "policies"
    src.mkdir()
    for name, text in organisation(envs, agents, resources, seed).items():
        (src / name).write_text(text, encoding="utf-8")
    return src


def _raw_write(root: Path, files: dict[str, str]) -> float:
    """Seconds to write `files` with nothing but the system calls (one mkdir per directory,
    open, write, close): what any compiler writing this tree pays on this file system."""
    data = [(str(root / path), text.encode("utf-8")) for path, text in files.items()]
    start = time.perf_counter()
    made: set[str] = set()
    for path, raw in data:
        parent = os.path.dirname(path)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.write(fd, raw)
        os.close(fd)
    return time.perf_counter() - start


def bench_compile(sizes: list[int], args) -> None:
    where = args.out_dir or tempfile.gettempdir()
    print(f"\n## compile + check: N agents x {args.envs} envs, {args.resources} resources, "
          f"output in {where} (median of {args.repeat}; stage times are wall; the floor is "
          "the same bytes written raw on the same file system, not part of the total)")
    print("| agents | principals | files | import | parse | resolve | expand | lower | emit | "
          "check | finish | write | total wall | total CPU | floor | peak MiB | forked MiB | "
          "errors |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        argv = [sys.executable, __file__, "--compile-once", str(n), "--envs", str(args.envs),
                "--resources", str(args.resources), "--seed", str(args.seed)]
        if args.out_dir:
            argv += ["--out-dir", args.out_dir]
        docs = [json.loads(_child(argv)[3]) for _ in range(args.repeat)]
        stage = {k: statistics.median(d["stages"][k] for d in docs) for k in docs[0]["stages"]}
        med = {k: statistics.median(d[k] for d in docs) for k in ("total", "cpu", "floor")}
        d = docs[0]
        print(f"| {n:,} | {d['principals']:,} | {d['files']:,} | "
              + " | ".join(f"{stage[k]:.2f}" for k in ("import", "parse", "resolve", "expand",
                                                        "lower", "emit", "check", "finish",
                                                        "write"))
              + f" | {med['total']:.2f} | {med['cpu']:.2f} | {med['floor']:.2f} | "
              f"{max(x['peak_mib'] for x in docs)} | {max(x['forked_mib'] for x in docs)} | "
              f"{', '.join(d['errors']) or 'none'} |",
              flush=True)
    print(f"\n`agentpol compile` itself, end to end (the console script in a fresh process, "
          f"median of {args.repeat}): into a new output directory, and again over that output "
          "(replacing it, as in CI where the output is committed)")
    print("| agents | new: wall | new: CPU | peak MiB | both processes: peak PSS MiB | "
          "again: wall | again: CPU |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory(dir=where) as o:
            src = _write_organisation(Path(d), args.envs, n, args.resources, args.seed)
            cli = [sys.executable, "-m", "agentpol", "compile", str(src), "-o"]
            new = _median([_child(cli + [str(Path(o, str(i)))], sample=True)
                           for i in range(args.repeat)])
            again = _median([_child(cli + [str(Path(o, "0"))]) for _ in range(args.repeat)])
        print(f"| {n:,} | {new[0]:.2f} | {new[1]:.2f} | {new[2]} | {new[3]} | {again[0]:.2f} | "
              f"{again[1]:.2f} |", flush=True)


# --- check against an account's roles, and the peer -------------------------------------


def bench_authz(sizes: list[int], args) -> None:
    from generate import write_authz

    peer = _peer_exe() if args.peer else None
    if args.peer and peer is None:
        print("\n(cloudsplaining is not installed: pip install '.[benchmarks]'; no peer figures)")
    print(f"\n## check of the repository's policies with K generated roles (+ 44/78 K users) in "
          f"its dev and staging accounts (median of {args.repeat})")
    head = "| roles | users | agentpol wall | agentpol CPU | peak MiB |"
    if peer:
        head += " cloudsplaining wall | cloudsplaining CPU | ratio wall | ratio CPU |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    first = None
    for k in sizes:
        with tempfile.TemporaryDirectory() as d:
            paths = write_authz(Path(d), ACCOUNTS, k, args.seed)
            argv = [sys.executable, "-m", "agentpol", "check", str(POLICIES)]
            for p in paths:
                argv += ["--aws-authz", str(p)]
            ours = _median([_child(argv) for _ in range(args.repeat)])
            row = f"| {k:,} | {round(k * 44 / 78):,} | {ours[0]:.2f} | {ours[1]:.2f} | {ours[2]} |"
            if peer:
                theirs = _median([_peer(peer, paths, Path(d)) for _ in range(args.repeat)])
                row += (f" {theirs[0]:.2f} | {theirs[1]:.2f} | {theirs[0] / ours[0]:.1f}x | "
                        f"{theirs[1] / ours[1]:.1f}x |")
            print(row, flush=True)
            first = first or (k, ours)
            last = (k, ours)
    if first and last[0] != first[0]:
        print(f"\ngrowth from {first[0]:,} to {last[0]:,} roles ({last[0] / first[0]:.0f}x): "
              f"wall {last[1][0] / first[1][0]:.1f}x, CPU {last[1][1] / first[1][1]:.1f}x")


def _peer_exe() -> str | None:
    """cloudsplaining on PATH, or beside this interpreter (a virtualenv run without activating
    it, as `.ci/run` and the README do)."""
    beside = Path(sys.executable).parent / "cloudsplaining"
    return shutil.which("cloudsplaining") or (str(beside) if beside.is_file() else None)


def _peer(exe: str, paths: list[Path], workdir: Path) -> Run:
    """`cloudsplaining scan` of every authz file, one after the other: summed."""
    wall = cpu = 0.0
    peak = 0
    for p in paths:
        out = workdir / f"cs-{p.stem}"
        out.mkdir(exist_ok=True)
        run = _child([exe, "scan", "--input-file", str(p), "--output", str(out),
                      "--skip-open-report"], ok=(0,))
        wall, cpu, peak = wall + run[0], cpu + run[1], max(peak, run[2])
    return wall, cpu, peak, "", 0


def _bytecode() -> None:
    """Compile agentpol's modules to bytecode first, as installing its wheel does: where the
    environment says not to write any (PYTHONDONTWRITEBYTECODE), every run would otherwise
    compile them all from source, a fifth of a second counted against each command."""
    import compileall
    for package in ("agentpol", "agentpol.targets"):  # two source trees (pyproject's layout)
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(location, quiet=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 100, K = 780, once")
    ap.add_argument("--peer", action="store_true", help="also run cloudsplaining scan")
    ap.add_argument("--agents", type=int, nargs="*", default=[100, 1000, 5000])
    ap.add_argument("--roles", type=int, nargs="*", default=[780, 1000, 7800, 10000])
    ap.add_argument("--envs", type=int, default=3)
    ap.add_argument("--resources", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--out-dir", help="where compile writes its output (default: the temp "
                    "dir; a tmpfs such as /dev/shm takes the disk out of the figures)")
    ap.add_argument("--compile-once", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    if args.compile_once is not None:
        compile_once(args.compile_once, args.envs, args.resources, args.seed, args.out_dir)
        return
    if args.quick:
        args.agents, args.roles, args.repeat = [100], [780], 1
    _bytecode()
    print(f"# agentpol benchmarks (seed {args.seed}; {os.cpu_count()} CPUs; "
          f"python {sys.version.split()[0]})")
    if args.agents:
        bench_compile(args.agents, args)
    if args.roles:
        bench_authz(args.roles, args)


if __name__ == "__main__":
    main()
