"""A small shell lexer: words, operators, redirections, heredocs, substitutions.

It does not run anything. It splits a command line into simple commands (with the
connector before each), removes quoting, expands variables whose value the same text
assigned, and marks every part of a word whose value is only known at run time with
:data:`DYN`, so the rules can refuse what they cannot see instead of guessing.

Command substitutions are kept (``Cmd.substs``) so the walker inspects them too. A few
*pure* ones have a value known without running anything (``$(dirname X)``,
``$(basename X)``, ``$(cd DIR && pwd)`` with an absolute ``DIR``), and inside a script
file ``$0`` and ``${BASH_SOURCE[0]}`` are that file: so the common
``source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"`` names a file the guard can read.
"""

from __future__ import annotations

import os
import re

from guard.quoting import ansi_c, match_brace, match_paren

DYN = "\x00"  # marks a part of a word whose value is only known at run time
ASSIGN_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?)=(.*)$", re.S)
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NAME_START_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SCRIPT_VAR_RE = re.compile(r"^BASH_SOURCE(?:\[0\])?$")
REDIR_OPS = ("<<<", "<<-", "<<", "<>", "<&", ">>", ">|", ">&", "<", ">")


class Word:
    """One shell word after quote removal; ``dyn`` when part of it is only known at run time.

    ``quoted``: quoting began before the word's first ``=`` (or anywhere, without one), so
    ``ROOT="$(pwd)"`` is an assignment and ``"A=b"`` is not.
    """

    __slots__ = ("dyn", "glob", "quoted", "text")

    def __init__(self, text: str, dyn: bool, glob: bool = False, quoted: bool = False) -> None:
        self.text, self.dyn, self.glob, self.quoted = text, dyn, glob, quoted

    def __repr__(self) -> str:
        return f"Word({self.text!r})"


class Cmd:
    """One simple command and what feeds it."""

    def __init__(self, op: str | None) -> None:
        self.op = op  # connector before this command: None ; && || | &
        self.argv: list[Word] = []
        self.redirs: list[tuple[str, Word]] = []
        self.heredocs: list[str] = []  # body strings
        self.herestrings: list[Word] = []
        self.substs: list[str] = []  # command substitution sources
        self.procsubs: list[str] = []

    def empty(self) -> bool:
        return not (self.argv or self.redirs or self.heredocs or self.herestrings or self.substs)


