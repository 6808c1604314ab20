"""Stage 4 driver: run the registered targets, add shadow copies, the manifest and
permissions.txt (the tree is written by `agentpol.tree`, as each target finishes).
"""
from __future__ import annotations

import hashlib
from json.encoder import encode_basestring_ascii
from dataclasses import replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .out_readme import readme
from .permissions import permissions
from .model import Model, Principal

Emit = Callable[[Model], Mapping[str, str]]
Sink = Callable[[Mapping[str, str]], None]


class Collision(Exception):
    """Two targets emitted the same path: a target bug, never silently resolved."""


def build(model: Model, targets: Mapping[str, Emit], names: Sequence[str],
          env: str | None = None, sink: Sink | None = None,
          keep: Callable[[str], bool] | None = None) -> dict[str, str]:
    """Every output file, path -> text. Shadow principals' and pending grants' artifacts go
    under `shadow/` exactly as they would be written if they were live. `sink` is handed each
    target's files as soon as they are known, then the driver's own three; with `keep`, only
    the files it accepts (and those three) stay in the mapping returned: compile holds what
    the proof reads, not every file's text (half a gigabyte at 5,000 agents)."""
    files: dict[str, str] = {}
    digests: dict[str, str] = {}  # every file, in the order written: path -> sha256
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
        if env is not None:
            out = {p: t for p, t in out.items() if _env_of(p) in (env, None)}
        digests.update(digested(out))
        if sink is not None:
            sink(out)
        files.update(out if keep is None else {p: t for p, t in out.items() if keep(p)})
    own = {"permissions.txt": permissions(model, env),
           "README.md": readme([*digests, "permissions.txt", "manifest.json"])}
    digests.update(digested(own))
    own["manifest.json"] = manifest(digests, origin, model)
    if sink is not None:
        sink(own)
    files.update(own)
    return dict(sorted(files.items()))


def digested(files: Mapping[str, str]) -> dict[str, str]:
    """path -> the sha256 of its text (UTF-8), as the manifest lists it."""
    return {path: hashlib.sha256(text.encode("utf-8")).hexdigest()
            for path, text in files.items()}


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


def manifest(digests: Mapping[str, str], origin: Mapping[str, str], model: Model) -> str:
    """Every file with the target that wrote it, its env and agent (when it is one
    principal's), whether it is a shadow preview, and its sha256: `{"files": [...]}` as
    two-space JSON with sorted keys, written entry by entry (at 5,000 agents the entries as
    dicts would cost 100 MB more at compile's peak)."""
    entries = []
    for path in sorted(digests):
        parts = path.split("/")
        shadow = parts[0] == "shadow"
        core = parts[1:] if shadow else parts
        env = core[1] if len(core) > 2 else None
        agent = core[2] if len(core) > 3 and f"{core[2]}@{env}" in model.principals else None
        entries.append(_ENTRY.format(_json(agent), _json(env), _json(path), digests[path],
                                     "true" if shadow else "false", _json(origin.get(path))))
    return '{\n  "files": [' + ",".join(entries) + ("\n  ]\n}\n" if entries else ']\n}\n')


_ENTRY = ('\n    {{\n      "agent": {},\n      "env": {},\n      "path": {},\n      "sha256": "{}",'
          '\n      "shadow": {},\n      "target": {}\n    }}')


def _json(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)
