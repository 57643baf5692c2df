"""List the files of a built site (optionally in a forked child while the parent imports),
and remove a temporary one without making the caller wait.

Kept free of pydantic and of the rest of hugopipe: ``hugopipe validate --public`` starts
the walk before it imports the validator (pydantic alone is a quarter of a second), so
listing 20,000 folders and importing overlap on two cores instead of running one after
the other.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from pathlib import Path


def walk(public: Path | str, sizes: bool = True) -> dict[str, int]:
    """Every file under ``public`` (relative, "/"-separated) with its size.

    ``sizes=False`` leaves every size at -1 and costs no stat at all (scandir's file
    type is enough); the validator fills the sizes in later.
    """
    out: dict[str, int] = {}
    root = str(public)
    n = len(root) + 1
    stack = [root]
    sep = os.sep
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                elif e.is_file():
                    rel = e.path[n:]
                    if sep != "/":
                        rel = rel.replace(sep, "/")
                    out[rel] = e.stat().st_size if sizes else -1
    return out


class Prewalk:
    """``walk(public, sizes=False)`` running in a forked child until ``files()`` is asked.

    Only on Linux and only while the process has a single thread (forking a threaded
    process is unsafe); anywhere else, and whenever the child fails for any reason,
    ``files()`` walks in this process, so errors surface here with their usual message.
    """

    def __init__(self, public: Path | str) -> None:
        self.public = str(public)
        self.pid = 0
        self.fd = -1
        if sys.platform != "linux" or threading.active_count() != 1:
            return
        try:
            r, w = os.pipe()
            pid = os.fork()
        except OSError:
            return
        if pid == 0:  # the child: list, send, leave without running any cleanup
            code = 1
            try:
                os.close(r)
                data = "\0".join(walk(self.public, sizes=False)).encode("utf-8", "surrogateescape")
                view = memoryview(data)
                while view:
                    view = view[os.write(w, view) :]
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        self.pid, self.fd = pid, r

    def close(self) -> None:
        """Stop a child whose listing nobody asked for (the command failed before it)."""
        if self.pid:
            import signal

            os.kill(self.pid, signal.SIGKILL)
            os.close(self.fd)
            os.waitpid(self.pid, 0)
            self.pid = 0

    def files(self) -> dict[str, int]:
        if self.pid == 0:
            return walk(self.public, sizes=False)
        chunks = []
        try:
            while chunk := os.read(self.fd, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(self.fd)
            _, status = os.waitpid(self.pid, 0)
            self.pid = 0
        if status != 0:
            return walk(self.public, sizes=False)
        data = b"".join(chunks).decode("utf-8", "surrogateescape")
        return dict.fromkeys(data.split("\0"), -1) if data else {}


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
