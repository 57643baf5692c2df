"""The cost of orchestration for one site: a staging publish three ways, interleaved.

* ``cli``: ``hugopipe run publish --env staging --wait --json``, the way Claude Code
  triggers it, against ``deployments/serve.py`` (the demo's served deployments);
* ``flow``: the same ``publish`` flow called in-process (a long-lived Python process
  that imported it once; every call is a new flow run on the same server);
* ``plain``: the same work without Prefect — build, validate, plan, apply, verify as
  plain calls into ``hugopipe`` (src/hugopipe), in that same long-lived process.

Each round edits one page first, so every publish builds, uploads one page and
verifies: the same work in every mode. The modes take turns inside a round, so machine
load hits them alike. The first round of each mode is reported apart ("first": a new
serve process and a new in-process interpreter; for the CLI, the first run the served
deployment starts). For every CLI run the server's own record splits the wall time:
trigger→running (the runner's poll of the server, then a new flow-run process and its
imports), the flow body, the tasks inside it, and running→CLI exit.

Each *variant* restarts serve.py and the in-process helper with Prefect settings
changed (``--variants``), to measure what Prefect's own knobs buy:

* ``serve``: deployments/serve.py as shipped (it sets ``PREFECT_RUNNER_POLL_FREQUENCY=2``);
* ``poll10``: Prefect's default poll, every 10 s;
* ``poll1``: every second;
* ``nolog``: ``PREFECT_LOGGING_TO_API_ENABLED=false`` (no log shipping);
* ``persist``: ``PREFECT_RESULTS_PERSIST_BY_DEFAULT=true`` (every task result written to
  local storage: what persistence would cost; off by default, and no hugopipe task asks
  for it).

Reproduce: ``uv run python bench/e2e_bench.py --rounds 5 --write`` (``--db postgres``
runs the server on a private PostgreSQL cluster, tests/postgres.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "Orchestration cost, one site (issue 21)"
BIN = Path(sys.executable).parent
VARIANTS: dict[str, dict[str, str]] = {
    "serve": {},
    "poll10": {"PREFECT_RUNNER_POLL_FREQUENCY": "10"},
    "poll1": {"PREFECT_RUNNER_POLL_FREQUENCY": "1"},
    "nolog": {"PREFECT_LOGGING_TO_API_ENABLED": "false"},
    "persist": {"PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true"},
}


# -- the in-process helper (runs in its own interpreter; one per variant) ----------------------


def helper(site: str) -> None:
    """Read ``flow``/``plain`` lines on stdin; answer each with the call's wall time (JSON)."""
    t0 = time.perf_counter()
    from flows.publish import publish

    imported = time.perf_counter() - t0
    print(json.dumps({"import_s": imported}), flush=True)
    for line in sys.stdin:
        mode = line.strip()
        start = time.perf_counter()
        if mode == "flow":
            state = publish(env="staging", site=site, return_state=True)
            ok = state.is_completed()
        else:
            ok = plain_publish(Path(site))
        print(json.dumps({"wall": time.perf_counter() - start, "ok": ok}), flush=True)


def plain_publish(site: Path) -> bool:
    """build → validate → plan → apply → verify, as plain calls: no Prefect at all."""
    from hugopipe import credentials, deploy
    from hugopipe.build import build_site
    from hugopipe.config import ProjectConfig
    from hugopipe.validate.api import validate_site
    from hugopipe.verify import verify_urls

    env_cfg = ProjectConfig.load(site).environment("staging")
    report = build_site(site, "staging", base_url=env_cfg.base_url)
    public = Path(report.public_dir)
    findings = validate_site(site, public, "staging", production=False)
    target = deploy.load_target(site, env_cfg.target)
    access = credentials.for_target(target, env_cfg.credentials_block, lambda _name: None)
    clients = deploy.connect(target, session=access.session, endpoint_url=access.endpoint)
    plan = deploy.plan_deploy(public, target, clients)
    applied = deploy.apply_plan(plan, public, target, clients)
    checked = verify_urls(env_cfg, env_cfg.verify_base(access.endpoint))
    return bool(report.success and findings.ok and applied.ok and checked.ok)


# -- the benchmark ------------------------------------------------------------------------------


def _api(api: str, method: str, path: str, body: object | None = None) -> object:
    import httpx

    resp = httpx.request(method, api + path, json=body, timeout=60)
    resp.raise_for_status()
    return resp.json()


