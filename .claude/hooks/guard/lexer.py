"""A small shell lexer: words, operators, redirections, heredocs, substitutions.

It runs nothing and never raises on odd input (an unclosed quote runs to the end of the
text, as the guard cannot do better than bash here). It splits a command line into simple
commands (with the connector before each), removes quoting, expands variables the same
text assigned, and marks what only running it would tell (``$(...)``, an unknown
``$VAR``) with :data:`DYN`. The rules treat a run-time value as unknown, not as
production: an agent computing a bucket at run time meets the credential boundary
(docs/agent-boundary.md), not this lexer.
"""

from __future__ import annotations

import re

DYN = "\x00"  # marks a part of a word whose value is only known at run time
ASSIGN_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?)=(.*)$", re.S)
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
REDIR_OPS = ("<<<", "<<-", "<<", "<>", "<&", ">>", ">|", ">&", "&>>", "&>", "<", ">")


class Word:
    """One shell word after quote removal; ``dyn`` when part of it is only known at run time.

    ``quoted``: quoting began before the word's first ``=``, so ``ROOT="$(pwd)"`` is an
    assignment and ``"A=b"`` is not.
    """

    __slots__ = ("dyn", "quoted", "text")

    def __init__(self, text: str, dyn: bool = False, quoted: bool = False) -> None:
        self.text, self.dyn, self.quoted = text, dyn, quoted

    def __repr__(self) -> str:
        return f"Word({self.text!r})"


class Cmd:
    """One simple command and what feeds it."""

    def __init__(self, op: str | None) -> None:
        self.op = op  # connector before this command: None ; && || | &
        self.argv: list[Word] = []
        self.redirs: list[tuple[str, Word]] = []
        self.heredocs: list[str] = []
        self.substs: list[str] = []  # $(...), `...`, <(...) sources

    def empty(self) -> bool:
        return not (self.argv or self.redirs or self.heredocs or self.substs)


def match(s: str, i: int, opening: str = "(", closing: str = ")") -> int:
    """Index just after the ``closing`` that closes the ``opening`` at ``s[i-1]``, skipping
    escapes and quoted text and counting nesting, as bash does (``${x:-'}'}`` is one
    expansion); the end of ``s`` when it is never closed."""
    depth, n = 1, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
        elif c == "'":
            j = s.find("'", i + 1)
            i = n if j < 0 else j + 1
        elif c == '"':
            i += 1
            while i < n and s[i] != '"':
                i += 2 if s[i] == "\\" else 1
            i += 1
        else:
            depth += (c == opening) - (c == closing)
            i += 1
            if depth == 0:
                return i
    return n


