"""The shell walker: every simple command, every wrapper, every nested shell, script and heredoc.

:meth:`Walker.shell` lexes a command line, casts the substring net over it (``text``) and
looks at each simple command: redirections into the guard's files, the program it runs
behind wrappers (``wrappers``), and every suffix of its words that starts with a program
the guard knows (``aws``, ``hugo``, ``prefect``, ``hugopipe``, shells and interpreters),
so an unknown wrapper (``flock LOCK aws …``, ``docker exec web aws …``) hides nothing.
Text those programs run (``sh -c``, ``eval``, heredocs, script files, ``python -c``) is
walked again, at most :data:`MAX_DEPTH` deep.
"""

from __future__ import annotations

import os
import re

from guard import Block, aws, hugo, interpreters, prefect, rules, text
from guard.config import Project
from guard.interpreters import INTERPRETERS, PY_RE, SHELLS, Follow
from guard.lexer import ASSIGN_RE, DYN, Cmd, Word, basename, lex, show
from guard.protect import Protected, protected_file
from guard.wrappers import mark_xargs, unwrap

MAX_DEPTH = 8
MAX_SCRIPT_BYTES = 2_000_000
WRITE_REDIRS = (">", ">>", ">|", "&>", "&>>", "<>")
COMPUTED_PROGRAM_RE = re.compile(
    r"(?<![\w-])(s3|s3api|sync|cp|deploy|approve|resume|api|create-invalidation|cloudfront|-c)(?![\w-])"
)
EMBEDDED_SHELL_RE = re.compile(
    r"([\"'])((?:aws|hugo|prefect|hugopipe|sh|bash|eval|curl|uv)\b[^\"'\n]*)\1"
)
GIT_RUNS_HOOKS = {
    "commit",
    "merge",
    "push",
    "rebase",
    "checkout",
    "switch",
    "am",
    "pull",
    "cherry-pick",
}


