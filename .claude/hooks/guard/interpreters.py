"""Programs that run other text: shells, ``eval``, ``source``, Python, Node and friends, ``ssh``.

Each function reads one invocation and answers with what must be inspected next (a
:class:`Follow`: shell text, program code, a script file, or a ``-m`` module's command
line), or raises :class:`Block` for what cannot be inspected at all (code assembled at
run time, a pipe into a shell). The walker (``walk``) does the inspecting, so these
functions never recurse themselves.
"""

from __future__ import annotations

import re

from guard import Block
from guard.lexer import DYN, Word

SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "busybox", "rbash", "yash"}
PY_RE = re.compile(r"^(python|pypy)(\d+(\.\d+)*)?[mwt]?$")
INTERPRETERS = {
    "node": ("-e", "--eval", "-p", "--print"),
    "nodejs": ("-e", "--eval", "-p", "--print"),
    "deno": ("eval",),
    "bun": ("-e", "--eval"),
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "php": ("-r",),
    "lua": ("-e",),
    "Rscript": ("-e",),
    "osascript": ("-e",),
    "pwsh": ("-c", "-Command", "-command"),
    "powershell": ("-c", "-Command", "-command"),
    "tclsh": (),
}
PY_VALUE_OPTS = ("-W", "-X", "--check-hash-based-pycs")
SHELL_VALUE_OPTS = ("-o", "+o", "--rcfile", "--init-file", "-O", "+O")
ASSEMBLED_RE = re.compile(r"exec|eval|compile|__import__|system|subprocess|getattr")


class Follow:
    """Something the walker must inspect next.

    kind: ``shell`` (text), ``code`` (text), ``net`` (text for the substring net only, in
    ``mode`` ``content`` or ``shell``),
    ``script`` (a file path; ``script_kind`` ``shell``/``code``/None = from its ``#!``),
    ``module`` (``python -m NAME``: ``text`` is NAME, ``words`` its arguments).
    """

    def __init__(
        self,
        kind: str,
        text: str,
        *,
        script_kind: str | None = None,
        must_exist: bool = True,
        words: list[Word] | None = None,
        remote: bool = False,
        mode: str = "content",
    ) -> None:
        self.kind, self.text, self.script_kind = kind, text, script_kind
        self.must_exist, self.words, self.remote = must_exist, words or [], remote
        self.mode = mode

    def __repr__(self) -> str:
        return f"Follow({self.kind!r}, {self.text!r})"


def is_interpreter(prog: str) -> bool:
    return prog in SHELLS or bool(PY_RE.match(prog)) or prog in INTERPRETERS


def shell(
    base: str, rest: list[Word], primary: bool, in_pipe: bool, stdin_file: list[Word]
) -> list[Follow]:
    """``sh``/``bash``/… with its options: ``-c TEXT``, a script file, or stdin."""
    i, c_mode, reads_stdin = 0, False, False
    while i < len(rest):
        t = rest[i].text
        if t in SHELL_VALUE_OPTS:
            i += 2
            continue
        if t == "--":
            i += 1
            break
        if re.match(r"^[-+][A-Za-z]+$", t):
            c_mode = c_mode or (t[0] == "-" and "c" in t[1:])
            reads_stdin = reads_stdin or (t[0] == "-" and "s" in t[1:])
            i += 1
            continue
        if t.startswith("--"):
            i += 1
            continue
        break
    if base == "busybox":
        return []
    if c_mode:
        if i >= len(rest):
            raise Block(f"`{base} -c` without a command")
        if rest[i].dyn:
            raise Block(f"`{base} -c` runs text computed at run time; the guard cannot inspect it")
        return [Follow("shell", rest[i].text)]
    if i < len(rest) and not reads_stdin:
        script = rest[i]
        if script.dyn:
            if primary:
                raise Block(f"`{base}` runs a script whose name is computed at run time")
            return []
        if script.text not in ("-", "/dev/stdin"):
            return [Follow("script", script.text, script_kind="shell", must_exist=primary)]
    return _stdin(base, primary, in_pipe, stdin_file, "shell")


