"""``hugopipe rollback``: restore the previous (or a named) release of a non-production environment.

Production is refused here, by name and by bucket (a target whose bucket or distribution
a production environment writes to, as Hugo's merged configuration names it): the
``rollback`` flow restores production, in the process that holds production's
credentials, after the same approval in the Prefect UI as a publish, bound to the
rollback plan's hash.
"""

from __future__ import annotations

import argparse

from hugopipe.cli.exits import Exit
from hugopipe.cli.output import emit, info
from hugopipe.errors import HugopipeError, ProductionRefused

ROLLBACK_HINT = (
    "production is rolled back only by the rollback flow: run `hugopipe run rollback --env production` "
    "and have a human type DEPLOY TO PRODUCTION in the Prefect UI"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "rollback",
        help="restore the previous release of a non-production environment",
        description="Restore every object of an earlier release byte for byte (from S3 object versions). "
        "Production is refused: use the rollback flow.",
    )
    p.add_argument("--env", required=True, help="environment (dev, staging)")
    p.add_argument(
        "--site",
        help="the site: its name in hugopipe-workspace.toml or its folder (default: the listed "
        "site holding the current directory, else .)",
    )
    p.add_argument(
        "--to", dest="to_release", help="release id to restore (default: the previous release)"
    )
    p.add_argument("--list", action="store_true", help="list the releases in the bucket and exit")
    p.add_argument(
        "--dry-run", action="store_true", help="print what would be restored; change nothing"
    )
    p.add_argument(
        "--endpoint-url",
        help="S3 endpoint (overrides $HUGOPIPE_S3_ENDPOINT, the block's and the target URL's)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hugopipe.config import ProjectConfig
    from hugopipe.deploy import apply_rollback, connect, list_releases, load_target, plan_rollback
    from hugopipe.sites import chosen

    ref = chosen(args.site, cwd_first=True)
    args.site = ref.path
    project = ProjectConfig.load(args.site)
    if project.is_production(args.env):
        raise ProductionRefused(
            f"hugopipe rollback refuses the production environment {args.env!r}", hint=ROLLBACK_HINT
        )
    env = project.environment(args.env)
    target = load_target(args.site, env.target, environment=args.env)
    from hugopipe.deploy import binding

    if binding.target_resources(target) & binding.production_resources(args.site):
        raise ProductionRefused(
            f"hugopipe rollback refuses {args.env!r}: its target s3://{target.bucket} is a "
            "bucket (or distribution) a production environment writes to",
            hint=ROLLBACK_HINT,
        )
    from hugopipe import credentials
    from hugopipe.cli.aws_block import load_block

    access = credentials.for_target(target, env.credentials_block, load_block, args.endpoint_url)
    clients = connect(target, session=access.session, endpoint_url=access.endpoint)
    if args.list:
        releases = list_releases(clients, target)
        emit(
            releases,
            json_output=args.json,
            text="\n".join(f"{r.release_id}  {r.last_modified}" for r in releases) or "no releases",
        )
        return Exit.OK
    plan = plan_rollback(target, clients, args.to_release)
    if not args.json:
        emit(None, json_output=False, text=plan.to_markdown())
    try:
        report = apply_rollback(plan, target, clients, dry_run=args.dry_run)
    except HugopipeError as exc:
        failed = getattr(exc, "report", None)  # the ApplyReport so far
        if failed is None:
            raise
        for e in failed.errors:
            info(f"error: {e.operation} {e.key}: {e.code}: {e.message}")
        info(f"rollback failed with {len(failed.errors)} error(s)")
        raise  # rendered, and mapped to its exit code, by cli/exits.py
    if args.json:
        emit(
            {
                "plan": plan.model_dump(mode="json", exclude={"to_release"}),
                "report": report,
                "site_name": ref.name,
            },
            json_output=True,
        )
    else:
        emit(None, json_output=False, text=report.to_markdown())
    return Exit.OK