class Walker:
    """Walks the shell text of one tool call; raises ``Block`` at the first way to production."""

    def __init__(self, project: Project, protected: Protected) -> None:
        self.project, self.protected = project, protected

    # ---- shell text --------------------------------------------------------------------
    def shell(
        self,
        source: str,
        depth: int,
        cwd: str | None,
        piped: bool = False,
        script: str | None = None,
    ) -> None:
        if depth > MAX_DEPTH:
            raise Block("the command nests shells/substitutions too deeply to inspect")
        env: dict[str, str | None] = {}
        cmds = lex(source, env, script)
        text.check(self.project, source, "shell", aws_reads=self._aws_only(cmds))
        for idx, cmd in enumerate(cmds):
            for sub in cmd.substs + cmd.procsubs:
                self.shell(sub, depth + 1, cwd, script=script)
            in_pipe = cmd.op == "|" or (idx == 0 and piped)
            cwd = self.command(cmd, depth, cwd, in_pipe, env)

    def _aws_only(self, cmds: list[Cmd]) -> bool:
        """Does every command naming production storage run plain, static ``aws``?"""
        know = self.project.know
        if not (know.prod_buckets or know.prod_dists):
            return False
        naming = [
            c for c in cmds if text.names_storage(_source_of(c), know.prod_buckets, know.prod_dists)
        ]
        return bool(naming) and all(_static_aws(c) for c in naming)

    def command(
        self, cmd: Cmd, depth: int, cwd: str | None, in_pipe: bool, env: dict[str, str | None]
    ) -> str | None:
        """Inspect one simple command; returns the working directory after it (``cd``)."""
        argv = mark_xargs(cmd.argv)
        prefix: list[Word] = []
        while argv and ASSIGN_RE.match(argv[0].text) and not argv[0].quoted:
            prefix.append(argv.pop(0))
        for op, w in cmd.redirs:
            if op in WRITE_REDIRS:
                self.protected.check_redirect(w, cwd)
        if not argv:
            for body in cmd.heredocs:
                text.check(self.project, body, "content", "a heredoc")
            return cwd
        prim = unwrap(argv)
        if prim >= len(argv):
            return cwd
        prog_word = argv[prim]
        prog = basename(prog_word.text)
        # "$VENV/python -c …": only the directory is computed, the program is known (python)
        if (
            prog_word.dyn
            and DYN in prog
            and COMPUTED_PROGRAM_RE.search(" ".join(w.text for w in argv[prim + 1 :]))
        ):
            raise Block(f"the program name in `{show(argv)}` is computed at run time")
        # heredocs / here-strings feed the program's stdin
        for body in cmd.heredocs:
            self.follow([interpreters.stdin_body(prog, body)], depth, cwd)
        for w in cmd.herestrings:
            if DYN in w.text and interpreters.is_interpreter(prog):
                raise Block(f"`{prog}` runs a here-string computed at run time")
            self.follow([interpreters.stdin_body(prog, w.text)], depth, cwd)
        stdin_file = [w for op, w in cmd.redirs if op == "<"]
        env_target = _env_target(prefix + argv[:prim], env)
        # every suffix that starts with a key program (covers arbitrary wrappers)
        for j in range(len(argv)):
            follows = self.program(
                argv[j:], j == prim, depth, cwd, in_pipe and j == prim, stdin_file, env_target
            )
            self.follow(follows, depth, cwd)
        # executing a file by path
        if (
            "/" in prog_word.text
            and not prog_word.dyn
            and prog not in SHELLS
            and not PY_RE.match(prog)
        ):
            self.scan_script(prog_word.text, cwd, depth, must_exist=True, kind=None)
        self.protected.check_command(argv, prim, cwd)
        if prog in ("cd", "pushd") and prim == 0:
            target = argv[1] if len(argv) > 1 else None
            if target is None:
                return os.path.expanduser("~")
            if target.dyn:
                return None
            return os.path.normpath(os.path.join(cwd or "/", os.path.expanduser(target.text)))
        return cwd

    def program(
        self,
        args: list[Word],
        primary: bool,
        depth: int,
        cwd: str | None,
        in_pipe: bool,
        stdin_file: list[Word],
        env_target: Word | None,
    ) -> list[Follow]:
        """Rules for the program ``args[0]``; returns the text it runs, to be walked next."""
        base, rest, shown = basename(args[0].text), args[1:], show(args)
        if base in aws.AWS_NAMES:
            aws.check(rest, shown, self.project.know)
        elif base == "hugo":
            hugo.check(self.project, rest, cwd, shown, env_target)
        elif base == "prefect":
            prefect.check(rest, shown, self.project.know)
        elif base == "hugopipe":
            rules.check(rest, shown, self.project.know)
        elif base in SHELLS:
            return interpreters.shell(base, rest, primary, in_pipe, stdin_file)
        elif PY_RE.match(base):
            return interpreters.python(rest, primary, in_pipe, stdin_file, shown)
        elif base in INTERPRETERS:
            return interpreters.other(base, rest, primary, in_pipe, stdin_file)
        elif base == "eval" and primary:
            return interpreters.eval_(rest)
        elif base in ("source", ".") and primary:
            return interpreters.source(base, rest)
        elif base == "ssh":
            return interpreters.ssh(rest)
        elif base in ("make", "gmake") and primary:
            self.scan_build_files(rest, cwd, ("Makefile", "makefile", "GNUmakefile"), "-f")
        elif base == "just" and primary:
            self.scan_build_files(rest, cwd, ("justfile", "Justfile", ".justfile"), "--justfile")
        elif base in ("npm", "pnpm", "yarn", "bun") and primary:
            self.scan_build_files([], cwd, ("package.json",), None)
        elif base == "git" and primary:
            sub = next((w.text for w in rest if not w.text.startswith("-")), "")
            if sub in GIT_RUNS_HOOKS:
                self.scan_git_hooks(cwd, depth)
        return []

    def follow(self, follows: list[Follow], depth: int, cwd: str | None) -> None:
        for f in follows:
            here = None if f.remote else cwd
            if f.kind == "shell":
                self.shell(f.text, depth + 1, here)
            elif f.kind == "code":
                self.code(f.text, depth, cwd)
            elif f.kind == "net":
                text.check(
                    self.project, f.text, f.mode, "a heredoc" if f.mode == "content" else None
                )
            elif f.kind == "script":
                self.scan_script(f.text, cwd, depth, f.must_exist, f.script_kind)
            elif f.kind == "module":
                self.module(f.text, f.words)

    def module(self, name: str, words: list[Word]) -> None:
        """``python -m NAME …``: the same rules as the program of that name."""
        shown = show([Word("python -m " + name, False), *words])
        top = name.split(".")[0]
        if top == "hugopipe":
            rules.check(words, shown, self.project.know)
        elif name == "awscli":
            aws.check(words, shown, self.project.know)
        elif top == "prefect":
            prefect.check(words, shown, self.project.know)

    def code(self, source: str, depth: int, cwd: str | None) -> None:
        text.check(self.project, source, "code")
        # shell commands embedded in the code (os.system("..."), subprocess.run("...", shell=True))
        for m in EMBEDDED_SHELL_RE.finditer(source):
            self.shell(m.group(2), depth + 1, cwd)

    # ---- files that will run --------------------------------------------------------------
    def scan_script(
        self, path: str, cwd: str | None, depth: int, must_exist: bool, kind: str | None
    ) -> None:
        if depth > MAX_DEPTH:
            raise Block("scripts call scripts too deeply to inspect")
        base = cwd or self.project.root
        if protected_file(path, base):
            return  # the guard itself (a test runs the hook): only a human changes it
        full = os.path.normpath(os.path.join(base, os.path.expanduser(path)))
        if not os.path.isfile(full):
            if must_exist:
                raise Block(
                    f"cannot inspect {path}: it does not exist (yet) when the command is checked"
                )
            return
        with open(full, "rb") as fh:
            data = fh.read(MAX_SCRIPT_BYTES + 1)
        if len(data) > MAX_SCRIPT_BYTES:
            if must_exist:
                raise Block(f"{path} is too large for the guard to inspect")
            return
        if b"\x00" in data[:8192]:
            return  # a compiled binary: not a script
        source = data.decode("utf-8", "replace")
        if kind is None:
            first = source.split("\n", 1)[0]
            shebang_shell = not first.startswith("#!") or re.search(r"\b(ba|z|da|k)?sh\b", first)
            kind = "shell" if shebang_shell else "code"
        where = f"the script {path}"
        if kind != "shell":
            text.check(self.project, source, "code", where)
        try:
            if kind == "shell":
                self.shell(source, depth + 1, cwd, script=full)
            else:
                self.code(source, depth + 1, cwd)
        except Block as b:
            raise Block(f"{where}: {b}") from None

    def scan_build_files(
        self, rest: list[Word], cwd: str | None, names: tuple[str, ...], flag: str | None
    ) -> None:
        base = cwd or self.project.root
        files = [os.path.join(base, n) for n in names]
        for k, w in enumerate(rest):
            if flag and w.text == flag and k + 1 < len(rest):
                files.append(os.path.join(base, rest[k + 1].text))
            if w.text == "-C" and k + 1 < len(rest):
                files += [os.path.join(base, rest[k + 1].text, n) for n in names]
        for f in files:
            if os.path.isfile(f):
                with open(f, encoding="utf-8", errors="replace") as fh:
                    body = fh.read(MAX_SCRIPT_BYTES)
                text.check(self.project, body, "content", f"the build file {f}")

    def scan_git_hooks(self, cwd: str | None, depth: int) -> None:
        hooks = os.path.join(cwd or self.project.root, ".git", "hooks")
        if not os.path.isdir(hooks):
            return
        for n in os.listdir(hooks):
            p = os.path.join(hooks, n)
            if not n.endswith(".sample") and os.path.isfile(p):
                self.scan_script(p, cwd, depth + 1, must_exist=False, kind=None)


