"""``hugopipe validate``: build a site for an environment and check it, or check an existing output.

stdout carries the report (a table, or JSON with ``--json``); progress and the
verdict go to stderr. Exit 0 when nothing blocks, 1 when errors were found
(each names the page and the link), 2 for a bad path or an unknown environment.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from hugopipe.cli.exits import Exit
from hugopipe.cli.output import emit, error, info
from hugopipe.outputwalk import Prewalk, remove_later


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "validate",
        help="build the site and check links, SEO, sitemap, robots, drafts and front matter",
        description="Build SITE for ENV into a temporary directory and validate source and output. "
        "With --public DIR, validate an output that is already built (no build).",
    )
    p.add_argument(
        "--site",
        help="the site: its name in hugopipe-workspace.toml or its folder (default: the "
        "listed site holding the current directory, else ., else the workspace's default)",
    )
    p.add_argument("--env", default="staging", help="Hugo environment (default: staging)")
    p.add_argument("--public", type=Path, help="validate this already-built output; do not build")
    p.add_argument("--base-url", help="with --public: the baseURL the output was built for")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    p.add_argument("--external", action="store_true", help="also check external links (lychee)")
    p.add_argument(
        "--no-build", action="store_true", help="check the source (front matter) only, no build"
    )
    p.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    p.add_argument(
        "--accept-warnings",
        action="store_true",
        help="add this run's warnings to the site's validation-baseline.json, so they stop "
        "asking (errors still fail)",
    )
    p.add_argument("--note", default="", help="with --accept-warnings: why they are accepted")
    p.add_argument(
        "--all",
        action="store_true",
        help="list every finding instead of the summary grouped by rule",
    )
    p.set_defaults(func=run)


_KEEP: list[object] = []


def _keep() -> list[object] | None:
    """Where the page records go when the process ends right after the report
    (``hugopipe.cli.main.entry``): the exit frees them, not 23,000 deallocations
    (trick 3 of ``hugopipe.validate.fastpath``)."""
    from hugopipe.cli import output

    return _KEEP if output.QUICK_EXIT_AHEAD else None


def _environments(site: Path) -> set[str]:
    from hugopipe import projectfile
    from hugopipe.validate.api import _env_names

    return _env_names(site, projectfile.read(site)) | {
        "production",
        "staging",
        "dev",
        "development",
    }


def _is_site(site: Path) -> bool:
    names = ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml", "config.json")
    return site.is_dir() and (any((site / n).exists() for n in names) or (site / "config").is_dir())


def run(args: argparse.Namespace) -> int:
    # list the output in forked children while this process imports the validator
    # (trick 1 of hugopipe.validate.fastpath: started before that module is imported)
    prewalk = None
    if args.public is not None and args.public.is_dir():
        prewalk = Prewalk(args.public.resolve())
    try:
        return _run(args, prewalk)
    finally:
        if prewalk is not None:
            prewalk.close()


def _run(args: argparse.Namespace, prewalk: Prewalk | None) -> int:
    from hugopipe import projectfile
    from hugopipe.sites import chosen
    from hugopipe.validate import ValidationReport, check_external, fastpath

    ref = chosen(args.site, cwd_first=True)
    site: Path = ref.path
    args.site = args.site or str(site)
    has_site = _is_site(site)
    if args.public is None and not has_site:
        error(
            f"{args.site} is not a Hugo site",
            hint="pass --site PATH (the folder with hugo.toml or config/)",
        )
        return Exit.USAGE
    if args.accept_warnings and not has_site:
        error(
            "--accept-warnings needs the site: the baseline file lives in its folder",
            hint="pass --site PATH (the folder with hugo.toml or config/)",
        )
        return Exit.USAGE
    if has_site and args.env not in (known := _environments(site)):
        error(
            f"unknown environment {args.env!r}: {site / 'hugopipe.toml'} and {site / 'config'}/ "
            f"define {', '.join(sorted(known)) or 'none'}",
            hint="pass --env with one of those, or add [environments.NAME] to hugopipe.toml",
        )
        return Exit.USAGE
    site_conf = projectfile.read(site) if has_site else {}
    production = projectfile.is_production(args.env, projectfile.environments(site_conf))
    raw = site_conf.get("validate") or {}

    if args.public is not None:
        public = args.public.resolve()
        if not public.is_dir():
            error(f"{args.public} is not a directory", hint="pass --public DIR of a built site")
            return Exit.USAGE
        from hugopipe.validate.api import resolve_base_url

        base_url, base_from = resolve_base_url(
            public, args.base_url, site if has_site else None, args.env
        )
        if base_from not in ("option", "hugo config") and (args.json or args.all):
            # the summary (the default output) says it itself: once, not twice
            info(f"base URL {base_url} (from {base_from}; pass --base-url to set it)")
        report = fastpath.public_report(
            public,
            base_url=base_url,
            base_url_from=base_from,
            env=args.env,
            production=production,
            raw=raw,
            site_dir=site if has_site else None,
            jobs=args.jobs,
            prewalk=prewalk,
            keep=_keep(),
        )
    elif args.no_build:
        from hugopipe.validate import validate_source

        report = validate_source(site, args.env, config=raw)
    else:
        from hugopipe.build import build_site

        tmp = tempfile.mkdtemp(prefix="hugopipe-validate-")
        try:
            info(f"building {args.site} for {args.env} …")
            build = build_site(site, args.env, destination=Path(tmp) / "public")
            if not build.success:
                report = _build_failed(build, args.env, production, site, raw)
            else:
                from hugopipe.validate.api import site_inputs

                inputs = site_inputs(site, args.env, production, raw)
                report = fastpath.site_report(
                    site,
                    Path(build.public_dir),
                    args.env,
                    production=inputs.production,
                    source_production=inputs.source_production,
                    raw=inputs.raw,
                    base_url=inputs.base_url,
                    jobs=args.jobs,
                    keep=_keep(),
                )
                if args.external:
                    report.merge(
                        check_external(
                            Path(build.public_dir),
                            config=raw,
                            cache_dir=site / ".hugopipe" / "lychee",
                            base_url=report.base_url,
                            env=args.env,
                            production=report.production,
                        )
                    )
        finally:
            remove_later(tmp)  # the report does not wait for 20,000 files to be deleted
    if args.external and args.public is not None:
        report.merge(
            check_external(
                args.public,
                config=raw,
                base_url=report.base_url,
                env=args.env,
                production=report.production,
            )
        )
    assert isinstance(report, ValidationReport)
    if has_site:
        report.site_name = ref.name
    if args.accept_warnings:
        _accept_warnings(report, site, args.note)
    emit(
        report,
        json_output=args.json,
        text=report.to_text() if args.all else report.to_summary(),
    )
    c = report.counts()
    if report.ok:
        info(f"validation passed: {c['warnings']} warning(s), {c['accepted']} accepted")
        return Exit.OK
    first = report.errors[0]
    link = f" → {first.url}" if first.url else ""
    error(
        f"validation failed: {c['errors']} error(s); first: {first.location()}{link}: {first.message}",
        hint=first.hint,
    )
    return Exit.FAILED


def _accept_warnings(report, site: Path, note: str) -> None:
    """Write the report's open warnings to the site's baseline and mark them accepted."""
    from hugopipe.validate import baseline

    warnings = report.warnings
    if not warnings:
        info("no warnings to accept")
        return
    path = baseline.accept(site, warnings, note=note, by="hugopipe validate --accept-warnings")
    n = baseline.load(site).apply(warnings)
    report.suppressed += n
    info(f"accepted {len(warnings)} warning(s) into {path}")


def _build_failed(build, env: str, production: bool, site: Path, raw: dict):
    from hugopipe.build import raise_if_config_failed
    from hugopipe.validate import validate_source
    from hugopipe.validate.findings import Finding

    raise_if_config_failed(build, site, env)
    report = validate_source(site, env, config=raw)
    for e in build.errors:
        report.findings.append(
            Finding.of(
                "B1",
                getattr(e, "file", None) or "(hugo build)",
                e.message,
                line=getattr(e, "line", None),
            )
        )
    report.production = production
    report.sort()
    return report
