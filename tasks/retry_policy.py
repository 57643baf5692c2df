"""Which failures a task retries: only transient ones (retry transient, escalate the rest)."""

from __future__ import annotations

import os

from hugopipe.errors import FailureClass, HugopipeError

#: Backoff for network-facing tasks: 2 s, 8 s, 30 s, with jitter (tests shorten it via the env).
RETRY_DELAYS = [float(x) for x in os.environ.get("HUGOPIPE_RETRY_DELAYS", "2,8,30").split(",")]
RETRY_JITTER = 0.3


def retry_transient(task, task_run, state) -> bool:
    """Prefect ``retry_condition_fn``: must be a plain function, or Prefect silently never retries."""
    try:
        state.result()
    except HugopipeError as exc:
        return exc.failure_class == FailureClass.TRANSIENT
    except (ConnectionError, TimeoutError, OSError):
        return True
    except Exception:
        return False
    return False
