"""Deploy benchmark: hugopipe deploy vs ``hugo deploy`` vs ``aws s3 sync`` on a 5,000-post site.

Each tool gets its own moto server (S3 + CloudFront over HTTP), a versioned bucket
and a distribution; all deploy the same build in every phase:

  P1 initial deploy · P2 clean rebuild, no change · P3 one-page edit ·
  P4 add one post · P5 delete one post

Requests are counted at the server (moto's access log); after every phase the
bucket is checked against public/ (same keys, same MD5 per key) and the uploaded
keys against the truth (files whose bytes changed). Results go to the "## Deploy"
section of docs/benchmarks.md.

    uv run python bench/deploy_bench.py                 # 5,000 posts, writes docs/benchmarks.md
    uv run python bench/deploy_bench.py --posts 300 --no-write   # a quick smoke run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from deploy.gen_site import generate, post  # noqa: E402

from hugopipe.deploy.cloudfront import url_forms  # noqa: E402
from hugopipe.hugo import hugo_binary, hugo_version  # noqa: E402

VENV_BIN = Path(sys.executable).parent
TOOLS = ("ours", "hugo", "aws")
PHASES = [
    ("P1", "initial deploy"),
    ("P2", "clean rebuild, no change"),
    ("P3", "one-page edit"),
    ("P4", "add one post"),
    ("P5", "delete one post"),
]
ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# A normal install runs from cached bytecode; this sandbox exports PYTHONDONTWRITEBYTECODE=1,
# which made every Python tool (ours and aws-cli) recompile ~1 s of imports on every run.
# The tools get a bytecode cache of their own under the bench's work dir (the venv is untouched).
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
LOG_LINE = re.compile(r'"(GET|PUT|POST|HEAD|DELETE) (\S+) HTTP/[\d.]+" (\d+)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """One moto server process for one tool; its access log is the request counter."""

    def __init__(self, work: Path, name: str) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = work / f"moto-{name}.log"
        self.fh = self.log.open("wb")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.fh,
            stderr=subprocess.STDOUT,
            env=ENV,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        kw = dict(
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        self.s3 = boto3.client("s3", **kw)
        self.cf = boto3.client("cloudfront", **kw)
        self.bucket = f"bench-{name}"
        self.s3.create_bucket(Bucket=self.bucket)
        self.s3.put_bucket_versioning(
            Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"}
        )
        self.dist = self.cf.create_distribution(
            DistributionConfig={
                "CallerReference": uuid.uuid4().hex,
                "Comment": "",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "o1",
                            "DomainName": f"{self.bucket}.s3.amazonaws.com",
                            "OriginPath": "",
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "o1",
                    "ViewerProtocolPolicy": "allow-all",
                    "MinTTL": 0,
                    "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                    "TrustedSigners": {"Enabled": False, "Quantity": 0},
                },
            }
        )["Distribution"]["Id"]

    def log_size(self) -> int:
        self.fh.flush()
        return self.log.stat().st_size

    def requests_since(self, offset: int) -> list[tuple[str, str, int]]:
        with self.log.open("rb") as fh:
            fh.seek(offset)
            text = fh.read().decode("utf-8", "replace")
        return [(m[1], m[2], int(m[3])) for m in LOG_LINE.finditer(text)]

    def invalidations(self) -> dict[str, list[str]]:
        items = self.cf.list_invalidations(DistributionId=self.dist)["InvalidationList"].get(
            "Items", []
        )
        out = {}
        for it in items:
            inv = self.cf.get_invalidation(DistributionId=self.dist, Id=it["Id"])["Invalidation"]
            out[it["Id"]] = inv["InvalidationBatch"]["Paths"].get("Items", [])
        return out

    def bucket_md5s(self) -> dict[str, str]:
        out = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for o in page.get("Contents", []):
                if not o["Key"].startswith(".hugopipe/"):
                    out[o["Key"]] = o["ETag"].strip('"')
        return out

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.fh.close()


def local_md5s(public: Path) -> dict[str, str]:
    return {
        p.relative_to(public).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
        for p in public.rglob("*")
        if p.is_file()
    }


def build(site: Path) -> float:
    shutil.rmtree(site / "public", ignore_errors=True)
    t = time.monotonic()
    subprocess.run([str(hugo_binary()), "--quiet"], cwd=site, check=True, env=ENV)
    elapsed = time.monotonic() - t
    os.sync()  # flush the 80 MB just written, so the first tool does not pay for the writeback
    return elapsed


def write_config(site: Path, servers: dict[str, Moto]) -> None:
    lines = [
        'baseURL = "https://bench.example.org/"',
        'title = "Bench"',
        "[pagination]",
        "pagerSize = 20",
        "[taxonomies]",
        'tag = "tags"',
        'category = "categories"',
        "[deployment]",
    ]
    for name in ("ours", "hugo"):
        if name in servers:
            m = servers[name]
            lines += [
                "[[deployment.targets]]",
                f'name = "{name}"',
                f'url = "s3://{m.bucket}?endpoint={m.endpoint}&use_path_style=true&region=us-east-1"',
                f'cloudFrontDistributionID = "{m.dist}"',
            ]
    (site / "hugo.toml").write_text("\n".join(lines) + "\n")


def run_tool(tool: str, site: Path, m: Moto) -> tuple[float, float, str]:
    if tool == "ours":
        cmds = [
            [
                str(VENV_BIN / "hugopipe"),
                "deploy",
                "--site",
                str(site),
                "--target",
                "ours",
                "--max-deletes",
                "-1",
                "--json",
            ]
        ]
    elif tool == "hugo":
        cmds = [[str(hugo_binary()), "deploy", "--target", "hugo", "--maxDeletes", "-1"]]
    else:
        cmds = [
            [
                str(VENV_BIN / "aws"),
                "s3",
                "sync",
                "public",
                f"s3://{m.bucket}",
                "--delete",
                "--only-show-errors",
                "--endpoint-url",
                m.endpoint,
            ],
            [
                str(VENV_BIN / "aws"),
                "cloudfront",
                "create-invalidation",
                "--distribution-id",
                m.dist,
                "--paths",
                "/*",
                "--endpoint-url",
                m.endpoint,
            ],
        ]
    t = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = ""
    for cmd in cmds:
        p = subprocess.run(cmd, cwd=site, env=ENV, capture_output=True, text=True)
        out += p.stdout
        if p.returncode != 0:
            raise RuntimeError(
                f"{tool} failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
            )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.monotonic() - t, cpu, out


def covered(path: str, inval: list[str]) -> bool:
    from hugopipe.deploy.cloudfront import encode_path

    enc = encode_path(path)
    return any(enc == p or (p.endswith("*") and enc.startswith(p[:-1])) for p in inval)


def mutate(site: Path, phase: str, n: int) -> None:
    posts = site / "content/posts"
    if phase == "P3":
        p = posts / f"post-{n // 2:05d}.md"
        p.write_text(p.read_text() + "\nOne more sentence for the benchmark.\n")
    elif phase == "P4":
        import random

        (posts / f"post-{n:05d}.md").write_text(post(n, random.Random(7)))
    elif phase == "P5":
        (posts / f"post-{n // 4 + 1:05d}.md").unlink()


def warm_bytecode(work: Path, tools: list[str]) -> None:
    """Fill the tools' bytecode cache, as any earlier run on a real machine would have."""
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    if "ours" in tools:
        mods = "hugopipe.cli.main, hugopipe.cli.cmd_deploy, hugopipe.deploy.apply, hugopipe.deploy.fastput"
        subprocess.run([sys.executable, "-c", f"import {mods}"], env=ENV, check=True)
    if "aws" in tools:
        subprocess.run(
            [str(VENV_BIN / "aws"), "--version"], env=ENV, check=True, capture_output=True
        )


