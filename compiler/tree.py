"""The output tree, written atomically and, where the system can fork, by a second process.

Compiling 1,000 agents writes some 36,000 files; creating them is mostly time in the kernel. A
writer process forked when the tree is opened receives each target's files through a pipe as
soon as they are known and creates them on the other core while the compiler goes on emitting
and checking (a thread would contend for the interpreter lock at every system call). Files go to
a temp dir beside the output; `commit` swaps it in, and anything else (an error finding, an
exception) removes it, so a failed compile never leaves half an output and never touches the
previous one. Without `os.fork` the files are written as they are put.
"""
from __future__ import annotations

import gc
import os
import pickle
import shutil
import struct
import tempfile
import uuid
from pathlib import Path
from typing import Iterable, Mapping

_LENGTH = struct.Struct("<Q")
#: Characters per message to the writer: a target's whole output pickled at once would be
#: another copy of it (190 MB of AWS policies at 5,000 agents).
CHUNK = 1 << 23


class OutputError(Exception):
    """The output path is not something compile may replace."""


class Tree:
    """`with Tree(out) as tree: tree.put(files); ...; tree.commit()`."""

    def __init__(self, out: Path, background: bool = hasattr(os, "fork")) -> None:
        self.out = _replaceable(out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.out.with_name(f".{self.out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        self.tmp.mkdir()  # respects the umask, unlike mkdtemp's 0700
        self._open = True
        self._failed: BaseException | None = None
        self.count = 0  # files put
        self._made: set[str] = set()  # directories made, when writing in this process
        self._writer: tuple[int, int, int] | None = None  # pid, batches out, outcome in
        if background:
            self._writer = _fork_writer(self.tmp)

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._open:
            self.abort()

    def put(self, files: Mapping[str, str]) -> None:
        """Write these files (paths relative to the output): handed to the writer process in
        messages of about CHUNK characters."""
        self.count += len(files)
        if self._failed is not None:
            return
        if self._writer is None:
            try:
                _write_batch(str(self.tmp), files.items(), self._made)
            except OSError as exc:
                self._failed = exc
            return
        batch: list[tuple[str, str]] = []
        size = 0
        for item in files.items():
            batch.append(item)
            size += len(item[1])
            if size >= CHUNK:
                self._message(batch)
                batch, size = [], 0
        if batch:
            self._message(batch)

    def _message(self, batch: list[tuple[str, str]]) -> None:
        assert self._writer is not None
        data = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _send(self._writer[1], _LENGTH.pack(len(data)) + data)
        except BrokenPipeError:  # the writer stopped: commit reports why
            pass

    def commit(self) -> None:
        """Wait for every file, then swap the tree in place of the output."""
        self._finish()
        if self._failed is not None:
            self.abort()
            raise self._failed
        old = None
        if self.out.exists():
            old = self.out.with_name(f".{self.out.name}.old-{os.getpid()}")
            self.out.rename(old)
        try:
            self.tmp.rename(self.out)
        except BaseException:
            if old is not None:
                old.rename(self.out)  # put the previous output back
            self.abort()
            raise
        self._open = False
        if old is not None:
            shutil.rmtree(old)

    def abort(self) -> None:
        """Drop everything written so far; the output stays as it was."""
        self._finish()
        self._open = False
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _finish(self) -> None:
        """Close the pipe and wait for the writer's outcome: nothing, or its exception."""
        if self._writer is None:
            return
        pid, out, outcome = self._writer
        self._writer = None
        os.close(out)
        with os.fdopen(outcome, "rb") as f:
            report = f.read()
        _, status = os.waitpid(pid, 0)
        if self._failed is None and report:
            self._failed = pickle.loads(report)
        elif self._failed is None and status:
            self._failed = OSError(f"the output writer stopped (wait status {status})")


def _fork_writer(root: Path) -> tuple[int, int, int]:
    """A child that reads length-prefixed pickled batches until the pipe closes, writes them
    under `root`, and sends back nothing, or the exception that stopped it."""
    import fcntl  # POSIX, as fork is

    batches_r, batches_w = os.pipe()
    outcome_r, outcome_w = os.pipe()
    if hasattr(fcntl, "F_SETPIPE_SZ"):  # Linux: a megabyte per write, not 64 KiB
        try:
            fcntl.fcntl(batches_w, fcntl.F_SETPIPE_SZ, 1 << 20)
        except OSError:  # above /proc/sys/fs/pipe-max-size: keep the default
            pass
    pid = os.fork()
    if pid:
        os.close(batches_r)
        os.close(outcome_w)
        return pid, batches_w, outcome_r
    # the writer: touch nothing of the parent's objects (no collection walking them either,
    # which would copy every page of the compiled model)
    gc.disable()
    for low, high in ((3, min(batches_r, outcome_w)), (min(batches_r, outcome_w) + 1,
                                                       max(batches_r, outcome_w)),
                      (max(batches_r, outcome_w) + 1, os.sysconf("SC_OPEN_MAX"))):
        os.closerange(low, high)  # another tree's pipe too: its writer must see its end close
    status = 0
    try:
        made: set[str] = set()
        with os.fdopen(batches_r, "rb") as src:
            while head := src.read(_LENGTH.size):
                _write_batch(str(root), pickle.loads(src.read(_LENGTH.unpack(head)[0])), made)
    except BaseException as exc:  # reported by commit, in the parent
        status = 1
        try:
            _send(outcome_w, pickle.dumps(exc))
        except BaseException:
            pass
    finally:
        os._exit(status)  # no atexit handlers, no flushing the parent's buffers


def _send(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_batch(root: str, batch: Iterable[tuple[str, str]], made: set[str]) -> None:
    for rel, text in batch:
        path = os.path.join(root, rel)
        parent = os.path.dirname(path)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            _send(fd, text.encode("utf-8"))
        finally:
            os.close(fd)


def _replaceable(out: Path) -> Path:
    """Only an empty directory or an earlier agentpol output (it has manifest.json) is
    replaced, so `-o .` or `-o policies` can never wipe a project."""
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise OutputError(f"{out}: not empty and not an agentpol output (no manifest.json); "
                          "refusing to replace it")
    return out


def write_tree(out: Path, files: Mapping[str, str]) -> None:
    """Write `files` as the whole output at once."""
    with Tree(out) as tree:
        tree.put(files)
        tree.commit()


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
