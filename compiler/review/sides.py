"""One side of `agentpol diff`: a policy directory, a compiled output directory, or a git ref,
reduced to what a reviewer compares (permissions.txt, the compiled files, the check verdict)."""
from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Side:
    permissions: str
    files: dict[str, str]
    report: object | None  # check.Report of a source side; None for a compiled directory
    adopted: frozenset[str] = frozenset()  # grant lines its lock marks `adopted`


def load(spec: str, now: str | None, cwd: Path | None = None, full: bool = True) -> Side:
    """A directory (source or compiled), else `REF[:PATH]` of the git repository at `cwd`.
    Without `full`, a source side is only its permissions and lock (no files, no check)."""
    path = Path(spec)
    if path.is_dir():
        if (path / "permissions.txt").is_file():
            return _compiled(path)
        return _source(path, now, full)
    ref, _, sub = spec.partition(":")
    with tempfile.TemporaryDirectory() as tmp:
        _extract(ref, sub or "policies", Path(tmp), cwd)
        return _source(Path(tmp) / (sub or "policies"), now, full)


def _source(directory: Path, now: str | None, full: bool) -> Side:
    from agentpol import artifacts, lock, pipeline
    from agentpol.permissions import permissions
    model = pipeline.load(directory, now=now)
    adopted = frozenset(r.grant for r in lock.rows(directory / lock.LOCK_NAME) if r.date is None)
    if not full:
        return Side(permissions(model), {}, None, adopted)
    table = pipeline.targets()
    files = artifacts.build(model, table, list(table))
    return Side(files["permissions.txt"], files, pipeline.check(model, files), adopted)


def _compiled(out: Path) -> Side:
    files = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8", errors="replace")
             for p in sorted(out.rglob("*")) if p.is_file()}
    return Side(files["permissions.txt"], files, None)


def _extract(ref: str, sub: str, into: Path, cwd: Path | None) -> None:
    try:
        tar = subprocess.run(["git", "archive", "--format=tar", ref, sub], check=True,
                             capture_output=True, cwd=cwd).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        err = getattr(exc, "stderr", b"") or b""
        raise ValueError(f"{ref}:{sub}: not a directory or a git ref "
                         f"({err.decode(errors='replace').strip() or exc})") from None
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(into, filter="data")
