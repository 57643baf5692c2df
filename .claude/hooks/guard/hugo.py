"""``hugo deploy``: which target a command deploys to, and whether that target is production.

Hugo takes the target from ``--target``, else from ``HUGO_DEPLOYMENT_TARGET`` in the
environment, else from the site's ``[deployment] target``, else the first target. A
target the project does not define is refused too: the guard cannot tell where it goes.
"""

from __future__ import annotations

import os
import re

from guard import Block
from guard.config import Project
from guard.lexer import Word

VALUE_OPTS = {
    "-s",
    "--source",
    "--config",
    "--configDir",
    "-e",
    "--environment",
    "-d",
    "--destination",
    "--themesDir",
    "--target",
    "--workers",
    "--maxDeletes",
    "--logLevel",
    "--cacheDir",
    "--contentDir",
    "--layoutDir",
    "-t",
    "--theme",
    "-b",
    "--baseURL",
    "-c",
}
DEPLOY_TEXT_RE = re.compile(
    r"\bhugo\b[\s\"',\[\]]{1,6}(?:[^\n;|&]{0,200}?[\s\"',\[\]])?deploy\b[^\n;|&]*"
)
TARGET_ENV = "HUGO_DEPLOYMENT_TARGET"


def check(
    project: Project, rest: list[Word], cwd: str | None, shown: str, env_target: Word | None = None
) -> None:
    """Block ``hugo ... deploy`` (the words after ``hugo``) to a production or unknown target."""
    i, sub, source = 0, None, None
    target: Word | None = env_target
    configs: list[Word | None] = []
    while i < len(rest):
        t = rest[i].text
        key, eq, val = t.partition("=")
        if not t.startswith("-"):
            sub = rest[i] if sub is None else sub
            i += 1
            continue
        value = None
        if eq:
            value = Word(val, rest[i].dyn, False, True)
            i += 1
        elif key in VALUE_OPTS and i + 1 < len(rest):
            value = rest[i + 1]
            i += 2
        else:
            i += 1
        if key == "--target":
            target = value
        elif key in ("-s", "--source"):
            source = value
        elif key in ("--config", "--configDir"):
            configs.append(value)
    if sub is None or sub.text != "deploy":
        if sub is not None and sub.dyn:
            raise Block(f"`{shown}`: the Hugo subcommand is computed at run time")
        return
    know = project.know
    if know.errors:
        raise Block(
            f"`{shown}`: the project's deploy configuration could not be read: "
            + "; ".join(know.errors[:3])
        )
    site = None
    if source is not None:
        if source.dyn:
            raise Block(f"`{shown}`: --source is computed at run time")
        site = os.path.normpath(os.path.join(cwd or project.root, source.text))
        if site not in know.sites:
            project.learn_extra(site)
    for c in configs:
        if c is None or c.dyn:
            raise Block(f"`{shown}`: --config is computed at run time")
        project.learn_extra(
            os.path.dirname(os.path.normpath(os.path.join(cwd or project.root, c.text)))
        )
    if target is None:
        check_default(project, site or cwd, f"`{shown}`")
    elif target.dyn:
        raise Block(f"`{shown}`: the deploy target is computed at run time")
    else:
        check_target(project, target.text, f"`{shown}`")


def check_target(project: Project, name: str, where: str) -> None:
    know = project.know
    if know.is_prod_target(name):
        raise Block(f"{where} deploys to the production target {name!r}")
    if not know.known_target(name):
        raise Block(
            f"{where} deploys to target {name!r}, which no Hugo config in the project defines"
        )


def check_default(project: Project, site: str | None, where: str) -> None:
    """``hugo deploy`` without ``--target``: the default of the site (or of every site)."""
    know = project.know
    candidates = [
        default
        for s, default in know.site_defaults.items()
        if site is None
        or site == s
        or site.startswith(s + os.sep)
        or s.startswith(site.rstrip("/") + os.sep)
    ]
    if not candidates:
        candidates = list(know.site_defaults.values()) or [None]
    for default in candidates:
        if default is None:
            raise Block(
                f"{where} runs `hugo deploy` without --target and the default target is unknown"
            )
        if know.is_prod_target(default):
            raise Block(
                f"{where} runs `hugo deploy` without --target; the default target {default!r} is production"
            )


def check_text(project: Project, text: str, where: str) -> None:
    """``hugo deploy`` found in code or a file being written (a CI workflow, a Makefile)."""
    for hm in DEPLOY_TEXT_RE.finditer(text):
        m = re.search(r"--target[\s=\"',]+([\w.\-]+)", hm.group(0))
        if m:
            check_target(project, m.group(1), where)
        else:
            check_default(project, None, where)