def one_run(work: Path, n: int, tools: list[str], run_index: int = 0) -> list[dict]:
    warm_bytecode(work, tools)
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    generate(site, n)
    servers = {t: Moto(work, t) for t in tools}
    rows = []
    try:
        write_config(site, servers)
        previous: dict[str, str] = {}
        for phase, label in PHASES:
            mutate(site, phase, n)
            build_s = build(site)
            public = site / "public"
            now = local_md5s(public)
            changed = {k for k, v in now.items() if previous.get(k) != v}
            deleted = set(previous) - set(now)
            row = {
                "phase": phase,
                "label": label,
                "build_s": round(build_s, 1),
                "files": len(now),
                "changed": len(changed),
                "deleted": len(deleted),
                "loadavg": os.getloadavg()[0],
                "tools": {},
            }
            # rotate the order each phase and each run so no tool always runs first on a phase
            # (load on a shared box drifts, and the second P1 upload runs on a warmer box)
            k = (len(rows) + 1 + run_index) % len(tools)
            for tool in tools[k:] + tools[:k]:
                m = servers[tool]
                offset, inv_before = m.log_size(), m.invalidations()
                wall, cpu, _out = run_tool(tool, site, m)
                reqs = m.requests_since(offset)
                puts = {
                    unquote(urlsplit(u).path.split("/", 2)[2])
                    for meth, u, _ in reqs
                    if meth == "PUT" and urlsplit(u).path.startswith(f"/{m.bucket}/")
                }
                puts = {k for k in puts if not k.startswith(".hugopipe/")}
                inv = [p for i, ps in m.invalidations().items() if i not in inv_before for p in ps]
                bucket = m.bucket_md5s()
                same = bucket == now
                exact = puts == changed
                inval_ok = (
                    all(covered(f, inv) for k in changed | deleted for f in url_forms(k))
                    if (changed or deleted)
                    else not inv
                )
                row["tools"][tool] = {
                    "wall_s": round(wall, 2),
                    "cpu_s": round(cpu, 2),
                    "puts": len(puts),
                    "requests": len(reqs),
                    "lists": sum(1 for meth, u, _ in reqs if meth == "GET" and "list-type" in u),
                    "heads": sum(1 for meth, *_ in reqs if meth == "HEAD"),
                    "deletes": sum(
                        1
                        for meth, u, _ in reqs
                        if meth == "DELETE" or (meth == "POST" and "delete" in u)
                    ),
                    "inval_paths": inv,
                    "bucket_equals_public": same,
                    "uploads_exact": exact,
                    "invalidation_covers": inval_ok,
                }
                print(
                    f"{phase} {tool:5s} {wall:6.2f}s cpu {cpu:5.2f}s puts={len(puts)} reqs={len(reqs)} inval={inv[:6]}"
                    f" bucket==public {same} exact {exact}",
                    file=sys.stderr,
                    flush=True,
                )
            rows.append(row)
            previous = now
    finally:
        for m in servers.values():
            m.stop()
    return rows


