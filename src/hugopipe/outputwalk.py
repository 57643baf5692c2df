"""List the files of a built site, optionally in a forked child while the parent imports.

Kept free of pydantic and of the rest of hugopipe: ``hugopipe validate --public`` starts
the walk before it imports the validator (pydantic alone is a quarter of a second), so
listing 20,000 folders and importing overlap on two cores instead of running one after
the other.
"""

from __future__ import annotations

import os
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
