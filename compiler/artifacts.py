"""Stage 4 driver: run the registered targets, add shadow copies, the manifest and
permissions.txt, and write the whole tree atomically.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .out_readme import readme
from .permissions import permissions
from .model import Model, Principal
from .serialise import dumps

Emit = Callable[[Model], Mapping[str, str]]


class Collision(Exception):
    """Two targets emitted the same path: a target bug, never silently resolved."""


def build(model: Model, targets: Mapping[str, Emit], names: Sequence[str],
          env: str | None = None) -> dict[str, str]:
    """Every output file, path -> text. Shadow principals' and pending grants' artifacts go
    under `shadow/` exactly as they would be written if they were live."""
    files: dict[str, str] = {}
    origin: dict[str, str] = {}  # path -> the target that wrote it
    held = {k for k, p in model.principals.items() if p.shadow or _has_pending(p)}
    preview = _as_live(model) if held else None
    for name in names:
        emit = targets[name]
        out = dict(emit(model))
        if preview is not None:
            for path, text in emit(preview).items():
                parts = path.split("/")
                if len(parts) > 3 and f"{parts[2]}@{parts[1]}" in held:
                    out[f"shadow/{path}"] = text
        for path in out:
            if path in origin:
                raise Collision(f"{path} is written by both the {origin[path]} and the {name} "
                                "target")
            origin[path] = name
        files.update(out)
    if env is not None:
        files = {p: t for p, t in files.items() if _env_of(p) in (env, None)}
    files["permissions.txt"] = permissions(model, env)
    files["README.md"] = readme([*files, "manifest.json"])
    files["manifest.json"] = manifest(files, origin, model)
    return dict(sorted(files.items()))


def _has_pending(p: Principal) -> bool:
    return any(g.pending for g in p.grants) or any(e.pending for e in p.egress)


def _as_live(model: Model) -> Model:
    """The model as it would be once every shadow principal and pending grant went live."""
    live = {k: replace(p, mode="enforce",
                       grants=tuple(replace(g, pending=False) for g in p.grants),
                       egress=tuple(replace(e, pending=False) for e in p.egress))
            for k, p in model.principals.items()}
    return replace(model, principals=live)


def _env_of(path: str) -> str | None:
    parts = path.split("/")
    if parts[0] == "shadow":
        parts = parts[1:]
    return parts[1] if len(parts) > 2 else None


def manifest(files: Mapping[str, str], origin: Mapping[str, str], model: Model) -> str:
    """Every file with the target that wrote it, its env and agent (when it is one
    principal's), whether it is a shadow preview, and its sha256."""
    entries = []
    for path, text in sorted(files.items()):
        parts = path.split("/")
        shadow = parts[0] == "shadow"
        core = parts[1:] if shadow else parts
        env = core[1] if len(core) > 2 else None
        agent = core[2] if len(core) > 3 and f"{core[2]}@{env}" in model.principals else None
        entries.append({
            "path": path,
            "target": origin.get(path),
            "env": env,
            "agent": agent,
            "shadow": shadow,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        })
    return dumps({"files": entries}, sort_keys=True) + "\n"


class OutputError(Exception):
    """The output path is not something compile may replace."""


def write_tree(out: Path, files: Mapping[str, str]) -> None:
    """Write into a temp dir beside `out`, then swap it in: a failure leaves `out` as it was.

    Only an empty directory or an earlier agentpol output (it has manifest.json) is replaced,
    so `-o .` or `-o policies` can never wipe a project."""
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise OutputError(f"{out}: not empty and not an agentpol output (no manifest.json); "
                          "refusing to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()  # respects the umask, unlike mkdtemp's 0700
    try:
        for rel, text in files.items():
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
        try:
            tmp.rename(out)
        except BaseException:
            if old is not None:
                old.rename(out)  # put the previous output back
            raise
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_file(path: Path, text: str) -> None:
    """Replace one file atomically (temp file in the same directory, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
