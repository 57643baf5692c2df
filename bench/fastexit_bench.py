"""What the console script's exit tricks save (src/hugopipe/cli/fastexit.py), measured.

Runs ``hugopipe deploy`` (no change, against moto over HTTP) and ``hugopipe validate
--public`` on a generated site, each with the tricks as shipped and with them
switched off (``os._exit`` and ``gc.disable`` one at a time), interleaved, warm,
bytecode compiled. Prints the medians; the numbers go into fastexit.py's docstring.

    env -u PYTHONDONTWRITEBYTECODE uv run python bench/fastexit_bench.py --posts 2000
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from deploy.gen_site import generate  # noqa: E402

from hugopipe.hugo import hugo_binary  # noqa: E402

#: Runs the console script's ``entry`` with the tricks as shipped, or some switched off.
HARNESS = """
import dataclasses, sys
variant, argv = sys.argv[1], sys.argv[2:]
from hugopipe.cli import fastexit
prepare, finish = fastexit.prepare, fastexit.finish
if variant == "plain":
    fastexit.prepare = lambda c: None
    fastexit.finish = lambda c, code: None
elif variant == "gc-on":
    fastexit.prepare = lambda c: prepare(c and dataclasses.replace(c, gc_off=False))
sys.argv = ["hugopipe", *argv]
from hugopipe.cli.main import entry
entry()
"""

ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(variant: str, args: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-c", HARNESS, variant, *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"{variant} {args} exited {p.returncode}: {p.stderr[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--work", type=Path, default=ROOT / "bench/out/fastexit")
    args = ap.parse_args()

    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        import boto3

        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        ).create_bucket(Bucket="fastexit")
        site = args.work / f"site-{args.posts}"
        if not (site / "content").is_dir():
            shutil.rmtree(site, ignore_errors=True)
            generate(site, args.posts)
        (site / "hugo.toml").write_text(
            'baseURL = "https://bench.example.org/"\ntitle = "Bench"\n[deployment]\n'
            '[[deployment.targets]]\nname = "bench"\n'
            f'url = "s3://fastexit?endpoint={endpoint}&use_path_style=true&region=us-east-1"\n'
        )
        subprocess.run([str(hugo_binary()), "--quiet"], cwd=site, check=True, env=ENV)
        deploy = ["deploy", "--site", str(site), "--target", "bench", "--json"]
        validate = ["validate", "--site", str(site), "--public", str(site / "public"), "--json"]
        timed("shipped", deploy, site)  # the initial upload, and a warm-up
        cases = {
            "deploy, no change": (deploy, ["shipped", "plain"]),
            "validate --public": (validate, ["shipped", "gc-on", "plain"]),
        }
        for label, (cmd, variants) in cases.items():
            for v in variants:
                timed(v, cmd, site)  # warm
            samples: dict[str, list[float]] = {v: [] for v in variants}
            for _ in range(args.runs):
                for v in variants:
                    samples[v].append(timed(v, cmd, site))
            medians = {v: statistics.median(s) for v, s in samples.items()}
            line = ", ".join(f"{v} {m:.3f} s" for v, m in medians.items())
            print(f"{label} ({args.posts} posts, median of {args.runs}): {line}")
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
