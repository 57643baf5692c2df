"""``hugopipe plan --env ENV``: what a deploy would upload and delete, writing nothing.

A dry run of the publish flow's first half (build → plan) without Prefect.
Planning only reads the bucket, so it is allowed for production too: seeing
what production would receive is how a human decides whether to approve it.

Credentials and endpoint: the one chain of ``hugopipe.credentials`` (the AWS
environment, else the environment's AwsCredentials block; ``--endpoint-url`` >
``HUGOPIPE_S3_ENDPOINT`` > the block's > the target URL's), with the CLI's block
loader from ``hugopipe.cli.aws_block``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hugopipe.cli.exits import Exit
from hugopipe.cli.output import emit, error, info


def plan_cmd(args: argparse.Namespace) -> int:
    import botocore.exceptions

    from hugopipe import credentials, deploy
    from hugopipe.build import build_site, raise_if_config_failed
    from hugopipe.cli.aws_block import load_block
    from hugopipe.config import ProjectConfig
    from hugopipe.deploy.apply import credentials_problem
    from hugopipe.errors import CredentialsError
    from hugopipe.sites import chosen

    ref = chosen(args.site)
    site = ref.path
    if not site.is_dir():
        error(f"no site directory at {site}", hint="pass --site /path/to/hugo/site")
        return Exit.USAGE
    cfg = ProjectConfig.load(site)
    env_cfg = cfg.environment(args.env)  # ConfigError → exit 2 with the known names
    if args.public:
        public = Path(args.public)
        build_hash = None
    else:
        info(f"building {site} for {args.env} …")
        report = build_site(site, args.env, base_url=env_cfg.base_url, purpose="plan")
        if not report.success:
            raise_if_config_failed(report, site, args.env)
            first = report.errors[0]
            where = f"{first.file}:{first.line}: " if first.file and first.line else ""
            error(
                f"build failed: {where}{first.message}",
                hint="fix the file Hugo names; `hugopipe plan` plans only a good build",
            )
            return Exit.FAILED
        public, build_hash = Path(report.public_dir), report.content_hash
    target = deploy.load_target(site, env_cfg.target)
    access = credentials.for_target(
        target, env_cfg.credentials_block, load_block, args.endpoint_url
    )
    info(access.describe())
    try:
        clients = deploy.connect(target, session=access.session, endpoint_url=access.endpoint)
        plan = deploy.plan_deploy(public, target, clients, build_hash=build_hash)
    except botocore.exceptions.NoCredentialsError as exc:
        raise CredentialsError(
            "no AWS credentials for planning",
            hint="export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or run blocks/register.py",
        ) from exc
    except botocore.exceptions.ClientError as exc:
        if credentials_problem(exc):
            raise CredentialsError(
                f"AWS refused the credentials: {exc}",
                hint="escalate to the user: the credentials are wrong or lack s3:ListBucket/GetObject",
            ) from exc
        raise
    data = {
        "environment": args.env,
        "production": cfg.is_production(args.env),
        "site": str(site),
        "site_name": ref.name,
        "public_dir": str(public),
        "plan": plan.to_summary(),
    }
    emit(data, json_output=args.json, text=plan.to_markdown())
    if plan.blocked:
        error(f"the plan is blocked: {plan.blocked}")
        return Exit.FAILED
    return Exit.OK


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "plan",
        help="dry run: build and show what a deploy would upload/delete (writes nothing)",
        description="Build the site and compare it with the target bucket: uploads, deletes, "
        "invalidations. Read-only, so production is allowed.",
    )
    p.add_argument("--env", required=True, help="dev | staging | production")
    p.add_argument(
        "--site",
        help="the site: its name in hugopipe-workspace.toml or its folder (default: the listed "
        "site holding the current directory, $HUGOPIPE_SITE, the workspace's default, examples/site)",
    )
    p.add_argument("--public", help="plan this already-built directory instead of building")
    p.add_argument(
        "--endpoint-url",
        help="S3 endpoint (overrides $HUGOPIPE_S3_ENDPOINT, the block's and the target URL's)",
    )
    # the old spelling, kept so scripts keep working; hidden from --help
    p.add_argument("--endpoint", dest="endpoint_url", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=plan_cmd)
