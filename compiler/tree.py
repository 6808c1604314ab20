"""The output tree, written atomically and in the background.

Compiling 1,000 agents writes some 36,000 files; creating them is mostly time in the kernel,
which a thread spends while the compiler goes on emitting and checking (a system call releases
the interpreter lock). Files go to a temp dir beside the output as soon as they are known;
`commit` swaps it in, and anything else (an error finding, an exception) removes it, so a
failed compile never leaves half an output and never touches the previous one.
"""
from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Iterable, Mapping


class OutputError(Exception):
    """The output path is not something compile may replace."""


#: Characters queued for the writer beyond which `put` waits (a slow disk must not make
#: compile hold every file's text again).
BACKLOG = 1 << 27


class Tree:
    """`with Tree(out) as tree: tree.put(files); ...; tree.commit()`."""

    def __init__(self, out: Path) -> None:
        self.out = _replaceable(out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.out.with_name(f".{self.out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        self.tmp.mkdir()  # respects the umask, unlike mkdtemp's 0700
        self._made = {str(self.tmp)}
        self._queue: queue.SimpleQueue[list[tuple[str, str]] | None] = queue.SimpleQueue()
        self._backlog = 0  # characters put and not yet written
        self._drained = threading.Condition()
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._write, name="agentpol-writer", daemon=True)
        self._thread.start()
        self._open = True

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._open:
            self.abort()

    def put(self, files: Mapping[str, str]) -> None:
        """Write these files (paths relative to the output) in the background; waits while
        more than BACKLOG characters are still to be written."""
        batch = list(files.items())
        size = sum(len(text) for _, text in batch)
        with self._drained:
            self._drained.wait_for(lambda: self._backlog == 0 or self._backlog + size <= BACKLOG
                                   or not self._thread.is_alive())
            self._backlog += size
        self._queue.put(batch)

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
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _write(self) -> None:
        for batch in iter(self._queue.get, None):
            if self._failed is None:
                try:
                    self._write_batch(batch)
                except BaseException as exc:  # reported by commit, in the main thread
                    self._failed = exc
            with self._drained:
                self._backlog -= sum(len(text) for _, text in batch)
                self._drained.notify_all()

    def _write_batch(self, batch: Iterable[tuple[str, str]]) -> None:
        root = str(self.tmp)
        for rel, text in batch:
            path = os.path.join(root, rel)
            parent = os.path.dirname(path)
            if parent not in self._made:
                os.makedirs(parent, exist_ok=True)
                self._made.add(parent)
            data = memoryview(text.encode("utf-8"))
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                while data:
                    data = data[os.write(fd, data):]
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
