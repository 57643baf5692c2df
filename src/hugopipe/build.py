"""Build a Hugo site into a clean destination and describe the result as a ``BuildReport``.

The report is the contract between the build stage and everything after it:
validate reads ``public_dir``, deploy compares ``content_hash``, the result
file and the Prefect artifact render it, and Claude Code reads ``errors`` to
decide whether to fix a template or escalate.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from hugopipe.errors import FailureClass
from hugopipe.hugo import config_error, hugo_version, run_hugo
from hugopipe.outputwalk import sha256_file

_LOCATED = re.compile(r'"(?P<file>[^"]+?):(?P<line>\d+):(?P<col>\d+)":\s*(?P<msg>.*)')
#: a file of a config folder: Hugo names the file, then its line in "_stream.toml"
_CONFIG_STREAM = re.compile(
    r'for path "(?P<file>[^"]+)":\s*"_stream\.\w+:(?P<line>\d+):(?P<col>\d+)":\s*(?P<msg>.*)'
)
_LEADING_FILE = re.compile(r"(?P<file>[\w./-]+\.\w+)(?::(?P<line>\d+))?(?::\d+)?:\s")
_SUMMARY = re.compile(r"logged \d+ error\(s\)")
_STAT = re.compile(r"^\s*(?P<name>[A-Za-z][A-Za-z ]+?)\s*[│|]\s*(?P<n>\d+)\s*$")


class BuildMessage(BaseModel):
    """One ERROR or WARN line from Hugo, with the file and line Hugo names."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    failure_class: FailureClass = FailureClass.UNKNOWN


class BuildReport(BaseModel):
    success: bool
    environment: str
    site_dir: str
    public_dir: str
    base_url: str | None = None
    hugo_version: str
    pages: int = 0
    paginator_pages: int = 0
    static_files: int = 0
    aliases: int = 0
    files: int = 0
    bytes: int = 0
    warnings: list[BuildMessage] = Field(default_factory=list)
    errors: list[BuildMessage] = Field(default_factory=list)
    duration_seconds: float
    content_hash: str = ""
    command: list[str] = Field(default_factory=list)
    log: str = Field("", description="Hugo's own output (last 4,000 characters), for result files")

    @property
    def failure_class(self) -> FailureClass | None:
        if self.success:
            return None
        classes = {e.failure_class for e in self.errors}
        for cls in (FailureClass.TEMPLATE, FailureClass.CONTENT, FailureClass.CONFIGURATION):
            if cls in classes:
                return cls
        return FailureClass.UNKNOWN

    def to_markdown(self) -> str:
        status = "succeeded" if self.success else "FAILED"
        lines = [
            f"### Hugo build {status} ({self.environment})",
            "",
            "| | |",
            "|---|---|",
            f"| Hugo | `{self.hugo_version}` |",
            f"| baseURL | {self.base_url or '(from config)'} |",
            f"| pages | {self.pages} (+{self.paginator_pages} paginator, {self.aliases} aliases) |",
            f"| files | {self.files} ({self.bytes / 1e6:.2f} MB) |",
            f"| duration | {self.duration_seconds:.2f} s |",
            f"| content hash | `{self.content_hash[:16]}` |",
        ]
        for title, items in (("Errors", self.errors), ("Warnings", self.warnings)):
            if items:
                lines += ["", f"**{title}**", ""]
                lines += [f"- `{_where(m)}` {m.message}" for m in items]
        return "\n".join(lines)


def _where(m: BuildMessage) -> str:
    if m.file and m.line:
        return f"{m.file}:{m.line}"
    return m.file or "-"


