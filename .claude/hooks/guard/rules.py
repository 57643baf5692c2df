"""The ``hugopipe`` command line: what Claude may run, and what only a human runs.

- ``approve RUN`` only for a run the Prefect API shows to be clearly not production
  (``prefect.check_run``); naming a production environment anywhere blocks it outright.
- ``deploy``/``rollback`` naming production (or with arguments computed at run time).
- ``run FLOW`` for production: only the flows that wait for the human's DEPLOY TO
  PRODUCTION before they write: ``run publish --env production``, plain (no
  ``--deployment``/``--param``), and ``run rollback --env production`` (no
  ``--deployment``; ``--param`` only ``to_release=…``, the release to restore).

Which names are production comes from ``config.Knowledge`` (hugopipe's own rule, from
``hugopipe.projectfile``). Everything else (``validate``, ``status``, ``runs``, ``reject``,
``plan``, ``doctor`` …) is routine and passes.
"""

from __future__ import annotations

import re

from guard import Block
from guard.config import Knowledge
from guard.lexer import DYN, Word
from guard.prefect import check_run, names_any

APPROVE_VALUE_OPTS = ("--input", "--note", "--site")
APPROVE_TEXT_RE = re.compile(
    r"\bhugopipe(?:\.cli)?(?:\.main)?\b[\s\"',\[\]()]{1,8}approve\b|main\(\s*\[\s*[\"']approve[\"']"
)


def check(rest: list[Word], shown: str, know: Knowledge) -> None:
    """Block a ``hugopipe`` command (the words after ``hugopipe``) that reaches production."""
    words = [w for w in rest if not w.text.startswith("-")]
    if not words:
        return
    sub = words[0]
    if sub.dyn:
        raise Block(f"`{shown}`: the hugopipe command is computed at run time")
    text = " ".join(w.text for w in rest)
    names_prod = names_any(text, know.prod_names())
    if sub.text == "approve":
        if names_prod:
            raise Block(
                f"`{shown}` approves a production run; only a human approves production, in the Prefect UI"
            )
        for w in run_ids(rest[1:]):
            if w.dyn:
                raise Block(f"`{shown}`: the run id is computed at run time")
            check_run(w.text, shown, know)
    elif sub.text in ("deploy", "rollback"):
        if DYN in text or names_prod:
            raise Block(f"`{shown}` touches production outside the approval flow")
    elif sub.text == "run":
        flow = words[1].text if len(words) > 1 else ""
        if DYN in text and flow != "publish":
            raise Block(f"`{shown}`: arguments computed at run time")
        if names_prod and flow not in WAITING_FLOWS:
            raise Block(
                f"`{shown}`: only the publish and rollback flows (which wait for a person) may "
                "be started for production"
            )
        if names_prod and flow == "rollback":
            if "--deployment" in text or any(not p.startswith("to_release=") for p in params(rest)):
                raise Block(
                    f"`{shown}`: start a production rollback with `uv run hugopipe run rollback "
                    "--env production [--param to_release=ID]` (no --deployment, no other --param)"
                )
        elif names_prod and re.search(r"--deployment|--param", text):
            raise Block(
                f"`{shown}`: start production with plain `uv run hugopipe run publish --env production` "
                "(no --deployment/--param)"
            )


#: the flows whose production runs wait for the human's approval before they write
WAITING_FLOWS = ("publish", "rollback")


def params(rest: list[Word]) -> list[str]:
    """The values of ``--param`` (``--param K=V`` and ``--param=K=V``)."""
    out, take = [], False
    for w in rest:
        if take:
            out.append(w.text)
            take = False
        elif w.text == "--param":
            take = True
        elif w.text.startswith("--param="):
            out.append(w.text.removeprefix("--param="))
    return out + ([""] if take else [])


def run_ids(args: list[Word]) -> list[Word]:
    """The run ids of ``hugopipe approve`` (its positional words)."""
    ids, skip = [], False
    for w in args:
        if skip:
            skip = False
        elif w.text in APPROVE_VALUE_OPTS:
            skip = True
        elif not w.text.startswith("-"):
            ids.append(w)
    return ids