def _source_of(cmd: Cmd) -> str:
    parts = [w.text for w in cmd.argv] + [w.text for _op, w in cmd.redirs]
    parts += cmd.heredocs + [w.text for w in cmd.herestrings] + cmd.substs + cmd.procsubs
    return " ".join(parts)


def _static_aws(cmd: Cmd) -> bool:
    """A plain ``aws`` command with nothing computed at run time: ``aws.check`` decides it."""
    if cmd.substs or cmd.procsubs or cmd.heredocs or cmd.herestrings:
        return False
    if any(w.dyn for w in cmd.argv) or any(w.dyn for _op, w in cmd.redirs):
        return False
    prim = unwrap(cmd.argv)
    return prim < len(cmd.argv) and basename(cmd.argv[prim].text) in aws.AWS_NAMES


def _env_target(assignments: list[Word], env: dict[str, str | None]) -> Word | None:
    """``HUGO_DEPLOYMENT_TARGET`` as ``hugo`` may see it: a prefix, the text, the environment."""
    for w in reversed(assignments):
        m = ASSIGN_RE.match(w.text)
        if m and m.group(1) == hugo.TARGET_ENV:
            return Word(m.group(3), w.dyn)
    if hugo.TARGET_ENV in env:
        assigned = env[hugo.TARGET_ENV]
        return Word(DYN, True) if assigned is None else Word(assigned, False)
    value = os.environ.get(hugo.TARGET_ENV)
    return Word(value, False) if value else None
