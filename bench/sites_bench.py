"""Several sites: one deployment per flow taking the site by name, or a deployment per site?

Both layouts registered against a fresh Prefect server (SQLite, as the demo), N sites:

- **shared**: what ``deployments/serve.py`` does with a workspace file: one deployment per
  registry entry, ``site`` a parameter, each schedule once per site (``parameters``);
- **per-site**: the same entries once per site (``<deployment>-<site>``), each with the
  site fixed and its own schedule.

Reported per layout and N: the number of deployments and schedules, the time to register
them all (``RunnerDeployment.apply``, as ``serve()`` does on every start), and the time
``hugopipe run`` spends finding its deployment (``GET /deployments/name/{flow}/{name}``,
median of 20). Interleaved, the shared layout first at each N; the server is the same.

Reproduce: ``uv run python bench/sites_bench.py --sites 2,10``
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def layout(kind: str, names: list[str]) -> list:
    from prefect.schedules import Cron

    from hugopipe.flows_registry import FLOWS

    out = []
    for spec in FLOWS:
        flow = getattr(importlib.import_module(spec.module), spec.function)
        if kind == "shared":
            out.append(
                flow.to_deployment(
                    f"{spec.deployment}-{kind}",
                    parameters=spec.default_parameters(names[0]),
                    schedules=[Cron(c, slug=s, parameters=p) for c, s, p in spec.schedules(names)]
                    or None,
                    tags=list(spec.tags),
                )
            )
            continue
        for n in names:
            out.append(
                flow.to_deployment(
                    f"{spec.deployment}-{kind}-{n}",
                    parameters=spec.default_parameters(n),
                    schedules=[Cron(c, slug=s) for c, s, _ in spec.schedules([n])] or None,
                    tags=[*spec.tags, f"site:{n}"],
                )
            )
    return out


def lookup_ms(api: str, path: str, times: int = 20) -> float:
    took = []
    for _ in range(times):
        t = time.perf_counter()
        with urllib.request.urlopen(f"{api}{path}", timeout=10) as r:
            r.read()
        took.append((time.perf_counter() - t) * 1000)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="2,10")
    args = parser.parse_args()

    from tests.fleet.pool import PoolServer

    home = Path(tempfile.mkdtemp(prefix="hugopipe-sites-bench-"))
    server = PoolServer(f"sqlite+aiosqlite:///{home / 'prefect.db'}").start()
    import os

    os.environ.update({k: v for k, v in server.env().items() if k.startswith("PREFECT_")})
    os.chdir(ROOT)
    rows = []
    try:
        for d in layout("shared", ["warmup"]):  # imports and the server's first writes, not timed
            d.apply()
        for n in [int(x) for x in args.sites.split(",")]:
            names = [f"s{i:02d}" for i in range(n)]
            for kind in ("shared", "per-site"):
                deps = layout(kind, names)
                t = time.perf_counter()
                for d in deps:
                    d.apply()
                took = time.perf_counter() - t
                name = "site-shared" if kind == "shared" else f"site-per-site-{names[-1]}"
                rows.append(
                    {
                        "layout": kind,
                        "sites": n,
                        "deployments": len(deps),
                        "schedules": sum(len(d.schedules or []) for d in deps),
                        "register_s": round(took, 2),
                        "lookup_ms": round(
                            lookup_ms(server.api, f"/deployments/name/publish/{name}"), 1
                        ),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
