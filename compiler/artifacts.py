"""Stage 4 driver: run the registered targets, add shadow copies, the manifest and
permissions.txt (the tree is written by `agentpol.tree`, as each target finishes).
"""
from __future__ import annotations

import hashlib
from json.encoder import encode_basestring_ascii
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Collection, Mapping, Sequence

from . import allocator
from .out_readme import counted, readme_of
from .permissions import permissions
from .model import Model, Principal

Emit = Callable[[Model], Mapping[str, str]]
Sink = Callable[[Mapping[str, str]], None]
Measure = Callable[[str, Mapping[str, str]], list]  # (target, its files) -> findings


class Collision(Exception):
    """Two targets emitted the same path: a target bug, never silently resolved."""


def build(model: Model, targets: Mapping[str, Emit], names: Sequence[str],
          env: str | None = None, sink: Sink | None = None,
          keep: Callable[[str], bool] | None = None) -> dict[str, str]:
    """Every output file, path -> text (see `Emission`), emitted here, in order."""
    return Emission(model, targets, names, env, sink, keep).finish()


class Emission:
    """The targets' files, emitted as the object is made. Shadow principals' and pending
    grants' artifacts go under `shadow/` exactly as they would be written if they were live.
    `sink` is handed each target's files as soon as they are known, then the driver's own three
    (permissions.txt, README.md, manifest.json); with `keep`, only the files it accepts stay in
    memory: compile holds what the proof reads, not every file's text (half a gigabyte at 5,000
    agents). With `spawn` (`Tree.spawn`), the targets named in `aside` are emitted by a forked
    process whose sink writes their files itself, and writes permissions.txt (it depends on the
    model alone), while this one emits the rest: `files` holds this process's kept files as soon
    as the object exists, and `finish` waits for the others. `measure(target, files)`
    (compile's quota) is applied to each target's files as soon as they are emitted, where they
    are emitted, so no text is held for it: a forked part sends back its measure, not its texts,
    and `measured` gathers both."""

    def __init__(self, model: Model, targets: Mapping[str, Emit], names: Sequence[str],
                 env: str | None = None, sink: Sink | None = None,
                 keep: Callable[[str], bool] | None = None,
                 spawn: Callable[[Callable[[], _Aside]], Callable[[], _Aside]] | None = None,
                 aside: Collection[str] = (),
                 measure: Measure | None = None) -> None:
        self.model, self.env, self.sink = model, env, sink
        self._measuring = measure is not None
        held = {k for k, p in model.principals.items() if p.shadow or _has_pending(p)}
        preview = _as_live(model) if held else None  # once, before a fork: both parts read it
        run = _Runner(model, targets, held, preview, env, sink, keep, measure)
        later = [n for n in names if n in aside] if spawn is not None else []
        self._join = (spawn(lambda: _aside(run, later)) if spawn is not None and later
                      else None)
        self._rest: _Aside | None = None
        self._part = run.part([n for n in names if n not in later])
        self.files = self._part.files

    def measured(self) -> list:
        """`measure` of this process's targets, then of the forked part's (waiting for it)."""
        assert self._measuring, "an Emission made without `measure`"
        return self._part.measured + (self._joined().part.measured if self._join is not None
                                      else [])

    def finish(self) -> dict[str, str]:
        """Every file kept, once every target is done, with the driver's own three."""
        if self._join is None:
            parts, listing = [self._part], permissions(self.model, self.env)
        else:
            rest = self._joined()
            parts, listing = [self._part, rest.part], rest.listing
        origin: dict[str, str] = {}
        entries: dict[str, str] = {}
        counts = counted(["permissions.txt", "manifest.json"])
        files: dict[str, str] = {}
        for part in parts:
            for path, name in part.origin.items():
                _claim(origin, path, name)
            entries.update(part.entries)
            for kind, n in part.counts.items():
                counts[kind] = counts.get(kind, 0) + n
            files.update(part.files)
        own = {"permissions.txt": listing, "README.md": readme_of(counts)}
        entries.update(_entries(digested(own), {}, self.model))
        own["manifest.json"] = _manifest_text(entries)
        if self.sink is not None:
            self.sink(own)
        files.update(own)
        return dict(sorted(files.items()))

    def _joined(self) -> _Aside:
        assert self._join is not None
        if self._rest is None:
            self._rest = self._join()
        return self._rest


