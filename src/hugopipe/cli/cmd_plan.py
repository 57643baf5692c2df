"""``hugopipe plan --env ENV``: what a deploy would upload and delete, writing nothing.

A dry run of the publish flow's first half (build → plan) without Prefect.
Planning only reads the bucket, so it is allowed for production too: seeing
what production would receive is how a human decides whether to approve it.

Credentials: the standard AWS chain (environment, profile); when it has none,
the ``hugopipe-aws`` AwsCredentials block read over the REST API, in memory
only. Endpoint: ``--endpoint`` > ``HUGOPIPE_S3_ENDPOINT`` > the block's > the
target URL's.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from hugopipe.cli.output import Exit, emit, error, info

BLOCK_TYPE = "aws-credentials"


def read_block(name: str, *, include_secrets: bool) -> dict[str, Any] | None:
    """The block document's data, or None when there is no such block or no reachable API."""
    from hugopipe.errors import HugopipeError
    from hugopipe.prefect_rest import NotFound, PrefectApi

    path = f"/block_types/slug/{BLOCK_TYPE}/block_documents/name/{name}"
    try:
        with PrefectApi(timeout=5) as api:
            doc = api.request("GET", path, params={"include_secrets": str(include_secrets).lower()})
    except (NotFound, HugopipeError):
        return None
    return (doc or {}).get("data") or {}


def aws_session(block_name: str, profile: str | None = None) -> tuple[Any, str | None, str]:
    """(boto3 session, endpoint from the block, where the credentials came from).

    The AWS environment first (variables, shared files, ``profile`` — the Hugo target's),
    else the Prefect block the environment names: the same chain for plan, deploy and
    rollback as for the flows' tasks, so a machine set up for one works for all.
    """
    import boto3

    session = boto3.Session(profile_name=profile) if profile else boto3.Session()
    if session.get_credentials() is not None:
        return session, None, "the AWS environment"
    data = read_block(block_name, include_secrets=True)
    if not data or not data.get("aws_access_key_id"):
        return session, None, "nowhere (no AWS credentials found)"
    session = boto3.Session(
        aws_access_key_id=data.get("aws_access_key_id"),
        aws_secret_access_key=data.get("aws_secret_access_key"),
        aws_session_token=data.get("aws_session_token"),
        region_name=data.get("region_name"),
    )
    endpoint = (data.get("aws_client_parameters") or {}).get("endpoint_url")
    return session, endpoint, f"the {block_name} block"


def s3_session(block_name: str, target: Any, endpoint: str | None) -> tuple[Any, str | None, str]:
    """``aws_session`` for a command that talks to ``target`` (plan, deploy, rollback), with
    the endpoint to use: ``endpoint`` (the command's flag) > $HUGOPIPE_S3_ENDPOINT > the
    block's; None leaves the target URL's endpoint to ``connect``."""
    session, from_block, source = aws_session(block_name, target.profile)
    return session, endpoint or os.environ.get("HUGOPIPE_S3_ENDPOINT") or from_block, source


def plan_cmd(args: argparse.Namespace) -> int:
    import botocore.exceptions

    from hugopipe import deploy
    from hugopipe.build import build_site
    from hugopipe.config import ProjectConfig
    from hugopipe.deploy.apply import credentials_problem
    from hugopipe.errors import CredentialsError
    from hugopipe.taskfile import default_site

    site = Path(args.site).expanduser() if args.site else default_site()
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
        report = build_site(site, args.env, base_url=env_cfg.base_url)
        if not report.success:
            first = report.errors[0]
            where = f"{first.file}:{first.line}: " if first.file and first.line else ""
            error(
                f"build failed: {where}{first.message}",
                hint="fix the file Hugo names; `hugopipe plan` plans only a good build",
            )
            return Exit.FAILED
        public, build_hash = Path(report.public_dir), report.content_hash
    target = deploy.load_target(site, env_cfg.target)
    session, endpoint, source = s3_session(env_cfg.credentials_block, target, args.endpoint)
    info(f"credentials from {source}; endpoint {endpoint or target.endpoint or 'AWS default'}")
    try:
        clients = deploy.connect(target, session=session, endpoint_url=endpoint)
        plan = deploy.plan_deploy(public, target, clients, build_hash=build_hash)
    except botocore.exceptions.NoCredentialsError as exc:
        raise CredentialsError(
            "no AWS credentials for planning",
            hint="export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or run blocks/register.py",
        ) from exc
    except botocore.exceptions.EndpointConnectionError as exc:
        error(
            f"cannot reach the S3 endpoint: {exc}",
            hint="check HUGOPIPE_S3_ENDPOINT / the target URL",
        )
        return Exit.UNAVAILABLE
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
    p.add_argument("--site", help="site directory (default: $HUGOPIPE_SITE or examples/site)")
    p.add_argument("--public", help="plan this already-built directory instead of building")
    p.add_argument("--endpoint", help="S3 endpoint URL (default: $HUGOPIPE_S3_ENDPOINT)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=plan_cmd)