def _stdin(
    name: str, primary: bool, in_pipe: bool, stdin_file: list[Word], kind: str
) -> list[Follow]:
    """The program reads its code from stdin: a ``<`` file is read, a pipe cannot be."""
    if not primary:
        return []
    if stdin_file:
        for w in stdin_file:
            if w.dyn:
                raise Block(f"`{name}` reads a script from a file computed at run time")
        return [Follow("script", w.text, script_kind=kind) for w in stdin_file]
    if in_pipe:
        raise Block(
            f"piping into `{name}` runs code the guard cannot inspect; write a script file instead"
        )
    return []


def python(
    rest: list[Word], primary: bool, in_pipe: bool, stdin_file: list[Word], shown: str
) -> list[Follow]:
    """``python -c CODE``, ``python -m MODULE …``, ``python script.py`` or code on stdin."""
    i = 0
    while i < len(rest):
        t = rest[i].text
        if t in PY_VALUE_OPTS:
            i += 2
            continue
        if t == "-c" or (t.startswith("-c") and len(t) > 2 and not t.startswith("--")):
            if t == "-c" and i + 1 >= len(rest):
                return []
            code = rest[i + 1] if t == "-c" else Word(t[2:], rest[i].dyn, False, True)
            if code.dyn and ASSEMBLED_RE.search(code.text):
                raise Block(f"`{shown}` runs code assembled at run time")
            return [Follow("code", code.text.replace(DYN, " "))]
        if t == "-m":
            mod = rest[i + 1].text if i + 1 < len(rest) else ""
            return [Follow("module", mod, words=rest[i + 2 :])]
        if t.startswith("-") and t != "-":
            i += 1
            continue
        break
    if i < len(rest) and rest[i].text != "-":
        script = rest[i]
        if script.dyn:
            if primary:
                raise Block(f"`{shown}` runs a script whose name is computed at run time")
            return []
        return [Follow("script", script.text, script_kind="code", must_exist=primary)]
    return _stdin("python", primary, in_pipe, stdin_file, "code")


def other(
    base: str, rest: list[Word], primary: bool, in_pipe: bool, stdin_file: list[Word]
) -> list[Follow]:
    """``node -e``, ``perl -e``, ``ruby -e`` … or a script file for them."""
    flags = INTERPRETERS[base]
    for k, w in enumerate(rest):
        if w.text in flags and k + 1 < len(rest):
            if rest[k + 1].dyn:
                raise Block(f"`{base}` runs code assembled at run time")
            return [Follow("code", rest[k + 1].text)]
    script = next((w for w in rest if not w.text.startswith("-")), None)
    if script is not None:
        if script.dyn:
            if primary:
                raise Block(f"`{base}` runs a script whose name is computed at run time")
            return []
        return [Follow("script", script.text, script_kind="code", must_exist=primary)]
    if primary and in_pipe and not stdin_file:
        raise Block(f"piping into `{base}` runs code the guard cannot inspect")
    return []


def stdin_body(prog: str, body: str) -> Follow:
    """A heredoc or here-string fed to ``prog``."""
    if prog in SHELLS:
        return Follow("shell", body)
    if PY_RE.match(prog) or prog in INTERPRETERS:
        return Follow("code", body)
    return Follow("net", body)


def eval_(rest: list[Word]) -> list[Follow]:
    payload = " ".join(w.text for w in rest)
    if DYN in payload:
        raise Block("`eval` of text computed at run time cannot be inspected")
    return [Follow("shell", payload)]


def source(base: str, rest: list[Word]) -> list[Follow]:
    if not rest:
        return []
    if rest[0].dyn or rest[0].text in ("/dev/stdin", "-"):
        raise Block(f"`{base}` of a file computed at run time or stdin cannot be inspected")
    return [Follow("script", rest[0].text, script_kind="shell")]


def ssh(rest: list[Word]) -> list[Follow]:
    """The remote command of ``ssh [options] host COMMAND…`` runs elsewhere, but is still read."""
    i = 0
    while i < len(rest) and rest[i].text.startswith("-"):
        i += 2 if re.match(r"^-[pilLRDoFJbcEeImOQSWw]$", rest[i].text) else 1
    remote = " ".join(w.text for w in rest[i + 1 :])
    if not remote:
        return []
    out = [Follow("net", remote.replace(DYN, ""), mode="shell")] if DYN in remote else []
    return [*out, Follow("shell", remote.replace(DYN, "$X"), remote=True)]
