"""Which task intake is lighter: a watcher thread in the serving process, or a deployment
scheduled every few seconds (hugopipe/exchange/intake.py chose the thread).

    PREFECT_API_URL=http://127.0.0.1:4200/api uv run python bench/intake_bench.py

(a) the watcher: one ``intake_once`` tick over an empty ``pending/`` and five in-flight
    task files (one ``GET /flow_runs/<id>`` each, answered by a stand-in here: the tick's
    own cost); no database write.
(b) a scheduled intake: one run of an empty flow against the server in PREFECT_API_URL,
    which is what each tick of such a deployment costs at the least (a flow run, its
    states and log lines written), before any worker start-up.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class Stub:
    def flow_run(self, run_id: str) -> dict:
        return {"id": run_id, "state": {"type": "RUNNING", "name": "Running"}}


def watcher(rounds: int = 200) -> tuple[float, float]:
    from hugopipe.exchange import Exchange
    from hugopipe.exchange.intake import intake_once

    root = Path(tempfile.mkdtemp())
    ex = Exchange(root)
    ex.folder("pending")
    for i in range(5):
        (ex.folder("in-progress") / f"t{i}.md").write_text(
            f"---\ntask_type: hugo-build\nparams:\n  site_path: {root}\nflow_run_id: r{i}\n---\n"
        )
    wall, cpu = [], []
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        intake_once(Stub(), ex)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def scheduled(rounds: int = 5) -> tuple[float, float, int]:
    from prefect import flow

    from hugopipe.prefect_rest import PrefectApi

    @flow(name="intake-bench-noop")
    def noop() -> None:
        return None

    noop()  # warm-up: registers the flow
    wall, cpu = [], []
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        noop()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    with PrefectApi() as api:
        runs = api.request(
            "POST", "/flow_runs/filter", json={"flows": {"name": {"any_": ["intake-bench-noop"]}}}
        )
        states = len(api.flow_run_states(runs[0]["id"]))
    return statistics.median(wall), statistics.median(cpu), states


if __name__ == "__main__":
    w, c = watcher()
    print(f"watcher tick (5 in flight, API stubbed): {w * 1e3:.2f} ms wall, {c * 1e3:.2f} ms CPU")
    if os.environ.get("PREFECT_API_URL"):
        w, c, states = scheduled()
        print(
            f"scheduled intake run (empty flow): {w * 1e3:.0f} ms wall, {c * 1e3:.0f} ms CPU, "
            f"{states} state rows + 1 flow run row per tick; at 5 s: 17,280 runs a day"
        )
