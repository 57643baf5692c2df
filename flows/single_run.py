"""No duplicate runs, checked where every flow run starts.

``hugopipe run`` already yields when it triggers a duplicate, but a run started from
the UI, the API, a schedule or the intake reaches the worker without passing through
it. So each served flow asks this first: is an earlier run of my deployment, for the
same site and environment (and task file), late, pending, running or paused? If so,
this run ends Cancelled at once, its message naming the run it yielded to
(``hugopipe.run_control.earlier_run``, the one rule the CLI uses too). A run called
directly (no deployment: tests, ``python flows/publish.py``) is never held back.

The same first step names the run's site in its tags (``site:NAME``,
``hugopipe.sites``): ``hugopipe run`` and the intake tag the runs they create, but a
run from a schedule, the UI or the API carries only its deployment's tags, and
``hugopipe runs --site`` filters on the tag (Prefect's run filter has tags, not
parameters).

Why not a deployment ``concurrency_limit`` with ``CANCEL_NEW``: a run paused for
approval loses its lease and crashes on Prefect 3.8 (publish, rollback); the limit
counts every run of the deployment whatever its site or environment; and the run it
cancels does not say which run it yielded to.
"""

from __future__ import annotations

from prefect import get_run_logger
from prefect.runtime import deployment, flow_run
from prefect.states import Cancelled, State


def yielded(site: str | None = None) -> State | None:
    """A Cancelled state naming the run this one yields to (the flow returns it), or None.

    ``site``: the run's site name; the run is tagged ``site:<site>`` when it is not yet.
    """
    if not deployment.id:
        return None
    from hugopipe.prefect_rest import PrefectApi
    from hugopipe.run_control import earlier_run, yield_message
    from hugopipe.sites import TAG_PREFIX

    with PrefectApi() as api:
        mine = api.flow_run(str(flow_run.id))
        tags = list(mine.get("tags") or [])
        if site and f"{TAG_PREFIX}{site}" not in tags:
            tags = [t for t in tags if not t.startswith(TAG_PREFIX)] + [f"{TAG_PREFIX}{site}"]
            api.request("PATCH", f"/flow_runs/{mine['id']}", json={"tags": tags})
        other = earlier_run(api, mine)
        if other is None:
            return None
        message = yield_message(other, api.deployment_label(mine) or str(flow_run.flow_name))
    get_run_logger().warning(message)
    return Cancelled(message=message)
