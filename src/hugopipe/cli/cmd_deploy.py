"""``hugopipe deploy``: the deploy stage without a Prefect server, for non-production targets.

For CI and the benchmark: deploys an already built ``public/`` (it builds
nothing), prints the plan and the outcome. Production is refused: it is
published only by the ``publish`` flow after a typed approval in the Prefect UI.

This command is benchmarked against ``hugo deploy`` (bench/deploy_bench.py), so its
start-up is kept lean. Everything below lives in this module only; the core functions it
calls take the same arguments as for any other caller.

- **No pydantic, boto3 or Prefect before the production check.** hugopipe.toml is read with
  ``hugopipe.projectfile`` (stdlib), and a refusal exits before the heavy imports. A rule,
  not a trick: tests/test_config.py checks it.
- **The one trick, early ``hugo config``**: Hugo prints the merged config in a child process
  while Python imports boto3 and pydantic (``hugo config`` takes 0.05-0.08 s on its own).

Measured 2026-12-05 (2 shared cores with other jobs running, load 3-5; 5,000-post bench site,
13,401 files; warm bytecode, ``PYTHONDONTWRITEBYTECODE`` unset; 30 interleaved no-change
deploys against moto, paired medians against the old pair of tricks on, 0.73 s): without
this trick -0.005 s, without a second one (walking ``public/`` on a thread during the
imports) +0.000 s, without both +0.030 s. Each hid the same idle time behind the imports;
the second was dropped, since it needed a speed-only parameter on ``plan_deploy`` and gained
nothing measurable (``remote.gather`` already walks ``public/`` while the state file is
fetched).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from hugopipe import projectfile
from hugopipe.cli.exits import Exit
from hugopipe.cli.output import emit, error, info
from hugopipe.errors import ConfigError, HugopipeError, ProductionRefused

PRODUCTION_HINT = (
    "production is published only by the approval flow: run `hugopipe run publish --env production` "
    "and have a human type DEPLOY TO PRODUCTION in the Prefect UI"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "deploy",
        help="deploy an already built public/ to a non-production target (no Prefect server needed)",
        description="Plan and apply an incremental deploy of <site>/public to a [[deployment.targets]] "
        "entry of the site's Hugo config. Production targets are refused.",
    )
    p.add_argument(
        "--site",
        required=True,
        help="the site: its name in hugopipe-workspace.toml or its folder",
    )
    p.add_argument(
        "--target", required=True, help="[[deployment.targets]] name (dev, staging, ...)"
    )
    p.add_argument(
        "--env",
        help="Hugo environment for the config (default: from hugopipe.toml, else the target name)",
    )
    p.add_argument("--public", type=Path, help="the built site to deploy (default: <site>/public)")
    p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    p.add_argument(
        "--full-check",
        action="store_true",
        help="list and HEAD the bucket instead of trusting the manifest; reports drift",
    )
    p.add_argument(
        "--max-deletes",
        type=int,
        help="refuse the deploy if it would delete more objects (-1: no limit)",
    )
    p.add_argument(
        "--allow-deletes",
        type=int,
        metavar="N",
        help="allow up to N deletes past every delete guard (max-deletes, a quarter of the "
        "bucket, an empty or nearly empty public/); the refusal prints the N to use",
    )
    p.add_argument("--force", action="store_true", help="upload every file")
    p.add_argument(
        "--endpoint-url",
        help="S3 endpoint (overrides $HUGOPIPE_S3_ENDPOINT, the block's and the target URL's)",
    )
    p.add_argument(
        "--wait-invalidation",
        action="store_true",
        help="wait until CloudFront completes the invalidation",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=run)


def git_commit(site: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(site), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


class ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        pct = done * 100 // total
        if pct == self.last and done != total:
            return
        self.last = pct
        width = 30
        fill = width * done // total
        sys.stderr.write(f"\r{self.label} [{'#' * fill}{'.' * (width - fill)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    from hugopipe.sites import named

    ref = named(args.site)  # a listed name, or a folder as before (stdlib: no pydantic yet)
    site: Path = ref.path
    envs = projectfile.environments(projectfile.read(site))  # raw: pydantic is not imported yet
    env = args.env or projectfile.environment_for(args.target, envs)
    if args.env and args.env not in envs:  # a typo must not deploy Hugo's defaults somewhere
        known = ", ".join(envs)
        raise ConfigError(
            f"unknown environment {args.env!r} (known: {known})",
            file=str(projectfile.path_of(site)),
            hint=f"use one of: {known}, or add [environments.{args.env}] to hugopipe.toml",
        )
    if projectfile.is_production(env, envs, target=args.target, site=site):
        raise ProductionRefused(
            f"hugopipe deploy refuses the production target {args.target!r}", hint=PRODUCTION_HINT
        )
    # Trick 1 (module docstring): Hugo prints the merged config while Python imports.
    from hugopipe.hugo import hugo_binary, hugo_env

    hugo_proc = None
    if site.is_dir():
        hugo_proc = subprocess.Popen(
            [str(hugo_binary()), "config", "--environment", env, "--format", "json"],
            cwd=site,
            env=hugo_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    public = args.public or site / "public"
    from hugopipe.deploy import apply_plan, connect, load_target, plan_deploy, target_from_config
    from hugopipe.deploy.targets import site_config_file

    target = None
    if hugo_proc is not None:
        out, _err = hugo_proc.communicate(timeout=300)
        if hugo_proc.returncode == 0:
            target = target_from_config(
                json.loads(out), args.target, environment=env, config_file=site_config_file(site)
            )
    if target is None:  # let load_target raise the error with Hugo's message
        target = load_target(site, args.target, environment=env)
    from hugopipe import credentials
    from hugopipe.cli.aws_block import load_block

    block = str(envs.get(env, {}).get("credentials_block") or credentials.DEFAULT_BLOCK)
    access = credentials.for_target(target, block, load_block, args.endpoint_url)
    clients = connect(target, session=access.session, endpoint_url=access.endpoint)
    # one publish of this site and environment at a time (hugopipe.publishlock): a second
    # deploy waits here, then plans against the release the first one made
    from hugopipe.publishlock import publish_lock

    with publish_lock(site, env, on_wait=info):
        plan = plan_deploy(
            public,
            target,
            clients,
            full_check=args.full_check,
            max_deletes=args.max_deletes,
            allow_deletes=args.allow_deletes,
            force=args.force,
            git_commit=git_commit(site),
        )
        if not args.json:
            emit(None, json_output=False, text=plan.to_markdown())
        for skipped in plan.skipped_local:
            if "outside public/" in skipped:  # never uploaded; say so even with --json
                info(f"warning: {public}/{skipped}")
        if plan.blocked:
            if args.json:
                emit(
                    {"plan": plan.to_summary(), "report": None, "site_name": ref.name},
                    json_output=True,
                )
            error(plan.blocked)
            return Exit.FAILED
        try:
            report = apply_plan(
                plan,
                public,
                target,
                clients,
                progress=ProgressBar(f"deploy {target.name}"),
                dry_run=args.dry_run,
                wait_invalidation=args.wait_invalidation,
            )
        except HugopipeError as exc:
            failed = getattr(exc, "report", None)  # the ApplyReport so far
            if failed is None:
                raise
            if args.json:
                emit(
                    {"plan": plan.to_summary(), "report": failed, "site_name": ref.name},
                    json_output=True,
                )
            else:
                emit(None, json_output=False, text=failed.to_markdown())
            for e in failed.errors:
                info(f"error: {e.operation} {e.key}: {e.code}: {e.message}")
            info(f"deploy failed with {len(failed.errors)} error(s)")
            raise  # rendered, and mapped to its exit code, by cli/exits.py
        if args.json:
            emit(
                {"plan": plan.to_summary(), "report": report, "site_name": ref.name},
                json_output=True,
            )
        else:
            emit(None, json_output=False, text=report.to_markdown())
        return Exit.OK
