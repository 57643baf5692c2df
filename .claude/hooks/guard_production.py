#!/usr/bin/env python3
"""PreToolUse guard: Claude Code never deploys to production or approves a production run.

Production is published only by ``hugopipe run publish --env production`` followed by a
human typing DEPLOY TO PRODUCTION in the Prefect UI. This hook is friction, not
authorisation: it blocks the direct routes (S3 writes to the production bucket,
``hugo deploy`` to the production target, CloudFront invalidations of the production
distribution, Prefect resume/set_state calls, ``hugopipe approve`` on a production run,
edits that would switch the guard off) including wrapped forms (``sh -c``, ``eval``,
``env``/``sudo``/``xargs`` prefixes, ``$(...)``, pipes into a shell, script files).
The only real guarantee is that the machine Claude runs on holds no production
credentials; see docs in ``.claude/skills/hugo-pipeline/SKILL.md`` and the report in
``tests/claude``.

Contract (Claude Code hooks): JSON on stdin; exit 0 with empty stdout = no decision
(normal permission rules apply); exit 2 + reason on stderr = the tool call is blocked.
Fail closed: unparseable input, an unknown input shape or any internal error blocks.
Standard library only, and Python 3.8 syntax, because it runs under whatever
``python3`` is on PATH. Production names are learned from the project's own
configuration (``hugopipe.toml`` + Hugo ``[deployment]`` targets), both in the
working tree and at git ``HEAD``, never hard-coded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import ClassVar

try:  # Python 3.11+; without it TOML cannot be read and S3/CDN writes are blocked
    import tomllib as _toml
except Exception:  # pragma: no cover - depends on the interpreter
    _toml = None

MAX_DEPTH = 8
MAX_SCRIPT_BYTES = 2_000_000
API_TIMEOUT = 2.0

HOW_TO = (
    "Production is published only by `uv run hugopipe run publish --env production`, "
    "then a human types DEPLOY TO PRODUCTION in the Prefect UI (/v2/runs/flow-run/<id>). "
    "If this is not a production action, ask the user to run it themselves."
)


class Block(Exception):
    """Raised with the reason shown to Claude."""


# --------------------------------------------------------------------------------------
# What the project says production is
# --------------------------------------------------------------------------------------

PRUNE_DIRS = {
    "node_modules",
    "__pycache__",
    "public",
    "resources",
    "content",
    "static",
    "assets",
    "layouts",
    "i18n",
    "archetypes",
    "data",
    "themes",
    "results",
    "site-packages",
    "dist",
    "build",
    "venv",
}
HUGO_CONFIG_NAMES = {
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "config.yml",
    "config.json",
}
CONFIG_EXTS = (".toml", ".yaml", ".yml", ".json")
S3_URL_RE = re.compile(r"s3://([A-Za-z0-9][A-Za-z0-9.\-_]{1,254})")
DIST_RE = re.compile(r"cloudfrontdistributionid\W{1,6}([A-Za-z0-9]+)", re.I)


class Knowledge:
    """Production environments, targets, buckets and distributions of every site found."""

    def __init__(self):
        self.prod_envs = {"production"}
        self.prod_targets = {"production", "prod"}
        self.prod_buckets = set()
        self.prod_dists = set()
        self.targets = {}  # name -> set of buckets (None for non-S3 urls)
        self.target_dists = {}  # name -> set of distribution ids
        self.site_defaults = {}  # site dir -> default target name (or None = unknown)
        self.errors = []  # unreadable config files: S3/CDN writes are blocked
        self.sites = set()

    # ---- results -------------------------------------------------------------------
    def finish(self):
        for name in list(self.targets):
            if name.lower() in self.prod_targets:
                self.prod_buckets |= {b for b in self.targets[name] if b}
                self.prod_dists |= self.target_dists.get(name, set())
        # A target that shares a bucket or distribution with production is production too.
        for name, buckets in self.targets.items():
            if buckets & self.prod_buckets or self.target_dists.get(name, set()) & self.prod_dists:
                self.prod_targets.add(name.lower())

    def is_prod_target(self, name):
        return name.lower() in self.prod_targets

    def known_target(self, name):
        return name in self.targets or name.lower() in {t.lower() for t in self.targets}

    def markers(self):
        return self.prod_envs | self.prod_targets | self.prod_buckets | self.prod_dists


def _lower_keys(obj):
    if isinstance(obj, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_lower_keys(v) for v in obj]
    return obj


def _parse_yaml_subset(text):
    """Indentation-based YAML subset (maps, lists, scalars): enough for Hugo [deployment].

    Anything it cannot read raises, and the cross-check in _learn_hugo_file catches what it
    misreads (a bucket named in the file but not in a parsed target), so errors fail closed.
    """
    root = {}
    stack = [[-1, root, None, None]]  # indent, container (None = not decided yet), owner, key
    for raw in text.splitlines():
        line = re.sub(r"\s+#.*$", "", raw).rstrip()
        if not line.strip() or line.lstrip().startswith("#") or line.strip() in ("---", "..."):
            continue
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        is_item = body == "-" or body.startswith("- ")
        while len(stack) > 1 and indent <= stack[-1][0]:
            # "key:" followed by "- item" at the same indent is still that key's list
            if (
                indent == stack[-1][0]
                and is_item
                and (stack[-1][1] is None or isinstance(stack[-1][1], list))
            ):
                break
            stack.pop()
        top = stack[-1]
        if top[1] is None:
            top[1] = [] if is_item else {}
            top[2][top[3]] = top[1]
        parent = top[1]
        if is_item:
            if not isinstance(parent, list):
                raise ValueError("list item where a mapping was expected")
            item_body = body[1:].strip()
            m = re.match(r"^([^:'\"\s][^:]*):(?:\s+(.*))?$", item_body)
            if m:
                item = {}
                parent.append(item)
                stack.append([indent, item, None, None])
                key, val = m.group(1).strip(), (m.group(2) or "").strip()
                if val:
                    item[key] = _yaml_scalar(val)
                else:
                    stack.append([indent + 2, None, item, key])
            else:
                parent.append(_yaml_scalar(item_body))
            continue
        m = re.match(r"^([^:'\"]+|'[^']*'|\"[^\"]*\"):(?:\s+(.*))?$", body)
        if not m or not isinstance(parent, dict):
            raise ValueError("unsupported YAML line: " + body[:60])
        key, val = m.group(1).strip().strip("'\""), (m.group(2) or "").strip()
        if val:
            parent[key] = _yaml_scalar(val)
        else:
            stack.append([indent, None, parent, key])
    return root


def _yaml_scalar(val):
    val = val.strip()
    if len(val) >= 2 and val[0] == val[-1] and val[0] in "'\"":
        return val[1:-1]
    if val in ("true", "True", "yes"):
        return True
    if val in ("false", "False", "no"):
        return False
    return val


def _parse_config(text, name):
    ext = os.path.splitext(name)[1].lower()
    if ext == ".toml":
        if _toml is None:
            raise ValueError("this python3 has no tomllib (needs 3.11+)")
        return _toml.loads(text)
    if ext == ".json":
        return json.loads(text)
    return _parse_yaml_subset(text)


def _learn_project_file(know, data, label):
    data = _lower_keys(data)
    envs = data.get("environments") or {}
    if not isinstance(envs, dict):
        raise ValueError("[environments] is not a table")
    for env_name, env in envs.items():
        env = env if isinstance(env, dict) else {}
        if env.get("production") is True or env_name == "production":
            know.prod_envs.add(env_name.lower())
            know.prod_targets.add(str(env.get("target") or env_name).lower())
            for value in _strings(env):
                for m in S3_URL_RE.finditer(value):
                    know.prod_buckets.add(m.group(1).lower())
            for key, value in env.items():
                if "bucket" in key and isinstance(value, str) and value:
                    know.prod_buckets.add(value.replace("s3://", "").split("/")[0].lower())
                if ("distribution" in key or "cloudfront" in key) and isinstance(value, str):
                    know.prod_dists.add(value)


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _learn_hugo_file(know, data, text, label, site, is_deployment_file):
    data = _lower_keys(data)
    dep = data if is_deployment_file else data.get("deployment")
    seen_buckets, seen_dists = set(), set()
    if dep is not None:
        if not isinstance(dep, dict):
            raise ValueError("[deployment] is not a table")
        targets = dep.get("targets") or []
        if not isinstance(targets, list):
            raise ValueError("deployment.targets is not a list")
        first = None
        for t in targets:
            if not isinstance(t, dict) or not isinstance(t.get("name"), str):
                raise ValueError("a [[deployment.targets]] entry has no name")
            name = t["name"]
            first = first or name
            url = t.get("url")
            bucket = None
            if isinstance(url, str):
                m = S3_URL_RE.match(url.strip())
                bucket = m.group(1).lower() if m else None
            know.targets.setdefault(name, set()).add(bucket)
            seen_buckets.add(bucket)
            dist = t.get("cloudfrontdistributionid")
            if isinstance(dist, str) and dist:
                know.target_dists.setdefault(name, set()).add(dist)
                seen_dists.add(dist)
        default = dep.get("target") or first
        if default or site not in know.site_defaults:
            prev = know.site_defaults.get(site, "")
            if prev and default and prev != default:
                know.site_defaults[site] = None  # environments disagree: unknown
            elif default:
                know.site_defaults[site] = default
    # Cross-check: every bucket and distribution the file mentions must belong to a target
    # we parsed; otherwise the parser missed something and we do not know enough.
    for m in S3_URL_RE.finditer(text):
        if m.group(1).lower() not in seen_buckets and not _commented(text, m.start()):
            raise ValueError(f"mentions s3://{m.group(1)} outside a target the guard could read")
    for m in DIST_RE.finditer(text):
        if m.group(1) not in seen_dists and not _commented(text, m.start()):
            raise ValueError(f"mentions distribution {m.group(1)} outside a readable target")


def _commented(text, pos):
    line_start = text.rfind("\n", 0, pos) + 1
    return text[line_start:pos].lstrip().startswith(("#", "//"))


def _site_files(root):
    """(site_dir, path) for every hugopipe.toml and Hugo config file under root."""
    out = []
    root = os.path.abspath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        depth = dirpath[len(root) :].count(os.sep)
        dirnames[:] = [
            d for d in dirnames if not d.startswith(".") and d not in PRUNE_DIRS and depth < 6
        ]
        names = set(filenames)
        is_site = "hugopipe.toml" in names or bool(names & HUGO_CONFIG_NAMES)
        cfg_dir = os.path.join(dirpath, "config")
        has_cfg_dir = os.path.isdir(os.path.join(cfg_dir, "_default"))
        if "hugopipe.toml" in names:
            out.append((dirpath, os.path.join(dirpath, "hugopipe.toml")))
        for n in sorted(names & HUGO_CONFIG_NAMES):
            out.append((dirpath, os.path.join(dirpath, n)))
        if has_cfg_dir or (is_site and os.path.isdir(cfg_dir)):
            if "config" in dirnames:
                dirnames.remove("config")
            for cdir, _sub, cfiles in os.walk(cfg_dir):
                for n in sorted(cfiles):
                    if n.lower().endswith(CONFIG_EXTS):
                        out.append((dirpath, os.path.join(cdir, n)))
    return out


def _learn_one(know, site, label, text, collect_errors):
    try:
        name = os.path.basename(label)
        if name == "hugopipe.toml":
            _learn_project_file(know, _parse_config(text, name), label)
            return
        data = _parse_config(text, name)
        if not isinstance(data, dict):
            raise ValueError("top level is not a table")
        is_dep = os.path.splitext(name)[0].lower() == "deployment"
        _learn_hugo_file(know, data, text, label, site, is_dep)
    except Exception as exc:
        if collect_errors:
            know.errors.append(f"{label} ({exc})")


def learn(roots):
    know = Knowledge()
    seen = set()
    for root in roots:
        if not root or not os.path.isdir(root):
            continue
        for site, path in _site_files(root):
            if path in seen:
                continue
            seen.add(path)
            know.sites.add(site)
            try:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError) as exc:
                know.errors.append(f"{path} ({exc})")
                continue
            _learn_one(know, site, path, text, True)
        _learn_git_head(know, root)
    know.finish()
    return know


def _learn_git_head(know, root):
    """Also learn from the committed config, so editing hugopipe.toml cannot un-mark production."""
    try:
        top = subprocess.run(
            ["git", "-C", root, "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=2,
        )
        if top.returncode != 0:
            return
        top_dir = top.stdout.strip()
        ls = subprocess.run(
            ["git", "-C", top_dir, "ls-tree", "-r", "--name-only", "HEAD"],
            capture_output=True,
            text=True,
            timeout=2,
        )
        if ls.returncode != 0:
            return
        wanted = []
        for rel in ls.stdout.splitlines():
            parts = rel.split("/")
            if any(p.startswith(".") or p in PRUNE_DIRS for p in parts[:-1]):
                continue
            base = parts[-1]
            if base == "hugopipe.toml" or base in HUGO_CONFIG_NAMES:
                wanted.append((os.path.join(top_dir, *parts[:-1]), rel))
            elif "config" in parts[:-1] and base.lower().endswith(CONFIG_EXTS):
                i = parts.index("config")
                wanted.append((os.path.join(top_dir, *parts[:i]), rel))
        if not wanted or len(wanted) > 500:
            return
        batch = subprocess.run(
            ["git", "-C", top_dir, "cat-file", "--batch"],
            input="".join(f"HEAD:{rel}\n" for _s, rel in wanted).encode(),
            capture_output=True,
            timeout=2,
        )
        data = batch.stdout
        pos = 0
        for site, rel in wanted:
            nl = data.index(b"\n", pos)
            header = data[pos:nl].split()
            pos = nl + 1
            if len(header) < 3 or header[1] != b"blob":
                continue
            size = int(header[2])
            text = data[pos : pos + size].decode("utf-8", "replace")
            pos += size + 1
            head_know = Knowledge()
            _learn_one(head_know, site, rel, text, False)
            know.prod_envs |= head_know.prod_envs
            know.prod_targets |= head_know.prod_targets
            know.prod_buckets |= head_know.prod_buckets
            know.prod_dists |= head_know.prod_dists
            for name, buckets in head_know.targets.items():
                # committed definitions count, but only to add production-ness
                know.targets.setdefault(name, set()).update(buckets)
            for name, dists in head_know.target_dists.items():
                know.target_dists.setdefault(name, set()).update(dists)
    except Exception:
        return  # git is optional; the working tree was already read


# --------------------------------------------------------------------------------------
# A small shell lexer: words, operators, redirections, heredocs, substitutions
# --------------------------------------------------------------------------------------

DYN = "\x00"  # marks a part of a word whose value is only known at run time


class Word:
    __slots__ = ("dyn", "glob", "quoted", "text")

    def __init__(self, text, dyn, glob, quoted):
        self.text, self.dyn, self.glob, self.quoted = text, dyn, glob, quoted

    def __repr__(self):
        return f"Word({self.text!r})"


class Cmd:
    def __init__(self, op):
        self.op = op  # connector before this command: None ; && || | &
        self.argv = []
        self.redirs = []  # (op, Word)
        self.heredocs = []  # body strings
        self.herestrings = []  # Words
        self.substs = []  # command substitution sources
        self.procsubs = []

    def empty(self):
        return not (self.argv or self.redirs or self.heredocs or self.herestrings or self.substs)


_ANSI = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b"}
_ANSI.update({"f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"})


def _ansi_c(body):
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\" or i + 1 >= len(body):
            out.append(c)
            i += 1
            continue
        n = body[i + 1]
        if n in _ANSI:
            out.append(_ANSI[n])
            i += 2
        elif n == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2 :])
            out.append(chr(int(m.group(0), 16)) if m else "x")
            i += 2 + (len(m.group(0)) if m else 0)
        elif n in "uU":
            m = re.match(r"[0-9a-fA-F]{1,8}", body[i + 2 :])
            out.append(chr(int(m.group(0), 16)) if m else n)
            i += 2 + (len(m.group(0)) if m else 0)
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1 :])
            out.append(chr(int(m.group(0), 8)))
            i += 1 + len(m.group(0))
        elif n == "c" and i + 2 < len(body):
            out.append(chr(ord(body[i + 2]) & 31))
            i += 3
        else:
            out.append("\\" + n)
            i += 2
    return "".join(out)


def _match_paren(s, i):
    """Index just after the ')' closing the '(' at s[i-1]; respects quotes and nesting."""
    depth, n = 1, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = s.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c == '"':
            i += 1
            while i < n and s[i] != '"':
                i += 2 if s[i] == "\\" else 1
            i += 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _match_brace(s, i):
    depth, n = 1, len(s)
    while i < n:
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


ASSIGN_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?)=(.*)$", re.S)


class Lexer:
    def __init__(self, s, env):
        self.s, self.env = s, env
        self.cmds = []
        self.cur = Cmd(None)
        self.parts, self.dyn, self.glob, self.quoted = None, False, False, False
        self.expect = None  # pending redirection op / heredoc marker for the next word
        self.pending_heredocs = []

    # word building
    def add(self, text, dyn=False):
        if self.parts is None:
            self.parts, self.dyn, self.glob, self.quoted = [], False, False, False
        self.parts.append(text)
        self.dyn = self.dyn or dyn

    def end_word(self):
        if self.parts is None:
            return
        w = Word("".join(self.parts), self.dyn, self.glob, self.quoted)
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

    def end_cmd(self, op):
        self.end_word()
        if not self.cur.empty():
            self._track_env(self.cur)
            self.cmds.append(self.cur)
        self.cur = Cmd(op)

    def _track_env(self, cmd):
        words = cmd.argv
        if words and words[0].text in ("export", "declare", "local", "readonly", "typeset"):
            words = [w for w in words[1:] if not w.text.startswith("-")]
        for w in words:
            m = ASSIGN_RE.match(w.text)
            if not m:
                break
            if w.dyn:
                self.env.pop(m.group(1), None)
                self.env[m.group(1)] = None  # known to be set, value unknown
            else:
                prev = self.env.get(m.group(1)) or "" if m.group(2) else ""
                self.env[m.group(1)] = prev + m.group(3)

    def var(self, name):
        val = self.env.get(name)
        if val is None:
            self.add(DYN, True)
        else:
            self.add(val)

    def run(self):
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
                self.add(s[i + 1 : j])
                self.quoted = True
                i = j + 1
            elif c == '"':
                i = self._double(i + 1)
            elif c == "$":
                i = self._dollar(i, in_dq=False)
            elif c == "`":
                j = i + 1
                while j < n and s[j] != "`":
                    j += 2 if s[j] == "\\" else 1
                self.cur.substs.append(s[i + 1 : j].replace("\\`", "`"))
                self.add(DYN, True)
                i = j + 1
            elif c in "<>" and i + 1 < n and s[i + 1] == "(":
                end = _match_paren(s, i + 2)
                self.cur.procsubs.append(s[i + 2 : end - 1])
                self.add(DYN, True)
                i = end
            elif c in "<>":
                i = self._redir(i)
            elif c == "&":
                if s.startswith("&&", i):
                    self.end_cmd("&&")
                    i += 2
                elif s.startswith("&>", i):
                    self.end_word()
                    op = "&>>" if s.startswith("&>>", i) else "&>"
                    self.expect = op
                    i += len(op)
                else:
                    self.end_cmd("&")
                    i += 1
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
                elif c == "{":
                    self.add(c, True)  # brace expansion: value not literal
                else:
                    self.add(c)
                i += 1
        self.end_cmd(";")
        for cmd, _delim, _strip in self.pending_heredocs:
            cmd.heredocs.append("")
        return self.cmds

    def _read_heredocs(self, i):
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

    def _double(self, i):
        s, n = self.s, len(self.s)
        self.add("")
        self.quoted = True
        while i < n and s[i] != '"':
            c = s[i]
            if c == "\\" and i + 1 < n:
                nxt = s[i + 1]
                if nxt == "\n":
                    i += 2
                    continue
                self.add(nxt if nxt in '$`"\\' else "\\" + nxt)
                i += 2
            elif c == "$":
                i = self._dollar(i, in_dq=True)
            elif c == "`":
                j = i + 1
                while j < n and s[j] != "`":
                    j += 2 if s[j] == "\\" else 1
                self.cur.substs.append(s[i + 1 : j].replace("\\`", "`"))
                self.add(DYN, True)
                i = j + 1
            else:
                self.add(c)
                i += 1
        return i + 1

    def _dollar(self, i, in_dq):
        s, n = self.s, len(self.s)
        nxt = s[i + 1] if i + 1 < n else ""
        if nxt == "'" and not in_dq:
            j = i + 2
            while j < n and s[j] != "'":
                j += 2 if s[j] == "\\" else 1
            self.add(_ansi_c(s[i + 2 : j]))
            self.quoted = True
            return j + 1
        if nxt == '"' and not in_dq:
            return self._double(i + 2)
        if s.startswith("$((", i):
            end = _match_paren(s, i + 2)
            self.add(DYN, True)
            return end
        if nxt == "(":
            end = _match_paren(s, i + 2)
            self.cur.substs.append(s[i + 2 : end - 1])
            self.add(DYN, True)
            return end
        if nxt == "{":
            end = _match_brace(s, i + 2)
            inner = s[i + 2 : end - 1]
            if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", inner):
                self.var(inner)
            else:
                for m in re.finditer(r"\$\(", inner):
                    self.cur.substs.append(inner[m.end() : _match_paren(inner, m.end()) - 1])
                self.add(DYN, True)
            return end
        m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", s[i + 1 :])
        if m:
            self.var(m.group(0))
            return i + 1 + len(m.group(0))
        if nxt and nxt in "0123456789@*#?$!-":
            self.add(DYN, True)
            return i + 2
        self.add("$")
        return i + 1

    def _redir(self, i):
        s = self.s
        # a word made only of digits right before the operator is a file descriptor
        if self.parts is not None and re.match(r"^\d+$", "".join(self.parts)) and not self.quoted:
            self.parts = None
        self.end_word()
        for op in ("<<<", "<<-", "<<", "<>", "<&", ">>", ">|", ">&", "<", ">"):
            if s.startswith(op, i):
                break
        i += len(op)
        if op in (">&", "<&"):
            m = re.match(r"\s*(\d+|-)", s[i:])
            if m:
                return i + len(m.group(0))
            op = ">" if op == ">&" else "<"
        self.expect = op
        return i


def lex(s, env=None):
    return Lexer(s, {} if env is None else env).run()


# --------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------

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
AWS_NAMES = {"aws", "aws2", "awsv2", "awslocal"}
WRAPPERS_VALUE_OPTS = {
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
    "taskset": set(),
    "chrt": set(),
    "time": {"-f", "-o", "--format", "--output"},
    "nohup": set(),
    "setsid": set(),
    "command": set(),
    "builtin": set(),
    "exec": {"-a"},
    "chronic": set(),
    "unbuffer": set(),
    "caffeinate": set(),
    "noglob": set(),
    "then": set(),
    "do": set(),
    "else": set(),
    "if": set(),
    "while": set(),
    "until": set(),
    "!": set(),
    "run0": {"-u", "--user"},
}
UV_VALUE_OPTS = {
    "--with",
    "--project",
    "--directory",
    "--python",
    "-p",
    "--package",
    "--env-file",
    "--extra",
    "--group",
    "--with-requirements",
    "--from",
    "--index",
    "--index-url",
}
STORAGE_VERB_RE = re.compile(
    r"(?<![\w-])(?:cp|sync|mv|rm|rb|mb|website|put-[\w-]+|delete-[\w-]+|copy-object|restore-object"
    r"|upload-part[\w-]*|create-multipart-upload|complete-multipart-upload|put_object|put_bucket_\w+"
    r"|upload_file(?:obj)?|upload_part\w*|copy_object|copy|delete_objects?|delete_bucket\w*"
    r"|create_multipart_upload|put|upload|del|delete|remove|purge|move|moveto|copyto|rcat|setacl"
    r"|modify|deploy|s3deploy|PUT|DELETE|POST|PATCH)(?![\w-])|--upload-file|(?<!\S)-T(?!\S)"
    r"|\.put\(|\.upload\(|--request|(?<!\S)-X(?!\S)"
)
CDN_VERB_RE = re.compile(
    r"create-invalidation|create_invalidation|CreateInvalidation|update-distribution"
    r"|update_distribution|UpdateDistribution|delete-distribution|delete_distribution"
    r"|DeleteDistribution|invalidat",
    re.I,
)
RESUME_RE = re.compile(
    r"a?resume_flow_run|resume[-_ ]flow[-_ ]run|set_flow_run_state|create_flow_run_input"
    r"|propose_state|change-flow-run-state|flow_runs/\S*?/(?:resume|set_state|input)\b",
    re.I,
)
RESUME_WORD_RE = re.compile(r"(?<![\w-])(?:resume|set_state|set-state)(?![\w-])", re.I)
PREFECT_CTX_RE = re.compile(r"flow_run|flow-run|prefect|:4200\b|/api/flow", re.I)
CODE_RESUME_RE = re.compile(r"\.(?:a?resume|set_state|set_flow_run_state)\s*\(")
DB_RE = re.compile(
    r"prefect\.db|(?:update|insert\s+into|delete\s+from)\s+[\"'`]?(?:flow_run|flow_run_state|flow_run_input)\b",
    re.I,
)
APPROVE_TEXT_RE = re.compile(
    r"\bhugopipe(?:\.cli)?(?:\.main)?\b[\s\"',\[\]()]{1,8}approve\b|main\(\s*\[\s*[\"']approve[\"']"
)
PHRASE_RE = re.compile(r"DEPLOY\W+TO\W+PRODUCTION", re.I)
PHRASE_CTX_RE = re.compile(
    r"hugopipe|prefect|curl|wget|http|resume|input|python|requests|urllib|approv", re.I
)
OBFUSCATION_RE = re.compile(
    r"b64decode|base64\s+(?:-d|--decode|-D)|fromhex|rot.?13|zlib\.decompress|marshal\.loads|codecs\.decode"
)
EXEC_RE = re.compile(
    r"\b(?:exec|eval|system|popen|subprocess|spawn|check_output|run)\b|\|\s*(?:ba|z|da)?sh\b"
)
S3_API_RE = re.compile(
    r"put_object|upload_file(?:obj)?|upload_part|copy_object|delete_objects?|delete_bucket|put_bucket_"
    r"|create_invalidation|\.Object\(|\.Bucket\(|s3\.meta\.client\.copy|\bapply_plan\b|\bput_one\b"
    r"|\bapply_rollback\b|\binvalidate\s*\("
)
PROTECTED_TEXT_RE = re.compile(
    r"\.claude/(?:settings[^/\s'\"]*\.json|hooks\b)|disableAllHooks|guard_production"
)
WRITE_CALL_RE = re.compile(
    r"open\([^)]*[\"'](?:w|a|r\+|wb|ab|x)[\"']|write_text|write_bytes|unlink|remove|rename|replace\(|rmtree|shutil\.|chmod|truncate|os\.system|subprocess"
)
EXEC_EXTS = {
    ".sh",
    ".bash",
    ".zsh",
    ".ksh",
    ".fish",
    ".py",
    ".pyw",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".rb",
    ".pl",
    ".php",
    ".ps1",
    ".bat",
    ".cmd",
    ".mk",
    ".toml",
    ".yml",
    ".yaml",
    ".json",
    ".cfg",
    ".ini",
    ".env",
    ".envrc",
    ".command",
    ".tf",
    ".hcl",
    ".lua",
    ".r",
    ".ipynb",
    ".nu",
}
EXEC_NAMES = {"makefile", "gnumakefile", "justfile", "dockerfile", "procfile", "taskfile", ".envrc"}


def _basename(word_text):
    return word_text.rstrip("/").rsplit("/", 1)[-1]


def _bucket_ref_re(name):
    return re.compile(r"(?<![\w.-])" + re.escape(name) + r"(?![\w-])", re.I)


class Guard:
    def __init__(self, payload):
        self.payload = payload
        cwd = payload.get("cwd")
        self.cwd = cwd if isinstance(cwd, str) and cwd else os.getcwd()
        self.project = os.environ.get("CLAUDE_PROJECT_DIR") or self.cwd
        self._know = None

    # ---- knowledge -------------------------------------------------------------------
    @property
    def know(self):
        if self._know is None:
            roots = [self.project]
            if not os.path.abspath(self.cwd).startswith(os.path.abspath(self.project)):
                roots.append(self.cwd)
            self._know = learn(roots)
        return self._know

    def learn_extra(self, path):
        """A `--source`/`--config` outside the project: learn it too."""
        if path and os.path.isdir(path):
            extra = learn([path])
            k = self.know
            k.prod_targets |= extra.prod_targets
            k.prod_buckets |= extra.prod_buckets
            k.prod_dists |= extra.prod_dists
            for name, b in extra.targets.items():
                k.targets.setdefault(name, set()).update(b)
            k.site_defaults.update(extra.site_defaults)
            k.errors += extra.errors
            k.finish()

    # ---- entry -----------------------------------------------------------------------
    def check(self):
        tool = self.payload.get("tool_name")
        ti = self.payload.get("tool_input")
        if not isinstance(tool, str) or not isinstance(ti, dict):
            raise Block("hook input has no tool_name/tool_input")
        if tool in ("Bash", "Monitor", "PowerShell"):
            cmd = ti.get("command")
            if tool == "Monitor" and cmd is None and "ws" in ti:
                return
            if not isinstance(cmd, str):
                raise Block(f"{tool} call without a command string")
            self.shell(cmd, 0, self.cwd, piped=False)
        elif tool in ("Write", "Edit", "MultiEdit", "NotebookEdit"):
            path = ti.get("notebook_path") if tool == "NotebookEdit" else ti.get("file_path")
            if not isinstance(path, str) or not path:
                raise Block(f"{tool} call without a file path")
            self.protect_path(path, self.cwd, f"{tool} of")
            texts = []
            if tool == "Write":
                texts = [ti.get("content")]
            elif tool == "Edit":
                texts = [ti.get("new_string")]
            elif tool == "MultiEdit":
                edits = ti.get("edits")
                if not isinstance(edits, list):
                    raise Block("MultiEdit call without an edits list")
                texts = [e.get("new_string") if isinstance(e, dict) else None for e in edits]
            else:
                texts = [ti.get("new_source", "")]
            for t in texts:
                if not isinstance(t, str):
                    raise Block(f"{tool} call with a non-text content field")
                self.written(path, t)
        else:
            # MCP and anything else routed here: look at the arguments as text.
            if re.search(r"resume|set_state|approve", tool, re.I):
                raise Block(f"tool {tool} can resume or approve a flow run")
            blob = json.dumps(ti)
            self.text_rules(blob, "content")

    # ---- files being written -----------------------------------------------------------
    def written(self, path, content):
        if "disableAllHooks" in content:
            raise Block("content sets disableAllHooks, which would switch the guard off")
        base = os.path.basename(path).lower()
        ext = os.path.splitext(base)[1]
        parts = path.replace("\\", "/").split("/")
        exec_like = (
            ext in EXEC_EXTS
            or base in EXEC_NAMES
            or ext == ""
            or ".github" in parts
            or "hooks" in parts
            or content.startswith("#!")
        )
        if exec_like:
            self.text_rules(content, "content", where=f"the file being written ({path})")

    # ---- protected paths ---------------------------------------------------------------
    def protected_roots(self):
        roots = []
        for base in {self.project, self.cwd}:
            b = os.path.abspath(base)
            roots += [
                os.path.join(b, ".claude", "hooks"),
                os.path.join(b, ".claude", "settings.json"),
            ]
            roots += [os.path.join(b, ".claude", "settings.local.json")]
        return roots

    def is_protected(self, abspath):
        p = abspath.replace("\\", "/")
        if re.search(r"/\.claude/(hooks(/|$)|settings[^/]*\.json$)", p):
            return True
        return p.endswith("managed-settings.json")

    def protect_path(self, path, cwd, action):
        full = os.path.normpath(os.path.join(cwd, os.path.expanduser(path)))
        for cand in (full, os.path.realpath(full)):
            if self.is_protected(cand):
                raise Block(
                    f"{action} {path} would change the production guard or its settings; "
                    "only a human edits .claude/settings*.json and .claude/hooks/"
                )

    def path_state(self, word, cwd):
        """'inside' if the word names a protected path, 'ancestor' if it contains one."""
        text = word.text
        if DYN in text:
            if re.search(r"settings[^/]*\.json|hooks|guard_production|\.claude", text):
                return "inside"
            return None
        if text.startswith("-") and "=" in text:
            text = text.split("=", 1)[1]
        elif text.startswith("-"):
            return None
        if word.glob:
            text = re.split(r"[*?\[]", text, maxsplit=1)[0]
            globbed = True
        else:
            globbed = False
        if cwd is None and not os.path.isabs(text):
            if re.search(
                r"(^|/)(settings[^/]*\.json|hooks|guard_production\.py|\.claude)(/|$)", text
            ):
                return "inside"
            return None
        full = os.path.normpath(os.path.join(cwd or "/", os.path.expanduser(text or ".")))
        real = os.path.realpath(full)
        for cand in (full, real):
            if self.is_protected(cand):
                return "inside"
        for root in self.protected_roots():
            for cand in (full, real):
                if root == cand or root.startswith(cand.rstrip("/") + "/"):
                    return "ancestor"
                if globbed and root.startswith(cand):
                    return "ancestor"
        return None

    # ---- text rules ------------------------------------------------------------------
    def variants(self, text):
        out = [text]
        t = re.sub(r"\$'((?:[^'\\]|\\.)*)'", lambda m: _ansi_c(m.group(1)), text)
        t = t.replace("\\\n", "")
        t2 = re.sub(r"[\"'\\]", "", t)
        out.append(t2)
        out.append(re.sub(r"\s+", " ", t2))
        return out

    def text_rules(self, text, mode, where=None):
        """Substring rules that do not depend on parsing. mode: shell | code | content."""
        where = where or ("the command" if mode == "shell" else "the code")
        know = self.know
        for t in self.variants(text):
            if RESUME_RE.search(t):
                raise Block(
                    f"{where} resumes or changes the state of a Prefect flow run ({RESUME_RE.search(t).group(0)})"
                )
            if RESUME_WORD_RE.search(t) and PREFECT_CTX_RE.search(t):
                raise Block(f"{where} looks like a Prefect resume/set_state call")
            if PHRASE_RE.search(t) and PHRASE_CTX_RE.search(t) and mode != "content":
                raise Block(
                    f"{where} sends the production approval phrase; only a human types it, in the Prefect UI"
                )
            if DB_RE.search(t):
                raise Block(f"{where} writes to Prefect's database directly")
            if (
                mode != "shell"
                and CODE_RESUME_RE.search(t)
                and re.search(r"prefect|PrefectApi|hugopipe", t, re.I)
            ):
                raise Block(f"{where} calls resume/set_state on a Prefect client")
            if mode != "shell" and APPROVE_TEXT_RE.search(t):
                raise Block(f"{where} runs `hugopipe approve`, which the guard cannot verify here")
            if STORAGE_VERB_RE.search(t):
                for b in sorted(know.prod_buckets):
                    if _bucket_ref_re(b).search(t):
                        raise Block(
                            f"{where} writes to the production bucket {b} (learned from the project's "
                            "Hugo [deployment] targets)"
                        )
            if CDN_VERB_RE.search(t):
                for d in sorted(know.prod_dists):
                    if re.search(r"(?<![A-Za-z0-9])" + re.escape(d) + r"(?![A-Za-z0-9])", t):
                        raise Block(
                            f"{where} invalidates or changes the production CloudFront distribution {d}"
                        )
            m = re.search(r"\bprefect\b[\s\"',\[\]]{1,6}api\b", t)
            if m and mode != "shell":
                raise Block(f"{where} calls `prefect api`, which can resume runs")
            for hm in re.finditer(
                r"\bhugo\b[\s\"',\[\]]{1,6}(?:[^\n;|&]{0,200}?[\s\"',\[\]])?deploy\b[^\n;|&]*", t
            ):
                if mode == "shell":
                    break  # the structural rule looks at shell commands precisely
                self.hugo_target_text(hm.group(0), where)
            if mode == "code":
                if OBFUSCATION_RE.search(t) and EXEC_RE.search(t):
                    raise Block(
                        f"{where} decodes something and executes it; the guard cannot inspect that"
                    )
                if S3_API_RE.search(t) or CDN_VERB_RE.search(t):
                    for mk in sorted(know.markers()):
                        if re.search(r"(?<![\w-])" + re.escape(mk) + r"(?![\w-])", t, re.I):
                            raise Block(
                                f"{where} calls an S3/CloudFront write API and names production ({mk})"
                            )
                if PROTECTED_TEXT_RE.search(t) and WRITE_CALL_RE.search(t):
                    raise Block(f"{where} writes to the guard's settings or hook files")

    def hugo_target_text(self, snippet, where):
        m = re.search(r"--target[\s=\"',]+([\w.\-]+)", snippet)
        if m:
            self.check_hugo_target(m.group(1), where, None)
        else:
            self.check_hugo_default(None, where)

    # ---- shell analysis -------------------------------------------------------------
    def shell(self, text, depth, cwd, piped, env=None):
        if depth > MAX_DEPTH:
            raise Block("the command nests shells/substitutions too deeply to inspect")
        self.text_rules(text, "shell")
        cmds = lex(text, env if env is not None else {})
        for idx, cmd in enumerate(cmds):
            for sub in cmd.substs:
                self.shell(sub, depth + 1, cwd, piped=False)
            for ps in cmd.procsubs:
                self.shell(ps, depth + 1, cwd, piped=False)
            in_pipe = cmd.op == "|" or (idx == 0 and piped)
            cwd = self.command(cmd, depth, cwd, in_pipe)

    def command(self, cmd, depth, cwd, in_pipe):
        argv = list(cmd.argv)
        # xargs -I R / -i / --replace: words holding R are filled in at run time
        for k, w in enumerate(argv):
            if _basename(w.text) == "xargs":
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
                    if any(m and m in argv[j].text for m in marks) and argv[j - 1].text not in (
                        "-I",
                    ):
                        argv[j] = Word(argv[j].text, True, argv[j].glob, argv[j].quoted)
        while argv and ASSIGN_RE.match(argv[0].text) and not argv[0].quoted:
            argv.pop(0)
        # redirections that write
        for op, w in cmd.redirs:
            if op in (">", ">>", ">|", "&>", "&>>", "<>"):
                st = self.path_state(w, cwd)
                if st == "inside":
                    raise Block(f"redirection writes to {w.text}, part of the production guard")
        if not argv:
            for body in cmd.heredocs:
                self.text_rules(body, "content", "a heredoc")
            return cwd
        prim = self.unwrap(argv)
        if prim >= len(argv):
            return cwd
        prog_word = argv[prim]
        prog = _basename(prog_word.text)
        # a command whose name is only known at run time
        if prog_word.dyn:
            rest = " ".join(w.text for w in argv[prim + 1 :])
            if re.search(
                r"(?<![\w-])(s3|s3api|sync|cp|deploy|approve|resume|api|create-invalidation|cloudfront|-c)(?![\w-])",
                rest,
            ):
                raise Block(f"the program name in `{_show(argv)}` is computed at run time")
        # heredocs / herestrings feed the program's stdin
        feeds_code = prog in SHELLS or PY_RE.match(prog) or prog in INTERPRETERS
        for body in cmd.heredocs:
            self.stdin_body(prog, body, depth, cwd)
        for w in cmd.herestrings:
            if DYN in w.text and feeds_code:
                raise Block(f"`{prog}` runs a here-string computed at run time")
            self.stdin_body(prog, w.text, depth, cwd)
        stdin_file = [w for op, w in cmd.redirs if op == "<"]
        # every suffix that starts with a key program (covers arbitrary wrappers)
        for j in range(len(argv)):
            base = _basename(argv[j].text)
            self.program(
                base, argv[j:], j == prim, depth, cwd, in_pipe and j == prim, stdin_file, cmd
            )
        # executing a file by path
        if (
            "/" in prog_word.text
            and not prog_word.dyn
            and prog not in SHELLS
            and not PY_RE.match(prog)
        ):
            self.scan_script(prog_word.text, cwd, depth, must_exist=True, kind=None)
        # writes to protected paths
        self.protected_writes(argv, prim, cwd)
        # track cd
        if prog in ("cd", "pushd") and prim == 0:
            target = argv[1] if len(argv) > 1 else None
            if target is None:
                return os.path.expanduser("~")
            if target.dyn:
                return None
            return os.path.normpath(os.path.join(cwd or "/", os.path.expanduser(target.text)))
        return cwd

    def unwrap(self, argv):
        i = 0
        while i < len(argv):
            w = argv[i]
            base = _basename(w.text)
            if ASSIGN_RE.match(w.text) and not w.quoted:
                i += 1
                continue
            if base in WRAPPERS_VALUE_OPTS:
                opts = WRAPPERS_VALUE_OPTS[base]
                i += 1
                while i < len(argv) and (
                    argv[i].text.startswith("-") or ASSIGN_RE.match(argv[i].text)
                ):
                    i += 2 if argv[i].text in opts else 1
                if (
                    base == "timeout"
                    and i < len(argv)
                    and re.match(r"^[\d.]+[smhd]?$", argv[i].text)
                ):
                    i += 1
                if base == "flock" and i < len(argv):
                    i += 1
                if base in ("taskset", "chrt") and i < len(argv):
                    i += 1
                continue
            if (
                base in ("uv", "poetry", "pdm", "hatch", "pipenv", "rye", "pixi")
                and i + 1 < len(argv)
                and argv[i + 1].text in ("run", "exec")
            ):
                i += 2
                while i < len(argv) and argv[i].text.startswith("-"):
                    i += 2 if argv[i].text in UV_VALUE_OPTS else 1
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
                while i < len(argv) and argv[i].text.startswith("-"):
                    i += 2 if argv[i].text in UV_VALUE_OPTS else 1
                continue
            return i
        return i

    # ---- per-program rules --------------------------------------------------------
    def program(self, base, args, primary, depth, cwd, in_pipe, stdin_file, cmd):
        rest = args[1:]
        if base in AWS_NAMES:
            self.aws(rest, _show(args))
        elif base == "hugo":
            self.hugo(rest, cwd, _show(args))
        elif base == "prefect":
            self.prefect(rest, _show(args))
        elif base == "hugopipe":
            self.hugopipe(rest, _show(args))
        elif base in SHELLS:
            self.shell_invocation(base, rest, primary, depth, cwd, in_pipe, stdin_file)
        elif PY_RE.match(base):
            self.python_invocation(rest, primary, depth, cwd, in_pipe, stdin_file, _show(args))
        elif base in INTERPRETERS:
            self.interp_invocation(base, rest, primary, depth, cwd, in_pipe, stdin_file)
        elif base == "eval" and primary:
            payload = " ".join(w.text for w in rest)
            if DYN in payload:
                raise Block("`eval` of text computed at run time cannot be inspected")
            self.shell(payload, depth + 1, cwd, piped=False)
        elif base in ("source", ".") and primary:
            if not rest:
                return
            if rest[0].dyn or rest[0].text in ("/dev/stdin", "-"):
                raise Block(f"`{base}` of a file computed at run time or stdin cannot be inspected")
            self.scan_script(rest[0].text, cwd, depth, must_exist=True, kind="shell")
        elif base == "ssh":
            i = 0
            while i < len(rest) and rest[i].text.startswith("-"):
                i += 2 if re.match(r"^-[pilLRDoFJbcEeImOQSWw]$", rest[i].text) else 1
            remote = " ".join(w.text for w in rest[i + 1 :])
            if remote:
                if DYN in remote:
                    self.text_rules(remote.replace(DYN, ""), "shell")
                self.shell(remote.replace(DYN, "$X"), depth + 1, None, piped=False)
        elif base in ("make", "gmake") and primary:
            self.scan_build_files(rest, cwd, ("Makefile", "makefile", "GNUmakefile"), "-f")
        elif base == "just" and primary:
            self.scan_build_files(rest, cwd, ("justfile", "Justfile", ".justfile"), "--justfile")
        elif base in ("npm", "pnpm", "yarn", "bun") and primary:
            self.scan_build_files([], cwd, ("package.json",), None)
        elif base == "git" and primary:
            sub = next((w.text for w in rest if not w.text.startswith("-")), "")
            if sub in (
                "commit",
                "merge",
                "push",
                "rebase",
                "checkout",
                "switch",
                "am",
                "pull",
                "cherry-pick",
            ):
                self.scan_git_hooks(cwd, depth)

    # aws -----------------------------------------------------------------------------
    AWS_GLOBAL_VALUE: ClassVar[set[str]] = {
        "--profile",
        "--region",
        "--endpoint-url",
        "--output",
        "--query",
        "--color",
        "--ca-bundle",
        "--cli-read-timeout",
        "--cli-connect-timeout",
        "--cli-binary-format",
    }

    def aws(self, rest, shown):
        pos, i, opts = [], 0, {}
        while i < len(rest):
            t = rest[i].text
            if t.startswith("--"):
                key = t.split("=", 1)[0]
                if "=" in t:
                    opts.setdefault(key, []).append(
                        Word(t.split("=", 1)[1], rest[i].dyn, False, True)
                    )
                    i += 1
                elif (
                    i + 1 < len(rest)
                    and not rest[i + 1].text.startswith("--")
                    and key
                    not in (
                        "--recursive",
                        "--dryrun",
                        "--delete",
                        "--quiet",
                        "--force",
                        "--debug",
                        "--no-verify-ssl",
                        "--no-paginate",
                        "--no-sign-request",
                        "--no-cli-pager",
                        "--exact-timestamps",
                        "--size-only",
                        "--follow-symlinks",
                        "--no-follow-symlinks",
                        "--only-show-errors",
                        "--no-progress",
                        "--no-guess-mime-type",
                    )
                ):
                    if key in self.AWS_GLOBAL_VALUE or len(pos) >= 2:
                        opts.setdefault(key, []).append(rest[i + 1])
                        i += 2
                        continue
                    i += 1
                else:
                    i += 1
            else:
                pos.append(rest[i])
                i += 1
        if len(pos) < 2:
            if any(w.dyn for w in pos):
                raise Block(f"`{shown}`: the AWS service or operation is computed at run time")
            return
        service, op = pos[0], pos[1]
        if service.dyn or op.dyn:
            raise Block(f"`{shown}`: the AWS service or operation is computed at run time")
        s, o = service.text, op.text
        know = self.know
        if ("--cli-input-json" in opts or "--cli-input-yaml" in opts) and (
            (s == "s3api" and not re.match(r"^(get|head|list)-", o))
            or (s == "cloudfront" and not re.match(r"^(get|list)-", o))
        ):
            raise Block(f"`{shown}` reads its parameters from a file the guard does not inspect")
        s3_write = (s == "s3" and o in ("cp", "sync", "mv", "rm", "rb", "mb", "website")) or (
            s == "s3api" and not re.match(r"^(get|head|list|wait)-?", o)
        )
        if s3_write:
            words = [w for w in pos[2:] if "s3://" in w.text or w.dyn]
            words += opts.get("--bucket", []) + opts.get("--copy-source", [])
            if know.errors:
                raise Block(
                    "`{}` writes to S3, but the project's deploy configuration could not be read: {}".format(
                        shown, "; ".join(know.errors[:3])
                    )
                )
            if not words:
                raise Block(f"`{shown}` writes to S3 but names no bucket the guard can check")
            for w in words:
                if w.dyn:
                    raise Block(f"`{shown}` writes to an S3 bucket computed at run time")
                bucket = w.text.split("s3://", 1)[-1].split("/")[0].split("?")[0].lower()
                if bucket in know.prod_buckets:
                    raise Block(f"`{shown}` writes to the production bucket {bucket}")
        if s == "cloudfront" and not re.match(r"^(get|list|wait)-?", o):
            ids = opts.get("--distribution-id", []) + opts.get("--id", [])
            if know.errors:
                raise Block(
                    "`{}` changes CloudFront, but the project's deploy configuration could not be read: {}".format(
                        shown, "; ".join(know.errors[:3])
                    )
                )
            if (
                o.startswith(
                    ("create-invalidation", "update-", "delete-", "associate-", "tag-", "untag-")
                )
                and not ids
            ):
                raise Block(f"`{shown}` names no distribution id the guard can check")
            for w in ids:
                if w.dyn:
                    raise Block(f"`{shown}`: the distribution id is computed at run time")
                if w.text in know.prod_dists:
                    raise Block(
                        f"`{shown}` changes the production CloudFront distribution {w.text}"
                    )

    # hugo ----------------------------------------------------------------------------
    HUGO_VALUE: ClassVar[set[str]] = {
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

    def hugo(self, rest, cwd, shown):
        i, sub, target, source, configs = 0, None, None, None, []
        while i < len(rest):
            t = rest[i].text
            key, eq, val = t.partition("=")
            if t.startswith("-"):
                value = None
                if eq:
                    value = Word(val, rest[i].dyn, False, True)
                    i += 1
                elif key in self.HUGO_VALUE and i + 1 < len(rest):
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
                continue
            if sub is None:
                sub = rest[i]
            i += 1
        if sub is None or sub.text != "deploy":
            if sub is not None and sub.dyn:
                raise Block(f"`{shown}`: the Hugo subcommand is computed at run time")
            return
        if self.know.errors:
            raise Block(
                "`{}`: the project's deploy configuration could not be read: {}".format(
                    shown, "; ".join(self.know.errors[:3])
                )
            )
        site = None
        if source is not None:
            if source.dyn:
                raise Block(f"`{shown}`: --source is computed at run time")
            site = os.path.normpath(os.path.join(cwd or self.project, source.text))
            if site not in self.know.sites:
                self.learn_extra(site)
        for c in configs:
            if c is None or c.dyn:
                raise Block(f"`{shown}`: --config is computed at run time")
            cdir = os.path.dirname(os.path.normpath(os.path.join(cwd or self.project, c.text)))
            self.learn_extra(cdir)
        if target is None:
            self.check_hugo_default(site or cwd, f"`{shown}`")
        elif target.dyn:
            raise Block(f"`{shown}`: the deploy target is computed at run time")
        else:
            self.check_hugo_target(target.text, f"`{shown}`", site)

    def check_hugo_target(self, name, where, site):
        know = self.know
        if know.is_prod_target(name):
            raise Block(f"{where} deploys to the production target {name!r}")
        if not know.known_target(name):
            raise Block(
                f"{where} deploys to target {name!r}, which no Hugo config in the project defines"
            )

    def check_hugo_default(self, site, where):
        know = self.know
        candidates = []
        for s, default in know.site_defaults.items():
            if (
                site is None
                or site == s
                or (site and site.startswith(s + os.sep))
                or (site and s.startswith(site.rstrip("/") + os.sep))
            ):
                candidates.append(default)
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

    # prefect -------------------------------------------------------------------------
    def prefect(self, rest, shown):
        words = [w for w in rest if not w.text.startswith("-")]
        if not words:
            return
        if any(w.dyn for w in words[:2]):
            raise Block(f"`{shown}`: the Prefect command is computed at run time")
        group = words[0].text
        if group == "api":
            if len(words) < 3 and len(words) < 2:
                return
            method = words[1].text.upper() if len(words) > 1 else ""
            path = words[2] if len(words) > 2 else None
            if path is not None and path.dyn:
                raise Block(f"`{shown}`: the API path is computed at run time")
            ptext = path.text if path is not None else ""
            if re.search(r"resume|set_state|/input", ptext):
                raise Block(f"`{shown}` resumes or changes the state of a flow run")
            if method in ("GET", "HEAD"):
                return
            if method == "POST" and re.search(r"/(filter|count|paginate|history)/?$", ptext):
                return
            raise Block(f"`{shown}` is a write through `prefect api`; use the hugopipe CLI")
        if group == "flow-run":
            sub = words[1].text if len(words) > 1 else ""
            if sub not in ("", "ls", "inspect", "logs", "cancel", "delete", "watch"):
                raise Block(
                    f"`{shown}`: `prefect flow-run {sub}` is not allowed; use the hugopipe CLI"
                )
        if group == "deployment" and len(words) > 1 and words[1].text == "run":
            text = " ".join(w.text for w in rest)
            if DYN in text:
                raise Block(f"`{shown}`: parameters computed at run time")
            if not re.search(r"env\W{1,3}(\w+)", text) or any(
                re.search(r"(?<![\w-])" + re.escape(m) + r"(?![\w-])", text, re.I)
                for m in self.know.prod_envs | self.know.prod_targets
            ):
                raise Block(
                    f"`{shown}` can start a production deployment; start production only with "
                    "`uv run hugopipe run publish --env production`"
                )

    # hugopipe -------------------------------------------------------------------------
    def hugopipe(self, rest, shown):
        words = [w for w in rest if not w.text.startswith("-")]
        if not words:
            return
        sub = words[0]
        if sub.dyn:
            raise Block(f"`{shown}`: the hugopipe command is computed at run time")
        know = self.know
        prod_words = know.prod_envs | know.prod_targets
        text = " ".join(w.text for w in rest)

        def names_prod():
            return any(
                re.search(r"(?<![\w-])" + re.escape(m) + r"(?![\w-])", text, re.I)
                for m in prod_words
            )

        if sub.text == "approve":
            if names_prod():
                raise Block(
                    f"`{shown}` approves a production run; only a human approves production, in the Prefect UI"
                )
            ids, skip = [], False
            for w in rest[1:]:
                if skip:
                    skip = False
                elif w.text in ("--input", "--note", "--site"):
                    skip = True
                elif not w.text.startswith("-"):
                    ids.append(w)
            if not ids:
                return  # the CLI will print usage
            for w in ids:
                if w.dyn:
                    raise Block(f"`{shown}`: the run id is computed at run time")
                self.check_run_not_production(w.text, shown)
        elif sub.text in ("deploy", "rollback"):
            if DYN in text or names_prod():
                raise Block(f"`{shown}` touches production outside the approval flow")
        elif sub.text == "run":
            flow = words[1].text if len(words) > 1 else ""
            if DYN in text and flow != "publish":
                raise Block(f"`{shown}`: arguments computed at run time")
            if names_prod():
                if flow != "publish":
                    raise Block(f"`{shown}`: only the publish flow may be started for production")
                if re.search(r"--deployment|--param", text):
                    raise Block(
                        f"`{shown}`: start production with plain `uv run hugopipe run publish --env production` "
                        "(no --deployment/--param)"
                    )

    def check_run_not_production(self, run_id, shown):
        """Ask the Prefect API what the run is; anything but a clearly non-production run is refused."""
        import urllib.request

        if not re.match(r"^[0-9a-fA-F-]{8,64}$", run_id):
            raise Block(f"`{shown}`: {run_id!r} is not a flow run id the guard can check")
        base = (os.environ.get("PREFECT_API_URL") or "http://127.0.0.1:4200/api").rstrip("/")
        req = urllib.request.Request(base + "/flow_runs/" + run_id, headers=_auth_headers())
        try:
            with urllib.request.urlopen(req, timeout=API_TIMEOUT) as resp:
                run = json.loads(resp.read().decode("utf-8"))
        except Exception as exc:
            raise Block(
                f"`{shown}`: cannot confirm with the Prefect API that run {run_id} is not production ({exc.__class__.__name__}); "
                "approve it in the Prefect UI instead"
            ) from None
        params = run.get("parameters") or {}
        env = params.get("env") or params.get("environment")
        blob = json.dumps([params, run.get("tags") or []]).lower()
        know = self.know
        keyset = ((run.get("state") or {}).get("state_details") or {}).get("run_input_keyset") or {}
        if keyset.get("schema"):
            try:
                req = urllib.request.Request(
                    "{}/flow_runs/{}/input/{}".format(base, run_id, keyset["schema"]),
                    headers=_auth_headers(),
                )
                with urllib.request.urlopen(req, timeout=API_TIMEOUT) as resp:
                    schema = resp.read().decode("utf-8", "replace")
            except Exception as exc:
                raise Block(
                    f"`{shown}`: cannot read the approval form of run {run_id} ({exc.__class__.__name__}); approve it in the Prefect UI"
                ) from None
            if PHRASE_RE.search(schema):
                raise Block(
                    f"`{shown}`: run {run_id} asks for DEPLOY TO PRODUCTION; only a human types that, in the Prefect UI"
                )
        if env is None:
            raise Block(
                f"`{shown}`: run {run_id} has no env parameter, so it may be production; approve it in the UI"
            )
        if (
            str(env).lower() in know.prod_envs
            or str(env).lower() in know.prod_targets
            or any(
                re.search(r"(?<![\w-])" + re.escape(m) + r"(?![\w-])", blob)
                for m in know.prod_envs | know.prod_targets
            )
        ):
            raise Block(
                f"`{shown}`: run {run_id} is a production run; only a human approves it, by typing DEPLOY TO PRODUCTION in the Prefect UI"
            )

    # interpreters --------------------------------------------------------------------
    def shell_invocation(self, base, rest, primary, depth, cwd, in_pipe, stdin_file):
        i, c_mode, reads_stdin = 0, False, False
        while i < len(rest):
            t = rest[i].text
            if t in ("-o", "+o", "--rcfile", "--init-file", "-O", "+O"):
                i += 2
                continue
            if t == "--":
                i += 1
                break
            if re.match(r"^[-+][A-Za-z]+$", t):
                if "c" in t[1:] and t[0] == "-":
                    c_mode = True
                if "s" in t[1:] and t[0] == "-":
                    reads_stdin = True
                i += 1
                continue
            if t.startswith("--"):
                i += 1
                continue
            break
        if base == "busybox":
            return
        if c_mode:
            if i >= len(rest):
                raise Block(f"`{base} -c` without a command")
            payload = rest[i]
            if payload.dyn:
                raise Block(
                    f"`{base} -c` runs text computed at run time; the guard cannot inspect it"
                )
            self.shell(payload.text, depth + 1, cwd, piped=False)
            return
        if i < len(rest) and not reads_stdin:
            script = rest[i]
            if script.dyn:
                if primary:
                    raise Block(f"`{base}` runs a script whose name is computed at run time")
                return
            if script.text in ("-", "/dev/stdin"):
                reads_stdin = True
            else:
                self.scan_script(script.text, cwd, depth, must_exist=primary, kind="shell")
                return
        if not primary:
            return
        if stdin_file:
            for w in stdin_file:
                if w.dyn:
                    raise Block(f"`{base}` reads a script from a file computed at run time")
                self.scan_script(w.text, cwd, depth, must_exist=True, kind="shell")
            return
        if in_pipe:
            raise Block(
                f"piping into `{base}` runs code the guard cannot inspect; write a script file instead"
            )

    def python_invocation(self, rest, primary, depth, cwd, in_pipe, stdin_file, shown):
        i = 0
        while i < len(rest):
            t = rest[i].text
            if t in ("-W", "-X", "--check-hash-based-pycs"):
                i += 2
                continue
            if t == "-c" or (t.startswith("-c") and len(t) > 2 and not t.startswith("--")):
                code = (
                    rest[i + 1]
                    if t == "-c" and i + 1 < len(rest)
                    else Word(t[2:], rest[i].dyn, False, True)
                )
                if code.dyn:
                    self.code(code.text.replace(DYN, " "), depth, cwd)
                    if re.search(
                        r"exec|eval|compile|__import__|system|subprocess|getattr", code.text
                    ):
                        raise Block(f"`{shown}` runs code assembled at run time")
                    return
                self.code(code.text, depth, cwd)
                return
            if t == "-m":
                mod = rest[i + 1].text if i + 1 < len(rest) else ""
                after = rest[i + 2 :]
                if mod.split(".")[0] == "hugopipe":
                    self.hugopipe(after, shown)
                elif mod == "awscli":
                    self.aws(after, shown)
                elif mod.split(".")[0] == "prefect":
                    self.prefect(after, shown)
                return
            if t.startswith("-") and t != "-":
                i += 1
                continue
            break
        if i < len(rest) and rest[i].text != "-":
            script = rest[i]
            if script.dyn:
                if primary:
                    raise Block(f"`{shown}` runs a script whose name is computed at run time")
                return
            self.scan_script(script.text, cwd, depth, must_exist=primary, kind="code")
            return
        if not primary:
            return
        if stdin_file:
            for w in stdin_file:
                if w.dyn:
                    raise Block(f"`{shown}` reads a script from a file computed at run time")
                self.scan_script(w.text, cwd, depth, must_exist=True, kind="code")
            return
        if in_pipe:
            raise Block(
                "piping into python runs code the guard cannot inspect; write a script file instead"
            )

    def interp_invocation(self, base, rest, primary, depth, cwd, in_pipe, stdin_file):
        flags = INTERPRETERS[base]
        for k, w in enumerate(rest):
            if w.text in flags and k + 1 < len(rest):
                code = rest[k + 1]
                if code.dyn:
                    raise Block(f"`{base}` runs code assembled at run time")
                self.code(code.text, depth, cwd)
                return
        script = next((w for w in rest if not w.text.startswith("-")), None)
        if script is not None:
            if script.dyn:
                if primary:
                    raise Block(f"`{base}` runs a script whose name is computed at run time")
                return
            self.scan_script(script.text, cwd, depth, must_exist=primary, kind="code")
            return
        if primary and in_pipe and not stdin_file:
            raise Block(f"piping into `{base}` runs code the guard cannot inspect")

    def stdin_body(self, prog, body, depth, cwd):
        if prog in SHELLS:
            self.shell(body, depth + 1, cwd, piped=False)
        elif PY_RE.match(prog) or prog in INTERPRETERS:
            self.code(body, depth, cwd)
        else:
            self.text_rules(body, "content", "a heredoc")

    def code(self, text, depth, cwd):
        self.text_rules(text, "code")
        # shell commands embedded in the code (os.system("..."), subprocess.run("...", shell=True))
        for m in re.finditer(
            r"([\"'])((?:aws|hugo|prefect|hugopipe|sh|bash|eval|curl|uv)\b[^\"'\n]*)\1", text
        ):
            self.shell(m.group(2), depth + 1, cwd, piped=False)

    # scripts -------------------------------------------------------------------------
    def scan_script(self, path, cwd, depth, must_exist, kind):
        if depth > MAX_DEPTH:
            raise Block("scripts call scripts too deeply to inspect")
        full = os.path.normpath(os.path.join(cwd or self.project, os.path.expanduser(path)))
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
        text = data.decode("utf-8", "replace")
        if kind is None:
            first = text.split("\n", 1)[0]
            if first.startswith("#!"):
                kind = "shell" if re.search(r"\b(ba|z|da|k)?sh\b", first) else "code"
            else:
                kind = "shell"
        where = f"the script {path}"
        if kind == "shell":
            try:
                self.shell(text, depth + 1, cwd, piped=False)
            except Block as b:
                raise Block(f"{where}: {b}") from None
        else:
            self.text_rules(text, "code", where)
            try:
                self.code(text, depth + 1, cwd)
            except Block as b:
                raise Block(f"{where}: {b}") from None

    def scan_build_files(self, rest, cwd, names, flag):
        base = cwd or self.project
        files = [os.path.join(base, n) for n in names]
        for k, w in enumerate(rest):
            if flag and w.text == flag and k + 1 < len(rest):
                files.append(os.path.join(base, rest[k + 1].text))
            if w.text == "-C" and k + 1 < len(rest):
                base2 = os.path.join(base, rest[k + 1].text)
                files += [os.path.join(base2, n) for n in names]
        for f in files:
            if os.path.isfile(f):
                with open(f, encoding="utf-8", errors="replace") as fh:
                    self.text_rules(fh.read(MAX_SCRIPT_BYTES), "content", f"the build file {f}")

    def scan_git_hooks(self, cwd, depth):
        top = cwd or self.project
        hooks = os.path.join(top, ".git", "hooks")
        if not os.path.isdir(hooks):
            return
        for n in os.listdir(hooks):
            p = os.path.join(hooks, n)
            if n.endswith(".sample") or not os.path.isfile(p):
                continue
            self.scan_script(p, cwd, depth + 1, must_exist=False, kind=None)

    # protected paths via shell -----------------------------------------------------
    READERS: ClassVar[set[str]] = {
        "cat",
        "less",
        "more",
        "head",
        "tail",
        "grep",
        "egrep",
        "fgrep",
        "rg",
        "ag",
        "ls",
        "tree",
        "stat",
        "file",
        "wc",
        "md5sum",
        "sha1sum",
        "sha256sum",
        "cksum",
        "diff",
        "cmp",
        "jq",
        "bat",
        "realpath",
        "readlink",
        "basename",
        "dirname",
        "echo",
        "printf",
        "test",
        "[",
        "cd",
        "pushd",
        "du",
        "pytest",
        "py.test",
        "mypy",
        "pyright",
        "hugopipe",
        "hugo",
        "true",
        "nl",
        "od",
        "xxd",
        "hexdump",
        "strings",
        "column",
        "sort",
        "uniq",
        "cut",
        "awk",
    }
    SAFE_GIT: ClassVar[set[str]] = {
        "status",
        "diff",
        "log",
        "show",
        "blame",
        "grep",
        "ls-files",
        "add",
        "commit",
        "rev-parse",
        "branch",
        "fetch",
        "remote",
        "describe",
        "shortlog",
        "tag",
        "cat-file",
        "ls-tree",
        "reflog",
        "push",
        "whatchanged",
        "check-ignore",
        "config",
    }
    ANCESTOR_WRITERS: ClassVar[set[str]] = {
        "rm",
        "rmdir",
        "mv",
        "chmod",
        "chown",
        "chgrp",
        "chattr",
        "setfacl",
        "rsync",
        "shred",
        "unlink",
        "truncate",
        "ln",
        "cp",
        "install",
        "tar",
        "unzip",
        "patch",
    }

    def protected_writes(self, argv, prim, cwd):
        prog_word = argv[prim]
        prog = _basename(prog_word.text)
        args = argv[prim + 1 :]
        states = [(w, self.path_state(w, cwd)) for w in args]
        inside = [w for w, s in states if s == "inside"]
        ancestor = [w for w, s in states if s == "ancestor"]
        if not inside and not ancestor:
            return
        reader = prog in self.READERS
        if prog == "git":
            sub = next((w.text for w in args if not w.text.startswith("-")), "")
            reader = sub in self.SAFE_GIT
        if prog == "find":
            reader = not any(
                w.text
                in ("-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprintf", "-fls")
                for w in args
            )
            if not reader and (inside or ancestor):
                raise Block(
                    f"`find` with -delete/-exec over {(inside or ancestor)[0].text} can change the production guard"
                )
        if prog == "sed":
            reader = not any(
                w.text.startswith("-i") or w.text.startswith("--in-place") for w in args
            )
        if prog == "ruff":
            reader = not any(w.text in ("format", "--fix") for w in args) or any(
                w.text in ("--check", "--diff") for w in args
            )
        if PY_RE.match(prog):
            # running the hook itself (tests) or pretty-printing settings is fine
            first = args[0].text if args else ""
            reader = (first.endswith(".py") and args and args[0] in inside) or (
                first == "-m"
                and len(args) > 1
                and args[1].text in ("json.tool", "py_compile", "pytest")
            )
        if inside and not reader:
            raise Block(
                f"`{_show(argv)}` touches {inside[0].text}, part of the production guard; only a human changes it"
            )
        if ancestor and (
            prog in self.ANCESTOR_WRITERS or (prog == "git" and not reader) or prog == "find"
        ):
            raise Block(
                f"`{_show(argv)}` would also change {ancestor[0].text}, which holds the production guard"
            )


def _show(words):
    text = " ".join(w.text.replace(DYN, "$…") for w in words)
    return text if len(text) <= 160 else text[:157] + "..."


def _auth_headers():
    headers = {"Accept": "application/json"}
    auth = os.environ.get("PREFECT_API_AUTH_STRING")
    key = os.environ.get("PREFECT_API_KEY")
    if auth:
        import base64

        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    elif key:
        headers["Authorization"] = "Bearer " + key
    return headers


def main():
    try:
        raw = sys.stdin.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            raise Block("hook input is not JSON") from None
        if not isinstance(payload, dict):
            raise Block("hook input is not a JSON object")
        Guard(payload).check()
    except Block as b:
        sys.stderr.write(
            "BLOCKED by the hugopipe production guard: {}.\n{}\n".format(str(b).rstrip("."), HOW_TO)
        )
        sys.exit(2)
    except Exception as exc:  # fail closed on anything unexpected
        sys.stderr.write(
            f"BLOCKED by the hugopipe production guard: internal error {exc.__class__.__name__}: {exc} (failing closed).\n{HOW_TO}\n"
        )
        sys.exit(2)
    sys.exit(0)


if __name__ == "__main__":
    main()