def _ts(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def split_cli_run(api: str, run_id: str, t_start: float, t_end: float) -> dict[str, float]:
    """Where a CLI publish's wall time went, from the server's record of the run."""
    run = _api(api, "GET", f"/flow_runs/{run_id}")
    assert isinstance(run, dict)
    trs = _api(
        api,
        "POST",
        "/task_runs/filter",
        {"flow_runs": {"id": {"any_": [run_id]}}, "limit": 200},
    )
    assert isinstance(trs, list)
    start, end = _ts(run["start_time"]), _ts(run["end_time"])
    tasks = sum(t.get("total_run_time") or 0.0 for t in trs)
    return {
        "wall": t_end - t_start,
        "to_running": (start or t_end) - t_start,
        "flow": (end or t_end) - (start or t_end),
        "tasks": tasks,
        "task_runs": float(len(trs)),
        "after": t_end - (end or t_end),
    }


def run_cli(api_env: dict[str, str], site: Path, api: str) -> dict[str, float]:
    t0 = time.time()
    proc = subprocess.run(
        [
            str(BIN / "hugopipe"),
            "run",
            "publish",
            "--env",
            "staging",
            "--site",
            str(site),
            "--wait",
            "--json",
            "--timeout",
            "600",
        ],
        env=api_env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    t1 = time.time()
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise SystemExit(
            f"cli publish printed no JSON (exit {proc.returncode}): {proc.stderr[-2000:]}"
        ) from None
    if proc.returncode != 0:
        raise SystemExit(f"cli publish failed ({proc.returncode}): {out} {proc.stderr[-2000:]}")
    return split_cli_run(api, out["flow_run_id"], t0, t1)


def import_seconds(env: dict[str, str], n: int = 3) -> float:
    """What a new flow-run process pays to import the flow module (minus a bare interpreter)."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
        bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import flows.publish"], env=env, check=True, cwd=ROOT
        )
        out.append(time.perf_counter() - t0 - bare)
    return statistics.median(out)


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def run_variant(name: str, settings: dict[str, str], server, site: Path, rounds: int) -> dict:
    import httpx

    env = server.env(**settings)
    serve = server._spawn(
        f"serve-{name}",
        [
            sys.executable,
            str(ROOT / "deployments" / "serve.py"),
            "--site",
            str(site),
            "--intake-seconds",
            "0",
        ],
        env,
    )
    deadline = time.monotonic() + 300
    while httpx.get(f"{server.api}/deployments/name/publish/site", timeout=5).status_code != 200:
        if serve.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve.py did not register: {server.log(f'serve-{name}')[-2000:]}")
        time.sleep(0.5)
    helper_proc = subprocess.Popen(
        [sys.executable, __file__, "--helper", str(site)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=open(server.home / f"helper-{name}.log", "w"),  # noqa: SIM115 - the flow's log lines
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert helper_proc.stdin and helper_proc.stdout
    imported = json.loads(helper_proc.stdout.readline())["import_s"]

    def in_process(mode: str) -> float:
        assert helper_proc.stdin and helper_proc.stdout
        helper_proc.stdin.write(mode + "\n")
        helper_proc.stdin.flush()
        answer = json.loads(helper_proc.stdout.readline())
        if not answer["ok"]:
            raise SystemExit(f"{mode} publish failed in the helper")
        return answer["wall"]

    page = site / "content" / "about.md"
    cli: list[dict[str, float]] = []
    flow: list[float] = []
    plain: list[float] = []
    for i in range(rounds + 1):
        for mode in ("cli", "flow", "plain"):
            page.write_text(page.read_text() + f"\n\n{name} round {i} {mode}.\n")
            if mode == "cli":
                cli.append(run_cli(env, site, server.api))
            elif mode == "flow":
                flow.append(in_process("flow"))
            else:
                plain.append(in_process("plain"))
        print(
            f"  {name} round {i}: cli {cli[-1]['wall']:.2f} s  flow {flow[-1]:.2f} s  "
            f"plain {plain[-1]:.2f} s",
            file=sys.stderr,
        )
    helper_proc.stdin.close()
    helper_proc.wait(60)
    from tests.fleet.pool import _stop

    _stop(serve)
    server.procs.remove(serve)
    warm = cli[1:]
    storage = Path(server.home) / "storage"
    return {
        "variant": name,
        "settings": settings,
        "first": {"cli": cli[0]["wall"], "flow": flow[0], "plain": plain[0]},
        "warm": {
            "cli": med([c["wall"] for c in warm]),
            "flow": med(flow[1:]),
            "plain": med(plain[1:]),
        },
        "split": {k: med([c[k] for c in warm]) for k in warm[0]} if warm else {},
        "helper_import_s": imported,
        "result_files": sum(1 for _ in storage.rglob("*") if _.is_file())
        if storage.exists()
        else 0,
        "rounds": rounds,
    }


def render(results: list[dict], imports: float, machine: str, db: str) -> str:
    lines = [
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on {machine}; Prefect server on {db}; a "
        "staging publish of a copy of examples/site with one page edited before every run. "
        "Medians of the warm rounds; *first* is the first round of a fresh serve process "
        "and interpreter.",
        "",
        "| variant | CLI warm | in-process warm | no Prefect warm | CLI ÷ no Prefect "
        "| CLI first | first ÷ warm | result files |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        w, f = r["warm"], r["first"]
        lines.append(
            f"| {r['variant']} | {w['cli']:.2f} s | {w['flow']:.2f} s | {w['plain']:.2f} s "
            f"| {w['cli'] / w['plain']:.2f}× | {f['cli']:.2f} s | {f['cli'] / w['cli']:.2f}× "
            f"| {r['result_files']} |"
        )
    lines += [
        "",
        "Where a warm CLI publish's seconds go (medians; from the server's record of each run):",
        "",
        "| variant | wall | trigger → running | flow body | its tasks | flow body − tasks "
        "| running → CLI exit | task runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r["split"]
        if not s:
            continue
        lines.append(
            f"| {r['variant']} | {s['wall']:.2f} s | {s['to_running']:.2f} s | {s['flow']:.2f} s "
            f"| {s['tasks']:.2f} s | {s['flow'] - s['tasks']:.2f} s | {s['after']:.2f} s "
            f"| {s['task_runs']:.0f} |"
        )
    r = results[0]
    w, f = r["warm"], r["first"]
    lines += [
        "",
        f"Goals, as served ({r['variant']}): a warm CLI publish within 1.5× the work without "
        f"Prefect — {w['cli'] / w['plain']:.2f}×, "
        f"{'met' if w['cli'] <= 1.5 * w['plain'] else 'not met'}; a first run within 2× a warm "
        f"one — {f['cli'] / w['cli']:.2f}×, {'met' if f['cli'] <= 2 * w['cli'] else 'not met'}.",
    ]
    lines += [
        "",
        f"Importing `flows.publish` in a new process (what every flow-run process pays before "
        f"the flow starts): {imports:.2f} s (median of 3, minus a bare interpreter).",
    ]
    return "\n".join(lines)


def replace_section(doc: str, title: str, body: str) -> str:
    head = f"## {title}"
    block = f"{head}\n\n{body}\n"
    if head not in doc:
        return doc.rstrip("\n") + "\n\n" + block
    before, _, rest = doc.partition(head)
    nxt = rest.find("\n## ")
    return before + block + (rest[nxt + 1 :] if nxt >= 0 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="warm rounds per mode and variant")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--write", action="store_true", help=f"update '## {SECTION}'")
    parser.add_argument("--helper", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.helper:
        return helper(args.helper)

    from moto.server import ThreadedMotoServer

    from tests.fleet.conftest import site_copy
    from tests.fleet.pool import PoolServer
    from tests.postgres import fresh_database, start_cluster
    from tests.support import free_port

    work = Path(tempfile.mkdtemp(prefix="hugopipe-e2e-bench-"))
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench-secret-not-real",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        HUGOPIPE_S3_ENDPOINT=endpoint,
        HUGOPIPE_RESULTS_DIR=str(work / "results"),
        HUGOPIPE_WORKSPACE=os.pathsep.join([str(ROOT), tempfile.gettempdir()]),
    )
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    site = site_copy(ROOT / "examples" / "site", work, "hugopipe-example", s3)
    cluster = start_cluster(durable=True) if args.db == "postgres" else None
    home = Path(tempfile.mkdtemp(prefix="hugopipe-e2e-prefect-"))
    database = fresh_database(cluster) if cluster else f"sqlite+aiosqlite:///{home / 'prefect.db'}"
    server = PoolServer(database, home=home)
    results = []
    try:
        server.start()
        subprocess.run(
            [sys.executable, str(ROOT / "blocks" / "register.py")], env=server.env(), check=True
        )
        imports = import_seconds(server.env())
        for name in args.variants.split(","):
            print(f"» variant {name}", file=sys.stderr)
            results.append(run_variant(name, VARIANTS[name], server, site, args.rounds))
    finally:
        server.stop()
        moto.stop()
        if cluster:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    body = render(results, imports, machine, args.db)
    body += f"\n\nReproduce: `uv run python bench/e2e_bench.py --rounds {args.rounds} --write`"
    print(body)
    print(json.dumps(results, indent=1), file=sys.stderr)
    if args.write:
        DOC.write_text(replace_section(DOC.read_text(), SECTION, body))


if __name__ == "__main__":
    main()