class Lexer:
    def __init__(self, s: str, env: dict[str, str | None]) -> None:
        self.s, self.env = s, env
        self.cmds: list[Cmd] = []
        self.cur = Cmd(None)
        self.parts: list[str] | None = None
        self.dyn = False
        self.quote_at: int | None = None  # where quoting began in the word being built
        self.expect: str | None = None  # pending redirection operator
        self.pending_heredocs: list[tuple[Cmd, str, bool]] = []

    def add(self, text: str, dyn: bool = False) -> None:
        if self.parts is None:
            self.parts, self.dyn, self.quote_at = [], False, None
        self.parts.append(text)
        self.dyn = self.dyn or dyn

    def quoting(self) -> None:
        self.add("")
        if self.quote_at is None:
            self.quote_at = sum(map(len, self.parts or []))

    def end_word(self) -> None:
        if self.parts is None:
            return
        text = "".join(self.parts)
        eq = text.find("=")
        w = Word(text, self.dyn, self.quote_at is not None and (eq < 0 or self.quote_at <= eq))
        self.parts = None
        op, self.expect = self.expect, None
        if op in ("<<", "<<-"):
            self.pending_heredocs.append((self.cur, w.text, op == "<<-"))
        elif op == "<<<":
            self.cur.heredocs.append(w.text)
        elif op:
            self.cur.redirs.append((op, w))
        else:
            self.cur.argv.append(w)

    def end_cmd(self, op: str) -> None:
        self.end_word()
        if not self.cur.empty():
            self._track_env(self.cur.argv)
            self.cmds.append(self.cur)
        self.cur = Cmd(op)

    def _track_env(self, words: list[Word]) -> None:
        if words and words[0].text in ("export", "declare", "local", "readonly", "typeset"):
            words = [w for w in words[1:] if not w.text.startswith("-")]
        for w in words:
            m = ASSIGN_RE.match(w.text)
            if not m:
                break
            prev = (self.env.get(m.group(1)) or "") if m.group(2) else ""
            self.env[m.group(1)] = None if w.dyn else prev + m.group(3)

    def var(self, name: str) -> None:
        val = self.env.get(name)
        self.add(DYN if val is None else val, val is None)

    def run(self) -> list[Cmd]:
        s, n, i = self.s, len(self.s), 0
        while i < n:
            c = s[i]
            if c in " \t\r":
                self.end_word()
                i += 1
            elif c == "\n":
                self.end_cmd(";")
                i = self._read_heredocs(i + 1)
            elif c == "#" and self.parts is None:
                j = s.find("\n", i)
                i = n if j < 0 else j
            elif c == "\\":
                if s[i + 1 : i + 2] != "\n":
                    self.add(s[i + 1 : i + 2])
                i += 2
            elif c == "'":
                j = s.find("'", i + 1)
                j = n if j < 0 else j
                self.quoting()
                self.add(s[i + 1 : j])
                i = j + 1
            elif c == '"':
                i = self._double(i + 1)
            elif c == "$":
                i = self._dollar(i, in_dq=False)
            elif c == "`":
                i = self._backtick(i)
            elif c in "<>" and s[i + 1 : i + 2] == "(":
                end = match(s, i + 2)
                self.cur.substs.append(s[i + 2 : end - 1])
                self.add(DYN, True)
                i = end
            elif c in "<>" or s.startswith("&>", i):
                i = self._redir(i)
            elif c in "&|;()":
                op = next(
                    o
                    for o in ("&&", "||", "|&", ";;", "&", "|", ";", "(", ")")
                    if s.startswith(o, i)
                )
                self.end_cmd({"|&": "|", ";;": ";", "(": ";", ")": ";"}.get(op, op))
                i += len(op)
            elif c in "{}" and self.parts is None and (i + 1 >= n or s[i + 1] in " \t\n;"):
                i += 1  # group braces
            else:
                self.add(c, c == "{")  # brace expansion: not literal
                i += 1
        self.end_cmd(";")
        self._read_heredocs(n)
        return self.cmds

    def _read_heredocs(self, i: int) -> int:
        s = self.s
        for cmd, delim, strip in self.pending_heredocs:
            body = []
            while i < len(s):
                j = s.find("\n", i)
                j = len(s) if j < 0 else j
                line, i = s[i:j], j + 1
                if (line.lstrip("\t") if strip else line) == delim:
                    break
                body.append(line)
            cmd.heredocs.append("\n".join(body))
        self.pending_heredocs = []
        return i

    def _backtick(self, i: int) -> int:
        s, j = self.s, i + 1
        while j < len(s) and s[j] != "`":
            j += 2 if s[j] == "\\" else 1
        self.cur.substs.append(s[i + 1 : j].replace("\\`", "`"))
        self.add(DYN, True)
        return j + 1

    def _double(self, i: int) -> int:
        s, n = self.s, len(self.s)
        self.quoting()
        while i < n and s[i] != '"':
            c = s[i]
            if c == "\\" and i + 1 < n:
                if s[i + 1] != "\n":
                    self.add(s[i + 1] if s[i + 1] in '$`"\\' else "\\" + s[i + 1])
                i += 2
            elif c == "$":
                i = self._dollar(i, in_dq=True)
            elif c == "`":
                i = self._backtick(i)
            else:
                self.add(c)
                i += 1
        return i + 1

    def _dollar(self, i: int, in_dq: bool) -> int:
        s, n = self.s, len(self.s)
        nxt = s[i + 1 : i + 2]
        if nxt == "'" and not in_dq:  # $'...': its escapes are left as written
            j = i + 2
            while j < n and s[j] != "'":
                j += 2 if s[j] == "\\" else 1
            self.quoting()
            self.add(s[i + 2 : j])
            return j + 1
        if nxt == '"' and not in_dq:
            return self._double(i + 2)
        if nxt == "(":
            end = match(s, i + 2)
            if not s.startswith("$((", i):  # $((...)) is arithmetic, not a command
                self.cur.substs.append(s[i + 2 : end - 1])
            self.add(DYN, True)
            return end
        if nxt == "{":
            end = match(s, i + 2, "{", "}")
            inner = s[i + 2 : end - 1]
            if NAME_RE.fullmatch(inner):
                self.var(inner)
            else:
                self.cur.substs += [
                    inner[m.end() : match(inner, m.end()) - 1] for m in re.finditer(r"\$\(", inner)
                ]
                self.add(DYN, True)
            return end
        m = NAME_RE.match(s, i + 1)
        if m:
            self.var(m.group(0))
            return m.end()
        if nxt and nxt in "0123456789@*#?$!-":
            self.add(DYN, True)
            return i + 2
        self.add("$")
        return i + 1

    def _redir(self, i: int) -> int:
        # a word made only of digits right before the operator is a file descriptor
        if self.parts is not None and "".join(self.parts).isdigit() and self.quote_at is None:
            self.parts = None
        self.end_word()
        op = next(o for o in REDIR_OPS if self.s.startswith(o, i))
        i += len(op)
        if op in (">&", "<&"):
            m = re.match(r"\s*(\d+|-)", self.s[i:])
            if m:
                return i + len(m.group(0))
            op = op[0]
        self.expect = op
        return i


def lex(s: str, env: dict[str, str | None] | None = None) -> list[Cmd]:
    """The simple commands of ``s``; ``env`` collects the variables it assigns."""
    return Lexer(s, {} if env is None else env).run()


def basename(word_text: str) -> str:
    return word_text.rstrip("/").rsplit("/", 1)[-1]


def show(words: list[Word]) -> str:
    """A command as Claude wrote it (run-time parts as ``$…``), short enough for a message."""
    text = " ".join(w.text.replace(DYN, "$…") for w in words)
    return text if len(text) <= 160 else text[:157] + "..."