def classify_path(site: Path, file: str | None) -> FailureClass:
    """Whose mistake a file is: layouts → template, content → content, the rest → configuration."""
    if not file:
        return FailureClass.UNKNOWN
    try:
        rel = Path(file).resolve().relative_to(site.resolve())
    except ValueError:
        rel = Path(file)
    top = rel.parts[0] if rel.parts else ""
    if top in {"layouts", "themes", "archetypes"} or "layouts" in rel.parts:
        return FailureClass.TEMPLATE
    if top in {"content", "static", "assets", "data", "i18n"}:
        return FailureClass.CONTENT
    return FailureClass.CONFIGURATION


def parse_messages(text: str, site: Path, level: str) -> list[BuildMessage]:
    """Hugo's ERROR/WARN lines (with their continuation lines) as messages with file and line."""
    out: list[BuildMessage] = []
    for raw in text.splitlines():
        if raw.startswith(level):
            body = raw[len(level) :].strip()
            body = body.removeprefix("error building site:").strip()
            m = _CONFIG_STREAM.search(body) or _LOCATED.search(body)
            if m:
                file = m.group("file")
                try:
                    shown = str(Path(file).resolve().relative_to(site.resolve()))
                except ValueError:
                    shown = file
                out.append(
                    BuildMessage(
                        message=m.group("msg").strip(),
                        file=shown,
                        line=int(m.group("line")),
                        column=int(m.group("col")),
                        failure_class=classify_path(site, file),
                    )
                )
            elif _SUMMARY.fullmatch(body):
                continue  # "logged N error(s)": the errors themselves are already listed
            else:
                # errorf/warnf in templates often start with the page's path: "content/x.md: …"
                lead = _LEADING_FILE.match(body)
                if lead and (site / lead.group("file")).exists():
                    file = lead.group("file")
                    out.append(
                        BuildMessage(
                            message=body[lead.end() :].strip(),
                            file=file,
                            line=int(lead.group("line")) if lead.group("line") else None,
                            failure_class=classify_path(site, str(site / file)),
                        )
                    )
                    continue
                fc = FailureClass.UNKNOWN if level == "ERROR" else FailureClass.CONFIGURATION
                out.append(BuildMessage(message=body, failure_class=fc))
        elif out and raw.startswith((" ", ">")) and level == "ERROR":
            out[-1].message += "\n" + raw  # Hugo's source excerpt under a front-matter error
    return out


def _stats(stdout: str) -> dict[str, int]:
    stats: dict[str, int] = {}
    for line in stdout.splitlines():
        m = _STAT.match(line)
        if m:
            stats[m.group("name").strip().lower()] = int(m.group("n"))
    return stats


def hash_tree(root: Path) -> tuple[str, int, int]:
    """A content hash of a built tree (paths + bytes), its file count and total size.

    Two builds with the same hash publish the same bytes, whatever their mtimes. Every
    regular file counts (hidden ones too, symlinks not), in the order of their path parts.
    One thread: with pages of a few KB, a second one only trades the GIL back and forth
    around every read.
    """
    found: list[tuple[tuple[str, ...], str]] = []
    base = str(root)
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        with os.scandir(os.path.join(base, rel_dir) if rel_dir else base) as it:
            for e in it:
                if e.is_symlink():
                    continue
                rel = rel_dir + e.name
                if e.is_dir():
                    stack.append(rel + "/")
                elif e.is_file():
                    found.append((tuple(rel.split("/")), e.path))
    found.sort()
    digests = [sha256_file(full) for _, full in found]
    digest = hashlib.sha256()
    size = 0
    for (parts, _), (file_digest, n) in zip(found, digests, strict=True):
        digest.update("/".join(parts).encode() + b"\0" + file_digest)
        size += n
    return digest.hexdigest(), len(found), size


def _hash_tree_plain(root: Path) -> tuple[str, int, int]:
    """The definition ``hash_tree`` keeps to (tests compare the two)."""
    digest = hashlib.sha256()
    files = 0
    size = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
        files += 1
        size += len(data)
    return digest.hexdigest(), files, size


