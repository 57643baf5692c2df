"""``hugo deploy``, the ``prefect`` CLI and the ``hugopipe`` CLI: their plain production forms.

- ``hugo deploy`` to a production target: ``--target``, else ``HUGO_DEPLOYMENT_TARGET``,
  else the site's default (``[deployment] target``, else its first target).
- ``prefect flow-run resume`` (any ``flow-run`` verb but reading and cancelling), a write
  through ``prefect api`` (reads and ``/filter``/``/count`` queries pass), and
  ``prefect deployment run`` naming production.
- ``hugopipe deploy``/``rollback`` naming production, ``hugopipe run FLOW`` for production
  other than a plain ``run publish`` or ``run rollback [--param to_release=ID]`` (both wait
  for the person before they write), ``hugopipe approve``
  naming production. ``hugopipe approve RUN`` itself asks the Prefect API and refuses a
  production run (exit 3), so the guard does not look the run up.

Which names are production comes from ``config.Knowledge`` (hugopipe's own rule).
"""

from __future__ import annotations

import os
import re

from guard import Block
from guard.config import Project
from guard.lexer import DYN, Word

HUGO_VALUE_OPTS = {"-s", "--source", "--config", "--configDir", "-e", "--environment", "-d"}
HUGO_VALUE_OPTS |= {"--destination", "--themesDir", "--target", "--workers", "--maxDeletes"}
HUGO_VALUE_OPTS |= {"--logLevel", "--cacheDir", "--contentDir", "-t", "--theme", "-b", "--baseURL"}
TARGET_ENV = "HUGO_DEPLOYMENT_TARGET"
FLOW_RUN_OK = {"", "ls", "inspect", "logs", "cancel", "delete", "watch"}
API_QUERY_RE = re.compile(r"/(filter|count|paginate|history)/?$")


def names_any(words: list[Word], names: set[str]) -> str | None:
    """The production name ``words`` mention as a whole word (``--env=live``), if any."""
    text = " ".join(w.text for w in words).lower()
    return next(
        (n for n in sorted(names) if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)), None
    )


def hugo(
    project: Project, rest: list[Word], cwd: str | None, shown: str, target: Word | None
) -> None:
    """Block ``hugo ... deploy`` (the words after ``hugo``) to a production target."""
    i, sub, source = 0, None, None
    while i < len(rest):
        key, eq, val = rest[i].text.partition("=")
        value = Word(val, rest[i].dyn) if eq else rest[i + 1] if i + 1 < len(rest) else None
        if not key.startswith("-"):
            sub = sub or rest[i]
        elif key == "--target":
            target = value
        elif key in ("-s", "--source"):
            source = value
        i += 1 if eq or not key.startswith("-") or key not in HUGO_VALUE_OPTS else 2
    if sub is None or sub.text != "deploy":
        return
    know = project.know
    if know.errors:
        raise Block(
            f"`{shown}`: the project's deploy configuration could not be read: "
            + "; ".join(know.errors[:3])
        )
    if target is not None:
        if target.text.lower() in know.targets:
            raise Block(f"`{shown}` deploys to the production target {target.text!r}")
        return
    site = os.path.normpath(os.path.join(cwd or project.root, source.text)) if source else cwd
    mine = [
        d
        for s, d in know.defaults.items()
        if site and (site == s or site.startswith(s + os.sep) or s.startswith(site + os.sep))
    ]
    for default in mine or list(know.defaults.values()):
        if default and default.lower() in know.targets:
            raise Block(
                f"`{shown}` runs `hugo deploy` without --target; the default target {default!r} is production"
            )


def prefect(rest: list[Word], shown: str, project: Project) -> None:
    """Block ``prefect`` CLI calls (the words after ``prefect``) that resume runs or start production."""
    words = [w for w in rest if not w.text.startswith("-")]
    group, sub = ([*words, Word(""), Word("")])[:2]
    if group.text == "api" and sub.text.upper() not in ("GET", "HEAD", ""):
        path = words[2].text if len(words) > 2 else ""
        if not (sub.text.upper() == "POST" and API_QUERY_RE.search(path)):
            raise Block(f"`{shown}` writes through `prefect api`; use the hugopipe CLI")
    if group.text == "flow-run" and sub.text not in FLOW_RUN_OK:
        raise Block(
            f"`{shown}`: `prefect flow-run {sub.text}` is a human's step; use the hugopipe CLI"
        )
    if group.text == "deployment" and sub.text == "run":
        name = names_any(rest, project.know.names())
        if name:
            raise Block(f"`{shown}` starts a production deployment ({name})")


def hugopipe(rest: list[Word], shown: str, project: Project) -> None:
    """Block a ``hugopipe`` command (the words after ``hugopipe``) that reaches production
    outside the approval flow."""
    words = [w.text for w in rest if not w.text.startswith("-")]
    sub, flow = ([*words, "", ""])[:2]
    if sub not in ("approve", "deploy", "rollback", "run"):
        return
    name = names_any(rest, project.know.names())
    if not name:
        return
    if sub == "approve":
        raise Block(
            f"`{shown}` approves a production run; only a human approves production, in the Prefect UI"
        )
    if sub in ("deploy", "rollback") or flow not in ("publish", "rollback"):
        raise Block(f"`{shown}` touches production ({name}) outside the approval flow")
    # run publish / run rollback: both wait for the person's approval before they write; a
    # rollback may name the release to restore (--param to_release=ID), nothing else
    texts = [w.text for w in rest]
    params = [t.removeprefix("--param=") for t in texts if t.startswith("--param=")]
    params += [
        texts[i + 1] if i + 1 < len(texts) else "" for i, t in enumerate(texts) if t == "--param"
    ]
    allowed = flow == "rollback" and all(p.startswith("to_release=") for p in params)
    if any(t.startswith("--deployment") or DYN in t for t in texts) or (params and not allowed):
        raise Block(
            f"`{shown}`: start production with plain `uv run hugopipe run {flow} --env {name}`"
            + (" [--param to_release=ID]" if flow == "rollback" else "")
        )
