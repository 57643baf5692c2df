"""The process-level speed tricks of the console script, fenced here and nowhere else.

``hugopipe.cli.main.main`` never uses them (tests call it in-process); only the
console script ``entry`` does, for the commands ``commands.py`` marks. Each trick
and what it saves, measured by ``bench/fastexit_bench.py`` (warm, bytecode compiled,
``env -u PYTHONDONTWRITEBYTECODE``, median of 7, a generated 2,000-post site, deploy
against moto over HTTP; 2-core machine shared with other work, so ±0.03 s):

* ``os._exit`` after the output is flushed (``fast_exit``: deploy, rollback,
  validate). Tearing the interpreter down frees botocore's service models and
  boto3's modules one object at a time, or the validator's page records: a no-change
  ``hugopipe deploy`` 0.91 s → 0.78 s (0.14 s saved); ``hugopipe validate
  --public`` 1.10 s → 0.91 s (0.18 s saved). Safe because these commands hold no
  Prefect client and no buffered logs, and every write they start has finished when
  they return (at most a read-only hashing thread is left after an early error). After Ctrl-C (130) the
  process exits normally, so uploads already in flight finish. Never mark a command
  that holds a Prefect client, buffered logs or anything else an atexit handler
  must flush.
* ``gc.disable()`` for ``validate`` (``gc_off``): nothing validation allocates needs
  the cyclic collector before the exit, and it would walk the page records for
  nothing: ``validate --public`` 0.91 s → 0.87 s on 2,000 posts (0.04 s; about
  0.1 s on the 20k-page site of bench/validate_bench.py). Not for deploy: botocore
  makes reference cycles per request, and a big upload would pile them up.
* ``output.QUICK_EXIT_AHEAD``: tells a command it will end with ``os._exit``, so it
  may keep what it allocated instead of freeing it (``cmd_validate`` keeps its page
  records; the exit frees them, not thousands of deallocations). Measured with
  validate's other tricks (bench/validate_bench.py), not here.
"""

from __future__ import annotations

import os
import sys

from hugopipe.cli import output
from hugopipe.cli.commands import Command
from hugopipe.cli.exits import Exit


def prepare(command: Command | None) -> None:
    """Before the command runs: announce the fast exit, and switch the collector off."""
    if command is None or not command.fast_exit:
        return
    output.QUICK_EXIT_AHEAD = True  # read by cmd_validate (kept records)
    if command.gc_off:
        import gc

        gc.disable()


def finish(command: Command | None, code: int) -> None:
    """After the command: end a fast-exit command's process now; otherwise return."""
    if command is None or not command.fast_exit or code == Exit.INTERRUPTED:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