#: who builds: a publish (the flows' build), nightly maintenance's check, the weekly
#: external-links check, `hugopipe plan`, a local task file. Each has its own output folder
#: per environment, because Hugo's ``--cleanDestinationDir`` empties the folder first: a
#: maintenance build of the folder a publish was reviewing and uploading from made the
#: publish read half a site (seen with ten sites publishing beside their nightly runs:
#: "could not read the built page").
Purpose = Literal["publish", "maintenance", "links", "plan", "local"]
#: every purpose (tests build each one beside a publish)
PURPOSES: tuple[Purpose, ...] = ("publish", "maintenance", "links", "plan", "local")


def default_destination(site: Path, env: str, purpose: Purpose = "publish") -> Path:
    """The output folder of ``purpose``'s builds of ``env``: per environment, so a staging
    and a production build never share files, and per purpose, so no two kinds of run
    rebuild one folder under each other. The flows run one at a time per site and
    environment (flows/single_run.py); two `hugopipe plan` commands, or two local task
    files, of one site and environment at once still share their folder."""
    if purpose == "publish":
        return site / ".hugopipe" / "public" / env
    return site / ".hugopipe" / "builds" / purpose / env


def build_site(
    site: Path,
    env: str,
    *,
    destination: Path | None = None,
    base_url: str | None = None,
    minify: bool = True,
    extra_args: list[str] | None = None,
    progress: Callable[[float, str], None] | None = None,
    purpose: Purpose = "publish",
) -> BuildReport:
    """Build ``site`` for ``env`` with the pinned Hugo into a clean ``destination``.

    ``progress(percent, line)`` hears the two points where a build's progress is known:
    Hugo has rendered (with its page count; half way) and the output is hashed (done).
    """
    site = Path(site).resolve()
    dest = (Path(destination) if destination else default_destination(site, env, purpose)).resolve()
    args = ["--environment", env, "--cleanDestinationDir", "--destination", str(dest)]
    if minify:
        args.append("--minify")
    if base_url:
        args += ["--baseURL", base_url]
    args += extra_args or []
    started = time.perf_counter()
    proc = run_hugo(args, cwd=site)
    duration = time.perf_counter() - started
    text = proc.stdout + "\n" + proc.stderr
    errors = parse_messages(text, site, "ERROR")
    if proc.returncode != 0 and not errors:
        msg = proc.stderr.strip() or proc.stdout.strip() or f"hugo exited with {proc.returncode}"
        errors = [BuildMessage(message=msg, failure_class=FailureClass.UNKNOWN)]
    stats = _stats(proc.stdout)
    success = proc.returncode == 0
    if progress is not None and success:
        progress(
            50.0,
            f"Hugo rendered {stats.get('pages', 0)} pages in {duration:.1f} s; hashing the output",
        )
    content_hash, files, size = hash_tree(dest) if success and dest.is_dir() else ("", 0, 0)
    return BuildReport(
        success=success,
        environment=env,
        site_dir=str(site),
        public_dir=str(dest),
        base_url=base_url,
        hugo_version=hugo_version(),
        pages=stats.get("pages", 0),
        paginator_pages=stats.get("paginator pages", 0),
        static_files=stats.get("static files", 0),
        aliases=stats.get("aliases", 0),
        files=files,
        bytes=size,
        warnings=parse_messages(text, site, "WARN"),
        errors=errors,
        duration_seconds=round(duration, 3),
        content_hash=content_hash,
        command=["hugo", *[a if a != str(dest) else os.path.relpath(dest, site) for a in args]],
        log=text.strip()[-4000:],
    )


def raise_if_config_failed(report: BuildReport, site: Path, env: str) -> None:
    """A build that failed because Hugo could not read the site's configuration is a
    configuration error (exit 2) naming the file and line, as ``deploy`` says it, not a
    failed build of the content."""
    lines = [ln for ln in report.log.splitlines() if "failed to load config" in ln]
    if lines:
        raise config_error(site, env, "\n".join(lines))
