"""The output tree, written atomically, by the compiler and by the processes it forks.

Files go to a temp dir beside the output as they are put; `commit` swaps it in, and anything
else (an error finding, an exception) removes it, so a failed compile never leaves half an
output and never touches the previous one. Compiling 1,000 agents writes some 36,000 files:
`spawn` runs part of the work in a forked process (on the other core) whose puts write into the
same temp dir directly, so no file's text crosses a pipe; only the work's result comes back.
"""
from __future__ import annotations

import gc
import os
import pickle
import shutil
import signal
import tempfile
import uuid
from pathlib import Path
from typing import Callable, Iterable, Mapping, TypeVar

T = TypeVar("T")
_FORK = hasattr(os, "fork")


class OutputError(Exception):
    """The output path is not something compile may replace."""


class Tree:
    """`with Tree(out) as tree: tree.put(files); ...; tree.commit()`."""

    def __init__(self, out: Path) -> None:
        self.out = _replaceable(out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.out.with_name(f".{self.out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        self.tmp.mkdir()  # respects the umask, unlike mkdtemp's 0700
        self._open = True
        self._failed: BaseException | None = None
        self.count = 0  # files put, here and in spawned processes
        self._made: set[str] = set()  # directories made
        self._children: dict[int, int] = {}  # spawned processes not yet joined -> their pipe

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._open:
            self.abort()

    def put(self, files: Mapping[str, str]) -> None:
        """Write these files (paths relative to the output); a failure is raised by commit."""
        self.count += len(files)
        if self._failed is None:
            try:
                _write_batch(str(self.tmp), files.items(), self._made)
            except OSError as exc:
                self._failed = exc

    def spawn(self, work: Callable[[], T]) -> Callable[[], T]:
        """Run `work` in a process forked now (its puts write into this tree too) and return
        a function that waits for it and returns its result, or raises its exception. Where
        there is no fork, or the system refuses one (a limit on processes, or on memory),
        `work` runs here, now."""
        results_r, results_w = os.pipe()
        pid = _fork()
        if pid < 0:
            os.close(results_r)
            os.close(results_w)
            result = work()
            return lambda: result
        if pid == 0:
            _child(self, work, results_r, results_w)
        os.close(results_w)
        self._children[pid] = results_r

        def join() -> T:
            with os.fdopen(results_r, "rb", closefd=False) as f:
                message = f.read()
            self._reap(pid)
            if not message:
                raise OSError("a process writing the output stopped without a word")
            failed, count, outcome = pickle.loads(message)
            self.count += count
            if failed is not None and self._failed is None:
                self._failed = failed
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        return join

    def commit(self) -> None:
        """Swap the tree in place of the output (every spawned process joined)."""
        if self._children:
            raise RuntimeError("commit before every spawned process was joined")
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
            _remove(old)

    def abort(self) -> None:
        """Drop everything written so far (stopping spawned processes first, so that none
        writes into a removed dir); the output stays as it was."""
        for pid in list(self._children):
            os.kill(pid, signal.SIGKILL)
            self._reap(pid)
        self._open = False
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _reap(self, pid: int) -> None:
        os.waitpid(pid, 0)
        os.close(self._children.pop(pid))


def _child(tree: Tree, work: Callable[[], object], results_r: int, results_w: int) -> None:
    """In the forked process: run `work`, send back (write failure, files put, result or
    exception) and leave without running the parent's exit handlers or flushing its buffers."""
    gc.freeze()  # collections here never walk (and so copy) the parent's objects
    os.close(results_r)
    status = 0
    try:
        tree.count = 0
        tree._children = {}
        try:
            outcome: object = work()
        except BaseException as exc:  # raised again by join, in the parent
            outcome, status = exc, 1
        try:
            message = pickle.dumps((tree._failed, tree.count, outcome),
                                   protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an outcome that does not pickle: its words do
            message = pickle.dumps((tree._failed, tree.count, RuntimeError(repr(outcome))))
            status = 1
        _send(results_w, message)
    finally:
        os._exit(status)


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


def _fork() -> int:
    """`os.fork()`, or -1 where there is no fork or the system refuses one (a limit on processes
    or on memory): the caller then does the work itself."""
    if not _FORK:
        return -1
    try:
        return os.fork()
    except OSError:
        return -1


def _remove(root: Path) -> None:
    """Remove a replaced output: unlinking its files is most of a second of the kernel's time
    at 1,000 agents, so a forked process (on the other core) removes about half of its
    subtrees (two levels down: a target's env) while this one removes the rest; then whatever
    is left, here (all of it, if the other process failed, or the fork was refused, or there
    is no fork)."""
    if _FORK:
        subtrees = [(len(os.listdir(sub)), str(sub)) for top in root.iterdir()
                    if top.is_dir() and not top.is_symlink()
                    for sub in top.iterdir() if sub.is_dir() and not sub.is_symlink()]
        mine: list[str] = []
        theirs: list[str] = []
        load = [0, 0]  # entries of the subtrees each side removes
        for size, sub in sorted(subtrees, reverse=True):  # the larger first, to the lighter side
            side = 0 if load[0] <= load[1] else 1
            (mine, theirs)[side].append(sub)
            load[side] += size
        pid = _fork() if theirs else -1
        if pid == 0:
            try:
                for sub in theirs:
                    shutil.rmtree(sub, ignore_errors=True)
            finally:
                os._exit(0)
        if pid > 0:
            for sub in mine:
                shutil.rmtree(sub, ignore_errors=True)
            os.waitpid(pid, 0)
    shutil.rmtree(root)


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