class Lexer:
    def __init__(self, s: str, env: dict[str, str | None], script: str | None = None) -> None:
        self.s, self.env, self.script = s, env, script
        self.cmds: list[Cmd] = []
        self.cur = Cmd(None)
        self.parts: list[str] | None = None
        self.dyn = self.glob = False
        self.quote_at: int | None = None  # where quoting began in the word being built
        self.expect: str | None = None  # pending redirection op / heredoc marker
        self.pending_heredocs: list[tuple[Cmd, str, bool]] = []

    # ---- word building -------------------------------------------------------------
    def add(self, text: str, dyn: bool = False) -> None:
        if self.parts is None:
            self.parts, self.dyn, self.glob, self.quote_at = [], False, False, None
        self.parts.append(text)
        self.dyn = self.dyn or dyn

    def quoting(self) -> None:
        """Quoted text follows in the current word."""
        self.add("")
        if self.quote_at is None:
            self.quote_at = sum(map(len, self.parts or []))

    def end_word(self) -> None:
        if self.parts is None:
            return
        text = "".join(self.parts)
        eq = text.find("=")
        quoted = self.quote_at is not None and (eq < 0 or self.quote_at <= eq)
        w = Word(text, self.dyn, self.glob, quoted)
        self.parts = None
        if self.expect is not None:
            op, self.expect = self.expect, None
            if op in ("<<", "<<-"):
                self.pending_heredocs.append((self.cur, w.text, op == "<<-"))
            elif op == "<<<":
                self.cur.herestrings.append(w)
            else:
                self.cur.redirs.append((op, w))
        else:
            self.cur.argv.append(w)

    def end_cmd(self, op: str) -> None:
        self.end_word()
        if not self.cur.empty():
            self._track_env(self.cur)
            self.cmds.append(self.cur)
        self.cur = Cmd(op)

    def _track_env(self, cmd: Cmd) -> None:
        words = cmd.argv
        if words and words[0].text in ("export", "declare", "local", "readonly", "typeset"):
            words = [w for w in words[1:] if not w.text.startswith("-")]
        for w in words:
            m = ASSIGN_RE.match(w.text)
            if not m:
                break
            if m.group(1) == "BASH_SOURCE":
                self.script = None  # no longer the file being read
            if w.dyn:
                self.env[m.group(1)] = None  # known to be set, value unknown
            else:
                prev = (self.env.get(m.group(1)) or "") if m.group(2) else ""
                self.env[m.group(1)] = prev + m.group(3)

    def var(self, name: str) -> None:
        val = self.env.get(name)
        if val is None:
            self.add(DYN, True)
        else:
            self.add(val)

    # ---- the main loop ---------------------------------------------------------------
    def run(self) -> list[Cmd]:
        s, n, i = self.s, len(self.s), 0
        while i < n:
            c = s[i]
            if c in " \t\r":
                self.end_word()
                i += 1
            elif c == "\n":
                self.end_cmd(";")
                i += 1
                if self.pending_heredocs:
                    i = self._read_heredocs(i)
            elif c == "#" and self.parts is None:
                j = s.find("\n", i)
                i = n if j < 0 else j
            elif c == "\\":
                if i + 1 < n and s[i + 1] == "\n":
                    i += 2
                else:
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
            elif c in "<>" and i + 1 < n and s[i + 1] == "(":
                end = match_paren(s, i + 2)
                self.cur.procsubs.append(s[i + 2 : end - 1])
                self.add(DYN, True)
                i = end
            elif c in "<>":
                i = self._redir(i)
            elif c == "&":
                i = self._ampersand(i)
            elif c == "|":
                if s.startswith("||", i):
                    self.end_cmd("||")
                    i += 2
                else:
                    self.end_cmd("|")
                    i += 2 if s.startswith("|&", i) else 1
            elif c == ";":
                self.end_cmd(";")
                i += 1
                while i < n and s[i] in ";&":
                    i += 1
            elif c in "()":
                self.end_cmd(";")
                i += 1
            elif c in "{}" and self.parts is None and (i + 1 >= n or s[i + 1] in " \t\n;"):
                i += 1  # group braces
            else:
                if c in "*?[":
                    self.add(c)
                    self.glob = True
                else:
                    self.add(c, c == "{")  # brace expansion: value not literal
                i += 1
        self.end_cmd(";")
        for cmd, _delim, _strip in self.pending_heredocs:
            cmd.heredocs.append("")
        return self.cmds

    def _ampersand(self, i: int) -> int:
        s = self.s
        if s.startswith("&&", i):
            self.end_cmd("&&")
            return i + 2
        if s.startswith("&>", i):
            self.end_word()
            op = "&>>" if s.startswith("&>>", i) else "&>"
            self.expect = op
            return i + len(op)
        self.end_cmd("&")
        return i + 1

    def _read_heredocs(self, i: int) -> int:
        s = self.s
        for cmd, delim, strip in self.pending_heredocs:
            body = []
            while i < len(s):
                j = s.find("\n", i)
                j = len(s) if j < 0 else j
                line = s[i:j]
                i = j + 1
                if (line.lstrip("\t") if strip else line) == delim:
                    break
                body.append(line)
            cmd.heredocs.append("\n".join(body))
        self.pending_heredocs = []
        return i

    def _backtick(self, i: int) -> int:
        s, n = self.s, len(self.s)
        j = i + 1
        while j < n and s[j] != "`":
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
                nxt = s[i + 1]
                if nxt != "\n":
                    self.add(nxt if nxt in '$`"\\' else "\\" + nxt)
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
        nxt = s[i + 1] if i + 1 < n else ""
        if nxt == "'" and not in_dq:
            j = i + 2
            while j < n and s[j] != "'":
                j += 2 if s[j] == "\\" else 1
            self.quoting()
            self.add(ansi_c(s[i + 2 : j]))
            return j + 1
        if nxt == '"' and not in_dq:
            return self._double(i + 2)
        if s.startswith("$((", i):
            self.add(DYN, True)
            return match_paren(s, i + 2)
        if nxt == "(":
            end = match_paren(s, i + 2)
            inner = s[i + 2 : end - 1]
            self.cur.substs.append(inner)
            value = self.fold(inner)
            if value is None:
                self.add(DYN, True)
            else:
                self.add(value)
            return end
        if nxt == "{":
            end = match_brace(s, i + 2)
            inner = s[i + 2 : end - 1]
            if self.script and SCRIPT_VAR_RE.match(inner):
                self.add(self.script)
            elif NAME_RE.match(inner):
                self.var(inner)
            else:
                for sm in re.finditer(r"\$\(", inner):
                    self.cur.substs.append(inner[sm.end() : match_paren(inner, sm.end()) - 1])
                self.add(DYN, True)
            return end
        m = NAME_START_RE.match(s, i + 1)
        if m:
            if self.script and m.group(0) == "BASH_SOURCE":
                self.add(self.script)
            else:
                self.var(m.group(0))
            return i + 1 + len(m.group(0))
        if nxt == "0" and self.script:
            self.add(self.script)
            return i + 2
        if nxt and nxt in "0123456789@*#?$!-":
            self.add(DYN, True)
            return i + 2
        self.add("$")
        return i + 1

    def _redir(self, i: int) -> int:
        s = self.s
        # a word made only of digits right before the operator is a file descriptor
        if (
            self.parts is not None
            and re.match(r"^\d+$", "".join(self.parts))
            and self.quote_at is None
        ):
            self.parts = None
        self.end_word()
        op = next(o for o in REDIR_OPS if s.startswith(o, i))
        i += len(op)
        if op in (">&", "<&"):
            m = re.match(r"\s*(\d+|-)", s[i:])
            if m:
                return i + len(m.group(0))
            op = ">" if op == ">&" else "<"
        self.expect = op
        return i

    def fold(self, inner: str) -> str | None:
        """The value of a pure command substitution, or None when only running it would tell."""
        cmds = Lexer(inner, dict(self.env), self.script).run()
        if any(c.redirs or c.heredocs or c.herestrings or c.procsubs for c in cmds):
            return None
        words = [[w.text for w in c.argv] for c in cmds]
        if any(w.dyn for c in cmds for w in c.argv):
            return None
        if len(words) == 1 and len(words[0]) == 2 and words[0][0] == "dirname":
            return os.path.dirname(words[0][1].rstrip("/") or "/") or "."
        if len(words) == 1 and len(words[0]) == 2 and words[0][0] == "basename":
            return os.path.basename(words[0][1].rstrip("/")) or "/"
        if (
            len(words) == 2
            and cmds[1].op == "&&"
            and len(words[0]) == 2
            and words[0][0] == "cd"
            and words[1] == ["pwd"]
            and os.path.isabs(words[0][1])
        ):
            return os.path.normpath(words[0][1])
        return None


def lex(s: str, env: dict[str, str | None] | None = None, script: str | None = None) -> list[Cmd]:
    """The simple commands of ``s``; ``env`` collects the variables it assigns."""
    return Lexer(s, {} if env is None else env, script).run()


def basename(word_text: str) -> str:
    return word_text.rstrip("/").rsplit("/", 1)[-1]


def show(words: list[Word]) -> str:
    """A command as Claude wrote it (run-time parts as ``$…``), short enough for a message."""
    text = " ".join(w.text.replace(DYN, "$…") for w in words)
    return text if len(text) <= 160 else text[:157] + "..."
