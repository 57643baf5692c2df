"""One publish of a site and environment at a time, on this machine.

Two publishes of the same site to the same environment started together would plan
against the same release: the second apply then finds the bucket changed and fails
(or, without that check, the two interleave). Both ``hugopipe deploy`` and the
``publish`` flow (non-production; production already runs one deploy at a time
through its Prefect concurrency slot, and never holds anything across the approval
pause) take this lock around build/plan/apply, so the second waits, plans against the
first one's release, and the bucket ends equal to the later publish's output.

An ``flock`` on a file in the temporary folder, named for the resolved site path and
the environment: it is released by the kernel when the process dies, so a killed
deploy never leaves a stale lock. Standard library only.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hugopipe.errors import TransientError

#: How long a publish waits for another one of the same site and environment.
WAIT_SECONDS = 1800.0


def lock_path(site: Path | str, env: str) -> Path:
    key = f"{os.path.realpath(site)}\0{env}".encode()
    folder = Path(os.environ.get("HUGOPIPE_LOCK_DIR") or tempfile.gettempdir()) / "hugopipe-locks"
    return folder / f"publish-{hashlib.sha256(key).hexdigest()[:20]}.lock"


@contextmanager
def publish_lock(
    site: Path | str,
    env: str,
    *,
    wait: float = WAIT_SECONDS,
    on_wait: object = None,
) -> Iterator[None]:
    """Hold the publish lock of ``site`` + ``env``; wait for it up to ``wait`` seconds.

    ``on_wait`` (a callable taking a message) is told once when another publish holds it.
    """
    path = lock_path(site, env)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and callable(on_wait):
                    on_wait(f"another publish of {site} to {env} is running; waiting for it")
                    told = True
                if time.monotonic() > deadline:
                    raise TransientError(
                        f"another publish of {site} to {env} held the lock for over {wait:.0f} s",
                        hint="wait for it to finish (hugopipe status), then run again",
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
