"""Programs that run the rest of their command line: ``env``, ``sudo``, ``xargs``, ``uv run`` …

:func:`unwrap` finds the program a command really runs (skipping ``VAR=value`` prefixes,
wrappers and their options); :func:`mark_xargs` marks the words ``xargs -I R`` fills in
at run time, so ``xargs -I{} aws s3 sync public s3://{}`` is a bucket computed at run time.
"""

from __future__ import annotations

import re

from guard.lexer import ASSIGN_RE, Word, basename

WRAPPERS_VALUE_OPTS: dict[str, set[str]] = {
    "sudo": {"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T"},
    "doas": {"-u", "-C"},
    "env": {"-u", "-C", "-S", "--unset", "--chdir", "--split-string"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
    "nice": {"-n", "--adjustment"},
    "ionice": {"-c", "-n", "-p", "--class", "--classdata"},
    "stdbuf": {"-i", "-o", "-e"},
    "xargs": {"-I", "-i", "-n", "-P", "-d", "-a", "-L", "-l", "-s", "-E", "-e", "--max-args"},
    "flock": {"-w", "-E", "--timeout", "--conflict-exit-code"},
    "watch": {"-n", "-d", "--interval"},
    "time": {"-f", "-o", "--format", "--output"},
    "exec": {"-a"},
    "run0": {"-u", "--user"},
    **{
        name: set()
        for name in (
            *("taskset", "chrt", "nohup", "setsid", "command", "builtin", "chronic"),
            *("unbuffer", "caffeinate", "noglob", "then", "do", "else", "if", "while"),
            *("until", "!"),
        )
    },
}
RUNNERS = ("uv", "poetry", "pdm", "hatch", "pipenv", "rye", "pixi")
UV_VALUE_OPTS = {
    *("--with", "--project", "--directory", "--python", "-p", "--package", "--env-file"),
    *("--extra", "--group", "--with-requirements", "--from", "--index", "--index-url"),
}


def _skip_opts(argv: list[Word], i: int, value_opts: set[str]) -> int:
    while i < len(argv) and argv[i].text.startswith("-"):
        i += 2 if argv[i].text in value_opts else 1
    return i


def unwrap(argv: list[Word]) -> int:
    """Index in ``argv`` of the program the command runs (``len(argv)`` when there is none)."""
    i = 0
    while i < len(argv):
        w = argv[i]
        base = basename(w.text)
        if ASSIGN_RE.match(w.text) and not w.quoted:
            i += 1
            continue
        if base in WRAPPERS_VALUE_OPTS:
            opts = WRAPPERS_VALUE_OPTS[base]
            i += 1
            while i < len(argv) and (argv[i].text.startswith("-") or ASSIGN_RE.match(argv[i].text)):
                i += 2 if argv[i].text in opts else 1
            if base == "timeout" and i < len(argv) and re.match(r"^[\d.]+[smhd]?$", argv[i].text):
                i += 1
            if base in ("flock", "taskset", "chrt") and i < len(argv):
                i += 1
            continue
        if base in RUNNERS and i + 1 < len(argv) and argv[i + 1].text in ("run", "exec"):
            i = _skip_opts(argv, i + 2, UV_VALUE_OPTS)
            if i < len(argv) and argv[i].text == "--":
                i += 1
            continue
        if base in ("uvx", "pipx") or (
            base == "uv"
            and i + 2 < len(argv)
            and argv[i + 1].text == "tool"
            and argv[i + 2].text == "run"
        ):
            i += 3 if base == "uv" else 1
            if base == "pipx" and i < len(argv) and argv[i].text == "run":
                i += 1
            i = _skip_opts(argv, i, UV_VALUE_OPTS)
            continue
        return i
    return i


def mark_xargs(argv: list[Word]) -> list[Word]:
    """``argv`` with the words ``xargs -I R``/``-i``/``--replace`` fills in marked as run-time."""
    argv = list(argv)
    for k, w in enumerate(argv):
        if basename(w.text) != "xargs":
            continue
        marks = []
        for j in range(k + 1, len(argv)):
            t = argv[j].text
            if t == "-I" and j + 1 < len(argv):
                marks.append(argv[j + 1].text)
            elif t.startswith("-I") and len(t) > 2:
                marks.append(t[2:])
            elif t in ("-i", "--replace") or t.startswith("--replace="):
                marks.append(t.split("=", 1)[1] if "=" in t else "{}")
        for j in range(k + 1, len(argv)):
            if any(m and m in argv[j].text for m in marks) and argv[j - 1].text != "-I":
                argv[j] = Word(argv[j].text, True, argv[j].glob, argv[j].quoted)
    return argv