def fmt_inval(paths: list[str]) -> str:
    if not paths:
        return "none"
    if len(paths) <= 4:
        return " ".join(f"`{p}`" for p in paths)
    return f"{len(paths)} paths"


def table(runs: list[list[dict]], tools: list[str], n: int, cmd: str) -> str:
    first = runs[0]
    lines = [
        "## Deploy",
        "",
        f"`hugopipe deploy` against `hugo deploy` ({hugo_version()}, the pinned binary, 10 workers) and "
        f"`aws s3 sync --delete` (+ `aws cloudfront create-invalidation --paths '/*'`) on a generated "
        f"{n:,}-post site ({first[0]['files']:,} files). Each tool has its own moto server (S3 + CloudFront over "
        "HTTP on loopback), a versioned bucket and a distribution; all deploy the same clean build in each phase. "
        "Wall time is the whole command (process start included); client CPU is user+sys of the tool's processes "
        "(moto's own CPU excluded); requests are counted in moto's access log; "
        f"{'median of ' + str(len(runs)) + ' runs (each a fresh site, servers and buckets; tool order rotated per phase), the ratio of each run in brackets' if len(runs) > 1 else 'one run'}. "
        "Python tools run from a bytecode cache warmed before P1, as on any machine after the first run. "
        "“exact” = the keys uploaded are exactly the files whose bytes changed; “bucket = public” = same keys and "
        "the same MD5 for every key after the phase.",
        "",
        "| phase | changed / deleted | "
        + " | ".join(
            {
                "ours": "hugopipe s (PUT, req)",
                "hugo": "hugo deploy s (PUT, req)",
                "aws": "aws s3 sync s (PUT, req)",
            }[t]
            for t in tools
        )
        + " | ours / hugo (wall) | client CPU s ("
        + " / ".join(tools)
        + ") | hugopipe invalidation | hugo invalidation |",
        "|---|---|" + "---:|" * len(tools) + "---:|---:|---|---|",
    ]
    verdicts = []
    for i, row in enumerate(first):
        cells = []
        med = {}
        for t in tools:
            walls = [r[i]["tools"][t]["wall_s"] for r in runs]
            med[t] = statistics.median(walls)
            d = row["tools"][t]
            ok = all(r[i]["tools"][t]["bucket_equals_public"] for r in runs)
            exact = all(r[i]["tools"][t]["uploads_exact"] for r in runs)
            cells.append(
                f"{med[t]:.2f} ({d['puts']:,}, {d['requests']:,}){'' if ok else ' ✘bucket'}{'' if exact else ' not exact'}"
            )
        ratio = f"{med['ours'] / med['hugo']:.2f}" if "ours" in med and "hugo" in med else "-"
        if "ours" in med and "hugo" in med and len(runs) > 1:
            per_run = [
                r[i]["tools"]["ours"]["wall_s"] / r[i]["tools"]["hugo"]["wall_s"] for r in runs
            ]
            ratio += f" ({', '.join(f'{x:.2f}' for x in per_run)})"
        cpu = {t: statistics.median(r[i]["tools"][t]["cpu_s"] for r in runs) for t in tools}
        cpu_cell = " / ".join(f"{cpu[t]:.2f}" for t in tools)
        ours_inv = fmt_inval(row["tools"]["ours"]["inval_paths"]) if "ours" in tools else "-"
        hugo_inv = fmt_inval(row["tools"]["hugo"]["inval_paths"]) if "hugo" in tools else "-"
        lines.append(
            f"| {row['phase']} {row['label']} | {row['changed']:,} / {row['deleted']} | "
            + " | ".join(cells)
            + f" | {ratio} | {cpu_cell} | {ours_inv} | {hugo_inv} |"
        )
        if "ours" in tools:
            d = row["tools"]["ours"]
            verdicts.append(
                d["bucket_equals_public"] and d["uploads_exact"] and d["invalidation_covers"]
            )
    lines += [
        "",
        "Correctness gates for hugopipe on every phase (bucket = public, exact uploads, invalidation covers every "
        f"changed URL in its `/dir/` and `/dir/index.html` forms): {'all passed' if all(verdicts) else 'FAILED: ' + str(verdicts)}. "
        "`aws s3 sync` compares size and mtime, so every clean rebuild re-uploads every rendered page (“not exact”). "
        "`hugo deploy` invalidates `/*` on every run that changes anything.",
        "",
        "Load average (1 min) at the start of each phase"
        + (" (run by run)" if len(runs) > 1 else "")
        + ": "
        + "; ".join(", ".join(str(round(r["loadavg"], 1)) for r in run) for run in runs)
        + " "
        "(2 shared vCPUs; other sessions' tests ran at the same time, so wall times carry noise; request counts are exact).",
        "",
        f"Reproduce: `{cmd}`",
        "",
    ]
    return "\n".join(lines)


def write_section(doc: Path, section: str) -> None:
    text = doc.read_text() if doc.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Deploy\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(lambda _: section, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section
    )
    doc.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--work", type=Path, default=ROOT / "bench/out/deploy")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    tools = args.tools.split(",")
    args.work.mkdir(parents=True, exist_ok=True)
    runs = [one_run(args.work, args.posts, tools, i) for i in range(args.runs)]
    (args.work / "results.json").write_text(json.dumps(runs, indent=1))
    cmd = (
        "uv run python bench/deploy_bench.py"
        + (f" --posts {args.posts}" if args.posts != 5000 else "")
        + (f" --runs {args.runs}" if args.runs != 1 else "")
        + (f" --tools {args.tools}" if tools != list(TOOLS) else "")
    )
    section = table(runs, tools, args.posts, cmd)
    print(section)
    if not args.no_write:
        write_section(ROOT / "docs/benchmarks.md", section)


if __name__ == "__main__":
    main()
