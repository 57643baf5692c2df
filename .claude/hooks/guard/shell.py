"""The shell walker: each simple command of a tool call, behind wrappers and inside
``sh -c``, ``eval``, heredocs fed to a shell and ``$(...)``.

Each command's program (after ``VAR=value``, ``env``, ``sudo``, ``timeout``, ``xargs``,
``uv run`` …) picks the rule: ``aws``, ``hugo``, ``hugopipe`` and ``prefect`` are read word
by word (``aws``, ``programs``); any other program but a plain reader (``git``, ``grep``,
``cat``, ``echo`` …) gets the text rules over its words and heredocs (``text``), which
is what catches ``curl``, ``python -c``, ``s3cmd``, ``ssh host '…'``. Scripts and files
are not opened: what a script does at run time meets the credentials, not the guard.
"""

from __future__ import annotations

import os
import re

from guard import Block, aws, programs, protect, text
from guard.config import Project
from guard.lexer import ASSIGN_RE, DYN, Cmd, Word, basename, lex, show

MAX_DEPTH = 8
SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "rbash", "yash"}
READERS = {"git", "grep", "egrep", "fgrep", "rg", "ag", "cat", "less", "more", "head", "tail"}
READERS |= {"ls", "echo", "printf", "wc", "sort", "uniq", "cut", "tr", "jq", "diff", "sed", "awk"}
READERS |= {"tree", "stat", "file", "test", "[", "true", "false", "cd", "pushd", "popd", "pwd"}
READERS |= {"mkdir", "which", "type", "date", "sleep", "basename", "dirname", "realpath", "tee"}
READERS |= {"readlink", "column", "nl", "touch", "chmod", "export", "set", "unset", "exit", ":"}
_OPTS = {
    "sudo": "-u -g -h -p -C -D -r -t -U -T",
    "doas": "-u -C",
    "env": "-u -C -S --unset --chdir",
}
_OPTS |= {
    "timeout": "-s -k --signal --kill-after",
    "nice": "-n",
    "ionice": "-c -n -p",
    "time": "-f -o",
}
_OPTS |= {"stdbuf": "-i -o -e", "xargs": "-I -i -n -P -d -a -L -l -s -E -e", "flock": "-w -E"}
_OPTS |= {"watch": "-n", "exec": "-a"} | dict.fromkeys(
    ("nohup", "setsid", "command", "builtin"), ""
)
_OPTS |= dict.fromkeys(("then", "do", "else", "if", "while", "until", "!"), "")
WRAPPERS = {name: set(opts.split()) for name, opts in _OPTS.items()}
RUNNERS = ("uv", "poetry", "pdm", "hatch", "pipenv", "rye", "pixi")
RUNNER_VALUE_OPTS = {"--with", "--project", "--directory", "--python", "-p", "--package", "--from"}


def unwrap(argv: list[Word]) -> int:
    """Index in ``argv`` of the program the command runs (``len(argv)`` when there is none)."""
    i = 0
    while i < len(argv):
        base = basename(argv[i].text)
        if ASSIGN_RE.match(argv[i].text) and not argv[i].quoted:
            i += 1
        elif base in WRAPPERS:
            i += 1
            while i < len(argv) and (argv[i].text.startswith("-") or ASSIGN_RE.match(argv[i].text)):
                i += 2 if argv[i].text in WRAPPERS[base] else 1
            if i < len(argv) and (
                base == "flock"
                or (base == "timeout" and re.match(r"^[\d.]+[smhd]?$", argv[i].text))
            ):
                i += 1  # the lock file, the duration
        elif (
            base in RUNNERS and argv[i + 1 : i + 2] and argv[i + 1].text in ("run", "exec")
        ) or base in ("uvx", "pipx"):
            i += 1 if base in ("uvx", "pipx") else 2
            while i < len(argv) and argv[i].text.startswith("-"):
                i += 2 if argv[i].text in RUNNER_VALUE_OPTS else 1
            i += i < len(argv) and argv[i].text in ("--", "run")
        elif (
            re.fullmatch(r"python[\d.]*", base) and argv[i + 1 : i + 2] and argv[i + 1].text == "-m"
        ):
            i += 2  # `python -m hugopipe …`, `python -m awscli …`: the module is the program
        else:
            return i
    return i


class Walker:
    """Walks the shell text of one tool call; raises ``Block`` at the first plain way to production."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def shell(self, source: str, depth: int, cwd: str | None) -> None:
        if depth > MAX_DEPTH:
            raise Block("the command nests shells and substitutions too deeply to inspect")
        env: dict[str, str | None] = {}
        for cmd in lex(source, env):
            for sub in cmd.substs:
                self.shell(sub, depth + 1, cwd)
            cwd = self.command(cmd, depth, cwd, env)

    def command(
        self, cmd: Cmd, depth: int, cwd: str | None, env: dict[str, str | None]
    ) -> str | None:
        """Inspect one simple command; returns the working directory after it (``cd``)."""
        i = unwrap(cmd.argv)
        argv, rest = cmd.argv[i:], cmd.argv[i + 1 :]
        if not argv:
            protect.check_command([Word(":")], cmd.redirs, cwd)
            return cwd
        prog, shown = basename(argv[0].text), show(argv)
        protect.check_command(argv, cmd.redirs, cwd)
        if prog in SHELLS or prog == "eval":
            flag = next(
                (k for k, w in enumerate(rest) if re.fullmatch(r"-[a-z]*c[a-z]*", w.text)), None
            )
            bodies = [w.text for w in rest[flag + 1 : flag + 2]] if flag is not None else []
            if prog == "eval":
                bodies = [" ".join(w.text for w in rest)]
            for body in bodies + cmd.heredocs:
                self.shell(body, depth + 1, cwd)
        elif prog in aws.AWS_NAMES:
            aws.check(rest, shown, self.project.know)
        elif prog == "hugo":
            programs.hugo(self.project, rest, cwd, shown, _target(cmd.argv[:i], env))
        elif prog == "hugopipe":
            programs.hugopipe(rest, shown, self.project)
        elif prog not in READERS:
            words = " ".join(w.text for w in argv)
            text.check("\n".join([words, *cmd.heredocs]), self.project.know, f"`{shown}`")
            if prog == "prefect":
                programs.prefect(rest, shown, self.project)
        if prog in ("cd", "pushd") and i == 0:
            if not rest:
                return os.path.expanduser("~")
            return (
                None
                if rest[0].dyn
                else os.path.normpath(os.path.join(cwd or "/", os.path.expanduser(rest[0].text)))
            )
        return cwd


def _target(prefix: list[Word], env: dict[str, str | None]) -> Word | None:
    """``HUGO_DEPLOYMENT_TARGET`` as ``hugo`` sees it: a prefix, an earlier export, the environment."""
    for w in reversed(prefix):
        m = ASSIGN_RE.match(w.text)
        if m and m.group(1) == programs.TARGET_ENV:
            return Word(m.group(3), w.dyn)
    if programs.TARGET_ENV in env:
        return Word(env[programs.TARGET_ENV] or DYN, env[programs.TARGET_ENV] is None)
    value = os.environ.get(programs.TARGET_ENV)
    return Word(value) if value else None
