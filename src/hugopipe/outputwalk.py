"""The files of a built site: list them (optionally in forked children while the parent
imports), hash one, and remove a temporary output without making the caller wait.

Kept free of pydantic and of the rest of hugopipe: ``hugopipe validate --public`` starts
the walk before it imports the validator (pydantic alone is a quarter of a second), so
listing 20,000 folders and importing overlap on two cores instead of running one after
the other.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path


def walk(public: Path | str, sizes: bool = True) -> dict[str, int]:
    """Every file under ``public`` (relative, "/"-separated) with its size.

    ``sizes=False`` leaves every size at -1 and costs no stat at all (scandir's file
    type is enough); the validator fills the sizes in later.
    """
    out: dict[str, int] = {}
    root = str(public)
    n = len(root) + 1
    sep = os.sep
    for e in _files([root]):
        rel = e.path[n:]
        if sep != "/":
            rel = rel.replace(sep, "/")
        out[rel] = e.stat().st_size if sizes else -1
    return out


def _files(stack: list[str]) -> Iterator[os.DirEntry[str]]:
    """The files under the folders in ``stack`` (links to files too, not links to folders)."""
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                elif e.is_file():
                    yield e


READ_CHUNK = 1 << 22  # files above this are hashed in pieces instead of read whole


def sha256_file(path: str) -> tuple[bytes, int]:
    """SHA-256 of a file's bytes and its size.

    os.open/os.read: a buffered open() adds an fstat, an ioctl and an lseek per file, and
    with another thread running each syscall hands the GIL over and back.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        h = hashlib.sha256()
        size = 0
        while chunk := os.read(fd, READ_CHUNK):
            h.update(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    return h.digest(), size


def walk_share(public: Path | str, share: int, of: int) -> list[str]:
    """The files of ``walk(public)`` that fall to ``share`` of ``of`` processes.

    Every share lists the first two levels (a Hugo output has its sections at the top and a
    folder per page below them, so that spreads a 20,000-page section evenly); share 0
    keeps the files found there, and the folders of the second level are dealt out in
    name order. Together the shares hold exactly what ``walk`` lists.
    """
    root = str(public)
    n = len(root) + 1
    out: list[str] = []
    stack: list[str] = []
    k = 0
    with os.scandir(root) as it:
        top = sorted(it, key=lambda e: e.name)
    for e in top:
        if e.is_dir(follow_symlinks=False):
            with os.scandir(e.path) as it:
                second = sorted(it, key=lambda e: e.name)
            for e2 in second:
                if e2.is_dir(follow_symlinks=False):
                    if k % of == share:
                        stack.append(e2.path)
                    k += 1
                elif share == 0 and e2.is_file():
                    out.append(e2.path[n:])
        elif share == 0 and e.is_file():
            out.append(e.path[n:])
    out += [e.path[n:] for e in _files(stack)]
    if os.sep != "/":
        out = [r.replace(os.sep, "/") for r in out]
    return out


class Prewalk:
    """``walk(public, sizes=False)`` running in forked children until ``files()`` is asked.

    Two children, each listing its share of the folders (``walk_share``), so the listing
    takes about as long as the parent's imports. Only on Linux and only while the process
    has a single thread (forking a threaded process is unsafe); anywhere else, and
    whenever a child fails for any reason, ``files()`` walks in this process, so errors
    surface here with their usual message.
    """

    def __init__(self, public: Path | str, processes: int = 2) -> None:
        self.public = str(public)
        self.children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
        if sys.platform != "linux" or threading.active_count() != 1:
            return
        for share in range(processes):
            try:
                r, w = os.pipe()
                pid = os.fork()
            except OSError:
                self.close()
                return
            if pid == 0:  # the child: list, send, leave without running any cleanup
                code = 1
                try:
                    os.close(r)
                    for _, fd in self.children:
                        os.close(fd)
                    names = walk_share(self.public, share, processes)
                    data = "\0".join(names).encode("utf-8", "surrogateescape")
                    view = memoryview(data)
                    while view:
                        view = view[os.write(w, view) :]
                    code = 0
                finally:
                    os._exit(code)
            os.close(w)
            self.children.append((pid, r))

    @property
    def pid(self) -> int:
        """The first child's pid (0 when the walk runs in this process)."""
        return self.children[0][0] if self.children else 0

    def close(self) -> None:
        """Stop children whose listing nobody asked for (the command failed before it)."""
        import signal

        for pid, fd in self.children:
            os.kill(pid, signal.SIGKILL)
            os.close(fd)
            os.waitpid(pid, 0)
        self.children = []

    def files(self) -> dict[str, int]:
        children, self.children = self.children, []
        if not children:
            return walk(self.public, sizes=False)
        names: list[str] = []
        ok = True
        for pid, fd in children:  # in order: a child blocked on a full pipe waits its turn
            chunks = []
            try:
                while chunk := os.read(fd, 1 << 20):
                    chunks.append(chunk)
            finally:
                os.close(fd)
                _, status = os.waitpid(pid, 0)
            ok = ok and status == 0
            data = b"".join(chunks).decode("utf-8", "surrogateescape")
            if data:
                names += data.split("\0")
        if not ok:
            return walk(self.public, sizes=False)
        return dict.fromkeys(names, -1)


def remove_later(path: Path | str) -> None:
    """Delete a temporary output tree in a detached process; return at once.

    Deleting 23,000 files took 10 s on this project's VM, long after the report was ready.
    A grandchild (double fork: no zombie, nothing to wait for) does it with stdin, stdout
    and stderr on /dev/null, so a caller reading our output sees its end when we exit.
    Off Linux, or with threads running (forking then is unsafe), it is deleted here.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid == 0:  # the child: detach, fork the remover, leave at once
            try:
                os.setsid()
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.closerange(3, 65536)
                if os.fork() == 0:
                    shutil.rmtree(path, ignore_errors=True)
            finally:
                os._exit(0)
        if pid > 0:
            os.waitpid(pid, 0)
            return
    shutil.rmtree(path, ignore_errors=True)