@dataclass
class _Part:
    """What emitting some of the targets left: each file's target and manifest entry, how many
    files of each kind (the README's), the texts kept and the targets' measure. Worked out where
    the files were emitted, in both processes at once: what comes back from a forked one is
    small (no text, unless it was told to keep some)."""
    origin: dict[str, str]
    entries: dict[str, str]
    counts: dict[str, int]
    files: dict[str, str]
    measured: list


@dataclass
class _Runner:
    model: Model
    targets: Mapping[str, Emit]
    held: set[str]
    preview: Model | None  # the model with every held principal live
    env: str | None
    sink: Sink | None
    keep: Callable[[str], bool] | None
    measure: Measure | None

    def part(self, names: Sequence[str]) -> _Part:
        done = _Part({}, {}, {}, {}, [])
        for name in names:
            emit = self.targets[name]
            out = dict(emit(self.model))
            if self.preview is not None:
                for path, text in emit(self.preview).items():
                    parts = path.split("/")
                    if len(parts) > 3 and f"{parts[2]}@{parts[1]}" in self.held:
                        out[f"shadow/{path}"] = text
            for path in out:
                _claim(done.origin, path, name)
            if self.env is not None:
                out = {p: t for p, t in out.items() if _env_of(p) in (self.env, None)}
            done.entries.update(_entries(digested(out), done.origin, self.model))
            for kind, n in counted(out).items():
                done.counts[kind] = done.counts.get(kind, 0) + n
            if self.sink is not None:
                self.sink(out)
            if self.measure is not None:
                done.measured.extend(self.measure(name, out))
            done.files.update(out if self.keep is None
                              else {p: t for p, t in out.items() if self.keep(p)})
            del out
            allocator.trim()  # the target's texts are gone: their pages too
        return done


@dataclass
class _Aside:
    """What the forked process sends back: its part (with its measure) and permissions.txt."""
    part: _Part
    listing: str


def _aside(run: _Runner, names: Sequence[str]) -> _Aside:
    """The forked process's work: its targets, then permissions.txt."""
    return _Aside(run.part(names), permissions(run.model, run.env))


def _claim(origin: dict[str, str], path: str, name: str) -> None:
    if path in origin:
        raise Collision(f"{path} is written by both the {origin[path]} and the {name} target")
    origin[path] = name


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
    return _manifest_text(_entries(digests, origin, model))


def _entries(digests: Mapping[str, str], origin: Mapping[str, str], model: Model
             ) -> dict[str, str]:
    """path -> its entry in the manifest's list."""
    entries = {}
    for path, digest in digests.items():
        parts = path.split("/")
        shadow = parts[0] == "shadow"
        core = parts[1:] if shadow else parts
        env = core[1] if len(core) > 2 else None
        agent = core[2] if len(core) > 3 and f"{core[2]}@{env}" in model.principals else None
        entries[path] = _ENTRY.format(_json(agent), _json(env), _json(path), digest,
                                      "true" if shadow else "false", _json(origin.get(path)))
    return entries


def _manifest_text(entries: Mapping[str, str]) -> str:
    return ('{\n  "files": [' + ",".join(entries[path] for path in sorted(entries))
            + ("\n  ]\n}\n" if entries else ']\n}\n'))


_ENTRY = ('\n    {{\n      "agent": {},\n      "env": {},\n      "path": {},\n      "sha256": "{}",'
          '\n      "shadow": {},\n      "target": {}\n    }}')


def _json(value: str | None) -> str:
    return "null" if value is None else encode_basestring_ascii(value)
