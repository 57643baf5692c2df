"""No duplicate runs, checked where every flow run starts.

``hugopipe run`` already yields when it triggers a duplicate, but a run started from
the UI, the API, a schedule or the intake reaches the worker without passing through
it. So each served flow asks this first: is an earlier run of my deployment, for the
same site and environment (and task file), late, pending, running or paused? If so,
this run ends Cancelled at once, its message naming the run it yielded to
(``hugopipe.run_control.earlier_run``, the one rule the CLI uses too). A run called
directly (no deployment: tests, ``python flows/publish.py``) is never held back.

Why not a deployment ``concurrency_limit`` with ``CANCEL_NEW``: a run paused for
approval loses its lease and crashes on Prefect 3.8 (publish, rollback); the limit
counts every run of the deployment whatever its site or environment; and the run it
cancels does not say which run it yielded to.
"""

from __future__ import annotations

from prefect import get_run_logger
from prefect.runtime import deployment, flow_run
from prefect.states import Cancelled, State


def yielded() -> State | None:
    """A Cancelled state naming the run this one yields to (the flow returns it), or None."""
    if not deployment.id:
        return None
    from hugopipe.prefect_rest import PrefectApi
    from hugopipe.run_control import earlier_run, yield_message

    with PrefectApi() as api:
        mine = api.flow_run(str(flow_run.id))
        other = earlier_run(api, mine)
        if other is None:
            return None
        message = yield_message(other, api.deployment_label(mine) or str(flow_run.flow_name))
    get_run_logger().warning(message)
    return Cancelled(message=message)
